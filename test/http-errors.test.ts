import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, startTestHub, testSetup, type TestHub } from './support/hub.ts';
import { openRaw, parseRawResponses, rawExchange } from './support/raw-http.ts';
import { until } from './support/until.ts';

const ORDERS = '/api/v1/channels/storefront/orders';

/** An RFC 9457 problem whose detail starts with the name of what was wrong (`path: …`, `content-length: …`). */
function expectProblem(
  answer: { status: number; body: any; contentType: string | null | undefined },
  status: number,
  code: string,
  names: string,
) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.contentType).toContain('application/problem+json');
  expect(answer.body).toMatchObject({
    type: `urn:waybill:problem:${code}`,
    title: expect.any(String),
    status,
    code,
  });
  expect(
    answer.body.detail.startsWith(`${names}: `),
    `detail "${answer.body.detail}" should start with "${names}: "`,
  ).toBe(true);
}

describeEachDatabase(
  "Fastify's and Node's own refusals are problem+json naming what was wrong",
  (dialect) => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(dialect);
      await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
    });
    afterAll(async () => {
      await t?.close();
    });

    const api = async (path: string, init: Parameters<TestHub['api']>[1] = {}) => {
      const answer = await t.api(path, init);
      return { ...answer, contentType: answer.headers.get('content-type') };
    };
    const raw = async (request: string) => {
      const answer = await rawExchange(t.url, request);
      return { ...answer, contentType: answer.headers['content-type'] };
    };

    it('a path parameter over the length limit → 414 naming the path', async () => {
      expectProblem(await api(`/api/v1/orders/${'x'.repeat(101)}`), 414, 'path_too_long', 'path');
      // At the limit it is an ordinary lookup.
      expect((await api(`/api/v1/orders/${'x'.repeat(100)}`)).status).toBe(404);
    });

    it('a malformed %-escape in the path → 400 naming the path', async () => {
      expectProblem(await api('/api/v1/orders/%E0%A4%A'), 400, 'bad_url', 'path');
    });

    it('a Content-Length shorter than the body → 400 naming the request, and the connection is closed', async () => {
      const body = JSON.stringify(orderBody('short-cl'));
      const answer = await raw(
        `POST ${ORDERS} HTTP/1.1\r\nHost: waybill\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n${body}`,
      );
      expectProblem(answer, 400, 'malformed_request', 'request');
      expect(answer.body.detail).toContain('content-length');
      expect(await t.hub.store.db.selectFrom('orders').selectAll().execute()).toEqual([]);
    });

    it('a Content-Length that is not a number → 400 naming content-length', async () => {
      expectProblem(
        await raw(
          `POST ${ORDERS} HTTP/1.1\r\nHost: waybill\r\nContent-Type: application/json\r\nContent-Length: 12abc\r\n\r\n{}`,
        ),
        400,
        'bad_content_length',
        'content-length',
      );
    });

    it('something that is not HTTP at all → 400 naming the request', async () => {
      expectProblem(await raw('HELLO THERE\r\n\r\n'), 400, 'malformed_request', 'request');
    });

    it('an HTTP/1.1 request without Host → 400 naming host; HTTP/1.0 needs none', async () => {
      expectProblem(await raw('GET /healthz HTTP/1.1\r\n\r\n'), 400, 'missing_host', 'host');
      expect(await rawExchange(t.url, 'GET /healthz HTTP/1.0\r\n\r\n')).toMatchObject({
        status: 200,
        body: { status: 'ok' },
      });
    });

    it('JSON nested 100,000 deep → 422 naming the body, not a 500', async () => {
      const depth = 100_000;
      expectProblem(
        await api(ORDERS, { rawBody: `${'['.repeat(depth)}${']'.repeat(depth)}` }),
        422,
        'invalid_input',
        'body',
      );
      expectProblem(
        await api(ORDERS, { rawBody: `{"externalId":${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}}` }),
        422,
        'invalid_input',
        `externalId${'[0]'.repeat(depth)}`,
      );
    });

    it('headers over the size limit → 431 naming the headers', async () => {
      expectProblem(
        await raw(`GET /healthz HTTP/1.1\r\nHost: waybill\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
        431,
        'headers_too_large',
        'headers',
      );
    });

    it('a body over 1 MiB → 413 naming the body', async () => {
      expectProblem(
        await api(ORDERS, { rawBody: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) }),
        413,
        'payload_too_large',
        'body',
      );
    });

    it('a body that is not JSON (text/plain, XML) → 415 naming content-type', async () => {
      for (const type of ['text/plain', 'application/xml']) {
        const answer = await api(ORDERS, { rawBody: '<order/>', headers: { 'content-type': type } });
        expectProblem(answer, 415, 'unsupported_media_type', 'content-type');
        expect(answer.body.detail).toContain(type);
      }
    });

    it('malformed or empty JSON → 400 naming the body', async () => {
      expectProblem(await api(ORDERS, { rawBody: '{"externalId": ' }), 400, 'malformed_json', 'body');
      expectProblem(await api(ORDERS, { rawBody: '' }), 400, 'malformed_json', 'body');
      expectProblem(
        await api(ORDERS, { rawBody: '{"__proto__": {"admin": true}}' }),
        400,
        'malformed_json',
        'body',
      );
    });

    it('no such path → 404 naming the path', async () => {
      expectProblem(await api('/api/v1/no-such-list'), 404, 'not_found', 'path');
    });

    it('a known path asked with a method it does not take → 405 naming the method, with Allow', async () => {
      const answer = await api('/api/v1/orders', { method: 'DELETE' });
      expectProblem(answer, 405, 'method_not_allowed', 'method');
      expect(answer.headers.get('allow')).toBe('GET, HEAD');
      const onParam = await api('/api/v1/orders/ord_1', { method: 'POST', body: {} });
      expectProblem(onParam, 405, 'method_not_allowed', 'method');
      expect(onParam.headers.get('allow')).toBe('GET, HEAD');
    });
  },
);

describeEachDatabase('a request that comes while the server closes', (dialect) => {
  it('is answered 503 problem+json and its connection closed; the request in flight is finished', async () => {
    const t = await startTestHub(dialect);
    try {
      await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
      const body = JSON.stringify(orderBody('in-flight'));
      const client = await openRaw(t.url);
      const seen = new Promise((resolve) => t.hub.server!.server.once('request', resolve));
      // A request still being sent holds the close open; a second one, pipelined behind it, comes during the close.
      client.socket.write(
        `POST /api/v1/channels/storefront/orders HTTP/1.1\r\nHost: waybill\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, -1)}`,
      );
      await seen;
      const closed = t.hub.server!.close();
      await until('the server stops listening', () => !t.hub.server!.server.listening);
      client.socket.write(`${body.slice(-1)}GET /healthz HTTP/1.1\r\nHost: waybill\r\n\r\n`);
      const [first, second] = parseRawResponses((await client.closed).text);
      await closed;
      expect(first?.status).toBe(201);
      expect(second?.status).toBe(503);
      expect(second?.headers['content-type']).toContain('application/problem+json');
      expect(second?.headers.connection).toBe('close');
      expect(second?.body).toMatchObject({
        status: 503,
        code: 'shutting_down',
        detail: expect.stringMatching(/^server: /),
      });
    } finally {
      await t.close();
    }
  });
});
