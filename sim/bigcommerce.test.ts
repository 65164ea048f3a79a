import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { until } from '../test/support/until.ts';
import {
  bigCommerceContracts,
  startBigCommerceSim,
  type BigCommerceSim,
  type BigCommerceSimOptions,
} from './bigcommerce.ts';
import { formatMinor } from './money.ts';
import { closedAfterEach, only, startReceiver } from './testing.ts';

const TOKEN = 'sim-access-token-0001';
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' },
  { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp' },
];

const open = closedAfterEach();

async function store(opts: Partial<BigCommerceSimOptions> = {}): Promise<BigCommerceSim> {
  const sim = await startBigCommerceSim({ accessToken: TOKEN, seed: 3, rateLimit: null, ...opts });
  open.push(sim);
  return sim;
}

/** A call as Waybill makes it, and the answer checked against the operation's documented response. */
async function call(sim: BigCommerceSim, method: string, path: string, body?: unknown, token = TOKEN) {
  const response = await fetch(`${sim.url}/stores/${sim.storeHash}${path}`, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-auth-token': token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  const { operationId } = sim.calls.at(-1)!;
  const violations = operationId
    ? Object.values(bigCommerceContracts()).flatMap((c) =>
        c.operationIds.includes(operationId) ? c.checkResponse(operationId, response.status, parsed) : [],
      )
    : [];
  return { status: response.status, body: parsed as any, headers: response.headers, violations };
}

const decimal = (text: string) => Math.round(Number(text) * 100);

describe('bigcommerce simulator: the v2 Orders API', () => {
  it('answers orders, products and addresses as the reference documents them, figures adding up to the cent', async () => {
    const sim = await store();
    for (let i = 0; i < 6; i++) sim.placeQuietly(sim.makeOrder(i, ITEMS, { quantities: [3, 1] }));
    const list = await call(sim, 'GET', '/v2/orders?sort=date_modified&limit=4&page=1');
    expect(list.status).toBe(200);
    expect(list.violations).toEqual([]);
    expect(list.body).toHaveLength(4);
    const withCoupon = (list.body as any[]).find((o) => o.coupon_discount !== '0.0000') ?? list.body[0];
    const products = await call(sim, 'GET', `/v2/orders/${withCoupon.id}/products`);
    const addresses = await call(sim, 'GET', `/v2/orders/${withCoupon.id}/shipping_addresses`);
    expect([products.violations, addresses.violations]).toEqual([[], []]);
    expect(withCoupon.total_inc_tax).toMatch(/^\d+\.\d{4}$/);
    const lines = (products.body as any[]).map(
      (p) =>
        decimal(p.total_ex_tax) -
        p.applied_discounts.reduce((n: number, d: any) => n + decimal(d.amount), 0) +
        decimal(p.total_tax),
    );
    for (const [i, p] of (products.body as any[]).entries())
      expect(decimal(p.discounted_total_inc_tax)).toBe(lines[i]);
    const shipping = (addresses.body as any[]).reduce((n, a) => n + decimal(a.cost_inc_tax), 0);
    expect(decimal(withCoupon.total_inc_tax)).toBe(lines.reduce((a, b) => a + b, 0) + shipping);
    expect(decimal(withCoupon.total_tax)).toBe(
      decimal(withCoupon.subtotal_tax) + decimal(withCoupon.shipping_cost_tax),
    );
    expect((await call(sim, 'GET', `/v2/orders/${withCoupon.id}`)).violations).toEqual([]);
    expect(sim.violations).toEqual([]);
  });

  it('filters by min_date_modified (inclusive, whole seconds) and sorts by date_modified', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const sim = await store({ now: () => now });
    const orders = [0, 1, 2].map((i) => sim.makeOrder(i, ITEMS));
    for (const order of orders) sim.placeQuietly(order);
    now += 60_000;
    await sim.update(orders[0]!.id, { statusId: 9 });
    const since = new Date(orders[0]!.modifiedMs).toISOString().replace('.000Z', '+00:00');
    const { body } = await call(
      sim,
      'GET',
      `/v2/orders?min_date_modified=${encodeURIComponent(since)}&sort=date_modified`,
    );
    expect((body as any[]).map((o) => o.id)).toEqual([orders[0]!.id]);
    const all = await call(sim, 'GET', '/v2/orders?sort=date_modified');
    expect((all.body as any[]).at(-1).id).toBe(orders[0]!.id);
  });

  it("refuses a request that breaks the contract in the API's own shape, and keeps it", async () => {
    const sim = await store();
    const bad = await call(sim, 'GET', '/v2/orders?sort=newest');
    expect(bad.status).toBe(400);
    expect(bad.body[0].message).toMatch(/sort/);
    expect(sim.violations).toEqual([
      expect.objectContaining({ operationId: 'getAllOrders', where: 'query.sort' }),
    ]);
    const unknown = await call(sim, 'GET', '/v2/customers');
    expect(unknown.status).toBe(404);
    expect(sim.violations.at(-1)).toMatchObject({ where: 'path' });
  });

  it("wants the store API account token, and says so in each API's error shape", async () => {
    const sim = await store();
    const v2 = await call(sim, 'GET', '/v2/store', undefined, 'wrong-token-000000');
    const v3 = await call(sim, 'GET', '/v3/hooks', undefined, 'wrong-token-000000');
    expect([v2.status, v3.status]).toEqual([401, 401]);
    expect(v2.body).toEqual([{ status: 401, message: expect.any(String) }]);
    expect(v3.body).toMatchObject({ status: 401, title: expect.any(String) });
    const right = await call(sim, 'GET', '/v2/store');
    expect(right).toMatchObject({ status: 200, violations: [], body: { currency: 'USD' } });
  });

  it("counts each request against the window's quota, tells what is left, and answers 429 until the reset", async () => {
    const sim = await store({ rateLimit: { quota: 3, windowMs: 300 } });
    const lefts: string[] = [];
    for (let i = 0; i < 3; i++)
      lefts.push((await call(sim, 'GET', '/v2/store')).headers.get('x-rate-limit-requests-left')!);
    expect(lefts).toEqual(['2', '1', '0']);
    const refused = await call(sim, 'GET', '/v2/store');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-rate-limit-requests-quota')).toBe('3');
    expect(Number(refused.headers.get('x-rate-limit-time-reset-ms'))).toBeLessThanOrEqual(300);
    await until('the window reset', async () => (await call(sim, 'GET', '/v2/store')).status === 200, 2_000);
  });
});

describe('bigcommerce simulator: shipments and refunds', () => {
  it("ships an order's products to their address, moving it to Partially Shipped, then Shipped", async () => {
    const sim = await store();
    const order = sim.makeOrder(1, ITEMS, { quantities: [2, 1] });
    sim.placeQuietly(order);
    const [mug, lamp] = order.products;
    const address = order.addresses[0]!.id;
    const first = await call(sim, 'POST', `/v2/orders/${order.id}/shipments`, {
      order_address_id: address,
      tracking_number: '1Z999AA10123456784',
      tracking_carrier: 'ups',
      comments: 'first',
      items: [{ order_product_id: mug!.id, quantity: 2 }],
    });
    expect(first).toMatchObject({ status: 201, violations: [] });
    expect(sim.order(order.id)!.statusId).toBe(3);
    const over = await call(sim, 'POST', `/v2/orders/${order.id}/shipments`, {
      order_address_id: address,
      items: [{ order_product_id: mug!.id, quantity: 1 }],
    });
    expect(over.status).toBe(400);
    await call(sim, 'POST', `/v2/orders/${order.id}/shipments`, {
      order_address_id: address,
      tracking_number: '9400100000000000000000',
      items: [{ order_product_id: lamp!.id, quantity: 1 }],
    });
    expect(sim.order(order.id)!.statusId).toBe(2);
    const listed = await call(sim, 'GET', `/v2/orders/${order.id}/shipments`);
    expect(listed.violations).toEqual([]);
    expect((listed.body as any[]).map((s) => s.tracking_number)).toEqual([
      '1Z999AA10123456784',
      '9400100000000000000000',
    ]);
  });

  it("quotes a refund by units, refunds it through the card's gateway, and refuses what is not left", async () => {
    const sim = await store();
    const order = sim.makeOrder(2, ITEMS, { quantities: [3, 1] });
    sim.placeQuietly(order);
    const mug = order.products[0]!;
    const items = [{ item_type: 'PRODUCT', item_id: mug.id, quantity: 2 }];
    const quote = await call(sim, 'POST', `/v3/orders/${order.id}/payment_actions/refund_quotes`, {
      order_id: order.id,
      items,
    });
    expect(quote).toMatchObject({ status: 201, violations: [] });
    const paid = mug.gross - mug.discount + mug.tax;
    const expected = Math.floor((mug.gross - mug.discount) / 3) * 2 + Math.floor(mug.tax / 3) * 2;
    expect(Math.round(quote.body.data.total_refund_amount * 100)).toBe(expected);
    expect(expected).toBeLessThan(paid);
    const online = quote.body.data.refund_methods.find((m: any[]) => m.every((o) => !o.offline))[0];
    const refund = await call(sim, 'POST', `/v3/orders/${order.id}/payment_actions/refunds`, {
      items,
      reason: 'no stock [waybill r-1]',
      payments: [{ provider_id: online.provider_id, amount: online.amount, offline: false }],
    });
    expect(refund).toMatchObject({ status: 201, violations: [] });
    expect(sim.order(order.id)!.statusId).toBe(14);
    const listed = await call(sim, 'GET', `/v3/orders/${order.id}/payment_actions/refunds`);
    expect(listed.violations).toEqual([]);
    expect(listed.body.data[0].reason).toBe('no stock [waybill r-1]');
    // The last unit takes what rounding left: the three units give back exactly what was paid.
    const last = await call(sim, 'POST', `/v3/orders/${order.id}/payment_actions/refund_quotes`, {
      order_id: order.id,
      items: [{ item_type: 'PRODUCT', item_id: mug.id, quantity: 1 }],
    });
    expect(Math.round(last.body.data.total_refund_amount * 100)).toBe(paid - expected);
    const tooMany = await call(sim, 'POST', `/v3/orders/${order.id}/payment_actions/refund_quotes`, {
      order_id: order.id,
      items: [{ item_type: 'PRODUCT', item_id: mug.id, quantity: 2 }],
    });
    expect(tooMany.status).toBe(422);
    expect(sim.violations).toEqual([]);
  });
});

describe('bigcommerce simulator: refunds made in the control panel', () => {
  it("lists the store's refunds by creation time (inclusive, whole seconds), ascending id, telling the hooks", async () => {
    const hub = await startReceiver('/webhooks/bigcommerce/bc/orders');
    open.push(hub);
    let now = Date.parse('2026-06-01T08:00:00.400Z');
    const sim = await store({ now: () => now });
    sim.createHook({ scope: 'store/order/*', destination: hub.url });
    const [first, second] = [0, 1].map((i) => sim.makeOrder(i, ITEMS, { quantities: [2, 1] }));
    for (const order of [first!, second!]) sim.placeQuietly(order);
    const early = await sim.refundInControlPanel(first!.id, [
      { productId: first!.products[0]!.id, quantity: 1 },
    ]);
    now += 60_000;
    const late = await sim.refundInControlPanel(
      second!.id,
      second!.products.map((p) => ({ productId: p.id, quantity: p.quantity })),
      'Customer changed their mind',
    );
    expect([sim.order(first!.id)!.statusId, sim.order(second!.id)!.statusId]).toEqual([14, 4]);
    expect(hub.received.map((r) => JSON.parse(r.raw.toString('utf8')).scope)).toContain(
      'store/order/refund/created',
    );
    const refundHook = hub.received
      .map((r) => JSON.parse(r.raw.toString('utf8')))
      .find((b) => b.scope === 'store/order/refund/created' && b.data.id === second!.id);
    expect(refundHook.data).toEqual({ type: 'order', id: second!.id, refund: { refund_id: late.id } });

    const list = (query: string) => call(sim, 'GET', `/v3/orders/payment_actions/refunds?${query}`);
    const all = await list('page=1&limit=250');
    expect(all).toMatchObject({ status: 200, violations: [] });
    expect(all.body.data.map((r: any) => r.id)).toEqual([early.id, late.id]);
    const second0 = '2026-06-01T08:01:00+00:00';
    const since = await list(`created:min=${encodeURIComponent(second0)}`);
    expect(since.body.data).toEqual([
      expect.objectContaining({
        id: late.id,
        order_id: second!.id,
        created: second0,
        reason: 'Customer changed their mind',
        total_amount: Number(formatMinor(late.total, 2)),
        items: second!.products.map((p) =>
          expect.objectContaining({ item_type: 'PRODUCT', item_id: p.id, quantity: p.quantity }),
        ),
      }),
    ]);
    const upTo = await list(
      `created:max=${encodeURIComponent('2026-06-01T08:00:00Z')}&order_id:in=${first!.id},${second!.id}`,
    );
    expect(upTo.body.data.map((r: any) => r.id)).toEqual([early.id]);
    expect((await list(`id:in=${late.id}`)).body.data.map((r: any) => r.id)).toEqual([late.id]);
    expect((await list('created:min=yesterday')).status).toBe(400);
    expect(sim.violations).toEqual([
      expect.objectContaining({ operationId: 'getrefunds', where: 'query.created:min' }),
    ]);
  });
});

describe('bigcommerce simulator: hooks', () => {
  it("sends a callback with the ids only, its hash and the hook's custom headers", async () => {
    const hub = await startReceiver('/webhooks/bigcommerce/bc/orders');
    open.push(hub);
    const sim = await store();
    sim.createHook({
      scope: 'store/order/*',
      destination: hub.url,
      headers: { 'X-Waybill-Webhook-Token': 'token-0123456789abcdef01234' },
    });
    const order = sim.makeOrder(3, ITEMS);
    const [outcome] = await sim.place(order);
    expect(outcome).toMatchObject({ delivered: true, statuses: [200] });
    const { headers, raw } = only(hub.received);
    expect(headers['x-waybill-webhook-token']).toBe('token-0123456789abcdef01234');
    const body = JSON.parse(raw.toString('utf8'));
    expect(body).toEqual({
      created_at: expect.any(Number),
      store_id: expect.any(String),
      producer: `stores/${sim.storeHash}`,
      scope: 'store/order/created',
      hash: createHash('sha1')
        .update(JSON.stringify({ type: 'order', id: order.id }))
        .digest('hex'),
      data: { type: 'order', id: order.id },
    });
    expect(bigCommerceContracts()['webhooks-v3']!.operationIds).toContain('getAllWebhooks');
    const hooks = await call(sim, 'GET', '/v3/hooks');
    expect(hooks.body.data).toEqual([
      expect.objectContaining({ scope: 'store/order/*', is_active: true, destination: hub.url }),
    ]);
  });

  it('tries a refused callback again on its schedule and deactivates the hook after the last try', async () => {
    const hub = await startReceiver('/webhooks/bigcommerce/bc/orders', () => ({ status: 500 }));
    open.push(hub);
    const sim = await store({ retryScale: 1 / 1_000_000 });
    const hook = sim.createHook({ scope: 'store/order/created', destination: hub.url });
    const [outcome] = await sim.place(sim.makeOrder(4, ITEMS));
    expect(outcome).toMatchObject({ delivered: false, deactivated: true });
    expect(outcome!.statuses).toHaveLength(12);
    expect(hub.received).toHaveLength(12);
    expect(sim.hook(hook.id)!.isActive).toBe(false);
    expect(await sim.place(sim.makeOrder(5, ITEMS))).toEqual([]);
  });
});

describe('bigcommerce simulator: the catalog', () => {
  it("sets variants' levels in batches of at most 50, all or none, telling onStock", async () => {
    const sim = await store();
    const heard: [string, number][] = [];
    sim.onStock((sku, level) => heard.push([sku, level]));
    const mug = sim.addVariant('MUG-BLUE', 4);
    const found = await call(sim, 'GET', '/v3/catalog/variants?sku=MUG-BLUE&include_fields=sku,product_id');
    expect(found).toMatchObject({
      status: 200,
      violations: [],
      body: { data: [{ id: mug.id, sku: 'MUG-BLUE' }] },
    });
    const set = await call(sim, 'PUT', '/v3/catalog/variants', [{ id: mug.id, inventory_level: 9 }]);
    expect(set).toMatchObject({ status: 200, violations: [] });
    expect(heard).toEqual([['MUG-BLUE', 9]]);
    const unknown = await call(sim, 'PUT', '/v3/catalog/variants', [
      { id: mug.id, inventory_level: 1 },
      { id: 99_999, inventory_level: 1 },
    ]);
    expect(unknown.status).toBe(422);
    expect(sim.variant('MUG-BLUE')!.level).toBe(9);
    const tooMany = Array.from({ length: 51 }, () => ({ id: mug.id, inventory_level: 1 }));
    expect((await call(sim, 'PUT', '/v3/catalog/variants', tooMany)).status).toBe(413);
    expect(sim.violations).toEqual([]);
  });

  it('seeds 100,000 SKUs in well under a second and answers a lookup as fast as with three', async () => {
    const sim = await store();
    const skus = Array.from({ length: 100_000 }, (_, i) => `SKU-${i}`);
    const started = performance.now();
    sim.seedCatalog(skus, 5);
    expect(performance.now() - started).toBeLessThan(1_000);
    const page = await call(sim, 'GET', '/v3/catalog/variants?page=400&limit=250');
    expect(page.body.data).toHaveLength(250);
    expect(page.body.meta.pagination).toMatchObject({ total: 100_000, total_pages: 400 });
    const one = await call(sim, 'GET', '/v3/catalog/variants?sku=SKU-99999');
    expect(one.body.data[0]).toMatchObject({ sku: 'SKU-99999', inventory_level: 5 });
  });
});
