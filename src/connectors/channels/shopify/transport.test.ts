import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { shopifyConfig } from './credentials.ts';
import { adminEndpoint, postGraphql } from './transport.ts';
import { ShopifyThrottledError } from './throttle.ts';

const TOKEN = 'shpat_0123456789abcdef0123456789ab';
const REQUEST = { operationName: 'Test', query: 'query Test { shop { name } }', variables: {} };

describe('adminEndpoint', () => {
  it('is the shop domain under https, or the same path under adminUrl', () => {
    expect(
      adminEndpoint(shopifyConfig.parse({ shopDomain: 'a-shop.myshopify.com' }), {
        webhookSecret: 'x'.repeat(16),
        accessToken: TOKEN,
      }).url,
    ).toBe('https://a-shop.myshopify.com/admin/api/2026-10/graphql.json');
    const proxied = shopifyConfig.parse({
      shopDomain: 'a-shop.myshopify.com',
      adminUrl: 'http://127.0.0.1:8080/shopify/',
    });
    expect(adminEndpoint(proxied, { webhookSecret: 'x'.repeat(16), accessToken: TOKEN }).url).toBe(
      'http://127.0.0.1:8080/shopify/admin/api/2026-10/graphql.json',
    );
  });

  it('refuses a channel without an access token, for good', () => {
    expect(() =>
      adminEndpoint(shopifyConfig.parse({ shopDomain: 'a-shop.myshopify.com' }), {
        webhookSecret: 'x'.repeat(16),
      }),
    ).toThrow(PermanentError);
  });
});

describe('postGraphql', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** Answers every request with this status, body and headers; the body may echo the token, as a careless proxy might. */
  async function answering(
    status: number,
    body: (token: string) => string,
    headers: Record<string, string> = {},
  ) {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(status, headers).end(body(String(req.headers['x-shopify-access-token'])));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql.json`,
      accessToken: TOKEN,
    };
  }

  const failure = (endpoint: { url: string; accessToken: string }): Promise<Error> =>
    postGraphql(endpoint, REQUEST, AbortSignal.timeout(5_000)).then(
      () => new Error('expected the call to fail'),
      (e: unknown) => e as Error,
    );

  it('classifies answers: 401/403/404/402 permanent; 500/503/408 and non-JSON retryable; 429 throttled', async () => {
    for (const [status, permanent] of [
      [401, true],
      [403, true],
      [404, true],
      [402, true],
      [500, false],
      [503, false],
      [408, false],
    ] as const) {
      const error = await failure(await answering(status, () => '{"errors":"no"}'));
      expect([status, error instanceof PermanentError]).toEqual([status, permanent]);
      expect(error.message).toContain(`${status}`);
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
    const html = await failure(await answering(200, () => '<html>maintenance</html>'));
    expect(html).not.toBeInstanceOf(PermanentError);
    expect(html.message).toContain('not JSON');
  });

  it('turns a 429 into a throttle error whose wait follows Retry-After', async () => {
    const error = await failure(await answering(429, () => '', { 'retry-after': '2.0' }));
    expect(error).toBeInstanceOf(ShopifyThrottledError);
    expect((error as ShopifyThrottledError).waitMs).toBe(2_000);
  });

  it('never puts the access token in an error, even when the answer echoes it', async () => {
    const error = await failure(await answering(401, (token) => `{"errors":"bad token ${token}"}`));
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(TOKEN);
  });
});
