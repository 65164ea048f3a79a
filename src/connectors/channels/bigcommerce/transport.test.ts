import { createServer, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../../sim/shared.ts';
import { closedAfterEach } from '../../../../sim/testing.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { answeredStatus } from '../../shared/http-failure.ts';
import { apiClient, apiEndpoint, bigCommerceFailureOf } from './transport.ts';

const TOKEN = 'transport-token-0000000001';
const open = closedAfterEach();

/** A store answering each call with the next of `answers` (the last one again once they run out). */
async function storeAnswering(answers: ((res: ServerResponse) => void)[]) {
  const seen: { token: string | undefined; at: number }[] = [];
  const server = createServer((req, res) => {
    seen.push({ token: req.headers['x-auth-token'] as string | undefined, at: Date.now() });
    (answers[seen.length - 1] ?? answers.at(-1)!)(res);
  });
  const port = await listen(server);
  open.push({ close: () => closeServer(server) });
  const call = apiClient(
    apiEndpoint({ storeHash: `s${port}`, apiUrl: `http://127.0.0.1:${port}` }, { accessToken: TOKEN }),
    AbortSignal.timeout(10_000),
  );
  return { seen, call };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('BigCommerce transport', () => {
  it('sends the token, sits out a 429 for as long as X-Rate-Limit-Time-Reset-Ms says, and goes on', async () => {
    const { seen, call } = await storeAnswering([
      json(
        429,
        { status: 429, title: 'Too many requests' },
        { 'x-rate-limit-time-reset-ms': '150', 'x-rate-limit-requests-left': '0' },
      ),
      json(
        200,
        { name: 'Shop' },
        { 'x-rate-limit-requests-left': '149', 'x-rate-limit-time-reset-ms': '30000' },
      ),
    ]);
    expect(await call({ method: 'GET', path: '/v2/store' })).toEqual({ name: 'Shop' });
    expect(seen.map((s) => s.token)).toEqual([TOKEN, TOKEN]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(150);
  });

  it('reads a 204 as nothing: the v2 API answers an empty collection so', async () => {
    const { call } = await storeAnswering([(res) => res.writeHead(204).end()]);
    expect(await call({ method: 'GET', path: '/v2/orders' })).toBeUndefined();
  });

  it('checks an answer the caller does not read for JSON without parsing it, and refuses one that is not', async () => {
    const { call } = await storeAnswering([
      json(200, { data: [{ id: 1, inventory_level: 5 }] }),
      (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
    ]);
    const request = { method: 'PUT', path: '/v3/catalog/variants', body: [], unread: true } as const;
    expect(await call(request)).toBeUndefined();
    const error = (await call(request).catch((e: unknown) => e)) as Error;
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error.message).toContain('the answer is not JSON: <html>maintenance</html>');
  });

  it('names a refused token and what to check, never the token, even when the answer echoes it', async () => {
    const { call } = await storeAnswering([
      json(401, [{ status: 401, message: `token ${TOKEN} is not valid` }]),
    ]);
    const error = (await call({ method: 'GET', path: '/v2/store' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain("check the channel's accessToken");
    expect(error.message).toContain('token [redacted] is not valid');
    expect(error.message).not.toContain(TOKEN);
    expect(answeredStatus(error)).toBe(401);
  });

  it('retries what may pass later and stops at what will not, keeping what BigCommerce said', async () => {
    const failing = await storeAnswering([json(503, { status: 503, title: 'Service Unavailable' })]);
    const busy = (await failing
      .call({ method: 'GET', path: '/v2/orders' })
      .catch((e: unknown) => e)) as Error;
    expect(busy).not.toBeInstanceOf(PermanentError);
    expect(busy.message).toContain('503 Service Unavailable');
    const refusing = await storeAnswering([
      json(422, {
        status: 422,
        title: 'Refund amount exceeds remaining amount',
        errors: { items: 'too many' },
      }),
    ]);
    const refused = (await refusing
      .call({ method: 'POST', path: '/v3/orders/1/payment_actions/refunds', body: {} })
      .catch((e: unknown) => e)) as Error;
    expect(refused).toBeInstanceOf(PermanentError);
    expect(bigCommerceFailureOf(refused)).toEqual({
      status: 422,
      message: 'Refund amount exceeds remaining amount: items: too many',
    });
  });
});
