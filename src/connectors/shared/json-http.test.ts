import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../sim/shared.ts';
import { PermanentError } from '../../domain/permanent-error.ts';
import { answeredStatus } from './http-failure.ts';
import {
  failureDetails,
  jsonBody,
  redact,
  retryAfterMs,
  sendJson,
  statusClass,
  statusFailure,
  urlOf,
  type JsonRequest,
} from './json-http.ts';

const SECRET = 's3cret/with+odd&chars';
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => Promise.all(servers.splice(0).map((s) => closeServer(s))));

/** A local server answering every request with `handle`; the request it saw last, body included. */
async function serving(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string } = {};
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      Object.assign(seen, { method: req.method, url: req.url, headers: req.headers, body });
      handle(req, body, res);
    });
  });
  servers.push(server);
  return { base: `http://127.0.0.1:${await listen(server)}`, seen };
}

const request = (url: string, more: Partial<JsonRequest> = {}): JsonRequest => ({
  method: 'GET',
  url,
  timeoutMs: 2_000,
  signal: AbortSignal.timeout(5_000),
  where: 'GET /things at shop',
  peer: 'Shop',
  redact: [SECRET],
  ...more,
});

describe('sendJson', () => {
  it('sends JSON with the usual headers and the adapter own, and reads the answer as text', async () => {
    const { base, seen } = await serving((_req, body, res) =>
      res.writeHead(201, { 'content-type': 'application/json', 'x-extra': '1' }).end(body),
    );
    const answer = await sendJson(
      request(`${base}/things?a=1`, { method: 'POST', body: { n: 1 }, headers: { 'x-auth-token': 't' } }),
    );
    expect([answer.status, answer.ok, answer.headers.get('x-extra')]).toEqual([201, true, '1']);
    expect(jsonBody(answer.text, 'here')).toEqual({ n: 1 });
    expect(seen).toMatchObject({ method: 'POST', url: '/things?a=1', body: '{"n":1}' });
    expect(seen.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': 'Waybill/0.1',
      'x-auth-token': 't',
    });
  });

  it('does not follow a redirect: the platform token in its headers would go wherever Location points', async () => {
    const { base, seen } = await serving((_req, _body, res) =>
      res.writeHead(301, { location: 'http://127.0.0.1:1/elsewhere' }).end(),
    );
    const answer = await sendJson(request(`${base}/things`, { headers: { 'x-auth-token': 't' } }));
    expect([answer.status, answer.ok, answer.headers.get('location')]).toEqual([
      301,
      false,
      'http://127.0.0.1:1/elsewhere',
    ]);
    expect(seen).toMatchObject({ url: '/things' });
  });

  it('sends URLSearchParams form-encoded', async () => {
    const { base, seen } = await serving((_req, _body, res) => res.end('{}'));
    await sendJson(
      request(base, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', a: 'x y' }) }),
    );
    expect(seen.body).toBe('grant_type=refresh_token&a=x+y');
    expect(seen.headers?.['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  });

  it('sends no content-type without a body', async () => {
    const { base, seen } = await serving((_req, _body, res) => res.end('{}'));
    await sendJson(request(base));
    expect(seen.headers?.['content-type']).toBeUndefined();
  });

  it('takes every secret out of the answer, as written and URL-encoded both ways', async () => {
    const { base } = await serving((req, _body, res) => res.writeHead(400).end(`echo ${req.url} ${SECRET}`));
    const url = new URL(base);
    url.searchParams.set('secret', SECRET);
    url.searchParams.set('raw', 'x');
    const answer = await sendJson(request(`${url.href}&enc=${encodeURIComponent(SECRET)}`));
    expect(answer.text).toContain('[redacted]');
    for (const form of [
      SECRET,
      encodeURIComponent(SECRET),
      new URLSearchParams({ s: SECRET }).toString().slice(2),
    ])
      expect(answer.text).not.toContain(form);
  });

  it(
    'turns a call over its own timeout into a retryable error naming where',
    { timeout: 5_000 },
    async () => {
      const { base } = await serving(() => undefined);
      const error = (await sendJson(request(base, { timeoutMs: 150 })).catch((e: unknown) => e)) as Error;
      expect(error).not.toBeInstanceOf(PermanentError);
      expect(error.message).toMatch(/^GET \/things at shop: no answer from Shop: .*timeout/);
      expect(answeredStatus(error)).toBeUndefined();
    },
  );

  it('turns no answer at all into a retryable error, the cause unwrapped', async () => {
    const { base } = await serving(() => undefined);
    const port = new URL(base).port;
    await closeServer(servers.pop()!);
    const error = (await sendJson(request(`http://127.0.0.1:${port}/`)).catch((e: unknown) => e)) as Error;
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error.message).toContain('GET /things at shop: no answer from Shop: connect ECONNREFUSED');
  });

  it("throws the job's own abort as it came when asked, else as no answer", async () => {
    const { base } = await serving(() => undefined);
    const job = new AbortController();
    const pending = [
      sendJson(request(base, { signal: job.signal, abortAsIs: true })),
      sendJson(request(base, { signal: job.signal })),
    ];
    setTimeout(() => job.abort(), 50);
    const [asIs, wrapped] = (await Promise.all(pending.map((p) => p.catch((e: unknown) => e)))) as Error[];
    expect(asIs!.name).toBe('AbortError');
    expect(wrapped!.message).toContain('no answer from Shop');
  });

  it('keeps a secret out of a failure that names the URL', async () => {
    const url = `http://u:${encodeURIComponent(SECRET)}@127.0.0.1:1/`;
    const error = (await sendJson(request(url)).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('no answer from Shop: Request cannot be constructed');
    expect(error.message).toContain('http://u:[redacted]@127.0.0.1:1/');
  });

  it('redacts the longest secret first', () => {
    expect(redact('key=abc abcdef', ['abc', 'abcdef', undefined, ''])).toBe('key=[redacted] [redacted]');
  });
});

describe('the status classes', () => {
  it('gives up on 401/403/404 and the other 4xx, and leaves 408, 429 and 5xx to the back-off', () => {
    const table = [401, 403, 404, 400, 402, 409, 422, 408, 429, 500, 503].map((status) => {
      const error = statusFailure(status, (kind) => `${status} ${kind}`);
      expect(answeredStatus(error)).toBe(status);
      return [error.message, error instanceof PermanentError];
    });
    expect(table).toEqual([
      ['401 credentials', true],
      ['403 credentials', true],
      ['404 not-found', true],
      ['400 refused', true],
      ['402 refused', true],
      ['409 refused', true],
      ['422 refused', true],
      ['408 unavailable', false],
      ['429 throttled', false],
      ['500 unavailable', false],
      ['503 unavailable', false],
    ]);
    expect(statusClass(599)).toBe('unavailable');
  });

  it('keeps the details of a failure beside the error', () => {
    const failures = failureDetails<{ status: number }>();
    const error = failures.keep(
      statusFailure(422, () => 'no'),
      { status: 422 },
    );
    expect(failures.of(error)).toEqual({ status: 422 });
    expect(failures.of(new Error('other'))).toBeUndefined();
    expect(failures.of('not an error')).toBeUndefined();
  });
});

describe('a 2xx that is not JSON', () => {
  it('is a retryable error from something in between, with the start of what came', async () => {
    const { base } = await serving((_req, _body, res) => res.end('<html>maintenance</html>'));
    const answer = await sendJson(request(base));
    expect(answer.ok).toBe(true);
    const error = (() => {
      try {
        jsonBody(answer.text, 'GET / at shop');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error?.message).toBe('GET / at shop: the answer is not JSON: <html>maintenance</html>');
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, whole or not, and an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(' 2.0 ')).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 8_000)).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 20_000)).toBe(0);
  });

  it('is undefined when absent or neither', () => {
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('-1')).toBeUndefined();
  });
});

describe('urlOf', () => {
  it('puts the path under the root and sets each query parameter, encoded', () => {
    expect(urlOf('https://shop/wp-json/wc/v3', '/orders', { after: '2026-01-01 10:00', a: 'x&y' }).href).toBe(
      'https://shop/wp-json/wc/v3/orders?after=2026-01-01+10%3A00&a=x%26y',
    );
    expect(urlOf('https://shop', '/v2/store').href).toBe('https://shop/v2/store');
  });
});
