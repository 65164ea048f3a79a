import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContract, readContractFile } from './openapi-contract.ts';
import { strnatcmp } from './magento-oauth.ts';
import { MAGENTO_CONTRACT, startMagentoSim, type MagentoIntegration, type MagentoSim } from './magento.ts';

const INTEGRATION: MagentoIntegration = {
  consumerKey: 'a'.repeat(32),
  consumerSecret: 'b'.repeat(32),
  accessToken: 'c'.repeat(32),
  accessTokenSecret: 'd'.repeat(32),
};
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' },
  { sku: 'TEE-RED-M', price: '22.00', name: 'Red tee', configurable: true },
];

/** A request signed as RFC 5849 says, by a library of its own (not Waybill's client). */
function signed(
  sim: MagentoSim,
  method: 'GET' | 'POST',
  path: string,
  query: [string, string][] = [],
  body?: unknown,
  integration = INTEGRATION,
  signatureMethod: 'HMAC-SHA256' | 'HMAC-SHA1' = 'HMAC-SHA256',
) {
  const oauth = new OAuth({
    consumer: { key: integration.consumerKey, secret: integration.consumerSecret },
    signature_method: signatureMethod,
    hash_function: (text, key) =>
      createHmac(signatureMethod === 'HMAC-SHA1' ? 'sha1' : 'sha256', key)
        .update(text)
        .digest('base64'),
  });
  const url = `${sim.url}/rest/default/V1${path}`;
  const header = oauth.toHeader(
    oauth.authorize(
      { url, method, data: Object.fromEntries(query) },
      { key: integration.accessToken, secret: integration.accessTokenSecret },
    ),
  ).Authorization;
  const search = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return { url: search ? `${url}?${search}` : url, header };
}

async function call(
  sim: MagentoSim,
  method: 'GET' | 'POST',
  path: string,
  query: [string, string][] = [],
  body?: unknown,
  authorization?: string,
) {
  const { url, header } = signed(sim, method, path, query, body);
  const response = await fetch(url, {
    method,
    headers: {
      authorization: authorization ?? header,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

const contract = loadContract(readContractFile(MAGENTO_CONTRACT), { basePath: '/rest/default' });
/**
 * The schema's required fields can be null in what Magento writes (a getter documented to return a string that
 * returns null: payment.account_status, a track's weight): Swagger 2.0 cannot say so. Every other breach counts.
 */
function responseViolations(operationId: string, body: unknown) {
  return contract
    .checkResponse(operationId, 200, body)
    .filter((v) => !(v.message.includes('must be') && valueAt(body, v.where) === null));
}
function valueAt(body: unknown, where: string): unknown {
  return where
    .replace(/^body\.?/, '')
    .split(/\.|\[(\d+)\]/)
    .filter(Boolean)
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], body);
}

describe('the simulated Magento store', () => {
  const sims: MagentoSim[] = [];
  afterEach(async () => Promise.all(sims.splice(0).map((s) => s.close())));
  const start = async (options: Partial<Parameters<typeof startMagentoSim>[0]> = {}) => {
    const sim = await startMagentoSim({ integration: INTEGRATION, ...options });
    sims.push(sim);
    return sim;
  };

  it('takes a request its integration signed with OAuth 1.0a, HMAC-SHA256 or HMAC-SHA1, and answers within the schema', async () => {
    const sim = await start();
    const order = sim.placeOrder(1, ITEMS, { quantities: [2, 1] });
    const one = await call(sim, 'GET', `/orders/${order.entity_id}`);
    expect(one.status).toBe(200);
    expect(responseViolations('GetV1OrdersId', one.body)).toEqual([]);
    const { url, header } = signed(
      sim,
      'GET',
      '/orders',
      [['searchCriteria[pageSize]', '5']],
      undefined,
      INTEGRATION,
      'HMAC-SHA1',
    );
    expect((await fetch(url, { headers: { authorization: header } })).status).toBe(200);
    expect(sim.violations).toEqual([]);
  });

  it('refuses a wrong signature, a nonce used twice, a timestamp from the future, and an unsigned request', async () => {
    const sim = await start();
    const wrong = signed(sim, 'GET', '/orders', [], undefined, {
      ...INTEGRATION,
      accessTokenSecret: 'e'.repeat(32),
    });
    const bad = await fetch(wrong.url, { headers: { authorization: wrong.header } });
    expect([bad.status, ((await bad.json()) as any).message]).toEqual([
      401,
      'The signature is invalid. Verify and try again.',
    ]);
    const once = signed(sim, 'GET', '/orders');
    expect((await fetch(once.url, { headers: { authorization: once.header } })).status).toBe(200);
    const replay = await fetch(once.url, { headers: { authorization: once.header } });
    expect(replay.status).toBe(401);
    const ahead = once.header
      .replace(/oauth_timestamp="\d+"/, `oauth_timestamp="${Math.floor(Date.now() / 1000) + 3600}"`)
      .replace(/oauth_nonce="\w+"/, 'oauth_nonce="fresh"');
    expect((await fetch(once.url, { headers: { authorization: ahead } })).status).toBe(400);
    const guest = await fetch(`${sim.url}/rest/default/V1/orders`);
    expect([guest.status, await guest.json()]).toEqual([
      401,
      {
        message: "The consumer isn't authorized to access %resources.",
        parameters: { resources: 'Magento_Sales::actions_view' },
      },
    ]);
  });

  it("refuses the integration's access token as a bearer token until the store allows it", async () => {
    const sim = await start();
    const bearer = `Bearer ${INTEGRATION.accessToken}`;
    expect((await call(sim, 'GET', '/orders', [], undefined, bearer)).status).toBe(401);
    sim.setBearerEnabled(true);
    expect((await call(sim, 'GET', '/orders', [], undefined, bearer)).status).toBe(200);
    expect((await call(sim, 'GET', '/orders', [], undefined, `Bearer ${'f'.repeat(32)}`)).status).toBe(401);
  });

  it('sorts OAuth parameter names as PHP natural order does', () => {
    expect(strnatcmp('a%5B2%5D', 'a%5B10%5D')).toBeLessThan(0);
    expect(strnatcmp('oauth_nonce', 'oauth_timestamp')).toBeLessThan(0);
  });

  it('reads searchCriteria as Magento does: groups ANDed, filters ORed, snake or camel case, the sort given, pages', async () => {
    const sim = await start();
    const orders = [0, 1, 2, 3].map((i) => sim.placeOrder(i, [ITEMS[0]!]));
    const at = (o: (typeof orders)[number]) => String(o.updated_at);
    const keyset = await call(sim, 'GET', '/orders', [
      ['searchCriteria[filter_groups][0][filters][0][field]', 'updated_at'],
      ['searchCriteria[filter_groups][0][filters][0][value]', at(orders[1]!)],
      ['searchCriteria[filter_groups][0][filters][0][condition_type]', 'gteq'],
      ['searchCriteria[filterGroups][1][filters][0][field]', 'updated_at'],
      ['searchCriteria[filterGroups][1][filters][0][value]', at(orders[1]!)],
      ['searchCriteria[filterGroups][1][filters][0][conditionType]', 'gt'],
      ['searchCriteria[filter_groups][1][filters][1][field]', 'entity_id'],
      ['searchCriteria[filter_groups][1][filters][1][value]', String(orders[1]!.entity_id)],
      ['searchCriteria[filter_groups][1][filters][1][condition_type]', 'gt'],
      ['searchCriteria[sortOrders][0][field]', 'updated_at'],
      ['searchCriteria[sortOrders][0][direction]', 'ASC'],
      ['searchCriteria[pageSize]', '1'],
      ['searchCriteria[currentPage]', '1'],
    ]);
    expect(keyset.body.items.map((o: any) => o.entity_id)).toEqual([orders[2]!.entity_id]);
    expect(keyset.body.total_count).toBe(2);
    expect(responseViolations('GetV1Orders', keyset.body)).toEqual([]);
    // A direction left out is DESC; a page past the last answers the last.
    const desc = await call(sim, 'GET', '/orders', [
      ['searchCriteria[sortOrders][0][field]', 'entity_id'],
      ['searchCriteria[pageSize]', '3'],
      ['searchCriteria[currentPage]', '9'],
    ]);
    expect(desc.body.items.map((o: any) => o.entity_id)).toEqual([orders[0]!.entity_id]);
    expect(sim.violations).toEqual([]);
  });

  it('answers a request outside the schema with 400 and keeps the violation', async () => {
    const sim = await start();
    const answer = await call(sim, 'POST', '/inventory/source-items', [], {
      sourceItems: { sku: 'MUG-BLUE' },
    });
    expect(answer.status).toBe(400);
    expect(sim.violations).toEqual([expect.objectContaining({ operationId: 'PostV1InventorySourceitems' })]);
  });

  it('ships what an order has left to ship, with its track, and refuses more', async () => {
    const sim = await start();
    const order = sim.placeOrder(1, ITEMS, { quantities: [2, 1] });
    const mug = order.items[0]!;
    const ship = (qty: number) =>
      call(sim, 'POST', `/order/${order.entity_id}/ship`, [], {
        items: [{ order_item_id: mug.item_id, qty }],
        notify: true,
        tracks: [{ track_number: '1Z999AA10123456784', title: 'UPS', carrier_code: 'ups' }],
        arguments: { extension_attributes: { source_code: 'default' } },
      });
    expect((await ship(3)).status).toBe(400);
    const shipped = await ship(2);
    expect(shipped.status).toBe(200);
    expect(sim.shipments(order.entity_id)[0]).toMatchObject({
      tracks: [{ track_number: '1Z999AA10123456784', carrier_code: 'ups' }],
    });
    expect(sim.order(order.entity_id)!.items[0]!.qty_shipped).toBe(2);
    const list = await call(sim, 'GET', '/shipments', [
      ['searchCriteria[filter_groups][0][filters][0][field]', 'order_id'],
      ['searchCriteria[filter_groups][0][filters][0][value]', String(order.entity_id)],
    ]);
    expect(list.body.total_count).toBe(1);
    expect(responseViolations('GetV1Shipments', list.body)).toEqual([]);
  });

  it('refunds invoiced items pro rata, shipping only as asked, and nothing of an unpaid order', async () => {
    const sim = await start();
    const order = sim.placeOrder(1, [ITEMS[0]!], { quantities: [3] });
    const item = order.items[0]!;
    const refund = (id: number) =>
      call(sim, 'POST', `/order/${id}/refund`, [], {
        items: [{ order_item_id: item.item_id, qty: 1 }],
        notify: false,
        appendComment: true,
        comment: { comment: 'Out of stock (Waybill refund R1)', is_visible_on_front: 1 },
        arguments: { shipping_amount: 0, adjustment_positive: 0, adjustment_negative: 0 },
      });
    expect((await refund(order.entity_id)).status).toBe(200);
    const [memo] = sim.creditmemos(order.entity_id);
    const tax = Math.round((item.tax_amount * 100) / 3) / 100;
    expect(memo).toMatchObject({
      subtotal: 12.99,
      shipping_amount: 0,
      tax_amount: tax,
      comments: [{ comment: 'Out of stock (Waybill refund R1)' }],
    });
    const list = await call(sim, 'GET', '/creditmemos', [
      ['searchCriteria[filter_groups][0][filters][0][field]', 'order_id'],
      ['searchCriteria[filter_groups][0][filters][0][value]', String(order.entity_id)],
    ]);
    expect(responseViolations('GetV1Creditmemos', list.body)).toEqual([]);
    const unpaid = sim.placeOrder(2, [ITEMS[0]!], { state: 'new' });
    const refused = await call(sim, 'POST', `/order/${unpaid.entity_id}/refund`, [], {
      items: [{ order_item_id: unpaid.items[0]!.item_id, qty: 1 }],
    });
    expect([refused.status, refused.body.message]).toEqual([
      400,
      expect.stringContaining('does not allow a creditmemo'),
    ]);
  });

  it('saves source items, tells onStock, and refuses a list over the input limit whole', async () => {
    const sim = await start({ inputListLimit: 2, sources: ['default', 'eu'] });
    const told: [string, number][] = [];
    sim.onStock((sku, available) => told.push([sku, available]));
    const items = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        sku: `S-${i}`,
        source_code: 'eu',
        quantity: i,
        status: i ? 1 : 0,
      }));
    const over = await call(sim, 'POST', '/inventory/source-items', [], { sourceItems: items(3) });
    expect([over.status, over.body]).toEqual([
      400,
      {
        message: 'Maximum items of type "%type" is %max',
        parameters: { type: '\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface', max: 2 },
      },
    ]);
    expect(told).toEqual([]);
    const saved = await call(sim, 'POST', '/inventory/source-items', [], { sourceItems: items(2) });
    expect([saved.status, saved.body]).toEqual([200, []]);
    expect(told).toEqual([
      ['S-0', 0],
      ['S-1', 1],
    ]);
    expect(sim.quantity('S-1', 'eu')).toBe(1);
    const source = await call(sim, 'GET', '/inventory/sources/eu');
    expect(responseViolations('GetV1InventorySourcesSourceCode', source.body)).toEqual([]);
    expect((await call(sim, 'GET', '/inventory/sources/nowhere')).status).toBe(404);
  });

  it('seeds 100,000 SKUs in well under a second', async () => {
    const sim = await start();
    const skus = Array.from({ length: 100_000 }, (_, i) => `BULK-${i}`);
    const started = performance.now();
    sim.seedCatalog(skus, 7);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sim.quantity('BULK-99999')).toBe(7);
  });

  it("answers 429 with Retry-After when the store's proxy limits the rate", async () => {
    const sim = await start();
    sim.setRateLimit({ requests: 1, windowMs: 60_000 });
    expect((await call(sim, 'GET', '/orders')).status).toBe(200);
    const limited = await call(sim, 'GET', '/orders');
    expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
  });

  it('serves its schema', async () => {
    const sim = await start();
    const schema = (await (await fetch(`${sim.url}/rest/default/schema?services=all`)).json()) as any;
    expect([schema.swagger, schema.info.version]).toEqual(['2.0', '2.4.8']);
  });
});
