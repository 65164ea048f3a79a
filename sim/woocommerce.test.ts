import { describe, expect, it } from 'vitest';
import {
  base64Hmac,
  cents,
  closedAfterEach,
  only,
  startReceiver,
  type Receiver,
  type ReceiverAnswer,
} from './testing.ts';
import { until } from '../test/support/until.ts';
import {
  createWooCommerceSim,
  type WooCommerceSim,
  type WooCommerceSimOptions,
  type WooOrder,
  type WooRestOptions,
} from './woocommerce.ts';

const SECRET = 'woo-webhook-secret-0001';
const STORE = 'https://shop.example.com';
const ITEMS = [
  { sku: 'MUG-BLUE', productId: 41, price: '12.99', name: 'Blue mug' },
  { sku: 'TEE-M', productId: 42, variationId: 57, price: '25.00' },
  { sku: null, productId: 43, price: '0.99', name: 'Sticker' },
];

const open = closedAfterEach();

/** Waybill's webhook route for this store (see startReceiver), closed after the test. */
async function receiver(answer?: ReceiverAnswer): Promise<Receiver> {
  const hub = await startReceiver('/webhooks/woocommerce/woo', answer);
  open.push(hub);
  return hub;
}

function sim(webhookUrl: string, extra: Partial<WooCommerceSimOptions> = {}): WooCommerceSim {
  return createWooCommerceSim({ storeUrl: STORE, webhookUrl, secret: SECRET, seed: 7, ...extra });
}

/** What X-WC-Webhook-Signature should hold for the bytes as received. */
function expectedSignature(raw: Buffer, secret = SECRET): string {
  return base64Hmac(secret, raw);
}

describe('woocommerce simulator: deliveries', () => {
  it('signs the exact raw bytes with the webhook secret, base64', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    const order = shop.makeOrder(0, ITEMS);
    const result = await shop.deliver('order.created', order);
    expect(result).toMatchObject({ sent: true, status: 200, attempts: 1, body: '{"status":"accepted"}' });
    const { headers, raw } = only(hub.received);
    expect(headers['x-wc-webhook-signature']).toBe(expectedSignature(raw));
    expect(JSON.parse(raw.toString('utf8'))).toEqual(order);
  });

  it('writes the body as PHP json_encode does: slashes and non-ASCII escaped', async () => {
    const hub = await receiver();
    const shop = sim(hub.url, { currency: 'EUR' });
    await shop.deliver('order.created', { note: 'a/b', name: 'Zoë', symbol: '€', emoji: '😀' });
    const text = only(hub.received).raw.toString('utf8');
    expect(text).toBe('{"note":"a\\/b","name":"Zo\\u00eb","symbol":"\\u20ac","emoji":"\\ud83d\\ude00"}');
    expect(JSON.parse(text)).toEqual({ note: 'a/b', name: 'Zoë', symbol: '€', emoji: '😀' });
  });

  it('sends every header WC_Webhook sends, well formed', async () => {
    const hub = await receiver();
    const result = await sim(hub.url).deliver('order.updated', { id: 1 });
    const { headers } = only(hub.received);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-wc-webhook-source': `${STORE}/`,
      'x-wc-webhook-topic': 'order.updated',
      'x-wc-webhook-resource': 'order',
      'x-wc-webhook-event': 'updated',
      'x-wc-webhook-id': '1',
      'x-wc-webhook-delivery-id': result.deliveryId,
    });
    expect(headers['user-agent']).toMatch(
      /^WooCommerce\/\d+\.\d+\.\d+ Hookshot \(WordPress\/\d+\.\d+(\.\d+)?\)$/,
    );
    expect(result.deliveryId).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(String(headers['x-wc-webhook-signature']), 'base64')).toHaveLength(32);
  });

  it('gives each topic its own webhook id; a delivery id repeats within one second of one webhook', async () => {
    const hub = await receiver();
    let clock = Date.parse('2025-11-03T19:00:00.100Z');
    const shop = sim(hub.url, { now: () => clock });
    const a = await shop.deliver('order.updated', { id: 1 });
    clock += 800;
    const b = await shop.deliver('order.updated', { id: 2 });
    const other = await shop.deliver('order.created', { id: 3 });
    clock += 200;
    const later = await shop.deliver('order.updated', { id: 1 });
    // WooCommerce hashes the webhook id with the current second: two different orders, one delivery id.
    expect(b.deliveryId).toBe(a.deliveryId);
    expect(other.deliveryId).not.toBe(a.deliveryId);
    expect(later.deliveryId).not.toBe(a.deliveryId);
    expect(hub.received.map((r) => r.headers['x-wc-webhook-id'])).toEqual(['1', '1', '2', '1']);
    expect(shop.webhook('order.created').id).toBe(2);
    const given = await shop.deliver('order.updated', { id: 1 }, { deliveryId: 'fixed' });
    expect(given.deliveryId).toBe('fixed');
  });

  it('redelivers the same delivery: same delivery id, signature and body bytes', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    const first = await shop.deliver('order.created', shop.makeOrder(1, ITEMS));
    const again = await shop.redeliver(first);
    const twice = await shop.redeliver(again);
    expect([again.deliveryId, twice.deliveryId]).toEqual([first.deliveryId, first.deliveryId]);
    const [a, b, c] = hub.received;
    expect(b?.raw.equals(only(hub.received).raw)).toBe(true);
    expect(c?.raw.equals(only(hub.received).raw)).toBe(true);
    for (const name of ['x-wc-webhook-delivery-id', 'x-wc-webhook-signature', 'x-wc-webhook-topic']) {
      expect(b?.headers[name]).toBe(a?.headers[name]);
    }
  });

  it('refuses to redeliver a result it did not produce', async () => {
    const shop = sim('http://127.0.0.1:9');
    const foreign = { sent: true, status: 200, deliveryId: 'x', attempts: 1, body: '' };
    await expect(shop.redeliver(foreign)).rejects.toThrow(/redeliver/);
  });

  it('keys the signature with the secret as WooCommerce decodes it (wp_specialchars_decode, ENT_QUOTES)', async () => {
    const hub = await receiver();
    const shop = sim(hub.url, { secret: 'my&amp;secret&#039;0123456789' });
    await shop.deliver('order.created', shop.makeOrder(0, ITEMS));
    const { headers, raw } = only(hub.received);
    expect(headers['x-wc-webhook-signature']).toBe(expectedSignature(raw, "my&secret'0123456789"));
  });

  it('signs with an overriding secret and sends a raw non-JSON body signed correctly', async () => {
    const hub = await receiver();
    const shop = sim(hub.url);
    await shop.deliver('order.created', { id: 1 }, { secret: 'another-secret' });
    await shop.deliver('order.created', undefined, { rawBody: 'not json {' });
    const forged = only(hub.received, 0);
    expect(forged.headers['x-wc-webhook-signature']).toBe(expectedSignature(forged.raw, 'another-secret'));
    expect(forged.headers['x-wc-webhook-signature']).not.toBe(expectedSignature(forged.raw));
    const raw = only(hub.received, 1);
    expect(raw.raw.toString('utf8')).toBe('not json {');
    expect(raw.headers['x-wc-webhook-signature']).toBe(expectedSignature(raw.raw));
  });

  it('sends once by default; a relay (maxAttempts) retries a 500 or a timeout with the same delivery id', async () => {
    const failing = await receiver(() => ({ status: 500 }));
    expect(await sim(failing.url).deliver('order.created', { id: 1 })).toMatchObject({
      status: 500,
      attempts: 1,
    });
    const flaky = await receiver((call) => ({
      status: call < 2 ? 503 : 200,
      delayMs: call === 0 ? 1_000 : 0,
    }));
    const result = await sim(flaky.url).deliver(
      'order.created',
      { id: 5 },
      { maxAttempts: 5, timeoutMs: 200 },
    );
    expect(result).toMatchObject({ status: 200, attempts: 3 });
    expect(new Set(flaky.received.map((r) => r.headers['x-wc-webhook-delivery-id']))).toEqual(
      new Set([result.deliveryId]),
    );
    expect(new Set(flaky.received.map((r) => r.raw.toString('hex'))).size).toBe(1);
  });

  it('reports status 0 when nothing answers', async () => {
    const gone = await receiver();
    await gone.close();
    expect(await sim(gone.url).deliver('order.created', { id: 1 })).toMatchObject({
      sent: true,
      status: 0,
      attempts: 1,
      body: '',
    });
  });

  it('pings like a newly saved webhook: form-encoded webhook_id, unsigned, only 200 is fine', async () => {
    const hub = await receiver((call) => ({ status: call === 2 ? 204 : 200 }));
    const shop = sim(hub.url);
    await shop.deliver('order.updated', { id: 1 });
    expect(await shop.ping('order.updated')).toMatchObject({ status: 200, ok: true });
    expect(await shop.ping('order.created')).toMatchObject({ status: 204, ok: false });
    const ping = only(hub.received, 1);
    expect(ping.raw.toString('utf8')).toBe('webhook_id=1');
    expect(ping.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(ping.headers['user-agent']).toMatch(/^WooCommerce\/.* Hookshot/);
    expect(Object.keys(ping.headers).filter((h) => h.startsWith('x-wc-'))).toEqual([]);
    expect(only(hub.received, 2).raw.toString('utf8')).toBe('webhook_id=2');
    // A ping is not a delivery: it neither counts as a failure nor as a success.
    expect(shop.webhook('order.created').failureCount).toBe(0);
  });

  it('sends to the new URL after setWebhookUrl, redeliveries included', async () => {
    const before = await receiver();
    const after = await receiver();
    const shop = sim(before.url);
    const first = await shop.deliver('order.created', { id: 1 });
    shop.setWebhookUrl(after.url);
    await shop.redeliver(first);
    expect(before.received).toHaveLength(1);
    expect(only(after.received).headers['x-wc-webhook-delivery-id']).toBe(first.deliveryId);
  });
});

describe('woocommerce simulator: a webhook turns itself off after repeated failures', () => {
  it('counts consecutive failures per webhook; 2xx, 301 and 302 reset the count', async () => {
    const statuses = [500, 404, 302, 500, 301, 200, 503];
    const hub = await receiver((call) => ({ status: statuses[call] ?? 200 }));
    const shop = sim(hub.url);
    const counts: number[] = [];
    for (let i = 0; i < statuses.length; i++) {
      await shop.deliver('order.updated', { id: i });
      counts.push(shop.webhook('order.updated').failureCount);
    }
    expect(counts).toEqual([1, 2, 0, 1, 0, 0, 1]);
    expect(shop.webhook('order.created')).toMatchObject({ failureCount: 0, disabled: false });
  });

  it('is disabled by the failure that finds the count above the maximum (the 7th in a row by default), then sends nothing', async () => {
    const hub = await receiver(() => ({ status: 503 }));
    const shop = sim(hub.url);
    for (let i = 1; i <= 6; i++) {
      await shop.deliver('order.updated', { id: i });
      expect(shop.webhook('order.updated')).toMatchObject({ status: 'active', failureCount: i });
    }
    expect(await shop.deliver('order.updated', { id: 7 })).toMatchObject({ sent: true, status: 503 });
    expect(shop.webhook('order.updated')).toMatchObject({ status: 'disabled', disabled: true });
    const lost = await shop.deliver('order.updated', { id: 8 });
    expect(lost).toEqual({ sent: false, status: 0, deliveryId: '', attempts: 0, body: '' });
    expect(hub.received).toHaveLength(7);
    // Other webhooks of the store go on.
    expect(await shop.deliver('order.created', { id: 9 })).toMatchObject({ sent: true });
  });

  it('follows maxDeliveryFailures, skips redeliveries while disabled, and sends again once reactivated', async () => {
    let status = 500;
    const hub = await receiver(() => ({ status }));
    const shop = sim(hub.url, { maxDeliveryFailures: 1 });
    const first = await shop.deliver('order.created', { id: 1 });
    await shop.deliver('order.created', { id: 2 });
    await shop.deliver('order.created', { id: 3 });
    expect(shop.webhook('order.created').disabled).toBe(true);
    expect(await shop.redeliver(first)).toMatchObject({ sent: false, deliveryId: first.deliveryId });
    expect(hub.received).toHaveLength(3);
    status = 200;
    shop.reactivate('order.created');
    expect(shop.webhook('order.created')).toMatchObject({ status: 'active', failureCount: 0 });
    expect(await shop.deliver('order.created', { id: 4 })).toMatchObject({ sent: true, status: 200 });
  });
});

/** The fields a store makes unique per run; everything else must follow from seed and i. */
function withoutRunFields(order: WooOrder): unknown {
  const runFields = ['id', 'number', 'order_key', 'payment_url', 'transaction_id', '_links'];
  return JSON.parse(
    JSON.stringify(order, (key, value: unknown) =>
      runFields.includes(key) || key.startsWith('date_') ? '<run>' : value,
    ),
  );
}

describe('woocommerce simulator: orders', () => {
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
  });

  it('looks like an order.created payload of the REST API v3', () => {
    const order = sim('x').makeOrder(0, ITEMS, [2, 1, 3]);
    expect(order).toMatchObject({
      parent_id: 0,
      status: 'processing',
      currency: 'USD',
      currency_symbol: '$',
      number: String(order.id),
      prices_include_tax: false,
      date_completed: null,
      fee_lines: [],
      refunds: [],
    });
    expect(order.order_key).toMatch(/^wc_order_[A-Za-z0-9]{13}$/);
    expect(order._links.self?.[0]?.href).toBe(`${STORE}/wp-json/wc/v3/orders/${order.id}`);
    expect(Object.keys(order).slice(0, 3)).toEqual(['id', 'parent_id', 'status']);
    expect(Object.keys(order).at(-1)).toBe('_links');
    expect(order.billing.email).toMatch(/^[a-z]+\.[a-z]+@example\.com$/);
    expect(order.shipping).not.toHaveProperty('email');
    expect(order.line_items.map((l) => [l.sku, l.product_id, l.variation_id, l.quantity])).toEqual([
      ['MUG-BLUE', 41, 0, 2],
      ['TEE-M', 42, 57, 1],
      [null, 43, 0, 3],
    ]);
  });

  it('writes dates without an offset: *_gmt in UTC, the others in the site time zone', () => {
    const order = sim('x').makeOrder(4, ITEMS);
    const wcDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
    for (const field of ['date_created', 'date_created_gmt', 'date_modified', 'date_modified_gmt'] as const) {
      expect(order[field]).toMatch(wcDate);
    }
    const offsetMs = Date.parse(`${order.date_created}Z`) - Date.parse(`${order.date_created_gmt}Z`);
    expect(offsetMs).toBe(-5 * 3_600_000);
    expect(order.date_modified_gmt).toBe(order.date_created_gmt);
  });

  it('adds up in integer cents; price is the float total ÷ quantity, after the discount', () => {
    const shop = sim('x');
    const orders = Array.from({ length: 60 }, (_, i) => shop.makeOrder(i, ITEMS));
    for (const order of orders) {
      const sum = (f: (l: WooOrder['line_items'][number]) => string) =>
        order.line_items.reduce((acc, l) => acc + cents(f(l)), 0);
      const shipping = order.shipping_lines.reduce((acc, s) => acc + cents(s.total), 0);
      expect(cents(order.discount_total)).toBe(sum((l) => l.subtotal) - sum((l) => l.total));
      expect(cents(order.cart_tax)).toBe(sum((l) => l.total_tax));
      expect(cents(order.total)).toBe(sum((l) => l.total) + shipping + cents(order.total_tax));
      expect(cents(order.shipping_total)).toBe(shipping);
      for (const line of order.line_items) {
        expect(line.price).toBe(Number(line.total) / line.quantity);
      }
      const coupons = order.coupon_lines.reduce((acc, c) => acc + cents(c.discount), 0);
      expect(coupons).toBe(cents(order.discount_total));
    }
    // The sample covers discounted and full-price orders, taxed and untaxed ones.
    expect(orders.some((o) => o.coupon_lines.length > 0)).toBe(true);
    expect(orders.some((o) => o.coupon_lines.length === 0)).toBe(true);
    expect(orders.some((o) => o.tax_lines.length === 0)).toBe(true);
    expect(orders.some((o) => o.tax_lines.length > 0)).toBe(true);
  });

  it('keeps the decimals of the currency and refuses a price with more', () => {
    const yen = sim('x', { currency: 'JPY' }).makeOrder(
      0,
      [{ sku: 'MUG', productId: 1, price: '1500' }],
      [2],
    );
    expect(yen.line_items[0]?.subtotal).toBe('3000');
    expect(yen.total).toMatch(/^\d+$/);
    expect(yen.currency_symbol).toBe('¥');
    expect(() => sim('x').makeOrder(0, [{ sku: 'MUG', productId: 1, price: '1.999' }])).toThrow(RangeError);
    expect(
      sim('x').makeOrder(0, [{ sku: 'MUG', productId: 1, price: '12.9' }], [1]).line_items[0]?.subtotal,
    ).toBe('12.90');
  });

  it('updateOf moves date_modified forward in whole seconds and applies the changes without touching the original', () => {
    const shop = sim('x');
    const order = shop.makeOrder(2, ITEMS);
    const updated = shop.updateOf(order, 90_000, { status: 'cancelled', customer_note: 'changed mind' });
    expect(Date.parse(`${updated.date_modified_gmt}Z`) - Date.parse(`${order.date_modified_gmt}Z`)).toBe(
      90_000,
    );
    expect(Date.parse(`${updated.date_modified}Z`) - Date.parse(`${order.date_modified}Z`)).toBe(90_000);
    expect(updated).toMatchObject({
      id: order.id,
      date_created_gmt: order.date_created_gmt,
      status: 'cancelled',
    });
    expect(order.status).toBe('processing');
    const later = shop.updateOf(updated, 1);
    expect(Date.parse(`${later.date_modified_gmt}Z`) - Date.parse(`${updated.date_modified_gmt}Z`)).toBe(
      1_000,
    );
  });
});

describe('woocommerce simulator: the REST API v3', () => {
  const KEY = `ck_${'1'.repeat(40)}`;
  const SECRET_KEY = `cs_${'2'.repeat(40)}`;
  const basic = (key = KEY, secret = SECRET_KEY) =>
    `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const PRODUCTS = [
    { id: 41, sku: 'MUG-BLUE', name: 'Blue mug' },
    {
      id: 42,
      sku: '',
      name: 'Oak lamp',
      variations: [
        { id: 77, sku: 'LAMP-OAK-L' },
        { id: 78, sku: 'LAMP-OAK-S' },
      ],
    },
  ];

  async function rest(extra: Partial<WooRestOptions> = {}) {
    const shop = sim('http://127.0.0.1:9');
    const api = await shop.startRest({
      consumerKey: KEY,
      consumerSecret: SECRET_KEY,
      products: PRODUCTS,
      ...extra,
    });
    open.push(api);
    /** A request written from the REST API documentation, independently of src/. */
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      authorization: string | null = basic(),
    ) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization) headers.authorization = authorization;
      const res = await fetch(`${api.url}/wp-json/wc/v3${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    };
    return { shop, api, call };
  }

  it('takes the key pair as HTTP Basic or in the query string, and refuses the others as WooCommerce does', async () => {
    const { shop, api, call } = await rest();
    const order = shop.makeOrder(1, ITEMS);
    await shop.deliver('order.created', order);
    expect((await call('GET', `/orders/${order.id}`)).status).toBe(200);
    const query = `?consumer_key=${KEY}&consumer_secret=${SECRET_KEY}`;
    expect((await call('GET', `/orders/${order.id}${query}`, undefined, null)).status).toBe(200);
    expect(await call('GET', `/orders/${order.id}`, undefined, null)).toMatchObject({
      status: 401,
      body: { code: 'woocommerce_rest_cannot_view', data: { status: 401 } },
    });
    // An unknown key authenticates no one and sets no error: the route refuses, as without keys.
    expect((await call('GET', '/products', undefined, basic('ck_wrong'))).body.code).toBe(
      'woocommerce_rest_cannot_view',
    );
    const wrongSecret = await call('POST', '/products/batch', { update: [] }, basic(KEY, 'cs_wrong'));
    expect(wrongSecret).toMatchObject({
      status: 401,
      body: { code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.' },
    });
    expect(api.calls.map((c) => [c.auth, c.outcome])).toEqual([
      ['basic', 'ok'],
      ['query', 'ok'],
      ['none', 'unauthorized'],
      ['basic', 'unauthorized'],
      ['basic', 'unauthorized'],
    ]);
    expect(api.writes).toEqual([]);
  });

  it('reads consumer_key/consumer_secret in the query before Basic; a server that strips Authorization leaves only the query', async () => {
    const { shop, api, call } = await rest({ stripsAuthorization: true });
    const order = shop.makeOrder(1, ITEMS);
    await shop.deliver('order.created', order);
    expect((await call('GET', `/orders/${order.id}`)).body.code).toBe('woocommerce_rest_cannot_view');
    const query = `?consumer_key=${KEY}&consumer_secret=${SECRET_KEY}`;
    expect((await call('GET', `/orders/${order.id}${query}`, undefined, null)).status).toBe(200);
    // Both given: the query wins (a wrong secret there is refused though Basic is right).
    const { shop: plain, call: callPlain } = await rest();
    await plain.deliver('order.created', order);
    const both = await callPlain('GET', `/orders/${order.id}?consumer_key=${KEY}&consumer_secret=cs_wrong`);
    expect(both.body.message).toBe('Consumer secret is invalid.');
    expect(api.calls.map((c) => c.auth)).toEqual(['none', 'query']);
  });

  it('refuses every write to a read-only key, and answers an unknown route rest_no_route', async () => {
    const { call } = await rest({ permissions: 'read' });
    expect((await call('GET', '/products')).status).toBe(200);
    const write = await call('POST', '/products/batch', { update: [{ id: 41, stock_quantity: 1 }] });
    expect(write.body.message).toBe('The API key provided does not have write permissions.');
    expect(await call('GET', '/nothing-here')).toMatchObject({
      status: 404,
      body: { code: 'rest_no_route' },
    });
  });

  it('serves the orders it announced, adds notes, and updates status and meta_data as WC_Data does', async () => {
    const { shop, api, call } = await rest();
    const order = shop.makeOrder(2, ITEMS);
    await shop.deliver('order.created', order);
    expect(await call('GET', '/orders/1')).toMatchObject({
      status: 404,
      body: { code: 'woocommerce_rest_shop_order_invalid_id' },
    });
    const note = await call('POST', `/orders/${order.id}/notes`, { note: 'On its way', customer_note: true });
    expect(note).toMatchObject({
      status: 201,
      body: { note: 'On its way', customer_note: true, author: 'system' },
    });
    expect((await call('POST', `/orders/${order.id}/notes`, {})).body.code).toBe(
      'rest_missing_callback_param',
    );

    const first = { key: '_tracking', value: { number: '1Z1' } };
    expect(
      (await call('PUT', `/orders/${order.id}`, { meta_data: [first, { key: '_other', value: 'x' }] }))
        .status,
    ).toBe(200);
    // Without an id, a key's value is replaced rather than a second entry added.
    const done = await call('PUT', `/orders/${order.id}`, {
      status: 'completed',
      meta_data: [{ key: '_tracking', value: 'v2' }],
    });
    expect(done.body.status).toBe('completed');
    expect(done.body.meta_data.map((m: { key: string; value: unknown }) => [m.key, m.value])).toEqual([
      ['_tracking', 'v2'],
      ['_other', 'x'],
    ]);
    expect(done.body.date_completed_gmt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect((await call('PUT', `/orders/${order.id}`, { status: 'shipped' })).body.code).toBe(
      'rest_invalid_param',
    );
    expect(api.order(order.id)?.status).toBe('completed');

    const customer = await call('GET', `/orders/${order.id}/notes?type=customer`);
    expect(customer.body.map((n: { note: string }) => n.note)).toEqual(['On its way']);
    const all = await call('GET', `/orders/${order.id}/notes`);
    expect(all.body.map((n: { note: string }) => n.note)).toEqual([
      'Order status changed from Processing to Completed.',
      'On its way',
    ]);
    expect(api.writes.map((w) => w.route)).toEqual([
      'POST /orders/:id/notes',
      'PUT /orders/:id',
      'PUT /orders/:id',
    ]);
  });

  it('keeps the newest state of an order: an older order.updated does not replace it', async () => {
    const { shop, api } = await rest();
    const order = shop.makeOrder(3, ITEMS);
    await shop.deliver('order.updated', shop.updateOf(order, 60_000, { status: 'on-hold' }));
    await shop.deliver('order.created', order);
    expect(api.order(order.id)?.status).toBe('on-hold');
  });

  it('finds products and variations by SKU, comma-separated and case-insensitively, one page at most 100', async () => {
    const { call } = await rest();
    const found = await call('GET', '/products?sku=mug-blue,LAMP-OAK-L,NOPE&per_page=100');
    expect(
      found.body.map((p: { id: number; parent_id: number; type: string }) => [p.id, p.parent_id, p.type]),
    ).toEqual([
      [41, 0, 'simple'],
      [77, 42, 'variation'],
    ]);
    expect(found.headers.get('x-wp-total')).toBe('2');
    const listed = await call('GET', '/products');
    expect(listed.body.map((p: { id: number }) => p.id)).toEqual([41, 42]);
    expect((await call('GET', '/products?per_page=101')).body.code).toBe('rest_invalid_param');
  });

  it('sets managed stock in batches: products at /products/batch, variations under their parent, at most 100 items', async () => {
    const { api, call } = await rest();
    const products = await call('POST', '/products/batch', {
      update: [
        { id: 41, manage_stock: true, stock_quantity: 0 },
        { id: 77, manage_stock: true, stock_quantity: 3 },
      ],
    });
    expect(products.status).toBe(200);
    expect(products.body.update[0]).toMatchObject({
      id: 41,
      manage_stock: true,
      stock_quantity: 0,
      stock_status: 'outofstock',
    });
    expect(products.body.update[1]).toEqual({
      id: 77,
      error: { code: 'woocommerce_rest_product_invalid_id', message: 'Invalid ID.', data: { status: 400 } },
    });
    const variations = await call('POST', '/products/42/variations/batch', {
      update: [{ id: 77, manage_stock: true, stock_quantity: 3 }],
    });
    expect(variations.body.update[0]).toMatchObject({ id: 77, stock_quantity: 3, stock_status: 'instock' });
    const tooMany = Array.from({ length: 101 }, () => ({ id: 41, stock_quantity: 9 }));
    expect(await call('POST', '/products/batch', { update: tooMany })).toEqual({
      status: 413,
      headers: expect.anything(),
      body: {
        code: 'woocommerce_rest_request_entity_too_large',
        message: 'Unable to accept more than 100 items for this request.',
        data: { status: 413 },
      },
    });
    expect(api.product('MUG-BLUE')?.stock_quantity).toBe(0);
    expect(api.writes.map((w) => w.route)).toEqual([
      'POST /products/batch',
      'POST /products/:id/variations/batch',
    ]);
  });

  it('seedCatalog adds a managed product per SKU to every REST server; onStock hears every quantity the API sets', async () => {
    const { shop, api, call } = await rest();
    shop.seedCatalog(['SEED-1', 'SEED-2'], 7);
    const heard: [string, number][] = [];
    const stop = shop.onStock((sku, available) => heard.push([sku, available]));
    const found = await call('GET', '/products?sku=seed-2,SEED-1,MUG-BLUE&per_page=100');
    expect(found.body.map((p: any) => [p.sku, p.manage_stock, p.stock_quantity])).toEqual([
      ['MUG-BLUE', false, null],
      ['SEED-1', true, 7],
      ['SEED-2', true, 7],
    ]);
    const [one, two] = [found.body[1].id, found.body[2].id];
    await call('POST', '/products/batch', {
      update: [
        { id: one, stock_quantity: 0 },
        { id: two, regular_price: '9.99' },
        { id: 41, manage_stock: true, stock_quantity: 3 },
      ],
    });
    stop();
    await call('POST', '/products/batch', { update: [{ id: two, stock_quantity: 1 }] });
    expect(heard).toEqual([
      ['SEED-1', 0],
      ['MUG-BLUE', 3],
    ]);
    expect(api.product('SEED-2')?.stock_quantity).toBe(1);
    const later = await shop.startRest({ consumerKey: KEY, consumerSecret: SECRET_KEY });
    open.push(later);
    expect(later.product('SEED-1')?.stock_quantity).toBe(7);
  });

  it("sets regular and sale prices in batches; price follows, a sale cleared with '', a number refused", async () => {
    const { api, call } = await rest();
    const products = await call('POST', '/products/batch', {
      update: [
        { id: 41, regular_price: '15.00', sale_price: '12.50' },
        { id: 42, regular_price: '99.00' },
      ],
    });
    expect(products.body.update[0]).toMatchObject({
      id: 41,
      regular_price: '15.00',
      sale_price: '12.50',
      price: '12.50',
      on_sale: true,
    });
    // A variable product's own prices are ignored: its price comes from its variations.
    expect(products.body.update[1]).toMatchObject({ id: 42, type: 'variable', regular_price: '', price: '' });
    const variation = await call('POST', '/products/42/variations/batch', {
      update: [{ id: 78, regular_price: '30', sale_price: '' }],
    });
    expect(variation.body.update[0]).toMatchObject({ id: 78, price: '30', on_sale: false });
    await call('POST', '/products/batch', { update: [{ id: 41, sale_price: '' }] });
    expect(api.product('MUG-BLUE')).toMatchObject({ regular_price: '15.00', sale_price: '', price: '15.00' });
    const number = await call('POST', '/products/batch', { update: [{ id: 41, regular_price: 9.99 }] });
    expect(number.body.update[0].error.code).toBe('rest_invalid_param');
    expect(api.product('MUG-BLUE')?.regular_price).toBe('15.00');
  });

  it('makes refunds as wc_create_refund does: restocked by default, the gateway asked, the order refunded when nothing is left', async () => {
    const { shop, api, call } = await rest({
      products: [{ id: 41, sku: 'MUG-BLUE', manageStock: true, stockQuantity: 4 }],
    });
    const order = shop.makeOrder(5, [ITEMS[0]!], [2]);
    await shop.deliver('order.created', order);
    const line = order.line_items[0]!;
    const first = await call('POST', `/orders/${order.id}/refunds`, {
      reason: 'Damaged',
      line_items: [{ id: line.id, quantity: 1, refund_total: '12.99' }],
      meta_data: [{ key: '_ref', value: 'r1' }],
    });
    // Without an amount, the lines' totals make it; without api_restock, the item goes back in stock.
    expect(first).toMatchObject({
      status: 201,
      body: {
        amount: '12.99',
        reason: 'Damaged',
        refunded_payment: true,
        meta_data: [{ key: '_ref', value: 'r1' }],
        line_items: [
          {
            quantity: -1,
            total: '-12.99',
            meta_data: [{ key: '_refunded_item_id', value: String(line.id) }],
          },
        ],
      },
    });
    expect(api.product('MUG-BLUE')?.stock_quantity).toBe(5);
    expect(api.order(order.id)?.status).toBe('processing');
    expect(api.order(order.id)?.refunds).toEqual([{ id: first.body.id, reason: 'Damaged', total: '-12.99' }]);

    api.setGatewayRefunds(false);
    expect(await call('POST', `/orders/${order.id}/refunds`, { amount: '1.00' })).toMatchObject({
      status: 500,
      body: {
        code: 'woocommerce_rest_cannot_create_order_refund',
        message: 'The payment gateway for this order does not support automatic refunds.',
      },
    });
    api.setGatewayRefunds(true);
    expect((await call('POST', `/orders/${order.id}/refunds`, { amount: '99999.00' })).body.message).toBe(
      'Invalid refund amount.',
    );
    const left = cents(order.total) - 1299;
    const last = await call('POST', `/orders/${order.id}/refunds`, {
      amount: `${Math.floor(left / 100)}.${String(left % 100).padStart(2, '0')}`,
      api_refund: false,
      api_restock: false,
    });
    expect(last.body.refunded_payment).toBe(false);
    expect(api.order(order.id)?.status).toBe('refunded');
    expect(api.product('MUG-BLUE')?.stock_quantity).toBe(5);

    const listed = await call('GET', `/orders/${order.id}/refunds?per_page=1`);
    expect(listed.body.map((r: { id: number }) => r.id)).toEqual([last.body.id]);
    expect([listed.headers.get('x-wp-total'), listed.headers.get('x-wp-totalpages')]).toEqual(['2', '2']);
    expect((await call('GET', '/orders/1/refunds')).body.code).toBe('woocommerce_rest_invalid_order_id');
  });

  it('saves a refund before the gateway answers and writes its meta_data last; a refusal deletes it', async () => {
    const { shop, api, call } = await rest();
    const order = shop.makeOrder(6, [ITEMS[0]!], [2]);
    await shop.deliver('order.created', order);
    const gateway: { resolve: () => void; reject: (e: Error) => void }[] = [];
    api.setGateway(() => new Promise<void>((resolve, reject) => gateway.push({ resolve, reject })));
    const body = {
      amount: '1.00',
      reason: 'r',
      api_restock: false,
      meta_data: [{ key: '_ref', value: 'r1' }],
    };
    const pending = call('POST', `/orders/${order.id}/refunds`, body);
    await until('the gateway asked', () => gateway.length === 1);
    const during = await call('GET', `/orders/${order.id}/refunds`);
    expect(during.body).toEqual([
      expect.objectContaining({ amount: '1.00', refunded_payment: false, meta_data: [] }),
    ]);
    gateway.shift()!.resolve();
    expect((await pending).body).toMatchObject({
      refunded_payment: true,
      meta_data: [{ key: '_ref', value: 'r1' }],
    });

    const refused = call('POST', `/orders/${order.id}/refunds`, body);
    await until('the gateway asked again', () => gateway.length === 1);
    expect((await call('GET', `/orders/${order.id}/refunds`)).body).toHaveLength(2);
    gateway.shift()!.reject(new Error('Card issuer declined the refund.'));
    expect(await refused).toMatchObject({
      status: 500,
      body: {
        code: 'woocommerce_rest_cannot_create_order_refund',
        message: 'Card issuer declined the refund.',
      },
    });
    expect((await call('GET', `/orders/${order.id}/refunds`)).body).toHaveLength(1);
    expect(api.order(order.id)?.refunds).toHaveLength(1);
  });

  it('lists orders, lost webhooks included: modified_after (exclusive), dates_are_gmt, status, orderby, order, pages', async () => {
    const { shop, api, call } = await rest();
    const orders = [0, 1, 2, 3].map((i) => shop.makeOrder(10 + i, ITEMS));
    await shop.deliver('order.created', orders[0]);
    for (const order of orders.slice(1)) shop.keepWithoutWebhook(order);
    shop.keepWithoutWebhook(shop.updateOf(orders[1]!, 60_000, { status: 'cancelled' }));
    shop.keepWithoutWebhook(shop.updateOf(orders[2]!, 1_000, { status: 'trash' }));
    const after = orders[0]!.date_modified_gmt;
    const listed = await call(
      'GET',
      `/orders?modified_after=${after}&dates_are_gmt=true&orderby=modified&order=asc&per_page=1`,
    );
    // Order 0 was modified at `after` itself; the trashed one is not in `any`.
    expect(listed.body.map((o: WooOrder) => o.id)).toEqual([orders[3]!.id]);
    expect([listed.headers.get('x-wp-total'), listed.headers.get('x-wp-totalpages')]).toEqual(['2', '2']);
    const second = await call(
      'GET',
      `/orders?modified_after=${after}&dates_are_gmt=true&orderby=modified&order=asc&per_page=1&page=2`,
    );
    expect(second.body.map((o: WooOrder) => [o.id, o.status])).toEqual([[orders[1]!.id, 'cancelled']]);
    const newestFirst = await call('GET', '/orders?status=any,trash');
    expect(newestFirst.body.map((o: WooOrder) => o.id)).toEqual([...orders].reverse().map((o) => o.id));
    const trashed = await call('GET', '/orders?status=trash');
    expect(trashed.body.map((o: WooOrder) => o.id)).toEqual([orders[2]!.id]);
    // Without dates_are_gmt the bound is the site's time (UTC-5 here), compared with date_modified; a GMT time
    // sent so would be read five hours off.
    const local = await call('GET', `/orders?modified_after=${orders[0]!.date_modified}`);
    expect(local.body).toHaveLength(2);
    expect((await call('GET', `/orders?modified_after=${after}`)).body).toHaveLength(0);
    expect((await call('GET', '/orders?modified_after=yesterday')).body.code).toBe('rest_invalid_param');
    expect((await call('GET', '/orders?orderby=total')).body.code).toBe('rest_invalid_param');
    // Past the end: 200, an empty page and the real totals (WC_REST_CRUD_Controller), not WordPress's 400.
    const past = await call('GET', '/orders?page=9');
    expect([
      past.status,
      past.body,
      past.headers.get('x-wp-total'),
      past.headers.get('x-wp-totalpages'),
    ]).toEqual([200, [], '3', '1']);
    expect(api.calls.at(-1)?.route).toBe('GET /orders');
  });

  it('lists its webhooks with their status and delivery URL, filtered by status, in pages', async () => {
    const { shop, api, call } = await rest();
    shop.reactivate('order.created');
    shop.pause('order.updated');
    shop.setWebhookUrl('https://hub.example.com/webhooks/woocommerce/woo');
    const all = await call('GET', '/webhooks?per_page=100');
    expect(all.body).toEqual([
      expect.objectContaining({
        id: 2,
        topic: 'order.updated',
        status: 'paused',
        resource: 'order',
        event: 'updated',
      }),
      expect.objectContaining({
        id: 1,
        topic: 'order.created',
        status: 'active',
        delivery_url: 'https://hub.example.com/webhooks/woocommerce/woo',
      }),
    ]);
    expect((await call('GET', '/webhooks?status=paused')).body.map((h: { id: number }) => h.id)).toEqual([2]);
    expect((await call('GET', '/webhooks?status=broken')).body.code).toBe('rest_invalid_param');
    const paged = await call('GET', '/webhooks?per_page=1&page=2');
    expect([paged.body[0].id, paged.headers.get('x-wp-totalpages')]).toEqual([1, '2']);
    expect(api.calls.at(-1)?.route).toBe('GET /webhooks');
  });

  it('limits the rate when told, with Retry-After; faults answer a status or apply and lose the answer', async () => {
    const { shop, api, call } = await rest({ rateLimit: { requests: 2, windowMs: 60_000 } });
    const order = shop.makeOrder(4, ITEMS);
    await shop.deliver('order.created', order);
    await call('GET', '/products');
    await call('GET', '/products');
    const limited = await call('GET', '/products');
    expect(limited).toMatchObject({
      status: 429,
      body: { code: 'rate_limit_exceeded', data: { status: 429 } },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    api.setRateLimit(null);

    api.fault('POST /orders/:id/notes', { kind: 'status', status: 503 });
    api.fault('POST /orders/:id/notes', { kind: 'lose-answer' });
    expect((await call('POST', `/orders/${order.id}/notes`, { note: 'a' })).status).toBe(503);
    await expect(call('POST', `/orders/${order.id}/notes`, { note: 'b' })).rejects.toThrow();
    expect((await call('POST', `/orders/${order.id}/notes`, { note: 'c' })).status).toBe(201);
    expect(api.notes(order.id).map((n) => n.note)).toEqual(['c', 'b']);
    expect(api.calls.slice(-3).map((c) => c.outcome)).toEqual(['fault', 'lost', 'ok']);
  });
});
