import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../../sim/shared.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { searchCriteriaQuery } from './search-criteria.ts';
import { fillPlaceholders, magentoClient, magentoEndpoint, throttleWaitMs } from './transport.ts';

const SECRETS = {
  accessToken: 'a'.repeat(32),
  accessTokenSecret: 'b'.repeat(32),
  consumerKey: 'c'.repeat(32),
  consumerSecret: 'd'.repeat(32),
};

describe('the Magento transport', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => Promise.all(servers.splice(0).map((s) => closeServer(s))));

  it("fills Magento's placeholders, numbered and named", () => {
    expect(fillPlaceholders('Maximum items of type "%type" is %max', { type: 'X', max: 20 })).toBe(
      'Maximum items of type "X" is 20',
    );
    expect(fillPlaceholders('products with requested skus were not found: %1', ['A, B'])).toBe(
      'products with requested skus were not found: A, B',
    );
    expect(fillPlaceholders('no parameters %1', undefined)).toBe('no parameters %1');
  });

  it('waits as Retry-After says (seconds or a date), else 1 s doubling', () => {
    expect(throttleWaitMs('3', 1)).toBe(3_000);
    expect(throttleWaitMs(new Date(10_000).toUTCString(), 1, 8_000)).toBe(2_000);
    expect([1, 2, 3].map((attempt) => throttleWaitMs(null, attempt))).toEqual([1_000, 2_000, 4_000]);
  });

  it('writes searchCriteria as Adobe documents it, a space as %20, and refuses indices past 9', () => {
    const query = searchCriteriaQuery({
      groups: [[{ field: 'updated_at', value: '2025-11-03 14:05:09', condition: 'gteq' }]],
      sort: [{ field: 'updated_at', direction: 'ASC' }],
      pageSize: 50,
      currentPage: 1,
    });
    expect(query).toEqual([
      ['searchCriteria[filter_groups][0][filters][0][field]', 'updated_at'],
      ['searchCriteria[filter_groups][0][filters][0][value]', '2025-11-03 14:05:09'],
      ['searchCriteria[filter_groups][0][filters][0][condition_type]', 'gteq'],
      ['searchCriteria[sortOrders][0][field]', 'updated_at'],
      ['searchCriteria[sortOrders][0][direction]', 'ASC'],
      ['searchCriteria[pageSize]', '50'],
      ['searchCriteria[currentPage]', '1'],
    ]);
    const tooMany = Array.from({ length: 10 }, () => [{ field: 'a', value: 'b', condition: 'eq' as const }]);
    expect(() => searchCriteriaQuery({ groups: tooMany })).toThrow(RangeError);
  });

  it('refuses a 400 for good and keeps every secret out of the message, even when the answer echoes the request', async () => {
    let seenQuery = '';
    const server = createServer((req, res) => {
      seenQuery = req.url ?? '';
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `bad request: ${String(req.headers.authorization)}` }));
    });
    servers.push(server);
    const port = await listen(server);
    for (const auth of ['oauth', 'bearer'] as const) {
      const call = magentoClient(
        magentoEndpoint({ baseUrl: `http://127.0.0.1:${port}`, auth }, SECRETS),
        AbortSignal.timeout(5_000),
      );
      const failed = call({
        method: 'GET',
        path: '/orders',
        query: [['searchCriteria[filter_groups][0][filters][0][value]', '2025-11-03 14:05:09']],
      });
      await expect(failed).rejects.toBeInstanceOf(PermanentError);
      const message = String(await failed.catch((e: unknown) => (e as Error).message));
      expect(message).toContain('[redacted]');
      for (const secret of Object.values(SECRETS)) expect(message).not.toContain(secret);
    }
    expect(seenQuery).toContain('2025-11-03%2014%3A05%3A09');
  });

  it('refuses plain http to anything but this machine', () => {
    expect(() => magentoEndpoint({ baseUrl: 'http://shop.example.com' }, SECRETS)).toThrow(/in clear/);
  });
});
