import { afterEach, beforeEach, expect, it } from 'vitest';
import type { HttpLimits } from '../src/http/limits.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';
import { openRaw, parseRawResponse, type RawConnection } from './support/raw-http.ts';

// Short limits, so that each cut comes within a second; the idle timeout is far longer than the others, so a cut
// before it is the timeout under test (a trickling client keeps the socket active anyway).
const LIMITS: Partial<HttpLimits> = {
  headersTimeoutMs: 800,
  requestTimeoutMs: 1_500,
  keepAliveTimeoutMs: 300,
  idleTimeoutMs: 20_000,
  checkIntervalMs: 50,
};
/** Room for a busy machine: still well under the idle timeout. */
const SLACK_MS = 5_000;

describeEachDatabase('the HTTP server cuts idle and slow connections and keeps answering', (dialect) => {
  let t: TestHub;
  const timers: NodeJS.Timeout[] = [];
  beforeEach(async () => {
    t = await startTestHub(dialect, { httpLimits: LIMITS });
    await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
  });
  afterEach(async () => {
    timers.forEach(clearInterval);
    await t?.close();
  });

  /** Writes one byte every 50 ms until the connection closes: never idle, never done. */
  const trickle = (connection: RawConnection, byte: string) => {
    timers.push(setInterval(() => !connection.socket.destroyed && connection.socket.write(byte), 50));
  };
  const healthy = async () => (await t.api('/healthz', { key: null })).status === 200;

  it('headers sent a byte at a time are cut after the headers timeout with a 408 problem; /healthz answers meanwhile', async () => {
    const slow = await openRaw(t.url);
    slow.socket.write('GET /api/v1/orders HTTP/1.1\r\nHost: waybill\r\nX-Slow: ');
    trickle(slow, 'a');
    expect(await healthy()).toBe(true);
    const { text, afterMs } = await slow.closed;
    expect(afterMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs! - 50);
    expect(afterMs).toBeLessThan(LIMITS.headersTimeoutMs! + SLACK_MS);
    const answer = parseRawResponse(text);
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({
      status: 408,
      code: 'request_timeout',
      type: 'urn:waybill:problem:request_timeout',
      detail: expect.stringMatching(/^request: /),
    });
    expect(await healthy()).toBe(true);
  });

  it('a body that never ends is cut after the request timeout and nothing is stored; /healthz answers meanwhile', async () => {
    const slow = await openRaw(t.url);
    slow.socket.write(
      `POST /api/v1/channels/storefront/orders HTTP/1.1\r\nHost: waybill\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"externalId":"slow-1",`,
    );
    trickle(slow, ' ');
    expect(await healthy()).toBe(true);
    const { text, afterMs } = await slow.closed;
    expect(afterMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs! - 50);
    expect(afterMs).toBeLessThan(LIMITS.requestTimeoutMs! + SLACK_MS);
    expect(parseRawResponse(text)).toMatchObject({ status: 408, body: { code: 'request_timeout' } });
    expect(await t.hub.store.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    expect(await healthy()).toBe(true);
  });

  it('a flood of connections that send nothing does not stop /healthz, and every one is closed after the headers timeout', async () => {
    const flood = await Promise.all(Array.from({ length: 500 }, () => openRaw(t.url)));
    expect(await healthy()).toBe(true);
    const closed = await Promise.all(flood.map((c) => c.closed));
    for (const { afterMs } of closed) expect(afterMs).toBeLessThan(LIMITS.headersTimeoutMs! + SLACK_MS);
    expect(await healthy()).toBe(true);
  });

  it('a kept-alive connection left idle after an answer is closed after the keep-alive timeout', async () => {
    const client = await openRaw(t.url);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: waybill\r\n\r\n');
    const { text, afterMs } = await client.closed;
    expect(parseRawResponse(text)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(afterMs).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs! - 50);
    expect(afterMs).toBeLessThan(LIMITS.keepAliveTimeoutMs! + SLACK_MS);
  });

  it('connections past the cap are closed at once, and those that send nothing are cut in time to free it', async () => {
    await t.close();
    t = await startTestHub(dialect, { httpLimits: { ...LIMITS, maxConnections: 20 } });
    const held = await Promise.all(Array.from({ length: 20 }, () => openRaw(t.url)));
    // Held for certain: each has reached the server, which answers nothing until its headers come.
    await until(
      '20 connections held',
      async () =>
        (await new Promise<number>((resolve) =>
          t.hub.server!.server.getConnections((_e, n) => resolve(n)),
        )) === 20,
    );
    const extra = await openRaw(t.url);
    const refused = await extra.closed;
    expect(refused.afterMs).toBeLessThan(LIMITS.headersTimeoutMs!);
    await Promise.all(held.map((c) => c.closed));
    expect(await healthy()).toBe(true);
  });
});
