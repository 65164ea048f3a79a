import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PullFailed, pullIfChanged, type PullOptions, type PreviousPull } from '../src/infra/http-pull.ts';

const OPTIONS: PullOptions = { timeoutMs: 5_000, maxBytes: 1_000, expect: 'csv' };
const LAST_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';
const FIRST = { body: 'sku,qty\nA-1,4\n', etag: '"v1"' };

/** A supplier's web server: what it serves, and every request it saw. */
interface Supplier {
  base: string;
  seen: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startSupplier(route: (req: IncomingMessage, res: ServerResponse) => void): Promise<Supplier> {
  const seen: Supplier['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      // The stalled answers never end by themselves.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let feed = FIRST;
/** Set when the stalling route has sent its headers and first bytes: the timeout then cuts the body, not the wait. */
let stalledMidBody = false;

function supplierRoutes(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://supplier').pathname;
  const hops = /^\/hop\/(\d+)$/.exec(path);
  if (hops) {
    const left = Number(hops[1]);
    res.writeHead(302, { location: left > 1 ? `/hop/${left - 1}` : '/feed.csv' }).end();
    return;
  }
  switch (path) {
    case '/feed.csv':
      res.setHeader('etag', feed.etag);
      res.setHeader('last-modified', LAST_MODIFIED);
      if (req.headers['if-none-match'] === feed.etag) return void res.writeHead(304).end();
      return void res.writeHead(200, { 'content-type': 'text/csv' }).end(feed.body);
    case '/dated.csv': {
      res.setHeader('last-modified', LAST_MODIFIED);
      const since = Date.parse(req.headers['if-modified-since'] ?? '');
      if (since >= Date.parse(LAST_MODIFIED)) return void res.writeHead(304).end();
      return void res.writeHead(200, { 'content-type': 'text/csv' }).end(FIRST.body);
    }
    case '/status/500':
      return void res.writeHead(500).end('boom');
    case '/status/404':
      return void res.writeHead(404).end('no such feed');
    case '/status/429':
      return void res.writeHead(429, { 'retry-after': '120' }).end();
    case '/status/503':
      return void res
        .writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() })
        .end('maintenance');
    case '/maintenance':
      return void res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!DOCTYPE html><html><body>Down for maintenance</body></html>');
    case '/login-as-csv':
      return void res
        .writeHead(200, { 'content-type': 'text/csv' })
        .end('\uFEFF\n  <html><body>Please sign in</body></html>');
    case '/exact':
      return void res.writeHead(200, { 'content-type': 'text/csv' }).end('x'.repeat(OPTIONS.maxBytes));
    case '/large':
      // writeHead() alone sends no Content-Length: it is declared here, to be read before the body.
      return void res
        .writeHead(200, { 'content-type': 'text/csv', 'content-length': 5_000 })
        .end('x'.repeat(5_000));
    case '/large-chunked':
      // Several writes and no Content-Length: node sends it chunked, so only counting can tell.
      res.writeHead(200, { 'content-type': 'text/csv' });
      for (let i = 0; i < 4; i++) res.write('x'.repeat(600));
      return void res.end();
    case '/stall':
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('sku,qty\n', () => (stalledMidBody = true));
      return;
    case '/silent':
      return;
    case '/away':
      return void res.writeHead(302, { location: `${elsewhere.base}/feed.csv` }).end();
    default:
      res.writeHead(500).end(`unexpected ${path}`);
  }
}

let supplier: Supplier;
/** Another origin (another port), where a redirect may lead. */
let elsewhere: Supplier;

beforeAll(async () => {
  supplier = await startSupplier(supplierRoutes);
  elsewhere = await startSupplier((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/csv' }).end('sku\n'),
  );
});
afterAll(async () => {
  await supplier?.close();
  await elsewhere?.close();
});
beforeEach(() => {
  feed = FIRST;
  stalledMidBody = false;
});

const lastSeen = (server: Supplier, path: string) => server.seen.filter((s) => s.path === path).at(-1);

async function pullFailure(url: string, previous: PreviousPull, options: PullOptions): Promise<PullFailed> {
  const outcome = await pullIfChanged(url, previous, options).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(PullFailed);
  return outcome as PullFailed;
}

describe('pulling a feed only when it changed', () => {
  it('brings the file and its ETag, then sends If-None-Match and takes a 304 as unchanged', async () => {
    const first = await pullIfChanged(`${supplier.base}/feed.csv`, {}, OPTIONS);
    expect(first).toMatchObject({
      changed: true,
      etag: '"v1"',
      lastModified: LAST_MODIFIED,
      contentType: 'text/csv',
    });
    expect(first.changed && first.bytes.toString()).toBe(FIRST.body);
    expect(lastSeen(supplier, '/feed.csv')?.headers['if-none-match']).toBeUndefined();

    const etag = first.changed ? first.etag : undefined;
    const second = await pullIfChanged(`${supplier.base}/feed.csv`, { etag }, OPTIONS);
    expect(second).toEqual({ changed: false });
    expect(lastSeen(supplier, '/feed.csv')?.headers['if-none-match']).toBe('"v1"');
  });

  it('a server with only Last-Modified gets If-Modified-Since, and its 304 is honoured', async () => {
    const first = await pullIfChanged(`${supplier.base}/dated.csv`, {}, OPTIONS);
    expect(first).toMatchObject({ changed: true, lastModified: LAST_MODIFIED });
    expect(first.changed && first.etag).toBeUndefined();

    const second = await pullIfChanged(
      `${supplier.base}/dated.csv`,
      { lastModified: LAST_MODIFIED },
      OPTIONS,
    );
    expect(second).toEqual({ changed: false });
    expect(lastSeen(supplier, '/dated.csv')?.headers['if-modified-since']).toBe(LAST_MODIFIED);
  });

  it('changed content brings the new bytes and the new ETag', async () => {
    feed = { body: 'sku,qty\nA-1,0\nB-2,7\n', etag: '"v2"' };
    const pulled = await pullIfChanged(`${supplier.base}/feed.csv`, { etag: '"v1"' }, OPTIONS);
    expect(pulled).toMatchObject({ changed: true, etag: '"v2"' });
    expect(pulled.changed && pulled.bytes.toString()).toBe(feed.body);
  });

  it('asks for the expected format', async () => {
    await pullIfChanged(`${supplier.base}/feed.csv`, {}, { ...OPTIONS, expect: 'xlsx' });
    expect(lastSeen(supplier, '/feed.csv')?.headers.accept).toMatch(/^application\/vnd\.openxml/);
  });
});

describe('answers that are not the feed', () => {
  it('a 500 is retryable, a 404 is not', async () => {
    const busy = await pullFailure(`${supplier.base}/status/500`, {}, OPTIONS);
    expect(busy).toMatchObject({ status: 500, retryable: true, code: 'pull_failed' });
    expect(busy.message).toContain('answered 500 Internal Server Error');

    const gone = await pullFailure(`${supplier.base}/status/404`, {}, OPTIONS);
    expect(gone).toMatchObject({ status: 404, retryable: false });
    expect(gone.message).toMatch(/answered 404 Not Found: check the feed address/);
  });

  it('a 429 is retryable after the Retry-After it gave, in seconds or as a date', async () => {
    const limited = await pullFailure(`${supplier.base}/status/429`, {}, OPTIONS);
    expect(limited).toMatchObject({ status: 429, retryable: true, retryAfterMs: 120_000 });
    expect(limited.message).toContain('retry after 120 s');

    const down = await pullFailure(`${supplier.base}/status/503`, {}, OPTIONS);
    expect(down).toMatchObject({ status: 503, retryable: true });
    expect(down.retryAfterMs).toBeGreaterThan(55_000);
    expect(down.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('an HTML page answered 200 is refused with the reason, by its type or by its first bytes', async () => {
    const page = await pullFailure(`${supplier.base}/maintenance`, {}, OPTIONS);
    expect(page).toMatchObject({ status: 200, retryable: true });
    expect(page.message).toMatch(/HTML page instead of the feed \(its Content-Type is text\/html/);

    const sniffed = await pullFailure(`${supplier.base}/login-as-csv`, {}, OPTIONS);
    expect(sniffed).toMatchObject({ status: 200, retryable: true });
    expect(sniffed.message).toContain('its body starts like an HTML page');
  });

  it('a body over maxBytes is refused, by its Content-Length or by counting; one at the limit comes through', async () => {
    const declared = await pullFailure(`${supplier.base}/large`, {}, OPTIONS);
    expect(declared).toMatchObject({ retryable: false });
    expect(declared.message).toContain('is 5000 bytes by its Content-Length, over the 1000 bytes');

    const counted = await pullFailure(`${supplier.base}/large-chunked`, {}, OPTIONS);
    expect(counted).toMatchObject({ retryable: false });
    expect(counted.message).toContain('is more than 1000 bytes, over the 1000 bytes');

    const exact = await pullIfChanged(`${supplier.base}/exact`, {}, OPTIONS);
    expect(exact.changed && exact.bytes.length).toBe(OPTIONS.maxBytes);
  });

  it('a server that sends headers and then stalls times out within timeoutMs, as does one that never answers', async () => {
    for (const path of ['/stall', '/silent']) {
      const started = performance.now();
      const error = await pullFailure(`${supplier.base}${path}`, {}, { ...OPTIONS, timeoutMs: 300 });
      const elapsedMs = performance.now() - started;
      expect(error).toMatchObject({ retryable: true, status: undefined });
      expect(error.message).toContain('did not finish within 300 ms');
      expect(elapsedMs).toBeGreaterThanOrEqual(250);
      expect(elapsedMs).toBeLessThan(300 + 2_000);
    }
    expect(stalledMidBody).toBe(true);
  });

  it('a refused connection is retryable', async () => {
    const closed = await startSupplier(() => undefined);
    await closed.close();
    const error = await pullFailure(`${closed.base}/feed.csv`, {}, OPTIONS);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('redirects', () => {
  it('are followed, up to five', async () => {
    const followed = await pullIfChanged(`${supplier.base}/hop/5`, {}, OPTIONS);
    expect(followed).toMatchObject({ changed: true, etag: '"v1"' });

    const unchanged = await pullIfChanged(`${supplier.base}/hop/2`, { etag: '"v1"' }, OPTIONS);
    expect(unchanged).toEqual({ changed: false });

    const endless = await pullFailure(`${supplier.base}/hop/6`, {}, OPTIONS);
    expect(endless).toMatchObject({ status: 302, retryable: false });
    expect(endless.message).toContain('after 5 redirects');
  });

  it("to another origin, without the feed's credentials", async () => {
    const headers = { Authorization: 'Bearer feed-token', 'X-Api-Key': 'api-key-1' };
    const pulled = await pullIfChanged(`${supplier.base}/away`, {}, { ...OPTIONS, headers });
    expect(pulled.changed && pulled.bytes.toString()).toBe('sku\n');
    expect(lastSeen(supplier, '/away')?.headers).toMatchObject({
      authorization: 'Bearer feed-token',
      'x-api-key': 'api-key-1',
    });
    const there = lastSeen(elsewhere, '/feed.csv')?.headers;
    expect(there?.authorization).toBeUndefined();
    expect(there?.['x-api-key']).toBeUndefined();
    expect(there?.accept).toMatch(/^text\/csv/);
  });
});

describe('credentials', () => {
  it('in the address are sent as HTTP Basic', async () => {
    const url = supplier.base.replace('://', '://bob:s3cret%21@');
    await pullIfChanged(`${url}/feed.csv`, {}, OPTIONS);
    const basic = `Basic ${Buffer.from('bob:s3cret!').toString('base64')}`;
    expect(lastSeen(supplier, '/feed.csv')?.headers.authorization).toBe(basic);
  });

  it('never appear in an error: not the userinfo, the secret query values or the Authorization header', async () => {
    const closed = await startSupplier(() => undefined);
    await closed.close();
    const secrets = ['bob', 's3cret-pw', 'tok-123', 'sig-456', 'hdr-789'];
    const query = '?token=tok-123&X-Amz-Signature=sig-456&page=2';
    const options = { ...OPTIONS, timeoutMs: 300, headers: { Authorization: 'Bearer hdr-789' } };
    for (const [base, path] of [
      [supplier.base, '/status/404'],
      [supplier.base, '/stall'],
      [closed.base, '/feed.csv'],
    ] as const) {
      const url = `${base.replace('://', '://bob:s3cret-pw@')}${path}${query}`;
      const error = await pullFailure(url, {}, options);
      const told = [error.message, error.reason, String(error.stack), JSON.stringify(error)].join('\n');
      for (const secret of secrets) expect(told).not.toContain(secret);
      expect(error.message).toContain(`${path}?token=***&X-Amz-Signature=***&page=2`);
    }
    expect(lastSeen(supplier, `/status/404${query}`)?.headers.authorization).toBe('Bearer hdr-789');
  });

  it('an address that is not http(s) or not an address is refused without quoting it', async () => {
    const ftp = await pullFailure('ftp://bob:pw-1@feeds.example/stock.csv', {}, OPTIONS);
    expect(ftp).toMatchObject({ retryable: false });
    expect(ftp.message).toBe('ftp://feeds.example/stock.csv is not an http:// or https:// address');

    const garbage = await pullFailure('http://bob:pw-2@[bad/stock.csv', {}, OPTIONS);
    expect(garbage.message).toBe('the feed address is not a valid URL');
  });
});
