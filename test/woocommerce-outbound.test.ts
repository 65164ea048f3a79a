import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createWooCommerceSim,
  type WooCommerceSim,
  type WooOrder,
  type WooProductSeed,
  type WooRest,
} from '../sim/woocommerce.ts';
import { ensureChannelJobs } from '../src/app/channel-jobs.ts';
import { bulkSkus, channelTest, setupWithChannel } from './support/channel-test.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const WEBHOOK_SECRET = 'woo-webhook-secret-0123456789';
const STORE = 'https://shop.example.com';
// MUG-BLUE is routed to the supplier "prompt", LAMP-OAK to "flaky" (test/support/hub.ts). TEE-RED-M is not sold here.
const ITEMS = [
  { sku: 'MUG-BLUE', productId: 41, price: '12.99', name: 'Blue mug' },
  { sku: 'LAMP-OAK', productId: 42, variationId: 77, price: '89.00', name: 'Oak lamp - Large' },
];
const BULK = bulkSkus(150);
const PRODUCTS: WooProductSeed[] = [
  { id: 41, sku: 'MUG-BLUE', name: 'Blue mug' },
  { id: 42, sku: '', name: 'Oak lamp', variations: [{ id: 77, sku: 'LAMP-OAK' }] },
  ...BULK.map((sku, i) => ({ id: 1_000 + i, sku })),
];

describeEachDatabase('WooCommerce out: fulfilments and stock', (dialect) => {
  let t: TestHub;
  let shop: WooCommerceSim;
  let rest: WooRest;
  let suppliers: { prompt: string; flaky: string };
  const keys = { consumerKey: '', consumerSecret: '' };
  const sims: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const { prompt, flaky } = await startTestSuppliers(t.url);
    suppliers = { prompt: prompt.url, flaky: flaky.url };
    // A fresh key pair per test: the adapter remembers product ids per store and key, and ports get reused.
    keys.consumerKey = `ck_${randomBytes(20).toString('hex')}`;
    keys.consumerSecret = `cs_${randomBytes(20).toString('hex')}`;
    shop = createWooCommerceSim({
      storeUrl: STORE,
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WEBHOOK_SECRET,
      seed: 5,
    });
    rest = await shop.startRest({ ...keys, products: PRODUCTS });
    sims.push(prompt, flaky, rest);
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await t?.close();
  });

  /**
   * The setup document takes only https:// store addresses: the channel row's config points at the simulator
   * directly, and the stock sync starts once it does (as POST /api/v1/setup would start it).
   */
  async function connect(
    consumerSecret = keys.consumerSecret,
    bulk = false,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const channel = {
      id: 'woo',
      kind: 'woocommerce',
      name: 'Woo store',
      currency: 'USD',
      storeUrl: STORE,
      webhookSecret: WEBHOOK_SECRET,
      consumerKey: keys.consumerKey,
      consumerSecret,
      ...extra,
    };
    const products = { skus: bulk ? BULK : [], stock: (i: number) => 10 + (i % 5) };
    await t.apply(setupWithChannel(suppliers, channel, { bulk: products }));
    const stored = JSON.parse(
      (
        await t.hub.store.db
          .selectFrom('channels')
          .select('config')
          .where('id', '=', 'woo')
          .executeTakeFirstOrThrow()
      ).config!,
    );
    await t.hub.store.db
      .updateTable('channels')
      .set({ config: JSON.stringify({ ...stored, storeUrl: rest.url }) })
      .where('id', '=', 'woo')
      .execute();
    await ensureChannelJobs(t.hub.ctx);
  }

  async function placeOrder(i: number, quantities: number[], items = ITEMS): Promise<WooOrder> {
    const order = shop.makeOrder(i, items, quantities);
    expect((await shop.deliver('order.created', order)).status).toBe(200);
    return order;
  }

  const { jobsOf, runAgain, shipments, available, deadLetters, eventsOf, viewOf } = channelTest({
    hub: () => t,
    channelId: 'woo',
    platform: 'WooCommerce',
    externalId: (order: WooOrder) => String(order.id),
  });
  const allNotified = (count: number) =>
    until(`${count} notices done`, async () => {
      const jobs = await jobsOf('channel.notify');
      return jobs.length === count && jobs.every((j) => j.state === 'done');
    });
  const wooStock = (sku: string) => rest.product(sku)?.stock_quantity ?? null;

  it('an order from a WooCommerce webhook, shipped by two suppliers, ends completed with one customer note per parcel, retries included', async () => {
    await connect();
    // The first note is added but its answer lost; the first order update is rate limited: both notices are retried.
    rest.fault('POST /orders/:id/notes', { kind: 'lose-answer' });
    rest.fault('PUT /orders/:id', { kind: 'status', status: 429 });
    const order = await placeOrder(1, [2, 1]);
    await allNotified(2);

    expect(rest.order(order.id)!.status).toBe('completed');
    const notes = rest.notes(order.id).filter((n) => n.customer_note);
    const parcels = await shipments();
    expect(parcels).toHaveLength(2);
    expect(notes).toHaveLength(2);
    for (const parcel of parcels) {
      expect(notes.filter((n) => n.note.includes(parcel.tracking_number))).toHaveLength(1);
      expect(
        rest.order(order.id)!.meta_data.find((m) => m.key === `_waybill_tracking_${parcel.id}`)?.value,
      ).toMatchObject({
        carrier: parcel.carrier,
        trackingNumber: parcel.tracking_number,
        shipmentId: parcel.id,
      });
    }
    expect(rest.calls.map((c) => c.outcome)).toEqual(expect.arrayContaining(['lost', 'fault']));
    const jobs = await jobsOf('channel.notify');
    expect(jobs.reduce((sum, j) => sum + j.attempts, 0)).toBe(4);
    expect(rest.calls.every((c) => c.auth === 'basic')).toBe(true);

    // A notice run once more (an operator's replay, a duplicate job): WooCommerce already has it all.
    const orderWrites = () => rest.writes.filter((w) => w.route.includes('/orders/')).length;
    const before = orderWrites();
    await runAgain(jobs[0]!.id, 'the repeat done');
    expect(orderWrites()).toBe(before);
    expect(rest.notes(order.id).filter((n) => n.customer_note)).toHaveLength(2);
    const view = await viewOf(order);
    expect(view.state).toBe('fulfilled');
    expect(view.events.filter((e: any) => e.type === 'channel.notified').length).toBeGreaterThanOrEqual(2);
  });

  it("WooCommerce's managed stock follows available-to-promise, in batches of at most 100, through a rate limit", async () => {
    rest.setRateLimit({ requests: 4, windowMs: 1_000 });
    await connect(keys.consumerSecret, true);
    const inStep = async () => {
      const atp = await available();
      return [...BULK, 'MUG-BLUE', 'LAMP-OAK'].every((sku) => wooStock(sku) === atp[sku]);
    };
    await until('the first sync', inStep, 40_000);
    expect([wooStock('MUG-BLUE'), wooStock('LAMP-OAK'), wooStock('BULK-003')]).toEqual([20, 5, 13]);
    expect(rest.calls.some((c) => c.outcome === 'rate-limited')).toBe(true);
    rest.setRateLimit(null);

    await placeOrder(2, [3, 2]);
    await until(
      'the order in the store',
      async () => wooStock('MUG-BLUE') === 17 && wooStock('LAMP-OAK') === 3,
    );
    await allNotified(2);
    await until('in step after shipping', inStep);

    for (const write of rest.writes.filter((w) => w.route.endsWith('batch')))
      expect((write.body as { update: unknown[] }).update.length).toBeLessThanOrEqual(100);
    expect(rest.product('LAMP-OAK')).toMatchObject({ type: 'variation', manage_stock: true });
    expect(rest.writes.some((w) => w.path === '/wp-json/wc/v3/products/42/variations/batch')).toBe(true);
    // TEE-RED-M is not in the store: skipped and reported, and the sync goes on.
    expect(JSON.stringify(rest.writes)).not.toContain('TEE-RED-M');
    const skipped = await eventsOf('stock.skipped');
    expect(skipped[0]).toEqual({
      channelId: 'woo',
      skipped: [{ sku: 'TEE-RED-M', reason: 'WooCommerce has no product or variation with this SKU' }],
    });
    const [sync] = await jobsOf('channel.stock-sync').then((jobs) =>
      jobs.filter((j) => j.payload.includes('"woo"')),
    );
    expect(sync!.state).not.toBe('dead');
    expect(await deadLetters()).toEqual([]);
  });

  it('a server that strips Authorization refuses Basic (the dead letter says what to set); restAuth query-string gets through', async () => {
    await rest.close();
    sims.splice(sims.indexOf(rest), 1);
    rest = await shop.startRest({ ...keys, products: PRODUCTS, stripsAuthorization: true });
    sims.push(rest);
    await connect();
    await placeOrder(4, [1], [ITEMS[0]!]);
    await until('dead letter', async () => (await deadLetters()).some((d) => d.kind === 'channel.notify'));
    expect((await deadLetters()).find((d) => d.kind === 'channel.notify').lastError).toContain(
      "the channel's restAuth: query-string",
    );

    await connect(keys.consumerSecret, false, { restAuth: 'query-string' });
    expect(
      (
        await t.hub.store.db
          .selectFrom('channels')
          .select('config')
          .where('id', '=', 'woo')
          .executeTakeFirstOrThrow()
      ).config,
    ).toContain('"restAuth":"query-string"');
    const order = await placeOrder(5, [1], [ITEMS[0]!]);
    await until('the shipment told', () => rest.order(order.id)?.status === 'completed');
    const told = rest.calls.filter((c) => c.auth === 'query');
    expect(told.length).toBeGreaterThan(0);
    expect(told.every((c) => c.outcome === 'ok')).toBe(true);
  });

  it('restAuth query-string with a wrong secret: the dead letter names the refusal, and neither key nor secret', async () => {
    const wrong = `cs_${randomBytes(20).toString('hex')}`;
    await connect(wrong, false, { restAuth: 'query-string' });
    await placeOrder(6, [1], [ITEMS[0]!]);
    await until('dead letters', async () => (await deadLetters()).some((d) => d.kind === 'channel.notify'));
    expect((await deadLetters()).find((d) => d.kind === 'channel.notify').lastError).toContain(
      'Consumer secret is invalid.',
    );
    expect(rest.calls.some((c) => c.auth === 'query' && c.query.includes(wrong))).toBe(true);
    const jobs = await t.hub.store.db.selectFrom('jobs').select(['kind', 'last_error', 'payload']).execute();
    for (const text of [JSON.stringify(await deadLetters()), JSON.stringify(jobs)]) {
      for (const secret of [wrong, keys.consumerKey]) expect(text).not.toContain(secret);
    }
  });

  it('a refund retried while the payment gateway is slow is held for the operator, not made twice; replayed once marked, it is done', async () => {
    const waiting: (() => void)[] = [];
    rest.setGateway(() => new Promise<void>((resolve) => waiting.push(resolve)));
    // nginx in front gives up on the slow refund (504) while WordPress carries on with it.
    rest.fault('POST /orders/:id/refunds', { kind: 'proxy-timeout' });
    await connect(keys.consumerSecret, false, { backorderPolicy: 'cancel' });
    // 9 oak lamps, 5 to be had: that line is cancelled, and refunded at WooCommerce once the order is paid. An order
    // without the simulator's coupon (the refund amount is not at issue here).
    const order = await placeOrder(
      [7, 8, 9, 10, 11, 12].find((i) => shop.makeOrder(i, ITEMS, [1, 9]).coupon_lines.length === 0)!,
      [1, 9],
    );
    await until('the refund held', async () =>
      (await deadLetters()).some((d) => d.kind === 'channel.refund'),
    );
    const held = (await deadLetters()).find((d) => d.kind === 'channel.refund');
    expect(held).toMatchObject({ attempts: 2 });
    const [refund] = rest.refunds(order.id);
    expect(held.lastError).toContain(`has refund #${refund!.id} of $${refund!.amount} with Waybill's reason`);
    expect([
      rest.refunds(order.id).length,
      rest.calls.filter((c) => c.route === 'POST /orders/:id/refunds').length,
    ]).toEqual([1, 1]);
    expect(refund).toMatchObject({ refunded_payment: false, meta_data: [] });

    waiting.shift()!();
    await until('WooCommerce done with it', () => rest.refunds(order.id)[0]!.meta_data.length === 1);
    expect((await t.api(`/api/v1/dead-letters/${held.id}/replay`, { method: 'POST' })).status).toBe(200);
    await until('the replay done', async () =>
      (await jobsOf('channel.refund')).every((j) => j.state === 'done'),
    );
    expect([
      rest.refunds(order.id).length,
      rest.calls.filter((c) => c.route === 'POST /orders/:id/refunds').length,
    ]).toEqual([1, 1]);
    expect((await viewOf(order)).events.filter((e: any) => e.type === 'channel.refunded')).toHaveLength(1);
  });

  it('a wrong consumer secret is a dead letter that names the refusal and not the secret', async () => {
    const wrong = `cs_${randomBytes(20).toString('hex')}`;
    await connect(wrong);
    await placeOrder(3, [1], [ITEMS[0]!]);
    await until('dead letters', async () => (await deadLetters()).some((d) => d.kind === 'channel.notify'));
    const dead = (await deadLetters()).find((d) => d.kind === 'channel.notify');
    expect(dead).toMatchObject({ state: 'dead', attempts: 1 });
    expect(dead.lastError).toContain(
      'refused the REST API keys (401 woocommerce_rest_authentication_error: Consumer secret is invalid.)',
    );
    const jobs = await t.hub.store.db
      .selectFrom('jobs')
      .select(['kind', 'last_error'])
      .where('last_error', 'is not', null)
      .execute();
    for (const text of [JSON.stringify(await deadLetters()), JSON.stringify(jobs)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(keys.consumerSecret);
    }
    expect(rest.writes).toEqual([]);
    expect(rest.calls.filter((c) => c.outcome !== 'unauthorized')).toEqual([]);
  });
});
