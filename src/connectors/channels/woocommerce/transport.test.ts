import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { woocommerceConfig, type RestAuthMode } from './credentials.ts';
import { restEndpoint, restFailureOf, sendRest, sendRestPage, type RestEndpoint } from './transport.ts';

const KEY = `ck_${'a'.repeat(40)}`;
const SECRET = `cs_${'b'.repeat(40)}`;
const keys = { webhookSecret: 'w'.repeat(16), consumerKey: KEY, consumerSecret: SECRET };

describe('the store address and the keys', () => {
  it('puts the REST API under the store address, a subdirectory kept, query and credentials dropped', () => {
    expect(restEndpoint(woocommerceConfig.parse({ storeUrl: 'https://shop.example.com/' }), keys).base).toBe(
      'https://shop.example.com/wp-json/wc/v3',
    );
    const nested = restEndpoint(
      woocommerceConfig.parse({ storeUrl: 'https://u:p@example.com/shop/?lang=en' }),
      keys,
    );
    expect(nested).toMatchObject({ base: 'https://example.com/shop/wp-json/wc/v3', host: 'example.com' });
    expect(nested.authorization).toBe(`Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`);
  });

  it('takes plain http only on a loopback host', () => {
    for (const storeUrl of ['http://127.0.0.1:8080', 'http://localhost:3000/shop', 'http://[::1]:81'])
      expect(woocommerceConfig.safeParse({ storeUrl }).success).toBe(true);
    for (const storeUrl of [
      'http://shop.example.com',
      'http://10.0.0.5',
      'http://127.0.0.1.example.com',
      'ftp://127.0.0.1',
    ])
      expect(woocommerceConfig.safeParse({ storeUrl }).success).toBe(false);
    // A row written around the schema is refused at the moment of sending too.
    expect(() => restEndpoint({ storeUrl: 'http://shop.example.com' }, keys)).toThrow(PermanentError);
  });

  it('refuses a channel without a key pair, for good', () => {
    const config = woocommerceConfig.parse({ storeUrl: 'https://shop.example.com' });
    expect(() => restEndpoint(config, { webhookSecret: 'w'.repeat(16), consumerKey: KEY })).toThrow(
      /no REST API keys/,
    );
    expect(() => restEndpoint(config, { webhookSecret: 'w'.repeat(16) })).toThrow(PermanentError);
  });
});

describe('sendRest', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A server answering every request the same way, remembering what it was sent. */
  async function answering(
    status: number,
    body: string | ((url: string) => string),
    headers: Record<string, string> = {},
    config: { restAuth?: RestAuthMode } = {},
    secrets = keys,
  ): Promise<{
    endpoint: RestEndpoint;
    seen: { url: string; method: string; headers: IncomingHttpHeaders; body: string }[];
  }> {
    const seen: { url: string; method: string; headers: IncomingHttpHeaders; body: string }[] = [];
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body: text });
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(typeof body === 'string' ? body : body(req.url ?? ''));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      endpoint: restEndpoint(
        woocommerceConfig.parse({ storeUrl: `http://127.0.0.1:${port}/shop`, ...config }),
        secrets,
      ),
      seen,
    };
  }

  const signal = () => AbortSignal.timeout(5_000);
  const failure = async (promise: Promise<unknown>): Promise<Error> =>
    promise.then(
      () => expect.fail('should have failed'),
      (error: Error) => error,
    );

  it('reads an answer only when it holds what the caller looks for; one that is not JSON is refused still', async () => {
    const whole = '{"update":[{"id":1,"name":"Mug","description":"<p>no errors here</p>"}]}';
    const refused =
      '{"update":[{"id":2,"error":{"code":"woocommerce_rest_product_invalid_id","message":"Invalid ID."}}]}';
    const { endpoint } = await answering(200, (url) =>
      url.includes('answer=whole')
        ? whole
        : url.includes('answer=refused')
          ? refused
          : '<html>maintenance</html>',
    );
    const batch = (answer: string) =>
      sendRest(
        endpoint,
        { method: 'POST', path: '/products/batch', query: { answer }, body: {}, readIfIncludes: '"error"' },
        signal(),
      );
    expect(await batch('whole')).toBeUndefined();
    expect(await batch('refused')).toEqual(JSON.parse(refused));
    const maintenance = await failure(batch('maintenance'));
    expect(maintenance).not.toBeInstanceOf(PermanentError);
    expect(maintenance.message).toContain('<html>maintenance</html>');
  });

  it('sends JSON with HTTP Basic auth and the query, and returns the parsed answer', async () => {
    const { endpoint, seen } = await answering(201, '{"id":7}');
    const answer = await sendRest(
      endpoint,
      { method: 'POST', path: '/orders/12/notes', query: { type: 'customer' }, body: { note: 'x' } },
      signal(),
    );
    expect(answer).toEqual({ id: 7 });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/shop/wp-json/wc/v3/orders/12/notes?type=customer',
      body: '{"note":"x"}',
    });
    expect(seen[0]!.headers).toMatchObject({
      authorization: endpoint.authorization,
      'content-type': 'application/json',
      accept: 'application/json',
    });
  });

  it('401 is permanent, names the refusal, and never carries the secret, even when the answer echoes it', async () => {
    const body = JSON.stringify({
      code: 'woocommerce_rest_authentication_error',
      message: `Consumer secret is invalid: ${SECRET}`,
      data: { status: 401 },
    });
    const { endpoint } = await answering(401, body);
    const error = await failure(sendRest(endpoint, { method: 'GET', path: '/orders/1' }, signal()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('refused the REST API keys (401 woocommerce_rest_authentication_error');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(endpoint.authorization!.slice(6));
  });

  it('restAuth query-string: the keys go as consumer_key and consumer_secret in the query, and no Authorization header', async () => {
    const { endpoint, seen } = await answering(200, '{"id":7}', {}, { restAuth: 'query-string' });
    await sendRest(endpoint, { method: 'GET', path: '/orders/12', query: { context: 'view' } }, signal());
    const url = new URL(seen[0]!.url, 'http://x');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      context: 'view',
      consumer_key: KEY,
      consumer_secret: SECRET,
    });
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('restAuth query-string: neither key nor secret reaches a message, in clear or URL-encoded, whatever echoes the URL', async () => {
    const odd = { ...keys, consumerSecret: 'cs_a+b/c=d e&f' };
    const echo = (url: string) =>
      JSON.stringify({
        code: 'rest_no_route',
        message: `No route for ${url} (${decodeURIComponent(url)})`,
        data: { status: 404 },
      });
    const forbidden = [
      KEY,
      odd.consumerSecret,
      encodeURIComponent(odd.consumerSecret),
      new URLSearchParams({ s: odd.consumerSecret }).toString().slice(2),
    ];
    for (const status of [404, 500, 200]) {
      const body = status === 200 ? (url: string) => `<html>maintenance ${url}</html>` : echo;
      const { endpoint, seen } = await answering(status, body, {}, { restAuth: 'query-string' }, odd);
      const error = await failure(sendRest(endpoint, { method: 'GET', path: '/orders/1' }, signal()));
      expect(seen[0]!.url).toContain('consumer_secret=');
      expect(error.message).toContain('[redacted]');
      for (const text of forbidden) expect(error.message).not.toContain(text);
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
  });

  it(
    "a call's own timeoutMs bounds it (a refund waits far longer than other calls)",
    { timeout: 5_000 },
    async () => {
      server = createServer(() => undefined);
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const endpoint = restEndpoint(
        woocommerceConfig.parse({ storeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
        keys,
      );
      const error = await failure(
        sendRest(
          endpoint,
          { method: 'POST', path: '/orders/1/refunds', body: {}, timeoutMs: 200 },
          new AbortController().signal,
        ),
      );
      expect(error.message).toContain('no answer from WooCommerce');
      server.closeAllConnections();
    },
  );

  it('a request that arrived without credentials hints at a server dropping the Authorization header', async () => {
    const { endpoint } = await answering(
      401,
      JSON.stringify({
        code: 'woocommerce_rest_cannot_view',
        message: 'Sorry, you cannot list resources.',
        data: { status: 401 },
      }),
    );
    expect(
      (await failure(sendRest(endpoint, { method: 'GET', path: '/products' }, signal()))).message,
    ).toContain('dropping the Authorization header');
  });

  it('404 is permanent; with rest_no_route it says the address has no REST API v3', async () => {
    const { endpoint } = await answering(
      404,
      JSON.stringify({
        code: 'rest_no_route',
        message: 'No route was found matching the URL and request method.',
        data: { status: 404 },
      }),
    );
    const error = await failure(sendRest(endpoint, { method: 'GET', path: '/orders/1' }, signal()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('no WooCommerce REST API v3 there');
  });

  it('429, 408 and 5xx are retried (a plain Error); 429 says when', async () => {
    for (const [status, headers] of [
      [429, { 'retry-after': '7' }],
      [408, {}],
      [503, {}],
    ] as const) {
      const { endpoint } = await answering(status, '{"code":"x","message":"busy"}', headers);
      const error = await failure(sendRest(endpoint, { method: 'GET', path: '/products' }, signal()));
      expect(error).not.toBeInstanceOf(PermanentError);
      expect(error.message).toContain(String(status));
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
  });

  it('a page of a collection carries X-WP-TotalPages; a page without the header says so', async () => {
    const { endpoint } = await answering(200, '[{"id":1}]', { 'x-wp-total': '201', 'x-wp-totalpages': '3' });
    expect(
      await sendRestPage(endpoint, { method: 'GET', path: '/orders', query: { page: '1' } }, signal()),
    ).toEqual({ body: [{ id: 1 }], totalPages: 3 });
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const { endpoint: bare } = await answering(200, '[]');
    expect(
      (await sendRestPage(bare, { method: 'GET', path: '/orders' }, signal())).totalPages,
    ).toBeUndefined();
  });

  it('keeps what WooCommerce answered beside the error, for callers that tell refusals apart', async () => {
    const message = 'The payment gateway for this order does not support automatic refunds.';
    const { endpoint } = await answering(
      500,
      JSON.stringify({ code: 'woocommerce_rest_cannot_create_order_refund', message, data: 500 }),
    );
    const error = await failure(
      sendRest(endpoint, { method: 'POST', path: '/orders/1/refunds', body: {} }, signal()),
    );
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(restFailureOf(error)).toEqual({
      status: 500,
      code: 'woocommerce_rest_cannot_create_order_refund',
      message,
    });
    expect(restFailureOf(new Error('x'))).toBeUndefined();
  });

  it('another 4xx (a batch over the limit) is permanent', async () => {
    const { endpoint } = await answering(
      413,
      JSON.stringify({
        code: 'woocommerce_rest_request_entity_too_large',
        message: 'Unable to accept more than 100 items for this request.',
        data: { status: 413 },
      }),
    );
    const error = await failure(
      sendRest(endpoint, { method: 'POST', path: '/products/batch', body: { update: [] } }, signal()),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('woocommerce_rest_request_entity_too_large');
  });

  it('a 2xx that is not JSON, or no answer at all, is retried', async () => {
    const { endpoint } = await answering(200, '<html>Briefly unavailable for scheduled maintenance.</html>');
    const notJson = await failure(sendRest(endpoint, { method: 'GET', path: '/orders/1' }, signal()));
    expect(notJson).not.toBeInstanceOf(PermanentError);
    expect(notJson.message).toContain('not JSON');
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const gone = await failure(sendRest(endpoint, { method: 'GET', path: '/orders/1' }, signal()));
    expect(gone).not.toBeInstanceOf(PermanentError);
    expect(gone.message).toContain('no answer from WooCommerce');
  });
});
