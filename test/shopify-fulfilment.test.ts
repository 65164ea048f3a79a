import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim, type ShopifyAdmin, type ShopifyOrder, type ShopifySim } from '../sim/shopify.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SHOP = 'demo-shop.myshopify.com';
const WEBHOOK_SECRET = 'shpss_current_client_secret_01';
const TOKEN = 'shpat_right_admin_token_0123456789';
const WRONG_TOKEN = 'shpat_revoked_admin_token_987654';
// MUG-BLUE is routed to the supplier "prompt"; TEE-RED-M and LAMP-OAK to "flaky" (test/support/hub.ts).
const MUG = { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' };
const TEE = { sku: 'TEE-RED-M', variantId: 4102, price: '25.00', title: 'Red tee, M' };
const LAMP = { sku: 'LAMP-OAK', variantId: 4103, price: '89.00', title: 'Oak lamp' };

describeEachDatabase('fulfilments out to Shopify', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let admin: ShopifyAdmin;
  let suppliers: { prompt: string; flaky: string };
  const sims: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const { prompt, flaky } = await startTestSuppliers(t.url);
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: WEBHOOK_SECRET,
      seed: 9,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN });
    sims.push(prompt, flaky, admin);
    suppliers = { prompt: prompt.url, flaky: flaky.url };
    await connect(TOKEN);
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await t?.close();
  });

  /** The setup document has no adminUrl field yet: the channel row's config points at the simulator directly. */
  async function connect(accessToken: string): Promise<void> {
    const doc: any = testSetup(suppliers);
    doc.channels.push({
      id: 'shop',
      kind: 'shopify',
      name: 'Shop',
      currency: 'USD',
      shopDomain: SHOP,
      webhookSecret: WEBHOOK_SECRET,
      accessToken,
    });
    await t.apply(doc);
    await t.hub.store.db
      .updateTable('channels')
      .set({ config: JSON.stringify({ shopDomain: SHOP, adminUrl: admin.url }) })
      .where('id', '=', 'shop')
      .execute();
  }

  async function placeOrder(i: number, items: (typeof MUG)[], quantities: number[]): Promise<ShopifyOrder> {
    const order = shop.makeOrder(i, items, quantities);
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    return order;
  }

  const notifyJobs = () =>
    t.hub.store.db.selectFrom('jobs').selectAll().where('kind', '=', 'channel.notify').execute();
  const allNotified = (count: number) =>
    until(`${count} notices done`, async () => {
      const jobs = await notifyJobs();
      return jobs.length === count && jobs.every((j) => j.state === 'done');
    });
  const trackingOf = async (supplierId: string) =>
    (
      await t.hub.store.db
        .selectFrom('shipments')
        .select('tracking_number')
        .where('supplier_id', '=', supplierId)
        .executeTakeFirstOrThrow()
    ).tracking_number;
  const creates = () => admin.calls.filter((c) => c.operationName === 'WaybillFulfillmentCreate');
  /** Per fulfillment: tracking number, location, and SKU × quantity. */
  const summary = (order: ShopifyOrder) =>
    admin
      .fulfillments(order.id)
      .map(
        (f) =>
          `${f.trackingInfo.company} ${f.trackingInfo.number} @ ${f.location.name}: ${f.lineItems.map((l) => `${l.sku}×${l.quantity}`).join(', ')}`,
      )
      .sort();

  it('each shipment becomes fulfillments with its tracking number, one fulfillmentCreate per location', async () => {
    // Lines alternate between the two locations: MUG and LAMP at the East warehouse, TEE at the West.
    const order = await placeOrder(1, [MUG, TEE, LAMP], [2, 1, 3]);
    await allNotified(2);
    const [prompt, flaky] = [await trackingOf('prompt'), await trackingOf('flaky')];
    expect(summary(order)).toEqual(
      [
        `UPS ${prompt} @ East warehouse: MUG-BLUE×2`,
        `UPS ${flaky} @ East warehouse: LAMP-OAK×3`,
        `UPS ${flaky} @ West warehouse: TEE-RED-M×1`,
      ].sort(),
    );
    expect(creates().map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(admin.fulfillments(order.id).every((f) => f.notifyCustomer)).toBe(true);
    expect(
      admin
        .fulfillmentOrders(order.id)
        .map((fo) => [fo.location.name, fo.status, fo.lineItems.map((l) => l.remainingQuantity)]),
    ).toEqual([
      ['East warehouse', 'CLOSED', [0, 0]],
      ['West warehouse', 'CLOSED', [0]],
    ]);
    expect(new Set(admin.calls.map((c) => c.apiVersion))).toEqual(new Set(['2026-10']));
    const stored = await t.hub.store.db
      .selectFrom('orders')
      .select('id')
      .where('external_id', '=', String(order.id))
      .executeTakeFirstOrThrow();
    const { body: view } = await t.api(`/api/v1/orders/${stored.id}`);
    expect(view.events.filter((e: any) => e.type === 'channel.notified')).toHaveLength(2);
  });

  it('a notice retried after its answer was lost, or run again, does not fulfil anything twice', async () => {
    // Shopify creates the first location's fulfillment, but the answer never arrives: the job fails and is retried.
    admin.fault('WaybillFulfillmentCreate', { kind: 'lose-answer' });
    const order = await placeOrder(2, [TEE, LAMP], [1, 2]);
    await allNotified(1);
    const flaky = await trackingOf('flaky');
    const expected = [
      `UPS ${flaky} @ East warehouse: TEE-RED-M×1`,
      `UPS ${flaky} @ West warehouse: LAMP-OAK×2`,
    ];
    expect(summary(order)).toEqual(expected);
    expect(creates().map((c) => c.outcome)).toEqual(['lost', 'ok']);
    const [job] = await notifyJobs();
    expect(job!.attempts).toBe(2);

    // The same notice once more (an operator's replay, a duplicate job): Shopify already has it all.
    await t.hub.store.db
      .updateTable('jobs')
      .set({ state: 'pending', run_at: 0 })
      .where('id', '=', job!.id)
      .execute();
    await until(
      'the repeat done',
      async () => (await notifyJobs())[0]!.state === 'done' && (await notifyJobs())[0]!.attempts === 3,
    );
    expect(summary(order)).toEqual(expected);
    expect(creates()).toHaveLength(2);
  });

  it('throttling is waited out inside the notice, not turned into a failed attempt', async () => {
    // An empty bucket refilling at 100 points a second: the first queries (~300 and ~400 points) must wait.
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 100, status: 429 });
    const order = await placeOrder(3, [TEE, LAMP], [2, 1]);
    await allNotified(1);
    const flaky = await trackingOf('flaky');
    expect(summary(order)).toEqual([
      `UPS ${flaky} @ East warehouse: TEE-RED-M×2`,
      `UPS ${flaky} @ West warehouse: LAMP-OAK×1`,
    ]);
    expect(admin.calls.filter((c) => c.outcome === 'throttled').length).toBeGreaterThan(0);
    const [job] = await notifyJobs();
    expect(job).toMatchObject({ attempts: 1, last_error: null });
  });

  it('a wrong access token is a dead letter that names the problem and not the token', async () => {
    await connect(WRONG_TOKEN);
    const order = await placeOrder(4, [MUG], [1]);
    // The catch-up poll, with the same wrong token, may die too (and first): this test's subject is the notice's.
    const noticeDead = async () =>
      ((await t.api('/api/v1/dead-letters')).body.deadLetters as any[]).filter(
        (d) => d.kind === 'channel.notify',
      );
    await until('dead letter', async () => (await noticeDead()).length === 1);
    const [dead] = await noticeDead();
    expect(dead).toMatchObject({ kind: 'channel.notify', state: 'dead', attempts: 1 });
    expect(dead.lastError).toContain('refused the Admin API access token (401)');
    const [job] = await notifyJobs();
    for (const text of [dead.lastError, job!.last_error, JSON.stringify(dead)]) {
      expect(text).not.toContain(WRONG_TOKEN);
      expect(text).not.toContain(TOKEN);
    }
    // The notice made one call, refused; the catch-up poll makes its own calls, which are not this test's subject.
    const notice = admin.calls.filter((c) => /Fulfil/i.test(c.operationName));
    expect(notice.map((c) => c.outcome)).toEqual(['unauthorized']);
    expect(admin.fulfillments(order.id)).toEqual([]);
  });
});
