import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWooCommerceSim, type WooRest } from '../sim/woocommerce.ts';
import { repriceSkus } from '../src/app/reprice.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const WOO_SECRET = 'woo-webhook-secret-0123456789';
const usd = (amount: number) => ({ amount, currency: 'USD' });
const eur = (amount: number) => ({ amount, currency: 'EUR' });

/**
 * Prices from rules: written in the setup document or through the API, the most specific rule winning, converted at
 * a recorded rate, rounded per channel, held at the minimum margin or the MAP (and reported), sent to the channels
 * like stock; manual prices left alone; a preview of what a change would do before it is saved.
 */
describeEachDatabase('prices from rules', (dialect) => {
  let t: TestHub;
  let rest: WooRest;
  let keys: { consumerKey: string; consumerSecret: string };

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    keys = {
      consumerKey: `ck_${randomBytes(20).toString('hex')}`,
      consumerSecret: `cs_${randomBytes(20).toString('hex')}`,
    };
    const woo = createWooCommerceSim({
      storeUrl: 'https://shop.example.com',
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WOO_SECRET,
      seed: 8,
    });
    rest = await woo.startRest({
      ...keys,
      products: [
        { id: 41, sku: 'MUG-BLUE', name: 'Blue mug' },
        { id: 42, sku: 'TEE-RED-M', name: 'Red tee' },
        { id: 43, sku: 'LAMP-OAK', name: 'Oak lamp' },
        { id: 44, sku: 'CAP-GREY', name: 'Grey cap' },
        { id: 45, sku: 'BOWL', name: 'Bowl' },
      ],
    });
  });
  afterEach(async () => {
    await rest?.close();
    await t?.close();
  });

  const supplier = (id: string) => ({
    id,
    name: id,
    currency: 'USD',
    transport: {
      kind: 'rest-json',
      url: `http://127.0.0.1:9/${id}`,
      signingSecret: `${id}-signing-secret-0000001`,
    },
  });
  /** Woo (USD, a simulated store), a euro shop and a hand-priced storefront; five products from two suppliers. */
  const setup = (pricing?: object): any => ({
    apiVersion: 'waybill/v1',
    publicUrl: t.url,
    channels: [
      {
        id: 'woo',
        kind: 'woocommerce',
        name: 'Woo',
        currency: 'USD',
        storeUrl: rest.url,
        webhookSecret: WOO_SECRET,
        ...keys,
      },
      { id: 'euro', kind: 'storefront', name: 'Euro shop', currency: 'EUR' },
      { id: 'storefront', kind: 'storefront', name: 'Hand-priced', currency: 'USD' },
    ],
    suppliers: [supplier('prompt'), supplier('flaky')],
    products: [
      {
        sku: 'MUG-BLUE',
        name: 'Blue mug',
        tags: ['mug'],
        offers: [{ supplier: 'prompt', supplierSku: 'P-MUG', cost: usd(450), stock: 10 }],
      },
      {
        sku: 'TEE-RED-M',
        name: 'Red tee',
        offers: [
          // Priority 1 prices it (landed 700 + 100), though prompt's is cheaper.
          { supplier: 'flaky', supplierSku: 'F-TEE', cost: usd(700), shippingEstimate: 100, stock: 10 },
          { supplier: 'prompt', supplierSku: 'P-TEE', cost: usd(600), priority: 2, stock: 10 },
        ],
      },
      {
        sku: 'LAMP-OAK',
        name: 'Oak lamp',
        offers: [
          { supplier: 'flaky', supplierSku: 'F-LAMP', cost: usd(2500), shippingEstimate: 300, stock: 4 },
        ],
        // Set by hand on Woo: the rules leave it alone there.
        prices: [{ channel: 'woo', amount: 9900, currency: 'USD' }],
      },
      {
        sku: 'CAP-GREY',
        name: 'Grey cap',
        offers: [{ supplier: 'prompt', supplierSku: 'P-CAP', cost: usd(200), stock: 10 }],
      },
      {
        sku: 'BOWL',
        name: 'Bowl',
        offers: [{ supplier: 'flaky', supplierSku: 'F-BOWL', cost: usd(300), stock: 10 }],
      },
    ],
    ...(pricing ? { pricing } : {}),
  });
  /** Markup 2, mugs 3; Woo rounds to .99, the euro shop to 0.05 at 0.92 EUR to the dollar. */
  const pricing = (): any => ({
    channels: [
      { channel: 'woo', rounding: 'to_99' },
      { channel: 'euro', rounding: 'to_05' },
    ],
    rules: [
      { match: {}, markup: '2' },
      // A number, as YAML reads `markup: 3`.
      { match: { tag: 'mug' }, markup: 3 },
    ],
    exchangeRates: [{ from: 'USD', to: 'EUR', rate: '0.92' }],
  });

  const prices = async () =>
    Object.fromEntries(
      (
        await t.hub.store.db
          .selectFrom('channel_prices')
          .select(['channel_id', 'sku', 'amount', 'currency', 'source', 'floor', 'rate', 'updated_at'])
          .orderBy('channel_id')
          .orderBy('sku')
          .execute()
      ).map((r) => [`${r.channel_id} ${r.sku}`, r]),
    );
  const amounts = async () =>
    Object.fromEntries(Object.entries(await prices()).map(([k, r]) => [k, [Number(r.amount), r.currency]]));
  const eventsOf = async (type: string) =>
    (
      await t.hub.store.db
        .selectFrom('events')
        .select('data')
        .where('type', '=', type)
        .orderBy('seq')
        .execute()
    ).map((e) => JSON.parse(e.data));
  const wooPrice = (sku: string) => rest.product(sku)?.regular_price;
  const priceWrites = () => rest.writes.filter((w) => JSON.stringify(w.body).includes('regular_price'));
  const putRules = (body: object) => t.api('/api/v1/pricing/rules', { method: 'PUT', body });

  it('rules in the setup document price every listed channel, converted at a recorded rate, rounded per channel, and reach the store', async () => {
    const report = await t.api('/api/v1/setup', { body: setup(pricing()) });
    expect(report.status).toBe(200);
    expect(report.body.created).toContain('pricing');
    expect(await amounts()).toEqual({
      // 200 × 2 = 400 → 3.70 EUR at 0.92, to 0.05: 368 → 370.
      'euro BOWL': [550, 'EUR'],
      'euro CAP-GREY': [370, 'EUR'],
      'euro LAMP-OAK': [4600, 'EUR'],
      // 450 × 3 = 1350 USD → 1242 EUR → 1240.
      'euro MUG-BLUE': [1240, 'EUR'],
      'euro TEE-RED-M': [1290, 'EUR'],
      'woo BOWL': [699, 'USD'],
      'woo CAP-GREY': [499, 'USD'],
      'woo LAMP-OAK': [9900, 'USD'],
      'woo MUG-BLUE': [1399, 'USD'],
      // flaky's offer (priority 1): 700 × 2 = 1400 → 14.99.
      'woo TEE-RED-M': [1499, 'USD'],
    });
    const stored = await prices();
    // The hand-set price stays manual; the storefront, not listed under pricing, has no prices at all.
    expect(stored['woo LAMP-OAK']).toMatchObject({ source: 'manual', rate: null });
    expect(stored['woo MUG-BLUE']).toMatchObject({ source: 'rule', rate: null, floor: null });
    expect(JSON.parse(stored['euro MUG-BLUE']!.rate!)).toEqual({
      from: 'USD',
      to: 'EUR',
      rate: '0.92',
      source: 'operator',
      asOf: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const rules = await t.api('/api/v1/pricing/rules');
    expect(rules.body).toMatchObject({
      version: 1,
      rules: { rules: [{ markup: '2' }, { markup: '3' }] },
      exchangeRates: [{ from: 'USD', to: 'EUR', rate: '0.92', source: 'operator' }],
    });

    await until(
      'the store has the rule prices',
      () =>
        wooPrice('MUG-BLUE') === '13.99' && wooPrice('TEE-RED-M') === '14.99' && wooPrice('BOWL') === '6.99',
      25_000,
      () => JSON.stringify(rest.writes.map((w) => w.body)),
    );
    expect(wooPrice('CAP-GREY')).toBe('4.99');
    expect(wooPrice('LAMP-OAK')).toBe('99.00');

    // The same document again: nothing changes, no new version.
    const again = await t.api('/api/v1/setup', { body: setup(pricing()) });
    expect(again.body.unchanged).toContain('pricing');
    expect((await t.api('/api/v1/pricing/rules')).body.version).toBe(1);
  });

  it('the most specific rule wins: a SKU over a tag over a supplier over a channel; the same rules again change nothing', async () => {
    await t.apply(setup());
    const rules = {
      channels: [{ channel: 'woo' }],
      rules: [
        { match: {}, markup: '2' },
        { match: { channel: 'woo' }, markup: '2.5' },
        { match: { supplier: 'prompt' }, markup: '3' },
        { match: { tag: 'mug' }, markup: '4' },
        { match: { sku: 'TEE-RED-M', channel: 'woo' }, fixed: 111 },
      ],
    };
    const saved = await putRules(rules);
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({
      version: 1,
      changed: true,
      repriced: { changed: 4, channels: ['woo'], floorsHeld: 0 },
    });
    expect(await amounts()).toEqual({
      'woo BOWL': [750, 'USD'], // the channel's 2.5
      'woo CAP-GREY': [600, 'USD'], // prompt's 3
      'woo LAMP-OAK': [9900, 'USD'], // manual
      'woo MUG-BLUE': [1800, 'USD'], // the tag's 4 (a prompt product too)
      'woo TEE-RED-M': [811, 'USD'], // the SKU's fixed 1.11
    });
    expect(await putRules(rules)).toMatchObject({
      status: 200,
      body: { version: 1, changed: false, repriced: { changed: 0 } },
    });
    await until(
      'the store has the prices',
      () => wooPrice('CAP-GREY') === '6.00' && wooPrice('TEE-RED-M') === '8.11',
    );
  });

  it('holds a price at the minimum margin or the MAP, and reports it once', async () => {
    await t.apply(setup());
    const db = t.hub.store.db;
    await db
      .updateTable('offers')
      .set({ map_amount: 2000, map_currency: 'USD' })
      .where('sku', '=', 'MUG-BLUE')
      .execute();
    // A MAP in another currency is another market's: the USD channel ignores it.
    await db
      .updateTable('offers')
      .set({ map_amount: 5000, map_currency: 'EUR' })
      .where('sku', '=', 'CAP-GREY')
      .execute();
    const rules = {
      channels: [{ channel: 'woo', rounding: 'to_99' }],
      rules: [
        { match: {}, markup: '2' },
        { match: { sku: 'TEE-RED-M' }, markup: '1.1', minMargin: 500 },
      ],
    };
    const saved = await putRules(rules);
    expect(saved.body.repriced).toEqual({ changed: 4, channels: ['woo'], floorsHeld: 2 });
    const stored = await prices();
    expect(stored['woo MUG-BLUE']).toMatchObject({ amount: 2099, floor: 'map' });
    expect(stored['woo TEE-RED-M']).toMatchObject({ amount: 1399, floor: 'min_margin' });
    expect(stored['woo CAP-GREY']).toMatchObject({ amount: 499, floor: null });
    expect(await eventsOf('prices.floor_held')).toEqual([
      {
        channelId: 'woo',
        rulesVersion: 1,
        held: [
          // 450 × 2 = 900 → 9.99, under the MAP of 20.00: held at 20.99 (on the channel's .99).
          { sku: 'MUG-BLUE', floor: 'map', floorPrice: usd(2000), wanted: usd(999), price: usd(2099) },
          // 700 × 1.1 = 770 → 7.99, under landed 8.00 + margin 5.00: held at 13.99.
          {
            sku: 'TEE-RED-M',
            floor: 'min_margin',
            floorPrice: usd(1300),
            wanted: usd(799),
            price: usd(1399),
          },
        ],
      },
    ]);
    // Repriced again with the prices still on their floors: nothing changes, nothing is reported again.
    const again = await t.hub.store.transact((tx) =>
      repriceSkus(t.hub.ctx, tx, ['MUG-BLUE', 'TEE-RED-M', 'MUG-BLUE'], Date.now()),
    );
    expect(again).toEqual({ changed: 0, channels: [], floorsHeld: 0 });
    expect(await eventsOf('prices.floor_held')).toHaveLength(1);
    await until(
      'the store has the held prices',
      () => wooPrice('MUG-BLUE') === '20.99' && wooPrice('TEE-RED-M') === '13.99',
    );
  });

  it('a new cost in the setup document reprices that SKU alone, and only its price goes out', async () => {
    await t.apply(setup(pricing()));
    await until(
      'the store has every rule price',
      () => wooPrice('MUG-BLUE') === '13.99' && wooPrice('BOWL') === '6.99',
    );
    await until('Woo told of every price', async () =>
      (
        await t.hub.store.db
          .selectFrom('channel_prices')
          .select('told')
          .where('channel_id', '=', 'woo')
          .execute()
      ).every((r) => r.told !== null),
    );
    const before = await prices();
    const writes = priceWrites().length;
    const doc = setup(pricing());
    doc.products[0].offers[0].cost = usd(500);
    const report = await t.api('/api/v1/setup', { body: doc });
    expect(report.body.updated).toEqual(['product MUG-BLUE']);
    const after = await prices();
    // 500 × 3 = 1500 → 15.99 on Woo, 1380 EUR on the euro shop; nothing else touched.
    expect(after['woo MUG-BLUE']!.amount).toBe(1599);
    expect(after['euro MUG-BLUE']!.amount).toBe(1380);
    for (const key of Object.keys(before).filter((k) => !k.endsWith('MUG-BLUE')))
      expect(after[key]).toEqual(before[key]);
    await until('the store has the new price', () => wooPrice('MUG-BLUE') === '15.99');
    await until('the sync recorded', async () => (await eventsOf('prices.synced')).at(-1)?.sent === 1);
    const sent = priceWrites().slice(writes);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.body).match(/regular_price/g)).toHaveLength(1);
  });

  it('a preview lists exactly the prices that would change, by how much and at which floor, and saves nothing', async () => {
    await t.apply(setup(pricing()));
    const before = await prices();
    const jobs = async () =>
      (
        await t.hub.store.db
          .selectFrom('jobs')
          .select('id')
          .where('kind', '=', 'channel.price-sync')
          .execute()
      ).length;
    const queued = await jobs();
    const proposal = pricing();
    proposal.rules[1] = { match: { tag: 'mug' }, markup: '2.5' };
    proposal.rules.push({ match: { sku: 'TEE-RED-M' }, markup: '1', minMargin: 300 });
    const preview = await t.api('/api/v1/pricing/preview', { body: proposal });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ rulesVersion: 1, total: 4, unpriced: 0 });
    expect(preview.body.changes.map((c: any) => ({ ...c, steps: undefined }))).toEqual([
      // 450 × 2.5 = 1125 → 11.99.
      {
        sku: 'MUG-BLUE',
        channel: 'woo',
        current: usd(1399),
        proposed: usd(1199),
        difference: -200,
        floor: null,
      },
      // 1125 × 0.92 = 1035.
      {
        sku: 'MUG-BLUE',
        channel: 'euro',
        current: eur(1240),
        proposed: eur(1035),
        difference: -205,
        floor: null,
      },
      // 700 → 7.99, under landed 8.00 + 3.00: 11.99.
      {
        sku: 'TEE-RED-M',
        channel: 'woo',
        current: usd(1499),
        proposed: usd(1199),
        difference: -300,
        floor: { kind: 'min_margin', floor: usd(1100), wanted: usd(799) },
      },
      // 700 × 0.92 = 644 → 6.45; landed 8.00 → 7.36 EUR + 3.00 = 10.36, held at 10.40.
      {
        sku: 'TEE-RED-M',
        channel: 'euro',
        current: eur(1290),
        proposed: eur(1040),
        difference: -250,
        floor: { kind: 'min_margin', floor: eur(1036), wanted: eur(645) },
      },
    ]);
    expect(preview.body.changes[0].steps).toContain('cost 4.50 USD × 2.5 = 11.25 USD');

    const capped = await t.api('/api/v1/pricing/preview?limit=1', { body: proposal });
    expect(capped.body.total).toBe(4);
    expect(capped.body.changes).toHaveLength(1);

    // Nothing saved: the version, the prices and the queue are as they were.
    expect((await t.api('/api/v1/pricing/rules')).body).toMatchObject({
      version: 1,
      rules: { rules: [{ markup: '2' }, { markup: '3' }] },
    });
    expect(await prices()).toEqual(before);
    expect(await jobs()).toBe(queued);
  });

  it('reprices a catalog larger than a statement takes, page by page, and previews it capped with the count', async () => {
    await t.apply(setup());
    const db = t.hub.store.db;
    const many = Array.from({ length: 1_201 }, (_, i) => `BULK-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < many.length; i += 200) {
      const chunk = many.slice(i, i + 200);
      const at = Date.now();
      await db
        .insertInto('products')
        .values(chunk.map((sku) => ({ id: sku, name: sku, created_at: at, updated_at: at })))
        .execute();
      await db
        .insertInto('variants')
        .values(chunk.map((sku) => ({ sku, product_id: sku, name: sku, created_at: at, updated_at: at })))
        .execute();
      await db
        .insertInto('offers')
        .values(
          chunk.map((sku, j) => ({
            supplier_id: 'prompt',
            sku,
            supplier_sku: `P-${sku}`,
            cost_amount: 100 + i + j,
            cost_currency: 'USD',
            priority: 1,
            active: 1,
            stock: null,
            updated_at: at,
          })),
        )
        .execute();
    }
    const rules = { channels: [{ channel: 'woo' }], rules: [{ match: {}, markup: '2' }] };
    const preview = await t.api('/api/v1/pricing/preview', { body: rules });
    // Every SKU but the manual LAMP-OAK on Woo: 1,201 + 4, the first 1,000 listed.
    expect(preview.body.total).toBe(1_205);
    expect(preview.body.changes).toHaveLength(1_000);
    const saved = await putRules(rules);
    expect(saved.body.repriced).toEqual({ changed: 1_205, channels: ['woo'], floorsHeld: 0 });
    const stored = await amounts();
    expect(stored['woo BULK-0000']).toEqual([200, 'USD']);
    expect(stored['woo BULK-0500']).toEqual([1_200, 'USD']);
    expect(stored['woo BULK-1200']).toEqual([2_600, 'USD']);
    // A new cost for 600 of them (as a feed would bring): those alone change.
    await db.updateTable('offers').set({ cost_amount: 50 }).where('sku', 'in', many.slice(0, 600)).execute();
    const repriced = await t.hub.store.transact((tx) => repriceSkus(t.hub.ctx, tx, many, Date.now()));
    expect(repriced).toEqual({ changed: 600, channels: ['woo'], floorsHeld: 0 });
    expect((await amounts())['woo BULK-0599']).toEqual([100, 'USD']);
  });

  it('refuses bad rules naming the rule and the field, and stores nothing of them', async () => {
    await t.apply(setup());
    const cases: [object, string, string][] = [
      [
        { channels: [{ channel: 'woo' }], rules: [{ match: {}, markup: '-1' }] },
        'rules[0].markup',
        'positive decimal',
      ],
      [{ rules: [{ match: {}, discountPercent: '120' }] }, 'rules[0].discountPercent', 'from 0 to 100'],
      [{ rules: [{ match: {}, fixed: 1.5 }] }, 'rules[0].fixed', 'whole number'],
      [{ rules: [{ match: { sku: 'MUG-BLUE' } }] }, 'rules[0]', 'needs at least one of'],
      [
        { rules: [{ match: { channel: 'euro' }, markup: '2' }] },
        'rules[0].match.channel',
        'list it under channels',
      ],
      [{ channels: [{ channel: 'woo', rounding: 'to_9' }] }, 'channels[0].rounding', ''],
      [
        { exchangeRates: [{ from: 'USD', to: 'EUR', rate: '0' }] },
        'exchangeRates[0].rate',
        'positive decimal',
      ],
      [{ channels: [{ channel: 'nowhere' }] }, 'channels[0].channel', 'no channel nowhere'],
      [{ rules: [{ match: { supplier: 'ghost' }, markup: '2' }] }, 'rules[0].match.supplier', 'no supplier'],
    ];
    for (const [body, field, detail] of cases) {
      const refused = await putRules(body);
      expect(refused.status, field).toBe(422);
      expect(refused.body.field).toBe(field);
      expect(refused.body.detail).toContain(detail);
      const previewed = await t.api('/api/v1/pricing/preview', { body });
      expect(previewed.status, `preview ${field}`).toBe(422);
      expect(previewed.body.field).toBe(field);
    }
    const doc = setup({ channels: [{ channel: 'woo' }], rules: [{ match: {}, markup: 'lots' }] });
    const refused = await t.api('/api/v1/setup', { body: doc });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('pricing.rules[0].markup');
    const ghost = await t.api('/api/v1/setup', { body: setup({ channels: [{ channel: 'ghost' }] }) });
    expect(ghost.body.field).toBe('pricing.channels[0].channel');
    expect((await t.api('/api/v1/pricing/rules')).body.version).toBe(0);
    expect(Object.keys(await prices())).toEqual(['woo LAMP-OAK']);
  });

  it('a price set in the setup document stays manual whatever the rules say; removed, the rules take it back', async () => {
    await t.apply(setup(pricing()));
    expect((await prices())['woo MUG-BLUE']).toMatchObject({ amount: 1399, source: 'rule' });
    const doc = setup(pricing());
    doc.products[0].prices = [{ channel: 'woo', amount: 1234, currency: 'USD' }];
    await t.apply(doc);
    expect((await prices())['woo MUG-BLUE']).toMatchObject({ amount: 1234, source: 'manual' });
    // New rules reprice everything but the manual prices.
    const changed = pricing();
    changed.rules[1] = { match: { tag: 'mug' }, markup: '5' };
    expect((await putRules(changed)).body.repriced).toMatchObject({ changed: 1, channels: ['euro'] });
    expect(await amounts()).toMatchObject({ 'woo MUG-BLUE': [1234, 'USD'], 'euro MUG-BLUE': [2070, 'EUR'] });
    await until('the store has the manual price', () => wooPrice('MUG-BLUE') === '12.34');
    // The document stops pricing MUG-BLUE by hand on Woo: the rules price it again.
    doc.products[0].prices = [];
    doc.pricing = changed;
    await t.apply(doc);
    expect((await prices())['woo MUG-BLUE']).toMatchObject({ amount: 2299, source: 'rule' });
    await until('the store has the rule price again', () => wooPrice('MUG-BLUE') === '22.99');
  });
});
