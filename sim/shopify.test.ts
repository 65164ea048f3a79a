import { describe, expect, it } from 'vitest';
import {
  base64Hmac,
  cents,
  closedAfterEach,
  only,
  postAdminGraphql,
  startReceiver,
  type Receiver,
  type ReceiverAnswer,
} from './testing.ts';
import { createShopifySim, type ShopifyOrder, type ShopifySim, type ShopifySimOptions } from './shopify.ts';
// The documents Waybill sends: the simulator validates every request against Shopify's schema, so the tests send
// valid ones (src/connectors/channels/shopify/documents.test.ts checks them all).
import {
  bulkOperationQuery,
  fulfillmentCreateMutation,
  fulfillmentOrdersQuery,
  inventoryLevelsQuery,
  inventorySetMutation,
  stockLocationQuery,
  variantsBySkuQuery,
  VARIANTS_EXPORT_QUERY,
  variantsExportMutation,
} from '../src/connectors/channels/shopify/graphql.ts';
import { orderLineItemsQuery, ordersUpdatedSinceQuery } from '../src/connectors/channels/shopify/poll.ts';
import { variantPricesQuery, variantPricesSetMutation } from '../src/connectors/channels/shopify/prices.ts';
import {
  orderRefundsQuery,
  refundCreateMutation,
  suggestedRefundQuery,
} from '../src/connectors/channels/shopify/refund.ts';
import { webhookSubscriptionsQuery } from '../src/connectors/channels/shopify/webhook-health.ts';

const SECRET = 'shpss_client_secret';
const SHOP = 'demo-shop.myshopify.com';
const ITEMS = [
  { sku: 'MUG-BLUE', variantId: 44610569208040, price: '12.99', title: 'Blue mug' },
  { sku: 'TEE-M', variantId: 44610569208041, price: '25.00' },
  { sku: null, variantId: 44610569208042, price: '0.99', title: 'Sticker' },
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const open = closedAfterEach();

/** Waybill's webhook route for this shop (see startReceiver), closed after the test. */
async function receiver(answer?: ReceiverAnswer): Promise<Receiver> {
  const hub = await startReceiver('/webhooks/shopify/chn_shop', answer);
  open.push(hub);
  return hub;
}

function sim(webhookUrl: string, extra: Partial<ShopifySimOptions> = {}): ShopifySim {
  return createShopifySim({ shopDomain: SHOP, webhookUrl, secret: SECRET, seed: 7, ...extra });
}

/** Starts the shop's Admin API for `token` (closed after the test), with a client that posts documents to it. */
async function withAdmin(shop: ShopifySim, token: string) {
  const admin = await shop.startAdmin({ accessToken: token });
  open.push(admin);
  const post = async (query: string, variables: Record<string, unknown>) =>
    (await postAdminGraphql(admin.url, token, query, variables)).body as any;
  return { shop, admin, post };
}

/** What X-Shopify-Hmac-Sha256 should hold for the bytes as received. */
function expectedHmac(raw: Buffer, secret = SECRET): string {
  return base64Hmac(secret, raw);
}

describe('shopify simulator: deliveries', () => {
  it('signs the exact raw bytes with the client secret, base64', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    const result = await shop.deliver('orders/create', shop.makeOrder(0, ITEMS));
    expect(result).toMatchObject({ status: 200, attempts: 1, body: '{"status":"accepted"}' });
    const { headers, raw } = only(hub.received);
    expect(headers['x-shopify-hmac-sha256']).toBe(expectedHmac(raw));
    expect(JSON.parse(raw.toString('utf8'))).toEqual(shop.makeOrder(0, ITEMS));
  });

  it('sends every documented header, well formed', async () => {
    const hub = await receiver();
    const triggeredAt = new Date('2025-11-03T19:00:00.000Z');
    const result = await sim(hub.url).deliver('orders/updated', { id: 1 }, { eventId: 'evt-1', triggeredAt });
    const { headers } = only(hub.received);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/updated',
      'x-shopify-shop-domain': SHOP,
      'x-shopify-api-version': '2026-10',
      'x-shopify-webhook-id': result.webhookId,
      'x-shopify-event-id': 'evt-1',
      'x-shopify-triggered-at': '2025-11-03T19:00:00.000Z',
    });
    expect(result.webhookId).toMatch(UUID);
    expect(Buffer.from(String(headers['x-shopify-hmac-sha256']), 'base64')).toHaveLength(32);
  });

  it('gives each delivery a new webhook id and event id unless told, and uses the configured API version', async () => {
    const hub = await receiver();
    const shop = sim(hub.url, { apiVersion: '2026-01' });
    const first = await shop.deliver('orders/create', { id: 1 });
    const second = await shop.deliver('orders/create', { id: 1 });
    const given = await shop.deliver('orders/create', { id: 1 }, { webhookId: 'wh-fixed' });
    expect(first.webhookId).not.toBe(second.webhookId);
    expect(given.webhookId).toBe('wh-fixed');
    const [a, b] = hub.received;
    expect(a?.headers['x-shopify-event-id']).toMatch(UUID);
    expect(a?.headers['x-shopify-event-id']).not.toBe(b?.headers['x-shopify-event-id']);
    expect(a?.headers['x-shopify-api-version']).toBe('2026-01');
  });

  it('redelivers the same delivery: same webhook id, event id, triggered-at, signature and body bytes', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    const first = await shop.deliver('orders/create', shop.makeOrder(1, ITEMS));
    const again = await shop.redeliver(first);
    const twice = await shop.redeliver(again);
    expect(again.webhookId).toBe(first.webhookId);
    expect(twice.webhookId).toBe(first.webhookId);
    const [a, b, c] = hub.received;
    expect(hub.received).toHaveLength(3);
    expect(b?.raw.equals(only(hub.received).raw)).toBe(true);
    expect(c?.raw.equals(only(hub.received).raw)).toBe(true);
    for (const name of [
      'x-shopify-webhook-id',
      'x-shopify-event-id',
      'x-shopify-triggered-at',
      'x-shopify-hmac-sha256',
    ]) {
      expect(b?.headers[name]).toBe(a?.headers[name]);
    }
  });

  it('refuses to redeliver a result it did not produce', async () => {
    const shop = sim('http://127.0.0.1:9');
    await expect(shop.redeliver({ status: 200, webhookId: 'x', attempts: 1, body: '' })).rejects.toThrow(
      /redeliver/,
    );
  });

  it('signs with an overriding secret (rotation, forgery) and sends a raw non-JSON body signed correctly', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    await shop.deliver('orders/create', { id: 1 }, { secret: 'old-secret' });
    await shop.deliver('orders/create', undefined, { rawBody: 'not json {' });
    const forged = only(hub.received, 0);
    expect(forged.headers['x-shopify-hmac-sha256']).toBe(expectedHmac(forged.raw, 'old-secret'));
    expect(forged.headers['x-shopify-hmac-sha256']).not.toBe(expectedHmac(forged.raw));
    const raw = only(hub.received, 1);
    expect(raw.raw.toString('utf8')).toBe('not json {');
    expect(raw.headers['x-shopify-hmac-sha256']).toBe(expectedHmac(raw.raw));
  });

  it('retries a 500 with the same webhook id and body, until a 2xx', async () => {
    const hub = await receiver((call) => ({ status: call < 2 ? 500 : 200 }));
    const result = await sim(hub.url).deliver('orders/create', { id: 5 }, { maxAttempts: 5 });
    expect(result).toMatchObject({ status: 200, attempts: 3 });
    expect(new Set(hub.received.map((r) => r.headers['x-shopify-webhook-id']))).toEqual(
      new Set([result.webhookId]),
    );
    expect(new Set(hub.received.map((r) => r.raw.toString('hex'))).size).toBe(1);
  });

  it('stops at maxAttempts (default 1) and reports the last status', async () => {
    const hub = await receiver(() => ({ status: 503 }));
    const shop = sim(hub.url);
    expect(await shop.deliver('orders/create', { id: 1 })).toMatchObject({ status: 503, attempts: 1 });
    expect(await shop.deliver('orders/create', { id: 2 }, { maxAttempts: 3 })).toMatchObject({
      status: 503,
      attempts: 3,
    });
    expect(hub.received).toHaveLength(4);
  });

  it('counts a redirect as a failed attempt rather than following it', async () => {
    const hub = await receiver(() => ({ status: 302 }));
    expect(await sim(hub.url).deliver('orders/create', { id: 1 }, { maxAttempts: 2 })).toMatchObject({
      status: 302,
      attempts: 2,
    });
  });

  it('retries an answer slower than timeoutMs with the same webhook id', async () => {
    const hub = await receiver((call) => ({ status: 200, delayMs: call === 0 ? 1_000 : 0 }));
    const result = await sim(hub.url).deliver('orders/create', { id: 9 }, { maxAttempts: 3, timeoutMs: 200 });
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(hub.received.map((r) => r.headers['x-shopify-webhook-id'])).toEqual([
      result.webhookId,
      result.webhookId,
    ]);
  });

  it('reports status 0 when nothing answers', async () => {
    const gone = await receiver();
    await gone.close();
    const result = await sim(gone.url).deliver('orders/create', { id: 1 }, { maxAttempts: 2 });
    expect(result).toMatchObject({ status: 0, attempts: 2, body: '' });
  });

  it('sends to the new URL after setWebhookUrl, redeliveries included', async () => {
    const before = await receiver();
    const after = await receiver();
    const shop = sim(before.url);
    const first = await shop.deliver('orders/create', { id: 1 });
    shop.setWebhookUrl(after.url);
    await shop.redeliver(first);
    await shop.deliver('orders/create', { id: 2 });
    expect(before.received).toHaveLength(1);
    expect(after.received.map((r) => r.headers['x-shopify-webhook-id'])).toHaveLength(2);
    expect(only(after.received).headers['x-shopify-webhook-id']).toBe(first.webhookId);
  });
});

/** The fields that Shopify makes unique per store and moment; everything else must follow from seed and i. */
function withoutRunFields(order: ShopifyOrder): unknown {
  return JSON.parse(
    JSON.stringify(order, (key, value: unknown) =>
      ['id', 'admin_graphql_api_id', 'created_at', 'updated_at', 'processed_at'].includes(key)
        ? '<run>'
        : value,
    ),
  );
}

describe('shopify simulator: orders', () => {
  it('is deterministic per seed and i; ids are unique per order and per run', () => {
    const a = sim('http://127.0.0.1:9');
    const b = sim('http://127.0.0.1:9');
    expect(a.makeOrder(3, ITEMS)).toEqual(a.makeOrder(3, ITEMS));
    expect(withoutRunFields(b.makeOrder(3, ITEMS))).toEqual(withoutRunFields(a.makeOrder(3, ITEMS)));
    expect(withoutRunFields(sim('x', { seed: 8 }).makeOrder(3, ITEMS))).not.toEqual(
      withoutRunFields(a.makeOrder(3, ITEMS)),
    );
    const orders = Array.from({ length: 50 }, (_, i) => a.makeOrder(i, ITEMS));
    expect(new Set(orders.map((o) => o.id)).size).toBe(50);
    expect(new Set(orders.flatMap((o) => o.line_items.map((l) => l.id))).size).toBe(150);
    expect(b.makeOrder(0, ITEMS).id).not.toBe(a.makeOrder(0, ITEMS).id);
  });

  it('looks like an orders/create payload', () => {
    const order = sim('x').makeOrder(0, ITEMS, [2, 1, 3]);
    expect(order).toMatchObject({
      name: '#1001',
      currency: 'USD',
      presentment_currency: 'USD',
      financial_status: 'paid',
      fulfillment_status: null,
      test: false,
      cancelled_at: null,
      cancel_reason: null,
      admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
    });
    expect(Number.isSafeInteger(order.id)).toBe(true);
    expect(order.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect(order.updated_at).toBe(order.created_at);
    expect(order.email).toBe(order.customer.email);
    expect(order.shipping_address.name).toBe(
      `${order.shipping_address.first_name} ${order.shipping_address.last_name}`,
    );
    expect(
      order.line_items.map((l) => [l.sku, l.variant_id, l.quantity, l.price, l.fulfillable_quantity]),
    ).toEqual([
      ['MUG-BLUE', 44610569208040, 2, '12.99', 2],
      ['TEE-M', 44610569208041, 1, '25.00', 1],
      [null, 44610569208042, 3, '0.99', 3],
    ]);
    expect(order.line_items.every((l) => l.requires_shipping)).toBe(true);
    expect(only(order.shipping_lines)).toMatchObject({ title: expect.any(String), code: expect.any(String) });
  });

  it('adds up in integer cents: subtotal = Σ price×qty − discounts, total = subtotal + tax + shipping', () => {
    const shop = sim('x');
    const orders = Array.from({ length: 60 }, (_, i) => shop.makeOrder(i, ITEMS));
    for (const order of orders) {
      const gross = order.line_items.reduce((acc, l) => acc + cents(l.price) * l.quantity, 0);
      const lineDiscounts = order.line_items.reduce(
        (acc, l) => acc + l.discount_allocations.reduce((sum, d) => sum + cents(d.amount), 0),
        0,
      );
      const lineTax = order.line_items.reduce(
        (acc, l) => acc + l.tax_lines.reduce((s, t) => s + cents(t.price), 0),
        0,
      );
      const shipping = order.shipping_lines.reduce((acc, s) => acc + cents(s.price), 0);
      expect(cents(order.total_discounts)).toBe(lineDiscounts);
      expect(cents(order.subtotal_price)).toBe(gross - lineDiscounts);
      expect(cents(order.total_tax)).toBe(lineTax);
      expect(cents(order.total_price)).toBe(cents(order.subtotal_price) + cents(order.total_tax) + shipping);
      expect(order.total_price_set.shop_money).toEqual({ amount: order.total_price, currency_code: 'USD' });
    }
    // The sample covers discounted and full-price orders, taxed and untaxed ones.
    expect(orders.some((o) => o.total_discounts !== '0.00')).toBe(true);
    expect(orders.some((o) => o.total_discounts === '0.00')).toBe(true);
    expect(orders.some((o) => o.total_tax === '0.00')).toBe(true);
    expect(orders.some((o) => o.total_tax !== '0.00')).toBe(true);
  });

  it('keeps the decimals of the currency and refuses a price with more', () => {
    const yen = sim('x', { currency: 'JPY' }).makeOrder(
      0,
      [{ sku: 'MUG', variantId: 1, price: '1500' }],
      [2],
    );
    expect(yen.line_items[0]?.price).toBe('1500');
    expect(yen.total_price).toMatch(/^\d+$/);
    expect(() => sim('x').makeOrder(0, [{ sku: 'MUG', variantId: 1, price: '1.999' }])).toThrow(RangeError);
    expect(() => sim('x').makeOrder(0, [{ sku: 'MUG', variantId: 1, price: '12.9' }])).not.toThrow();
    expect(sim('x').makeOrder(0, [{ sku: 'MUG', variantId: 1, price: '12.9' }]).line_items[0]?.price).toBe(
      '12.90',
    );
  });

  it('updateOf moves updated_at forward and applies the changes without touching the original', () => {
    const shop = sim('x');
    const order = shop.makeOrder(2, ITEMS);
    const cancelledAt = '2025-11-03T10:00:00-05:00';
    const updated = shop.updateOf(order, 90_000, {
      cancelled_at: cancelledAt,
      cancel_reason: 'customer',
      note: 'changed mind',
    });
    expect(Date.parse(updated.updated_at) - Date.parse(order.updated_at)).toBe(90_000);
    expect(updated.updated_at).toMatch(/-05:00$/);
    expect(updated).toMatchObject({
      id: order.id,
      created_at: order.created_at,
      cancelled_at: cancelledAt,
      note: 'changed mind',
    });
    expect(order.cancelled_at).toBeNull();
    const later = shop.updateOf(updated, 1);
    expect(Date.parse(later.updated_at)).toBeGreaterThan(Date.parse(updated.updated_at));
  });
});

describe('shopify simulator: Admin GraphQL API', () => {
  const TOKEN = 'shpat_sim_test_token_0001';
  const FO_QUERY = fulfillmentOrdersQuery.query;
  const LOCATION_QUERY = stockLocationQuery.query;
  const CREATE = fulfillmentCreateMutation.query;

  async function adminOf(shop: ShopifySim, extra: Partial<Parameters<ShopifySim['startAdmin']>[0]> = {}) {
    const admin = await shop.startAdmin({ accessToken: TOKEN, ...extra });
    open.push(admin);
    return admin;
  }

  /** A raw GraphQL POST, written from the docs rather than through Waybill's client. */
  async function post(
    url: string,
    query: string,
    variables: Record<string, unknown>,
    token: string | null = TOKEN,
  ): Promise<{ status: number; body: any }> {
    return postAdminGraphql(url, token, query, variables);
  }

  async function fulfillmentOrders(url: string, order: ShopifyOrder, first = 5, after: string | null = null) {
    const vars = { orderId: order.admin_graphql_api_id, first, after, linesFirst: 10 };
    return (await post(url, FO_QUERY, vars)).body;
  }

  it('keeps delivered orders, one fulfillment order per location, lines alternating between the two defaults', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    const order = shop.makeOrder(0, ITEMS, [2, 1, 3]);
    await shop.deliver('orders/create', order);
    const admin = await adminOf(shop);
    const answer = await fulfillmentOrders(admin.url, order);
    const nodes = answer.data.order.fulfillmentOrders.nodes;
    expect(
      nodes.map((fo: any) => [
        fo.status,
        fo.assignedLocation.name,
        fo.lineItems.nodes.map((l: any) => [l.lineItem.sku, l.remainingQuantity]),
      ]),
    ).toEqual([
      [
        'OPEN',
        'East warehouse',
        [
          ['MUG-BLUE', 2],
          [null, 3],
        ],
      ],
      ['OPEN', 'West warehouse', [['TEE-M', 1]]],
    ]);
    expect(answer.extensions.cost).toMatchObject({
      requestedQueryCost: 3 + 5 * (5 + 10 * 3),
      throttleStatus: { maximumAvailable: 2000, restoreRate: 100 },
    });
    expect(answer.extensions.cost.actualQueryCost).toBe(3 + 2 * 5 + 3 * 3);
  });

  it('pages with cursors, refuses a missing or wrong token with 401, and names an operation it does not know', async () => {
    const shop = sim('http://127.0.0.1:9', { locations: ['A', 'B', 'C'] });
    const order = shop.makeOrder(0, ITEMS);
    shop.recordOrder(order);
    const admin = await adminOf(shop);
    const first = (await fulfillmentOrders(admin.url, order, 2)).data.order.fulfillmentOrders;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await fulfillmentOrders(admin.url, order, 2, first.pageInfo.endCursor)).data.order
      .fulfillmentOrders;
    expect([...first.nodes, ...rest.nodes].map((fo: any) => fo.assignedLocation.name)).toEqual([
      'A',
      'B',
      'C',
    ]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    for (const token of [null, 'shpat_wrong']) {
      const refused = await post(admin.url, FO_QUERY, {}, token);
      expect(refused).toEqual({
        status: 401,
        body: { errors: expect.stringContaining('Invalid API key or access token') },
      });
    }
    expect(
      (await post(admin.url, 'query SomethingElse { shop { name } }', {})).body.errors[0].message,
    ).toContain('SomethingElse');
    expect(admin.calls.map((c) => c.outcome)).toEqual(['ok', 'ok', 'unauthorized', 'unauthorized', 'error']);
  });

  it('serves the asked version while supported, the oldest supported after, the release candidate, and 404 beyond', async () => {
    const shop = sim('http://127.0.0.1:9');
    let now = new Date('2026-12-02T12:00:00Z');
    const admin = await shop.startAdmin({ accessToken: TOKEN, now: () => now });
    open.push(admin);
    const ask = async (version: string) => {
      const res = await fetch(`${admin.url}/admin/api/${version}/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN },
        body: JSON.stringify({ query: LOCATION_QUERY, variables: { id: null } }),
      });
      return {
        status: res.status,
        served: res.headers.get('x-shopify-api-version'),
        body: (await res.json()) as any,
      };
    };
    expect((await ask('2026-10')).served).toBe('2026-10');
    // 2025-10 left support on 2026-10-01: answered as the oldest supported (no schema here: refused loudly).
    const old = await ask('2025-10');
    expect([old.status, old.served, old.body.errors[0].message]).toEqual([
      200,
      '2026-01',
      expect.stringContaining('no schema'),
    ]);
    expect((await ask('2027-01')).served).toBe('2027-01');
    expect((await ask('2027-04')).status).toBe(404);
    expect((await ask('latest')).status).toBe(404);
    // A year after its release, at 17:00 UTC, 2026-10 falls forward to 2027-01.
    now = new Date('2027-10-01T16:59:59Z');
    expect((await ask('2026-10')).served).toBe('2026-10');
    now = new Date('2027-10-01T17:00:00Z');
    const after = await ask('2026-10');
    expect([after.status, after.served, after.body.data.location.id]).toEqual([
      200,
      '2027-01',
      expect.stringMatching(/^gid:/),
    ]);
    expect(
      admin.calls.filter((c) => c.status === 200).map((c) => `${c.apiVersion}→${c.servedVersion}`),
    ).toEqual([
      '2026-10→2026-10',
      '2025-10→2026-01',
      '2027-01→2027-01',
      '2026-10→2026-10',
      '2026-10→2027-01',
    ]);
  });

  it("checks each document and its variables against the served version's schema, as Shopify's server would", async () => {
    const shop = sim('http://127.0.0.1:9');
    const order = shop.makeOrder(0, ITEMS);
    shop.recordOrder(order);
    const admin = await adminOf(shop);
    const unknownField = await post(
      admin.url,
      'query WaybillFulfillmentOrders($orderId: ID!) { order(id: $orderId) { id colour } }',
      { orderId: order.admin_graphql_api_id },
    );
    expect(unknownField.status).toBe(200);
    expect(unknownField.body.errors[0].message).toContain('Cannot query field "colour" on type "Order"');
    const unparsable = await post(admin.url, 'query WaybillFulfillmentOrders { order(', {});
    expect(unparsable.body.errors[0].message).toContain('Syntax Error');
    const badVariable = await post(admin.url, FO_QUERY, {
      orderId: order.admin_graphql_api_id,
      first: 'five',
      linesFirst: 1,
    });
    expect(badVariable.body.errors[0]).toMatchObject({
      message: expect.stringContaining('$first'),
      extensions: { code: 'INVALID_VARIABLE' },
    });
    const missing = await post(admin.url, FO_QUERY, { first: 1, linesFirst: 1 });
    expect(missing.body.errors[0].message).toContain('$orderId');
    expect(admin.calls.map((c) => c.outcome)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
  });

  it('fulfillmentCreate: one location per call, quantities within what is left; a good call is recorded', async () => {
    const shop = sim('http://127.0.0.1:9');
    const order = shop.makeOrder(0, ITEMS, [2, 1, 3]);
    shop.recordOrder(order);
    const admin = await adminOf(shop);
    const [east, west] = admin.fulfillmentOrders(order.id);
    const entry = (fo: typeof east, quantity: number) => ({
      fulfillmentOrderId: fo!.id,
      fulfillmentOrderLineItems: [{ id: fo!.lineItems[0]!.id, quantity }],
    });
    const create = (lines: unknown[]) =>
      post(admin.url, CREATE, {
        fulfillment: {
          lineItemsByFulfillmentOrder: lines,
          trackingInfo: { company: 'UPS', number: '1ZTEST' },
          notifyCustomer: true,
        },
      });
    const mixed = (await create([entry(east, 1), entry(west, 1)])).body.data.fulfillmentCreate;
    expect(mixed).toMatchObject({
      fulfillment: null,
      userErrors: [{ message: 'All fulfillment orders must be assigned to the same location.' }],
    });
    const tooMany = (await create([entry(east, 3)])).body.data.fulfillmentCreate;
    expect(tooMany.userErrors[0].message).toBe('Invalid fulfillment order line item quantity requested.');
    expect(admin.fulfillments(order.id)).toEqual([]);
    const done = (await create([entry(east, 2)])).body.data.fulfillmentCreate;
    expect(done).toMatchObject({
      fulfillment: { id: expect.stringMatching(/^gid:\/\/shopify\/Fulfillment\/\d+$/), status: 'SUCCESS' },
      userErrors: [],
    });
    expect(admin.fulfillments(order.id)).toMatchObject([
      {
        trackingInfo: { company: 'UPS', number: '1ZTEST' },
        notifyCustomer: true,
        location: { name: 'East warehouse' },
        lineItems: [{ sku: 'MUG-BLUE', quantity: 2 }],
      },
    ]);
    expect(admin.fulfillmentOrders(order.id).map((fo) => fo.status)).toEqual(['IN_PROGRESS', 'OPEN']);
    const badInput = await post(admin.url, CREATE, { fulfillment: { lineItemsByFulfillmentOrder: 'all' } });
    expect(badInput.body.errors[0].message).toContain('$fulfillment');
  });

  it('throttles from an empty bucket without running the call, and refuses a query over 1000 points', async () => {
    const shop = sim('http://127.0.0.1:9');
    const order = shop.makeOrder(0, ITEMS);
    shop.recordOrder(order);
    const admin = await adminOf(shop, { maximumAvailable: 500, restoreRate: 10 });
    admin.setThrottle({ currentlyAvailable: 0 });
    const throttled = await post(admin.url, FO_QUERY, {
      orderId: order.admin_graphql_api_id,
      first: 2,
      linesFirst: 2,
    });
    expect(throttled.status).toBe(200);
    expect(throttled.body.errors[0].extensions.code).toBe('THROTTLED');
    expect(throttled.body.extensions.cost).toMatchObject({
      requestedQueryCost: 25,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 500, restoreRate: 10 },
    });
    expect(throttled.body.data).toBeUndefined();
    admin.setThrottle({ status: 429 });
    expect(
      (await post(admin.url, FO_QUERY, { orderId: order.admin_graphql_api_id, first: 2, linesFirst: 2 }))
        .status,
    ).toBe(429);
    admin.setThrottle({ currentlyAvailable: 500 });
    const huge = await post(admin.url, FO_QUERY, {
      orderId: order.admin_graphql_api_id,
      first: 50,
      linesFirst: 50,
    });
    expect(huge.body.errors[0].extensions.code).toBe('MAX_COST_EXCEEDED');
  });
});

describe('shopify simulator: inventory over the Admin GraphQL API', () => {
  const TOKEN = 'shpat_sim_test_token_0002';
  const VARIANTS = variantsBySkuQuery.query;
  const LEVELS = inventoryLevelsQuery.query;
  const LOCATION = stockLocationQuery.query;
  const SET = inventorySetMutation.query;

  const shopWithAdmin = () => withAdmin(sim('http://127.0.0.1:9'), TOKEN);

  it('finds variants by sku: terms joined with OR, quoted or bare, ignoring case, a page at a time', async () => {
    const { shop, post } = await shopWithAdmin();
    const mug = shop.addVariant({ sku: 'MUG-BLUE', variantId: 4101 });
    shop.addVariant({ sku: 'Lamp "Oak" (L)' });
    shop.addVariant({ sku: 'TEE' });
    const search = async (query: string, first = 10, after: string | null = null) =>
      (await post(VARIANTS, { query, first, after })).data.productVariants;
    const found = await search('sku:mug-blue OR sku:"lamp \\"oak\\" (l)"');
    expect(found.nodes.map((v: any) => v.sku)).toEqual(['MUG-BLUE', 'Lamp "Oak" (L)']);
    expect(found.nodes[0]).toEqual({
      id: 'gid://shopify/ProductVariant/4101',
      sku: 'MUG-BLUE',
      product: { id: mug.productId },
      inventoryItem: { id: mug.inventoryItemId },
    });
    const first = await search("sku:'TEE' OR sku:MUG-BLUE", 1);
    const rest = await search("sku:'TEE' OR sku:MUG-BLUE", 1, first.pageInfo.endCursor);
    expect([first.pageInfo.hasNextPage, rest.pageInfo.hasNextPage]).toEqual([true, false]);
    expect([...first.nodes, ...rest.nodes].map((v: any) => v.sku)).toEqual(['MUG-BLUE', 'TEE']);
    expect((await post(VARIANTS, { query: 'title:mug', first: 5 })).errors[0].message).toContain('title:mug');
  });

  it('reads available per item at a location: null for an item it does not have or a level that is not there', async () => {
    const { shop, post } = await shopWithAdmin();
    const mug = shop.addVariant({ sku: 'MUG-BLUE', available: 4 });
    const west = shop.addVariant({ sku: 'TEE', locations: ['West warehouse'], available: 2 });
    const primary = (await post(LOCATION, {})).data.location;
    expect(primary).toEqual({
      id: shop.locationId('East warehouse'),
      name: 'East warehouse',
      isActive: true,
    });
    expect((await post(LOCATION, { id: shop.locationId('West warehouse') })).data.location.name).toBe(
      'West warehouse',
    );
    expect((await post(LOCATION, { id: 'gid://shopify/Location/1' })).data.location).toBeNull();
    const ids = [mug.inventoryItemId, west.inventoryItemId, 'gid://shopify/InventoryItem/1'];
    const answer = await post(LEVELS, { ids, locationId: primary.id });
    expect(answer.data.nodes).toEqual([
      {
        id: mug.inventoryItemId,
        sku: 'MUG-BLUE',
        inventoryLevel: { quantities: [{ name: 'available', quantity: 4 }] },
      },
      { id: west.inventoryItemId, sku: 'TEE', inventoryLevel: null },
      null,
    ]);
    expect(answer.extensions.cost.requestedQueryCost).toBe(9);
    const tooMany = await post(LEVELS, { ids: Array(251).fill(mug.inventoryItemId), locationId: primary.id });
    expect(tooMany.errors[0].message).toContain('over the limit of 250');
  });

  it('inventorySetQuantities (2026-10): all or nothing, changeFromQuantity required and checked, every call recorded', async () => {
    const { shop, admin, post } = await shopWithAdmin();
    const mug = shop.addVariant({ sku: 'MUG-BLUE', available: 4 });
    const tee = shop.addVariant({ sku: 'TEE', available: 2 });
    const locationId = shop.locationId('East warehouse');
    let keys = 0;
    const call = async (quantities: object[], extra: object = {}) =>
      post(SET, {
        input: {
          name: 'available',
          reason: 'correction',
          referenceDocumentUri: 'gid://test/Batch/1',
          quantities,
          ...extra,
        },
        idempotencyKey: `key-${++keys}`,
      });
    const set = async (quantities: object[], extra: object = {}) =>
      (await call(quantities, extra)).data.inventorySetQuantities;
    const q = (item: { inventoryItemId: string }, quantity: number, changeFromQuantity: number | null) => ({
      inventoryItemId: item.inventoryItemId,
      locationId,
      quantity,
      changeFromQuantity,
    });
    const stale = await set([q(mug, 1, 4), q(tee, 1, 5)]);
    expect(stale).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [
        {
          code: 'CHANGE_FROM_QUANTITY_STALE',
          field: ['input', 'quantities', '1', 'changeFromQuantity'],
          message: expect.any(String),
        },
      ],
    });
    expect([admin.available('MUG-BLUE'), admin.available('TEE')]).toEqual([4, 2]);
    // Mandatory even when null; the 2025-10 inputs are gone from the schema.
    const missing = await call([{ inventoryItemId: mug.inventoryItemId, locationId, quantity: 1 }]);
    expect(missing.errors[0].message).toContain('changeFromQuantity is required');
    const old = await call([{ ...q(mug, 1, null), compareQuantity: 4 }], { ignoreCompareQuantity: true });
    expect(old.errors.map((e: any) => e.extensions.code)).toEqual(['INVALID_VARIABLE', 'INVALID_VARIABLE']);
    expect(old.errors.map((e: any) => e.message).join(' ')).toMatch(
      /compareQuantity.*ignoreCompareQuantity|ignoreCompareQuantity.*compareQuantity/,
    );
    expect((await set([q(mug, 1, 4)], { reason: 'because' })).userErrors[0].code).toBe('INVALID_REASON');
    expect((await set([q(mug, 1, 4)], { referenceDocumentUri: 'gid://only-app' })).userErrors[0].code).toBe(
      'INVALID_REFERENCE_DOCUMENT',
    );
    const done = await set([q(mug, 1, 4), q(tee, 0, 2)]);
    expect(done.userErrors).toEqual([]);
    expect(done.inventoryAdjustmentGroup.id).toMatch(/^gid:\/\/shopify\/InventoryAdjustmentGroup\/\d+$/);
    // null opts out of the compare.
    expect((await set([q(tee, 7, null)])).userErrors).toEqual([]);
    expect([admin.available('MUG-BLUE'), admin.available('TEE')]).toEqual([1, 7]);
    expect(admin.inventorySets().map((s) => s.outcome)).toEqual([
      'refused',
      'refused',
      'refused',
      'applied',
      'applied',
    ]);
    expect(admin.inventorySets()[3]).toMatchObject({
      referenceDocumentUri: 'gid://test/Batch/1',
      quantities: [
        { sku: 'MUG-BLUE', quantity: 1, changeFromQuantity: 4 },
        { sku: 'TEE', quantity: 0, changeFromQuantity: 2 },
      ],
    });
    const tooMany = await call(Array(251).fill(q(mug, 1, 1)));
    expect(tooMany.errors[0].message).toContain('over the limit of 250');
  });

  it('inventorySetQuantities takes @idempotent(key:), required from 2026-04: a repeat is answered, not run again', async () => {
    const { shop, admin, post } = await shopWithAdmin();
    const mug = shop.addVariant({ sku: 'MUG-BLUE', available: 4 });
    const locationId = shop.locationId('East warehouse');
    const input = {
      name: 'available',
      reason: 'correction',
      quantities: [{ inventoryItemId: mug.inventoryItemId, locationId, quantity: 6, changeFromQuantity: 4 }],
    };
    const withoutKey = SET.replace(', $idempotencyKey: String!', '').replace(
      ' @idempotent(key: $idempotencyKey)',
      '',
    );
    expect(withoutKey).not.toContain('idempotent');
    expect((await post(withoutKey, { input })).errors[0].message).toContain('requires an idempotency key');
    expect((await post(SET, { input, idempotencyKey: ' ' })).errors[0].message).toContain(
      'cannot be an empty string',
    );
    const first = await post(SET, { input, idempotencyKey: 'batch-1' });
    expect(first.data.inventorySetQuantities.userErrors).toEqual([]);
    shop.setAvailable('MUG-BLUE', 5);
    // The same request again (a retry after a lost answer) is answered as the first, and sets nothing.
    expect(await post(SET, { input, idempotencyKey: 'batch-1' })).toEqual(first);
    expect(admin.available('MUG-BLUE')).toBe(5);
    const other = { ...input, quantities: [{ ...input.quantities[0], changeFromQuantity: 5 }] };
    expect(
      (await post(SET, { input: other, idempotencyKey: 'batch-1' })).data.inventorySetQuantities.userErrors[0]
        .code,
    ).toBe('IDEMPOTENCY_KEY_PARAMETER_MISMATCH');
    expect(admin.inventorySets()).toHaveLength(1);
  });

  it('runs a hook just before the next call of an operation, once it is past the throttle', async () => {
    const { shop, admin, post } = await shopWithAdmin();
    const mug = shop.addVariant({ sku: 'MUG-BLUE', available: 4 });
    const locationId = shop.locationId('East warehouse');
    admin.before('WaybillInventorySet', () => shop.setAvailable('MUG-BLUE', 9));
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 1 });
    const input = {
      name: 'available',
      reason: 'correction',
      quantities: [{ inventoryItemId: mug.inventoryItemId, locationId, quantity: 1, changeFromQuantity: 4 }],
    };
    expect((await post(SET, { input, idempotencyKey: 'k1' })).errors[0].extensions.code).toBe('THROTTLED');
    expect(admin.available('MUG-BLUE')).toBe(4);
    admin.setThrottle({ currentlyAvailable: 2_000 });
    expect(
      (await post(SET, { input, idempotencyKey: 'k2' })).data.inventorySetQuantities.userErrors[0].code,
    ).toBe('CHANGE_FROM_QUANTITY_STALE');
    expect(admin.available('MUG-BLUE')).toBe(9);
    const again = { ...input, quantities: [{ ...input.quantities[0], changeFromQuantity: 9 }] };
    expect(
      (await post(SET, { input: again, idempotencyKey: 'k3' })).data.inventorySetQuantities.userErrors,
    ).toEqual([]);
    expect(admin.available('MUG-BLUE')).toBe(1);
  });
});

describe('shopify simulator: a seeded catalogue and its stock as it changes', () => {
  const TOKEN = 'shpat_sim_test_token_0006';

  it('seedCatalog makes a variant per SKU at the primary location; onStock hears every quantity applied', async () => {
    const { shop, post } = await withAdmin(sim('http://127.0.0.1:9'), TOKEN);
    shop.seedCatalog(['SEED-1', 'SEED-2', 'SEED-3'], 7);
    const heard: [string, number][] = [];
    const stop = shop.onStock((sku, available) => heard.push([sku, available]));
    const found = (await post(variantsBySkuQuery.query, { query: 'sku:seed-3 OR sku:SEED-1', first: 10 }))
      .data.productVariants.nodes;
    expect(found.map((v: any) => v.sku)).toEqual(['SEED-1', 'SEED-3']);
    const locationId = shop.locationId('East warehouse');
    const levels = await post(inventoryLevelsQuery.query, {
      ids: found.map((v: any) => v.inventoryItem.id),
      locationId,
    });
    expect(levels.data.nodes.map((n: any) => n.inventoryLevel.quantities[0].quantity)).toEqual([7, 7]);
    const set = await post(inventorySetMutation.query, {
      input: {
        name: 'available',
        reason: 'correction',
        quantities: found.map((v: any, i: number) => ({
          inventoryItemId: v.inventoryItem.id,
          locationId,
          quantity: i,
          changeFromQuantity: 7,
        })),
      },
      idempotencyKey: 'seeded-1',
    });
    expect(set.data.inventorySetQuantities.userErrors).toEqual([]);
    shop.setAvailable('SEED-2', 4);
    stop();
    shop.setAvailable('SEED-2', 5);
    expect(heard).toEqual([
      ['SEED-1', 0],
      ['SEED-3', 1],
      ['SEED-2', 4],
    ]);
  });
});

describe('shopify simulator: bulk query operations', () => {
  const TOKEN = 'shpat_sim_test_token_0007';

  async function exporting() {
    const { shop, admin, post } = await withAdmin(sim('http://127.0.0.1:9'), TOKEN);
    const start = async (query = VARIANTS_EXPORT_QUERY) =>
      (await post(variantsExportMutation.query, { query })).data.bulkOperationRunQuery;
    const state = async (id: string) => (await post(bulkOperationQuery.query, { id })).data.bulkOperation;
    return { shop, admin, start, state };
  }

  it('exports every variant as a JSONL line at a signed URL, fetched without the token; RUNNING while held', async () => {
    const { shop, admin, start, state } = await exporting();
    shop.seedCatalog(['SEED-1', 'SEED-2'], 3);
    const renamed = shop.addVariant({ sku: 'OLD-SKU' });
    admin.bulk.hold();
    const { bulkOperation, userErrors } = await start();
    expect([bulkOperation.status, userErrors]).toEqual(['CREATED', []]);
    expect(await state(bulkOperation.id)).toEqual({
      id: bulkOperation.id,
      status: 'RUNNING',
      errorCode: null,
      objectCount: '0',
      url: null,
    });
    // What the file holds is the shop when the operation ran, not when it was asked for.
    shop.setVariantSku(renamed.id, 'NEW-SKU');
    admin.bulk.release();
    const done = await state(bulkOperation.id);
    expect([done.status, done.objectCount]).toEqual(['COMPLETED', '3']);
    const file = await fetch(done.url);
    expect([file.status, new URL(done.url).origin]).toEqual([200, admin.url]);
    const lines = (await file.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sku)).toEqual(['SEED-1', 'SEED-2', 'NEW-SKU']);
    expect(lines[2]).toEqual({
      id: renamed.id,
      sku: 'NEW-SKU',
      product: { id: renamed.productId },
      inventoryItem: { id: renamed.inventoryItemId },
    });
    const unsigned = new URL(done.url);
    unsigned.searchParams.set('Signature', 'forged');
    expect((await fetch(unsigned)).status).toBe(403);
    expect(admin.bulk.downloads().map((d) => [d.status, d.withAccessToken])).toEqual([
      [200, false],
      [403, false],
    ]);
  });

  it('refuses a query that is not valid against the schema, runs five at a time, and can end FAILED', async () => {
    const { admin, start, state } = await exporting();
    const invalid = await start('{ productVariants { edges { node { id colour } } } }');
    expect(invalid.bulkOperation).toBeNull();
    expect(invalid.userErrors).toMatchObject([
      { code: 'INVALID', field: ['query'], message: expect.stringContaining('colour') },
    ]);
    expect((await start('{ orders { edges { node { id } } } }')).userErrors[0].message).toMatch(
      /simulator runs bulk queries of productVariants/,
    );
    admin.bulk.hold();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await start()).bulkOperation.id);
    expect((await start()).userErrors).toMatchObject([{ code: 'LIMIT_REACHED', field: ['query'] }]);
    admin.bulk.failNext('INTERNAL_SERVER_ERROR');
    admin.bulk.release();
    expect((await state(ids[0]!)).errorCode).toBe('INTERNAL_SERVER_ERROR');
    expect((await state(ids[1]!)).status).toBe('COMPLETED');
    // An empty shop: completed with nothing to fetch.
    expect((await state(ids[1]!)).url).toBeNull();
    expect(await state('gid://shopify/BulkOperation/1')).toBeNull();
  });
});

describe('shopify simulator: variant prices over the Admin GraphQL API', () => {
  const TOKEN = 'shpat_sim_test_token_0003';
  const PRICES = variantPricesQuery.query;
  const SET_PRICES = variantPricesSetMutation.query;

  const shopWithAdmin = (currency = 'USD') => withAdmin(sim('http://127.0.0.1:9', { currency }), TOKEN);

  it('reads prices as decimal strings of the shop currency, with the product; null for a variant it does not have', async () => {
    const { shop, post } = await shopWithAdmin('JPY');
    const mug = shop.addVariant({ sku: 'MUG', productId: 77, price: '1500', compareAtPrice: '1800' });
    const answer = await post(PRICES, { ids: [mug.id, 'gid://shopify/ProductVariant/1'] });
    expect(answer.data).toEqual({
      shop: { currencyCode: 'JPY' },
      nodes: [
        {
          id: mug.id,
          sku: 'MUG',
          price: '1500',
          compareAtPrice: '1800',
          product: { id: 'gid://shopify/Product/77' },
        },
        null,
      ],
    });
    expect(answer.extensions.cost.requestedQueryCost).toBe(5);
  });

  it('productVariantsBulkUpdate: sets and clears, all or nothing unless partial updates are allowed', async () => {
    const { shop, admin, post } = await shopWithAdmin();
    const red = shop.addVariant({ sku: 'TEE-RED', productId: 5, price: '20.00', compareAtPrice: '25.00' });
    const blue = shop.addVariant({ sku: 'TEE-BLUE', productId: 5, price: '20.00' });
    const other = shop.addVariant({ sku: 'MUG', productId: 6 });
    const product = 'gid://shopify/Product/5';
    const refused = await post(SET_PRICES, {
      productId: product,
      variants: [
        { id: red.id, price: '18.00', compareAtPrice: null },
        { id: other.id, price: '1.00' },
        { id: blue.id, price: '-1.00' },
        { id: blue.id, price: '1.005' },
      ],
    });
    expect(refused.data.productVariantsBulkUpdate.userErrors).toEqual([
      {
        code: 'PRODUCT_VARIANT_DOES_NOT_EXIST',
        field: ['variants', '1', 'id'],
        message: 'Product variant does not exist',
      },
      { code: 'GREATER_THAN_OR_EQUAL_TO', field: ['variants', '2', 'price'], message: expect.any(String) },
      { code: 'INVALID_INPUT', field: ['variants', '3', 'price'], message: expect.any(String) },
    ]);
    expect(admin.variantPrices('TEE-RED')).toEqual({ price: '20.00', compareAtPrice: '25.00' });
    const partial = await post(SET_PRICES, {
      productId: product,
      allowPartialUpdates: true,
      variants: [
        { id: red.id, price: '18.00', compareAtPrice: null },
        { id: other.id, price: '1.00' },
        { id: blue.id, compareAtPrice: '24.5' },
      ],
    });
    expect(
      partial.data.productVariantsBulkUpdate.productVariants.map((v: any) => [
        v.sku,
        v.price,
        v.compareAtPrice,
      ]),
    ).toEqual([
      ['TEE-RED', '18.00', null],
      ['TEE-BLUE', '20.00', '24.50'],
    ]);
    expect(admin.variantPrices('MUG')).toEqual({ price: '10.00', compareAtPrice: null });
    const gone = await post(SET_PRICES, {
      productId: 'gid://shopify/Product/404',
      variants: [{ id: red.id, price: '1.00' }],
    });
    expect(gone.data.productVariantsBulkUpdate.userErrors[0]).toMatchObject({
      code: 'PRODUCT_DOES_NOT_EXIST',
      field: ['productId'],
    });
    expect(admin.priceUpdates().map((u) => u.applied.length)).toEqual([0, 2, 0]);
    const tooMany = await post(SET_PRICES, {
      productId: product,
      variants: Array(251).fill({ id: red.id, price: '1.00' }),
    });
    expect(tooMany.errors[0].message).toContain('over the limit of 250');
  });

  it("throttles price calls like every other, and a user-error fault answers in the mutation's own payload", async () => {
    const { shop, admin, post } = await shopWithAdmin();
    const mug = shop.addVariant({ sku: 'MUG', productId: 6 });
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 1 });
    expect((await post(PRICES, { ids: [mug.id] })).errors[0].extensions.code).toBe('THROTTLED');
    admin.setThrottle({ currentlyAvailable: 2_000 });
    admin.fault('WaybillVariantPricesSet', { kind: 'user-error', message: 'Product is being edited.' });
    const refused = await post(SET_PRICES, {
      productId: mug.productId,
      variants: [{ id: mug.id, price: '2.00' }],
    });
    expect(refused.data.productVariantsBulkUpdate.userErrors).toEqual([
      { field: null, message: 'Product is being edited.' },
    ]);
    expect(admin.variantPrices('MUG').price).toBe('10.00');
  });
});

describe('shopify simulator: orders, refunds and webhook subscriptions over the Admin GraphQL API', () => {
  const TOKEN = 'shpat_sim_test_token_0004';
  const ORDERS = ordersUpdatedSinceQuery.query;
  const LINES = orderLineItemsQuery.query;
  const REFUNDS = orderRefundsQuery.query;
  const SUGGEST = suggestedRefundQuery.query;
  const REFUND = refundCreateMutation.query;
  const HOOKS = webhookSubscriptionsQuery.query;
  const SHIPPABLE = [
    { sku: 'MUG-BLUE', variantId: 44610569208040, price: '12.99' },
    { sku: 'TEE-M', variantId: 44610569208041, price: '25.00' },
  ];

  const shopWithAdmin = (webhookUrl = 'http://127.0.0.1:9', extra: Partial<ShopifySimOptions> = {}) =>
    withAdmin(sim(webhookUrl, extra), TOKEN);

  it('orders: updated_at filter, oldest change first, cursors that survive an order changing between pages', async () => {
    const { shop, post } = await shopWithAdmin();
    const orders = [0, 1, 2].map((i) => shop.makeOrder(i, SHIPPABLE, [1, 2]));
    for (const order of orders) shop.recordOrder(order);
    shop.recordOrder(shop.updateOf(only(orders, 0), 10_000, { financial_status: 'pending' }));
    const since = new Date(Date.parse(only(orders, 0).created_at)).toISOString();
    const page = async (after: string | null) =>
      (await post(ORDERS, { first: 2, after, query: `updated_at:>'${since}'`, linesFirst: 1 })).data.orders;
    const first = await page(null);
    expect(first.nodes.map((o: any) => o.legacyResourceId)).toEqual([
      String(only(orders, 1).id),
      String(only(orders, 2).id),
    ]);
    const node = first.nodes[0];
    expect(node).toMatchObject({
      id: only(orders, 1).admin_graphql_api_id,
      updatedAt: new Date(only(orders, 1).updated_at).toISOString().replace('.000Z', 'Z'),
      displayFinancialStatus: 'PAID',
      currencyCode: 'USD',
      cancelledAt: null,
      customer: { defaultEmailAddress: { emailAddress: only(orders, 1).email } },
      shippingAddress: { countryCodeV2: 'US', provinceCode: only(orders, 1).shipping_address.province_code },
    });
    expect(node.lineItems.pageInfo.hasNextPage).toBe(true);
    expect(node.lineItems.nodes[0]).toMatchObject({
      id: only(orders, 1).line_items[0]?.admin_graphql_api_id,
      sku: 'MUG-BLUE',
      quantity: 1,
      requiresShipping: true,
      refundableQuantity: 1,
      originalUnitPriceSet: {
        shopMoney: { amount: '12.99', currencyCode: 'USD' },
        presentmentMoney: { amount: '12.99', currencyCode: 'USD' },
      },
    });
    shop.recordOrder(shop.updateOf(only(orders, 1), 20_000));
    const second = await page(first.pageInfo.endCursor);
    expect(second.nodes.map((o: any) => [o.legacyResourceId, o.displayFinancialStatus])).toEqual([
      [String(only(orders, 0).id), 'PENDING'],
      [String(only(orders, 1).id), 'PAID'],
    ]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const rest = await post(LINES, {
      orderId: only(orders, 1).admin_graphql_api_id,
      first: 1,
      after: node.lineItems.pageInfo.endCursor,
    });
    expect(rest.data.order.lineItems.nodes.map((l: any) => l.sku)).toEqual(['TEE-M']);
    expect(
      (await post(ORDERS, { first: 2, query: 'status:open', linesFirst: 1 })).errors[0].message,
    ).toContain('status:open');
  });

  it('suggestedRefund and refundCreate: money back to the payment, refundable quantities go down, refusals as user errors', async () => {
    const { shop, admin, post } = await shopWithAdmin();
    const order = shop.makeOrder(3, SHIPPABLE, [2, 1]);
    shop.recordOrder(order);
    const mug = only(order.line_items, 0);
    const lines = [{ lineItemId: mug.admin_graphql_api_id, quantity: 1 }];
    const suggested = (await post(SUGGEST, { orderId: order.admin_graphql_api_id, refundLineItems: lines }))
      .data.order.suggestedRefund;
    const tax = mug.tax_lines.reduce((sum, t) => sum + cents(t.price), 0);
    const expected = Math.floor(((cents(mug.price) * 2 - cents(mug.total_discount) + tax) * 2 + 2) / 4);
    expect(cents(suggested.amountSet.shopMoney.amount)).toBe(expected);
    const [sale] = suggested.suggestedTransactions;
    expect(sale).toMatchObject({
      gateway: 'shopify_payments',
      kind: 'SUGGESTED_REFUND',
      parentTransaction: { id: expect.stringMatching(/^gid:\/\/shopify\/OrderTransaction\//) },
    });
    const transaction = {
      orderId: order.admin_graphql_api_id,
      parentId: sale.parentTransaction.id,
      gateway: sale.gateway,
      kind: 'REFUND',
      amount: sale.amountSet.shopMoney.amount,
    };
    const input = {
      orderId: order.admin_graphql_api_id,
      note: 'Out of stock',
      notify: true,
      refundLineItems: lines.map((l) => ({ ...l, restockType: 'NO_RESTOCK' })),
      transactions: [transaction],
    };
    const refusals = await post(REFUND, {
      input: {
        ...input,
        refundLineItems: [{ ...input.refundLineItems[0], quantity: 3 }],
        transactions: [{ ...transaction, gateway: 'manual' }],
      },
      idempotencyKey: 'refund-refused',
    });
    expect(refusals.data.refundCreate.userErrors.map((e: any) => e.field.join('.'))).toEqual([
      'refundLineItems.0.quantity',
      'transactions.0.gateway',
    ]);
    expect(admin.refunds(order.id)).toEqual([]);
    const made = await post(REFUND, { input, idempotencyKey: 'refund-made' });
    expect(made.data.refundCreate).toEqual({
      refund: { id: expect.stringMatching(/^gid:\/\/shopify\/Refund\//), note: 'Out of stock' },
      userErrors: [],
    });
    expect(
      admin
        .refunds(order.id)
        .map((r) => [r.lines.map((l) => l.quantity), r.transactions.map((t) => t.amount)]),
    ).toEqual([[[1], [expected]]]);
    expect(admin.order(order.id)?.financial_status).toBe('partially_refunded');
    const state = (
      await post(REFUNDS, { orderId: order.admin_graphql_api_id, refundsFirst: 10, linesFirst: 10 })
    ).data.order;
    expect(state.refunds.map((r: any) => r.note)).toEqual(['Out of stock']);
    expect(state.lineItems.nodes.map((l: any) => l.refundableQuantity)).toEqual([1, 1]);
    const over = await post(REFUND, {
      input: { ...input, transactions: [{ ...transaction, amount: '9999.00' }] },
      idempotencyKey: 'refund-over',
    });
    expect(over.data.refundCreate.userErrors[0].field).toEqual(['transactions', '0', 'amount']);
  });

  it('tells refunds by API (when asked) and by the admin with a signed refunds/create delivery', async () => {
    const hub = await receiver();
    const { shop, admin, post } = await shopWithAdmin(hub.url, { refundWebhooks: true });
    const order = shop.makeOrder(4, SHIPPABLE, [1, 1]);
    shop.recordOrder(order);
    const tee = only(order.line_items, 1);
    await post(REFUND, {
      input: {
        orderId: order.admin_graphql_api_id,
        refundLineItems: [{ lineItemId: tee.admin_graphql_api_id, quantity: 1, restockType: 'NO_RESTOCK' }],
      },
      idempotencyKey: 'refund-tee',
    });
    expect((await shop.settled()).map((d) => d.status)).toEqual([200]);
    const { payload, delivery } = await shop.refundInAdmin(order.id, [{ sku: 'MUG-BLUE', quantity: 1 }], {
      note: 'damaged',
    });
    expect(delivery.status).toBe(200);
    expect(hub.received.map((r) => r.headers['x-shopify-topic'])).toEqual([
      'refunds/create',
      'refunds/create',
    ]);
    const sent = JSON.parse(only(hub.received, 1).raw.toString('utf8'));
    expect(only(hub.received, 1).headers['x-shopify-hmac-sha256']).toBe(
      expectedHmac(only(hub.received, 1).raw),
    );
    expect(sent).toEqual(payload);
    expect(sent).toMatchObject({
      order_id: order.id,
      note: 'damaged',
      refund_line_items: [{ quantity: 1, restock_type: 'no_restock', line_item: { sku: 'MUG-BLUE' } }],
      transactions: [{ kind: 'refund', status: 'success', currency: 'USD', gateway: 'shopify_payments' }],
    });
    expect(admin.refunds(order.id)).toHaveLength(2);
  });

  it('webhookSubscriptions: one per topic to the webhook URL at first, filtered by topic, gone once deleted', async () => {
    const { shop, post } = await shopWithAdmin('https://hub.example/webhooks/shopify/chn_1');
    const list = async (variables: Record<string, unknown>) =>
      (await post(HOOKS, { first: 2, ...variables })).data.webhookSubscriptions;
    const first = await list({});
    const rest = await list({ after: first.pageInfo.endCursor });
    expect([...first.nodes, ...rest.nodes].map((s: any) => [s.topic, s.uri])).toEqual(
      ['ORDERS_CREATE', 'ORDERS_UPDATED', 'ORDERS_CANCELLED', 'REFUNDS_CREATE'].map((t) => [
        t,
        'https://hub.example/webhooks/shopify/chn_1',
      ]),
    );
    shop.deleteWebhookSubscription('ORDERS_UPDATED');
    shop.addWebhookSubscription('ORDERS_UPDATED', 'https://elsewhere.example/hook');
    const updated = await list({ topics: ['ORDERS_UPDATED'] });
    expect(updated.nodes.map((s: any) => s.uri)).toEqual(['https://elsewhere.example/hook']);
  });
});
