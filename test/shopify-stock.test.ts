import { afterEach, beforeEach, expect, it } from 'vitest';
import { syncChannelStockJob } from '../src/app/sync-channel-stock.ts';
import { createShopifySim, type ShopifyAdmin, type ShopifySim } from '../sim/shopify.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, SECRETS, SUPPLIER_TOKENS, startTestHub, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SHOP = 'demo-shop.myshopify.com';
const WEBHOOK_SECRET = 'shpss_current_client_secret_01';
const TOKEN = 'shpat_right_admin_token_0123456789';
const MUG = { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' };
const TEE = { sku: 'TEE-RED-M', variantId: 4102, price: '25.00', title: 'Red tee, M' };
const LAMP = { sku: 'LAMP-OAK', variantId: 4103, price: '89.00', title: 'Oak lamp' };
/** What the supplier reports: Waybill's available to promise before any order. GHOST is not sold on Shopify. */
const STOCK = { 'MUG-BLUE': 10, 'TEE-RED-M': 12, 'LAMP-OAK': 5, GHOST: 3 } as const;

describeEachDatabase('stock out to Shopify', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let admin: ShopifyAdmin;
  /** The hub's clock runs this far ahead of the wall clock: a test skips minutes without waiting for them. */
  let aheadMs = 0;

  beforeEach(async () => {
    aheadMs = 0;
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      clock: { now: () => new Date(Date.now() + aheadMs) },
    });
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: WEBHOOK_SECRET,
      seed: 11,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN });
    // Shopify's own numbers before Waybill is connected: whatever the merchant last typed in.
    for (const [item, available] of [
      [MUG, 0],
      [TEE, 50],
      [LAMP, 1],
    ] as const)
      shop.addVariant({ sku: item.sku, variantId: item.variantId, available });
  });
  afterEach(async () => {
    await admin?.close();
    await t?.close();
  });

  async function connect(): Promise<void> {
    const answer = await t.api('/api/v1/setup', {
      body: {
        apiVersion: 'waybill/v1',
        channels: [
          { id: 'storefront', kind: 'storefront', name: 'Own shop', currency: 'USD' },
          {
            id: 'shop',
            kind: 'shopify',
            name: 'Shopify',
            currency: 'USD',
            shopDomain: SHOP,
            webhookSecret: WEBHOOK_SECRET,
            accessToken: TOKEN,
            adminUrl: admin.url,
          },
        ],
        // Purchase orders go nowhere: this test is about stock only.
        suppliers: [
          {
            id: 'prompt',
            name: 'Prompt',
            currency: 'USD',
            apiToken: SUPPLIER_TOKENS.prompt,
            transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
          },
        ],
        products: Object.entries(STOCK).map(([sku, stock]) => ({
          sku,
          name: sku,
          offers: [
            { supplier: 'prompt', supplierSku: `P-${sku}`, cost: { amount: 100, currency: 'USD' }, stock },
          ],
        })),
      },
    });
    expect(answer.status).toBe(200);
  }

  const onShopify = () => ({
    'MUG-BLUE': admin.available('MUG-BLUE'),
    'TEE-RED-M': admin.available('TEE-RED-M'),
    'LAMP-OAK': admin.available('LAMP-OAK'),
  });
  const showsOnShopify = (expected: ReturnType<typeof onShopify>, timeoutMs?: number) =>
    until(
      `Shopify to show ${JSON.stringify(expected)}`,
      () => JSON.stringify(onShopify()) === JSON.stringify(expected),
      timeoutMs,
    );
  const atp = async (sku: string) =>
    (await t.api(`/api/v1/stock?sku=${sku}`)).body.levels[0].available as number;
  const applied = () => admin.inventorySets().filter((s) => s.outcome === 'applied');
  const skippedEvents = async () =>
    (
      await t.hub.store.db.selectFrom('events').select('data').where('type', '=', 'stock.skipped').execute()
    ).map((e) => JSON.parse(e.data));

  it('sets Shopify to what Waybill can promise, then follows orders from any channel down within seconds', async () => {
    await connect();
    await showsOnShopify({ 'MUG-BLUE': 10, 'TEE-RED-M': 12, 'LAMP-OAK': 5 });
    // Every set compared against what Shopify had, and said which sync batch it came from.
    expect(
      applied()
        .flatMap((s) => s.quantities.map((q) => `${q.sku} ${q.changeFromQuantity}→${q.quantity}`))
        .sort(),
    ).toEqual(['LAMP-OAK 1→5', 'MUG-BLUE 0→10', 'TEE-RED-M 50→12']);
    expect(
      applied().every(
        (s) =>
          s.reason === 'correction' && s.referenceDocumentUri?.startsWith('gid://waybill/StockSync/shop'),
      ),
    ).toBe(true);

    expect(
      (
        await t.api('/api/v1/channels/storefront/orders', {
          body: orderBody('own-1', [{ sku: 'MUG-BLUE', quantity: 3 }]),
        })
      ).status,
    ).toBe(201);
    await showsOnShopify({ 'MUG-BLUE': 7, 'TEE-RED-M': 12, 'LAMP-OAK': 5 }, 5_000);

    const order = shop.makeOrder(1, [TEE, LAMP], [2, 1]);
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    await showsOnShopify({ 'MUG-BLUE': 7, 'TEE-RED-M': 10, 'LAMP-OAK': 4 }, 5_000);
    expect([await atp('MUG-BLUE'), await atp('TEE-RED-M'), await atp('LAMP-OAK')]).toEqual([7, 10, 4]);
    expect(admin.inventorySets().every((s) => s.outcome === 'applied')).toBe(true);
  });

  it('a change on Shopify between the read and the write is refused as stale and read again, not overwritten blindly', async () => {
    await connect();
    await showsOnShopify({ 'MUG-BLUE': 10, 'TEE-RED-M': 12, 'LAMP-OAK': 5 });
    const before = admin.inventorySets().length;
    // A sale at the shop's counter lands just after Waybill read 10 and before its write arrives.
    admin.before('WaybillInventorySet', () => shop.setAvailable('MUG-BLUE', 9));
    expect(
      (
        await t.api('/api/v1/channels/storefront/orders', {
          body: orderBody('own-2', [{ sku: 'MUG-BLUE', quantity: 2 }]),
        })
      ).status,
    ).toBe(201);
    await showsOnShopify({ 'MUG-BLUE': 8, 'TEE-RED-M': 12, 'LAMP-OAK': 5 }, 5_000);
    const race = admin.inventorySets().slice(before);
    expect(
      race.map((s) => [
        s.outcome,
        s.userErrors.map((e) => e.code),
        s.quantities.map((q) => `${q.sku} ${q.changeFromQuantity}→${q.quantity}`),
      ]),
    ).toEqual([
      ['refused', ['CHANGE_FROM_QUANTITY_STALE'], ['MUG-BLUE 10→8']],
      ['applied', [], ['MUG-BLUE 9→8']],
    ]);
  });

  it('a SKU Shopify does not have is skipped and reported, the rest still set; a later pass sets it once it exists', async () => {
    await connect();
    await showsOnShopify({ 'MUG-BLUE': 10, 'TEE-RED-M': 12, 'LAMP-OAK': 5 });
    await until('the skip reported', async () => (await skippedEvents()).length > 0);
    expect((await skippedEvents())[0]).toEqual({
      channelId: 'shop',
      skipped: [{ sku: 'GHOST', reason: 'Shopify has no variant with this SKU' }],
    });
    const told = await t.hub.store.db
      .selectFrom('channel_stock')
      .select(['sku', 'told'])
      .where('channel_id', '=', 'shop')
      .orderBy('sku')
      .execute();
    expect(told).toEqual([
      { sku: 'LAMP-OAK', told: 5 },
      { sku: 'MUG-BLUE', told: 10 },
      { sku: 'TEE-RED-M', told: 12 },
    ]);

    // Waybill remembers for a few minutes that the shop lacks it: the syncs of the next seconds do not search again.
    const searches = () => admin.calls.filter((c) => c.operationName === 'WaybillVariantsBySku').length;
    const searched = searches();
    await t.hub.store.transact((tx) =>
      t.hub.ctx.queue.enqueue(tx, {
        kind: syncChannelStockJob.kind,
        key: 'reconcile-soon',
        payload: { channelId: 'shop', full: true },
      }),
    );
    await until('the pass reported GHOST skipped again', async () => (await skippedEvents()).length > 1);
    expect(searches()).toBe(searched);
    // The merchant adds the product on Shopify; the reconciling pass five minutes later finds it and sets it.
    shop.addVariant({ sku: 'GHOST', available: 0 });
    aheadMs = 5 * 60_000;
    await t.hub.store.transact((tx) =>
      t.hub.ctx.queue.enqueue(tx, {
        kind: syncChannelStockJob.kind,
        key: 'reconcile-now',
        payload: { channelId: 'shop', full: true },
      }),
    );
    await until('GHOST set on Shopify', () => admin.available('GHOST') === 3);
  });

  it('throttling is waited out inside the sync, not turned into failed attempts', async () => {
    // An empty bucket refilling at 100 points a second: the variant search (~200 points) has to wait.
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 100, status: 429 });
    await connect();
    await showsOnShopify({ 'MUG-BLUE': 10, 'TEE-RED-M': 12, 'LAMP-OAK': 5 });
    expect(admin.calls.some((c) => c.outcome === 'throttled')).toBe(true);
    expect(t.hub.worker?.stats).toMatchObject({ retried: 0, dead: 0 });
    expect((await t.api('/api/v1/dead-letters')).body.deadLetters).toEqual([]);
  });
});
