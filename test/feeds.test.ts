import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStorefrontSim, type StorefrontSim } from '../sim/storefront.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, SUPPLIER_TOKENS, TEST_SECRET_KEY, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

/**
 * Issue 12, supplier feeds, through the public surface: a supplier's file uploaded to the operator API (or pushed by
 * the supplier, or imported on the command line) becomes offers, stock and prices, and what changed goes on to the
 * channel (the storefront simulator, told stock as `inventory.updated` events). Offers' columns that no API shows
 * (lead days, MAP, discontinued, pack size, minimum, ship-from, when they were written) are read from the database.
 */

/** The supplier's CSV: one header, every field the mapping knows. */
const MAPPING = {
  format: 'csv',
  defaultCurrency: 'USD',
  columns: {
    supplierSku: 'sku',
    gtin: 'gtin',
    cost: 'cost',
    stock: 'qty',
    leadDays: 'lead',
    map: 'map',
    discontinued: 'disc',
    packSize: 'pack',
    minQuantity: 'min',
    shipFromCountry: 'from',
  },
} as const;
const COLUMNS = ['sku', 'gtin', 'cost', 'qty', 'lead', 'map', 'disc', 'pack', 'min', 'from'] as const;
type FeedLine = { sku: string } & Partial<Record<Exclude<(typeof COLUMNS)[number], 'sku'>, string | number>>;

function csv(lines: readonly FeedLine[]): string {
  const cells = (l: FeedLine) => COLUMNS.map((c) => String(l[c] ?? '')).join(',');
  return [COLUMNS.join(','), ...lines.map(cells)].join('\n') + '\n';
}

/** A UPC-A (12 digits, valid check digit); the catalog knows the product by its EAN-13, the same with a 0 in front. */
const CUP_UPC_A = '036000291452';
const CUP_EAN_13 = '0036000291452';
/** The mug's EAN-13: prompt offers the mug under its own supplier SKU (P-MUG), from the setup document. */
const MUG_EAN_13 = '5901234123457';

/** The catalog: prompt (with a feed) offers three SKUs; CUP and BOWL are nobody's yet; flaky (no feed) offers BARRIER. */
function setupDocument(options: { notifyUrl?: string; feed?: object }) {
  return {
    apiVersion: 'waybill/v1',
    channels: [
      {
        id: 'storefront',
        kind: 'storefront',
        name: 'Shop',
        currency: 'USD',
        ...(options.notifyUrl ? { notifyUrl: options.notifyUrl, notifySecret: SECRETS.storefront } : {}),
      },
    ],
    suppliers: [
      {
        id: 'prompt',
        name: 'Prompt',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po', signingSecret: SECRETS.prompt },
        ...(options.feed ? { feed: options.feed } : {}),
      },
      {
        id: 'flaky',
        name: 'Flaky',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.flaky,
        transport: { kind: 'rest-json', url: 'http://127.0.0.1:9/po2', signingSecret: SECRETS.flaky },
      },
    ],
    products: [
      {
        sku: 'MUG-BLUE',
        name: 'Blue mug',
        gtin: MUG_EAN_13,
        offers: [
          { supplier: 'prompt', supplierSku: 'P-MUG', cost: { amount: 450, currency: 'USD' }, stock: 10 },
        ],
      },
      {
        sku: 'TEE-RED-M',
        name: 'Red tee, M',
        offers: [
          { supplier: 'prompt', supplierSku: 'P-TEE', cost: { amount: 700, currency: 'USD' }, stock: 20 },
        ],
      },
      {
        sku: 'LAMP-OAK',
        name: 'Oak lamp',
        offers: [
          { supplier: 'prompt', supplierSku: 'P-LAMP', cost: { amount: 2500, currency: 'USD' }, stock: 5 },
        ],
      },
      { sku: 'CUP-WHITE', name: 'White cup', gtin: CUP_EAN_13 },
      { sku: 'BOWL-GREEN', name: 'Green bowl' },
      {
        sku: 'BARRIER',
        name: 'Another supplier’s product',
        offers: [
          { supplier: 'flaky', supplierSku: 'F-BAR', cost: { amount: 100, currency: 'USD' }, stock: 1 },
        ],
      },
    ],
  };
}

const PROMPT_SKUS = ['MUG-BLUE', 'TEE-RED-M', 'LAMP-OAK'] as const;

describeEachDatabase('supplier feeds', (dialect) => {
  let t: TestHub;
  let shop: StorefrontSim;
  let barrierStock = 1;

  type Levels = { sku: string; available: number }[];
  const inventory = () =>
    [...shop.events.values()]
      .filter((e) => e.type === 'inventory.updated')
      .map((e) => (e.data as { levels: Levels }).levels);
  const lastTold = (): Record<string, number> =>
    Object.fromEntries(
      inventory()
        .flat()
        .map((l) => [l.sku, l.available]),
    );
  const hears = (what: Record<string, number>) =>
    until(
      `the channel told ${JSON.stringify(what)}`,
      () => Object.entries(what).every(([sku, n]) => lastTold()[sku] === n),
      25_000,
      () => JSON.stringify(lastTold()),
    );
  /** Where the channel's inventory events stand now: `toldSince(mark)` lists what it was told after. */
  const mark = () => inventory().length;
  const toldSince = (from: number) => inventory().slice(from).flat();
  /**
   * Another supplier's stock change, through its own push, heard by the channel: every change committed before it
   * has gone out by then (the channel's syncs run one after another, each reading all changes since the last), so
   * what the channel heard since a mark, less this, is all the feed under test made it hear.
   */
  const barrier = async () => {
    const stock = ++barrierStock;
    const pushed = await t.api('/supplier-api/v1/inventory', {
      key: SUPPLIER_TOKENS.flaky,
      body: { items: [{ supplierSku: 'F-BAR', stock }] },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    await hears({ BARRIER: stock });
  };
  const skusToldSince = async (from: number) => {
    await barrier();
    return new Set(
      toldSince(from)
        .map((l) => l.sku)
        .filter((s) => s !== 'BARRIER'),
    );
  };

  const start = async (feed: object = {}) => {
    const applied = await t.api('/api/v1/setup', {
      body: setupDocument({ notifyUrl: shop.notifyUrl, feed: { mapping: MAPPING, ...feed } }),
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    await hears({ 'MUG-BLUE': 10, 'TEE-RED-M': 20, 'LAMP-OAK': 5, BARRIER: 1 });
  };
  const upload = (body: string, query: { kind?: string; fileName?: string } = {}, supplier = 'prompt') =>
    t.api(`/api/v1/suppliers/${supplier}/feeds?${new URLSearchParams(query)}`, {
      rawBody: body,
      headers: { 'content-type': 'text/csv' },
    });
  const decide = (importId: string, decision: 'approve' | 'reject') =>
    t.api(`/api/v1/feeds/${importId}/${decision}`, { method: 'POST' });
  const history = async (supplier = 'prompt', query = '') => {
    const answer = await t.api(`/api/v1/suppliers/${supplier}/feeds${query}`);
    expect(answer.status).toBe(200);
    return answer.body as { imports: any[]; next: string | null };
  };
  /** A SKU's offers as the products API shows them. */
  const offersOf = async (sku: string) => {
    const answer = await t.api(`/api/v1/products?limit=1000`);
    expect(answer.status).toBe(200);
    return (answer.body.products as any[]).find((p) => p.sku === sku)!.offers as any[];
  };
  const promptOffer = async (sku: string) => (await offersOf(sku)).find((o) => o.supplierId === 'prompt');
  const available = async (...skus: string[]) => {
    const answer = await t.api(`/api/v1/stock?${skus.map((s) => `sku=${s}`).join('&')}`);
    expect(answer.status).toBe(200);
    return Object.fromEntries((answer.body.levels as any[]).map((l) => [l.sku, l.available]));
  };
  /** What no API shows of prompt's offers. */
  const offerRows = async () =>
    Object.fromEntries(
      (
        await t.hub.store.db
          .selectFrom('offers')
          .select([
            'sku',
            'lead_days',
            'map_amount',
            'map_currency',
            'discontinued',
            'pack_size',
            'min_quantity',
            'ship_from',
            'updated_at',
          ])
          .where('supplier_id', '=', 'prompt')
          .execute()
      ).map((o) => [o.sku, { ...o, updated_at: Number(o.updated_at) }]),
    );

  beforeEach(async () => {
    barrierStock = 1;
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    shop = await startStorefrontSim({
      hubUrl: t.url,
      apiKey: t.adminKey,
      channelId: 'storefront',
      notifySecret: SECRETS.storefront,
    });
  });
  afterEach(async () => {
    await shop?.close();
    await t?.close();
  });

  const FIRST = csv([
    { sku: 'P-MUG', cost: '4.60', qty: 12, lead: 3, map: '9.99', disc: 'no', pack: 2, min: 2, from: 'US' },
    { sku: 'P-TEE', cost: '7.25', qty: 18, lead: 2 },
    { sku: 'P-LAMP', cost: '25.00', qty: 5, disc: 'yes' },
  ]);

  it('a first feed applies: costs, stock, lead days, MAP, pack, minimum, ship-from, discontinued; the channel hears the new stock', async () => {
    await start();
    const answer = await upload(FIRST, { fileName: 'catalog.csv' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({
      supplierId: 'prompt',
      status: 'applied',
      kind: 'full',
      source: 'upload',
      fileName: 'catalog.csv',
      rows: 3,
      failed: 0,
      unchanged: 0,
      changed: 0,
      added: 3,
      missing: 0,
      unmatched: 0,
      stock: { before: 0, after: 35 },
      skus: { before: 0, after: 3 },
      errors: [],
      quarantine: [],
    });
    // A discontinued offer counts as none: the lamp is out on the channel though the supplier lists 5.
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 0 });
    expect(await available(...PROMPT_SKUS)).toEqual({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 0 });
    expect(await promptOffer('MUG-BLUE')).toMatchObject({
      cost: { amount: 460, currency: 'USD' },
      stock: 12,
    });
    expect(await promptOffer('TEE-RED-M')).toMatchObject({
      cost: { amount: 725, currency: 'USD' },
      stock: 18,
    });
    expect(await promptOffer('LAMP-OAK')).toMatchObject({
      cost: { amount: 2500, currency: 'USD' },
      stock: 5,
    });
    const rows = await offerRows();
    expect(rows['MUG-BLUE']).toMatchObject({
      lead_days: 3,
      map_amount: 999,
      map_currency: 'USD',
      discontinued: 0,
      pack_size: 2,
      min_quantity: 2,
    });
    expect(JSON.parse(rows['MUG-BLUE']!.ship_from!)).toEqual({ country: 'US' });
    expect(rows['TEE-RED-M']).toMatchObject({
      lead_days: 2,
      map_amount: null,
      discontinued: 0,
      pack_size: 1,
    });
    expect(rows['LAMP-OAK']).toMatchObject({ discontinued: 1 });

    const { imports } = await history();
    expect(imports.map((i) => [i.id, i.status])).toEqual([[answer.body.id, 'applied']]);
    const one = await t.api(`/api/v1/feeds/${answer.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ ...answer.body, decidedAt: null, decidedBy: null });
  });

  it('the same file again changes nothing: every row unchanged, no offer written, the channel told nothing new', async () => {
    await start();
    expect((await upload(FIRST)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 0 });
    const before = await offerRows();
    const from = mark();

    const again = await upload(FIRST);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({
      status: 'applied',
      rows: 3,
      unchanged: 3,
      changed: 0,
      added: 0,
      missing: 0,
      zeroed: 0,
      failed: 0,
      stock: { before: 35, after: 35 },
      skus: { before: 3, after: 3 },
    });
    expect(await offerRows()).toEqual(before);
    expect(await skusToldSince(from)).toEqual(new Set());
  });

  it('one changed row: only that offer is written, and only that SKU goes to the channel', async () => {
    await start();
    expect((await upload(FIRST)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 0 });
    const before = await offerRows();
    const from = mark();

    const changed = await upload(FIRST.replace('P-TEE,,7.25,18', 'P-TEE,,7.25,11'));
    expect(changed.status, JSON.stringify(changed.body)).toBe(201);
    expect(changed.body).toMatchObject({
      rows: 3,
      unchanged: 2,
      changed: 1,
      added: 0,
      stock: { before: 35, after: 28 },
    });
    await hears({ 'TEE-RED-M': 11 });
    expect(await skusToldSince(from)).toEqual(new Set(['TEE-RED-M']));
    const after = await offerRows();
    expect(after['MUG-BLUE']).toEqual(before['MUG-BLUE']);
    expect(after['LAMP-OAK']).toEqual(before['LAMP-OAK']);
    expect(after['TEE-RED-M']!.updated_at).toBeGreaterThan(before['TEE-RED-M']!.updated_at);
    expect(await promptOffer('TEE-RED-M')).toMatchObject({ stock: 11, cost: { amount: 725 } });
  });

  it('failing rows are reported with row, field, column and reason, and the good rows still apply', async () => {
    await start({ quarantine: { errorPercent: 80 } });
    const answer = await upload(
      csv([
        { sku: 'P-MUG', cost: '-1', qty: 'abc' }, // row 2: two fields fail
        { sku: 'P-TEE', gtin: '036000291453', cost: '7.00', qty: 3 }, // row 3: check digit should be 2
        { sku: 'P-LAMP', cost: '26.00', qty: 4 }, // row 4: good
        { sku: 'P-LAMP', cost: '26.00', qty: 9 }, // row 5: listed again
      ]),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ status: 'applied', rows: 4, failed: 3, errorsTotal: 4, added: 1 });
    expect(answer.body.errors).toHaveLength(4);
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        { row: 2, field: 'cost', column: 'cost', reason: expect.stringContaining('"-1" is negative') },
        { row: 2, field: 'stock', column: 'qty', reason: expect.stringContaining('"abc"') },
        {
          row: 3,
          field: 'gtin',
          column: 'gtin',
          reason: expect.stringMatching(/check digit 3; it should be 2/),
        },
        expect.objectContaining({
          row: 5,
          field: 'supplierSku',
          reason: expect.stringContaining('first at row 4'),
        }),
      ]),
    );
    await hears({ 'LAMP-OAK': 4 });
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ cost: { amount: 2600 }, stock: 4 });
    // The failed rows left their offers as they were.
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ cost: { amount: 450 }, stock: 10 });
    expect(await promptOffer('TEE-RED-M')).toMatchObject({ cost: { amount: 700 }, stock: 20 });
    expect(await available('MUG-BLUE', 'TEE-RED-M')).toEqual({ 'MUG-BLUE': 10, 'TEE-RED-M': 20 });
    // The history keeps the rejects.
    const { imports } = await history();
    expect(imports[0]).toMatchObject({ id: answer.body.id, failed: 3, errors: answer.body.errors });
  });

  const ROWS_OF_BASE = [
    { sku: 'P-MUG', cost: '4.50', qty: 12 },
    { sku: 'P-TEE', cost: '7.00', qty: 18 },
    { sku: 'P-LAMP', cost: '25.00', qty: 5 },
  ];
  const BASE = csv(ROWS_OF_BASE);
  const SKU_OF: Record<string, string> = { 'P-MUG': 'MUG-BLUE', 'P-TEE': 'TEE-RED-M', 'P-LAMP': 'LAMP-OAK' };
  const WITHOUT_LAMP = csv([
    { sku: 'P-MUG', cost: '4.50', qty: 12 },
    { sku: 'P-TEE', cost: '7.00', qty: 18 },
  ]);

  it('a full feed sets a SKU it no longer lists to zero (missingSkus: zero)', async () => {
    await start({ missingSkus: 'zero' });
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    const from = mark();
    const answer = await upload(WITHOUT_LAMP);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({
      status: 'applied',
      unchanged: 2,
      missing: 1,
      zeroed: 1,
      skus: { before: 3, after: 2 },
    });
    await hears({ 'LAMP-OAK': 0 });
    expect(await skusToldSince(from)).toEqual(new Set(['LAMP-OAK']));
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ stock: 0 });
  });

  it('a full feed leaves a SKU it no longer lists as it was (missingSkus: keep)', async () => {
    await start({ missingSkus: 'keep' });
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    const from = mark();
    const answer = await upload(WITHOUT_LAMP);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ status: 'applied', unchanged: 2, missing: 1, zeroed: 0 });
    expect(await skusToldSince(from)).toEqual(new Set());
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ stock: 5 });
    expect(await available('LAMP-OAK')).toEqual({ 'LAMP-OAK': 5 });
  });

  it('a delta feed changes the SKUs it lists and leaves the others alone', async () => {
    await start({ kind: 'delta' });
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    const from = mark();
    const answer = await upload(csv([{ sku: 'P-TEE', qty: 11 }]));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({
      kind: 'delta',
      status: 'applied',
      rows: 1,
      changed: 1,
      missing: 0,
      zeroed: 0,
      skus: { before: 3, after: null },
    });
    await hears({ 'TEE-RED-M': 11 });
    expect(await skusToldSince(from)).toEqual(new Set(['TEE-RED-M']));
    // A row without a cost leaves the cost as it was.
    expect(await promptOffer('TEE-RED-M')).toMatchObject({ cost: { amount: 700 }, stock: 11 });
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ stock: 12 });
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ stock: 5 });
    // ?kind=full overrides the setting: now the SKUs not listed are missing.
    const full = await upload(
      csv([
        { sku: 'P-TEE', qty: 11 },
        { sku: 'P-MUG', qty: 12 },
      ]),
      { kind: 'full' },
    );
    expect(full.status, JSON.stringify(full.body)).toBe(201);
    expect(full.body).toMatchObject({ kind: 'full', missing: 1, zeroed: 1 });
    await hears({ 'LAMP-OAK': 0 });
  });

  const STOCKED = csv([
    { sku: 'P-MUG', cost: '4.50', qty: 10 },
    { sku: 'P-TEE', cost: '7.00', qty: 20 },
    { sku: 'P-LAMP', cost: '25.00', qty: 70 },
  ]);
  const NEARLY_EMPTY = csv([
    { sku: 'P-MUG', cost: '4.50', qty: 1 },
    { sku: 'P-TEE', cost: '7.00', qty: 2 },
    { sku: 'P-LAMP', cost: '25.00', qty: 5 },
  ]);

  it('a feed whose total stock falls past the threshold is quarantined, nothing applied, until an operator approves it', async () => {
    await start();
    expect((await upload(STOCKED)).status).toBe(201);
    await hears({ 'MUG-BLUE': 10, 'TEE-RED-M': 20, 'LAMP-OAK': 70 });
    const from = mark();

    const held = await upload(NEARLY_EMPTY, { fileName: 'broken.csv' });
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    expect(held.body).toMatchObject({ status: 'quarantined', stock: { before: 100, after: 8 } });
    expect(held.body.quarantine).toEqual([
      expect.stringMatching(/total stock would fall from 100 to 8 \(92 %/),
    ]);
    expect(await available(...PROMPT_SKUS)).toEqual({ 'MUG-BLUE': 10, 'TEE-RED-M': 20, 'LAMP-OAK': 70 });
    expect(await skusToldSince(from)).toEqual(new Set());
    expect((await t.api(`/api/v1/feeds/${held.body.id}`)).body).toMatchObject({
      status: 'quarantined',
      decidedAt: null,
    });

    const approved = await decide(held.body.id, 'approve');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ id: held.body.id, status: 'approved', changed: 3 });
    await hears({ 'MUG-BLUE': 1, 'TEE-RED-M': 2, 'LAMP-OAK': 5 });
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ stock: 5 });
    const { imports } = await history();
    expect(imports[0]).toMatchObject({
      id: held.body.id,
      status: 'approved',
      fileName: 'broken.csv',
      quarantine: held.body.quarantine,
      decidedBy: expect.any(String),
      decidedAt: expect.any(String),
    });
    // Decided once: a second decision is a conflict.
    expect((await decide(held.body.id, 'approve')).status).toBe(409);
    expect((await decide(held.body.id, 'reject')).status).toBe(409);
  });

  it('a full feed that lists too few SKUs is quarantined, and rejecting it applies nothing', async () => {
    await start();
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    const from = mark();

    const held = await upload(csv([{ sku: 'P-MUG', cost: '4.50', qty: 12 }]));
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    expect(held.body).toMatchObject({ status: 'quarantined', skus: { before: 3, after: 1 }, zeroed: 0 });
    expect(held.body.quarantine).toEqual([expect.stringMatching(/lists 1 SKUs where the last listed 3/)]);

    const rejected = await decide(held.body.id, 'reject');
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ id: held.body.id, status: 'rejected' });
    expect(await skusToldSince(from)).toEqual(new Set());
    expect(await available(...PROMPT_SKUS)).toEqual({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    expect((await history()).imports[0]).toMatchObject({
      id: held.body.id,
      status: 'rejected',
      decidedBy: expect.any(String),
    });
    expect((await decide(held.body.id, 'approve')).status).toBe(409);
    // The rejected feed was never accepted: the next feed is diffed against the one before it.
    const next = await upload(BASE);
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ unchanged: 3, missing: 0 });
  });

  it('a feed whose share of failing rows passes the threshold is quarantined, its good rows held too, until approved', async () => {
    await start();
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    const from = mark();

    const held = await upload(
      csv([
        { sku: 'P-MUG', cost: '4.50', qty: 'twelve' },
        { sku: 'P-TEE', cost: 'n/a', qty: 18 },
        { sku: 'P-LAMP', cost: '25.00', qty: 4 },
      ]),
      // A delta: the error share alone (a full feed's failed rows count as missing too; see the test below).
      { kind: 'delta' },
    );
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    expect(held.body).toMatchObject({ status: 'quarantined', rows: 3, failed: 2 });
    expect(held.body.quarantine).toEqual([
      expect.stringMatching(/2 of 3 rows failed \(66\.7 %; the limit is 20 %\)/),
    ]);
    expect(held.body.errors).toEqual([
      expect.objectContaining({ row: 2, field: 'stock', column: 'qty' }),
      expect.objectContaining({ row: 3, field: 'cost', column: 'cost' }),
    ]);
    expect(await skusToldSince(from)).toEqual(new Set());
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ stock: 5 });

    const approved = await decide(held.body.id, 'approve');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', failed: 2, changed: 1 });
    await hears({ 'LAMP-OAK': 4 });
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ stock: 12 });
  });

  it('approving a quarantined feed after a later feed applied answers 409 and applies nothing', async () => {
    await start();
    expect((await upload(STOCKED)).status).toBe(201);
    await hears({ 'MUG-BLUE': 10, 'TEE-RED-M': 20, 'LAMP-OAK': 70 });
    const held = await upload(NEARLY_EMPTY);
    expect(held.status).toBe(202);
    const later = await upload(STOCKED.replace('P-MUG,,4.50,10', 'P-MUG,,4.50,11'));
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    await hears({ 'MUG-BLUE': 11 });
    const from = mark();

    const approved = await decide(held.body.id, 'approve');
    expect(approved.status, JSON.stringify(approved.body)).toBe(409);
    expect(approved.body.detail).toMatch(/later feed/);
    expect(await skusToldSince(from)).toEqual(new Set());
    expect(await available(...PROMPT_SKUS)).toEqual({ 'MUG-BLUE': 11, 'TEE-RED-M': 20, 'LAMP-OAK': 70 });
    expect((await t.api(`/api/v1/feeds/${held.body.id}`)).body).toMatchObject({ status: 'quarantined' });
    // It can still be rejected.
    expect((await decide(held.body.id, 'reject')).status).toBe(200);
  });

  it('a full feed whose missing SKUs take the total stock down past the threshold is quarantined', async () => {
    // 1,020 units, 1,000 of them the mug's; the next file leaves the mug out (a third of the SKUs, under the 50 %
    // SKU threshold) and with missingSkus: zero the total would fall to 20: a 98 % drop, past the 90 % one.
    await start({ missingSkus: 'zero' });
    const first = await upload(
      csv([
        { sku: 'P-MUG', cost: '4.50', qty: 1000 },
        { sku: 'P-TEE', cost: '7.00', qty: 10 },
        { sku: 'P-LAMP', cost: '25.00', qty: 10 },
      ]),
    );
    expect(first.status).toBe(201);
    await hears({ 'MUG-BLUE': 1000 });
    const answer = await upload(
      csv([
        { sku: 'P-TEE', cost: '7.00', qty: 10 },
        { sku: 'P-LAMP', cost: '25.00', qty: 10 },
      ]),
    );
    expect(answer.body).toMatchObject({ stock: { before: 1020, after: 20 } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.quarantine).toEqual([expect.stringMatching(/total stock would fall from 1020 to 20/)]);
    expect(await available('MUG-BLUE')).toEqual({ 'MUG-BLUE': 1000 });
  });

  it('a row that fails in a full feed does not count as missing: its SKU keeps its stock', async () => {
    // The tee's row is in the file; only its cost cell is wrong. The row is reported and left out, not zeroed.
    await start({ missingSkus: 'zero', quarantine: { errorPercent: 50 } });
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    const from = mark();
    const answer = await upload(
      csv([
        { sku: 'P-MUG', cost: '4.50', qty: 12 },
        { sku: 'P-TEE', cost: 'n/a', qty: 18 },
        { sku: 'P-LAMP', cost: '25.00', qty: 5 },
      ]),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.errors).toEqual([expect.objectContaining({ row: 3, field: 'cost', column: 'cost' })]);
    expect(answer.body).toMatchObject({ failed: 1, unchanged: 2, missing: 0, zeroed: 0 });
    expect(await skusToldSince(from)).toEqual(new Set());
    expect(await promptOffer('TEE-RED-M')).toMatchObject({ stock: 18 });
  });

  it('with missingSkus keep, the feed an operator approved, sent again, changes nothing and is not quarantined again', async () => {
    await start({ missingSkus: 'keep' });
    expect((await upload(BASE)).status).toBe(201);
    const ONLY_MUG = csv([{ sku: 'P-MUG', cost: '4.50', qty: 9 }]);
    const held = await upload(ONLY_MUG);
    expect(held.status).toBe(202);
    expect((await decide(held.body.id, 'approve')).status).toBe(200);
    await hears({ 'MUG-BLUE': 9, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });

    // The last accepted feed is this very file: diffed against it, nothing changed and nothing vanished.
    const again = await upload(ONLY_MUG);
    expect(again.body).toMatchObject({ unchanged: 1, changed: 0, added: 0, quarantine: [] });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
  });

  const OTHERS = [
    { sku: 'P-MUG', cost: '4.50', qty: 12 },
    { sku: 'P-TEE', cost: '7.00', qty: 18 },
    { sku: 'P-LAMP', cost: '25.00', qty: 5 },
  ];

  it('a UPC-A GTIN in the feed matches the product known by the EAN-13 with a leading 0, and the pairing holds without it', async () => {
    await start();
    const first = await upload(csv([...OTHERS, { sku: 'X-CUP', gtin: CUP_UPC_A, cost: '3.10', qty: 8 }]));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ matchedByGtin: 1, unmatched: 0, added: 4 });
    await hears({ 'CUP-WHITE': 8 });
    expect(await offersOf('CUP-WHITE')).toEqual([
      expect.objectContaining({
        supplierId: 'prompt',
        supplierSku: 'X-CUP',
        cost: { amount: 310, currency: 'USD' },
        stock: 8,
      }),
    ]);
    expect((await t.api('/api/v1/suppliers/prompt/unmatched')).body.items).toEqual([]);

    // The cup leaves the feed (zeroed), then comes back without its GTIN: the pairing made by GTIN still holds.
    expect((await upload(csv(OTHERS))).status).toBe(201);
    await hears({ 'CUP-WHITE': 0 });
    const back = await upload(csv([...OTHERS, { sku: 'X-CUP', cost: '3.20', qty: 6 }]));
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body).toMatchObject({ matchedByGtin: 0, unmatched: 0 });
    await hears({ 'CUP-WHITE': 6 });
    expect(await promptOffer('CUP-WHITE')).toMatchObject({
      supplierSku: 'X-CUP',
      cost: { amount: 320 },
      stock: 6,
    });
  });

  it('feeds of one supplier sent at once to two hubs all apply, one after another: the accepted feed is the offers', async () => {
    await start();
    expect((await upload(BASE)).status).toBe(201);
    const mugs = csv(ROWS_OF_BASE.map((r) => (r.sku === 'P-MUG' ? { ...r, qty: 30 } : r)));
    const tees = csv(ROWS_OF_BASE.map((r) => (r.sku === 'P-TEE' ? { ...r, qty: 40 } : r)));
    // Two hubs on the one database, as two worker processes: each takes its own imports in turn, and an import that
    // crosses one of the other's is diffed again against it.
    const other = await startTestHub(dialect, { database: t.database });
    try {
      const uploadThere = (body: string) =>
        other.api('/api/v1/suppliers/prompt/feeds', {
          rawBody: body,
          headers: { 'content-type': 'text/csv' },
        });
      const answers = await Promise.all([upload(mugs), uploadThere(tees), upload(tees), uploadThere(mugs)]);
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(201);
    } finally {
      await other.stop();
    }
    // Whatever order they took, what the last accepted feed says is what the offers are: the same rows again, read
    // back from the offers, change nothing.
    const now = await Promise.all(
      ROWS_OF_BASE.map(async (r) => ({ sku: r.sku, offer: await promptOffer(SKU_OF[r.sku]!) })),
    );
    const same = csv(
      now.map(({ sku, offer }) => ({ sku, cost: (offer.cost.amount / 100).toFixed(2), qty: offer.stock })),
    );
    expect((await upload(same)).body).toMatchObject({ unchanged: 3, changed: 0, added: 0 });
  });

  it('an unmatched row that stays the same is matched once its product joins the catalog (by its GTIN)', async () => {
    await start();
    const feed = csv([
      { sku: 'P-MUG', cost: '4.50', qty: 12 },
      { sku: 'X-PLATE', gtin: '4006381333931', cost: '2.00', qty: 6 },
    ]);
    expect((await upload(feed)).body).toMatchObject({ added: 2, unmatched: 1 });
    // The retailer adds the plate to the catalog, by its EAN-13.
    const doc = setupDocument({ notifyUrl: shop.notifyUrl, feed: { mapping: MAPPING } });
    doc.products.push({ sku: 'PLATE-BLUE', name: 'Blue plate', gtin: '4006381333931' } as never);
    expect((await t.api('/api/v1/setup', { body: doc })).status).toBe(200);

    const again = await upload(feed);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({
      unchanged: 2,
      changed: 0,
      unmatched: 0,
      matchedByGtin: 1,
      matchedLater: 1,
    });
    await hears({ 'PLATE-BLUE': 6 });
    expect(await promptOffer('PLATE-BLUE')).toMatchObject({ supplierSku: 'X-PLATE', cost: { amount: 200 } });
    expect((await t.api('/api/v1/suppliers/prompt/unmatched')).body.items).toEqual([]);
    // Matched, it is its offer: the same file once more changes nothing.
    expect((await upload(feed)).body).toMatchObject({ unchanged: 2, matchedLater: 0 });
  });

  it('an unmatched row is listed, mapped through the API, its offer applied, and the mapping holds for the next feed', async () => {
    await start();
    const first = await upload(
      csv([
        { sku: 'P-MUG', cost: '4.50', qty: 12 },
        { sku: 'X-BOWL', cost: '5.00', qty: 7, lead: 4 },
      ]),
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ unmatched: 1, matchedByGtin: 0 });
    const unmatched = await t.api('/api/v1/suppliers/prompt/unmatched');
    expect(unmatched.status).toBe(200);
    expect(unmatched.body).toMatchObject({
      items: [{ supplierSku: 'X-BOWL', cost: { amount: 500, currency: 'USD' }, stock: 7 }],
      next: null,
    });
    expect(await offersOf('BOWL-GREEN')).toEqual([]);

    const unknown = await t.api('/api/v1/suppliers/prompt/sku-mappings/X-BOWL', {
      method: 'PUT',
      body: { sku: 'NO-SUCH-SKU' },
    });
    expect(unknown.status).toBe(422);
    const mapped = await t.api('/api/v1/suppliers/prompt/sku-mappings/X-BOWL', {
      method: 'PUT',
      body: { sku: 'BOWL-GREEN' },
    });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(200);
    expect(mapped.body).toEqual({ supplierSku: 'X-BOWL', sku: 'BOWL-GREEN', offer: 'applied' });
    await hears({ 'BOWL-GREEN': 7 });
    expect(await offersOf('BOWL-GREEN')).toEqual([
      expect.objectContaining({
        supplierId: 'prompt',
        supplierSku: 'X-BOWL',
        cost: { amount: 500, currency: 'USD' },
      }),
    ]);
    expect((await offerRows())['BOWL-GREEN']).toMatchObject({ lead_days: 4 });
    expect((await t.api('/api/v1/suppliers/prompt/unmatched')).body.items).toEqual([]);

    const next = await upload(
      csv([
        { sku: 'P-MUG', cost: '4.50', qty: 12 },
        { sku: 'X-BOWL', cost: '5.00', qty: 3, lead: 4 },
      ]),
    );
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body).toMatchObject({ unmatched: 0, changed: 1, unchanged: 1 });
    await hears({ 'BOWL-GREEN': 3 });
    expect(await promptOffer('BOWL-GREEN')).toMatchObject({ stock: 3 });
  });

  it('a PDF named .csv and an HTML error page are refused with that reason, recorded as refused, nothing applied', async () => {
    await start();
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12 });
    const pdf = await upload(
      '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
      {
        fileName: 'prices.csv',
      },
    );
    expect(pdf.status, JSON.stringify(pdf.body)).toBe(422);
    expect(pdf.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(pdf.body.field).toBe('body');
    expect(pdf.body.detail).toMatch(/is a PDF, not CSV/);
    const html = await upload(
      '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n',
      { fileName: 'stock.csv' },
    );
    expect(html.status, JSON.stringify(html.body)).toBe(422);
    expect(html.body.field).toBe('body');
    expect(html.body.detail).toMatch(/HTML page/);

    // Newest first, a page at a time.
    const page1 = await history('prompt', '?limit=1');
    expect(page1.imports).toHaveLength(1);
    expect(page1.imports[0]).toMatchObject({
      status: 'refused',
      fileName: 'stock.csv',
      refused: expect.stringContaining('HTML page'),
      rows: 0,
    });
    expect(html.body.detail).toContain(page1.imports[0].id);
    expect(page1.next).not.toBeNull();
    const page2 = await history('prompt', `?limit=1&before=${page1.next}`);
    expect(page2.imports[0]).toMatchObject({
      status: 'refused',
      fileName: 'prices.csv',
      refused: expect.stringContaining('is a PDF'),
    });
    const all = await history();
    expect(all.imports.map((i) => i.status)).toEqual(['refused', 'refused', 'applied']);
    expect(all.next).toBeNull();
    expect(await available(...PROMPT_SKUS)).toEqual({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    // Refused files are no accepted feed: the same base again is unchanged.
    expect((await upload(BASE)).body).toMatchObject({ unchanged: 3 });
  });

  it('a supplier pushes stock and costs through the supplier API as a delta; its token pushes only its own feed', async () => {
    await start();
    const pushed = await t.api('/supplier-api/v1/inventory', {
      key: SUPPLIER_TOKENS.prompt,
      body: {
        items: [{ supplierSku: 'P-MUG', stock: 3, cost: { amount: 480, currency: 'USD' }, leadDays: 4 }],
      },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    expect(pushed.body).toMatchObject({
      supplierId: 'prompt',
      source: 'push',
      kind: 'delta',
      status: 'applied',
      rows: 1,
    });
    await hears({ 'MUG-BLUE': 3 });
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ cost: { amount: 480, currency: 'USD' }, stock: 3 });
    expect((await offerRows())['MUG-BLUE']).toMatchObject({ lead_days: 4 });
    // A delta: the others stay as the setup left them.
    expect(await available(...PROMPT_SKUS)).toEqual({ 'MUG-BLUE': 3, 'TEE-RED-M': 20, 'LAMP-OAK': 5 });
    expect((await history('prompt')).imports.map((i) => i.id)).toEqual([pushed.body.id]);

    // Flaky's token, naming prompt's SKU (and prompt, which the body cannot choose): it is flaky's feed, not prompt's.
    const from = mark();
    const other = await t.api('/supplier-api/v1/inventory', {
      key: SUPPLIER_TOKENS.flaky,
      body: { supplierId: 'prompt', items: [{ supplierSku: 'P-MUG', stock: 0 }] },
    });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    expect(other.body).toMatchObject({ supplierId: 'flaky', unmatched: 1 });
    expect(await skusToldSince(from)).toEqual(new Set());
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ stock: 3 });
    expect((await history('prompt')).imports.map((i) => i.id)).toEqual([pushed.body.id]);
    expect((await history('flaky')).imports.map((i) => i.id)).toContain(other.body.id);

    const anonymous = await t.api('/supplier-api/v1/inventory', {
      key: null,
      body: { items: [{ supplierSku: 'P-MUG', stock: 0 }] },
    });
    expect(anonymous.status).toBe(401);
    const operator = await t.api('/supplier-api/v1/inventory', {
      body: { items: [{ supplierSku: 'P-MUG', stock: 0 }] },
    });
    expect(operator.status).toBe(401);
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ stock: 3 });
  });

  it('a quarantined push is approved like a file: its items apply', async () => {
    await start();
    expect((await upload(BASE)).status).toBe(201);
    await hears({ 'MUG-BLUE': 12, 'TEE-RED-M': 18, 'LAMP-OAK': 5 });
    // A full push listing one SKU of three: held.
    const held = await t.api('/supplier-api/v1/inventory', {
      key: SUPPLIER_TOKENS.prompt,
      body: { kind: 'full', items: [{ supplierSku: 'P-MUG', stock: 9 }] },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(202);
    expect(held.body).toMatchObject({ status: 'quarantined', source: 'push', skus: { before: 3, after: 1 } });
    expect(await available('MUG-BLUE')).toEqual({ 'MUG-BLUE': 12 });

    const approved = await decide(held.body.id, 'approve');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', changed: 1, missing: 2, zeroed: 2 });
    await hears({ 'MUG-BLUE': 9, 'TEE-RED-M': 0, 'LAMP-OAK': 0 });
  });

  it('a SKU the supplier renames (matched by its GTIN) takes the new row, and is not zeroed as the missing old one', async () => {
    await start();
    // The cup: first under C-OLD (matched by GTIN), then renamed C-NEW with the same GTIN in the next full feed.
    const first = await upload(
      csv([...ROWS_OF_BASE, { sku: 'C-OLD', gtin: CUP_UPC_A, cost: '3.00', qty: 10 }]),
    );
    expect(first.body).toMatchObject({ status: 'applied', matchedByGtin: 1 });
    await hears({ 'CUP-WHITE': 10 });
    const renamed = await upload(
      csv([...ROWS_OF_BASE, { sku: 'C-NEW', gtin: CUP_UPC_A, cost: '3.20', qty: 40 }]),
    );
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(201);
    expect(renamed.body, JSON.stringify(renamed.body)).toMatchObject({ missing: 1, zeroed: 0 });
    await hears({ 'CUP-WHITE': 40 });
    expect(await promptOffer('CUP-WHITE')).toMatchObject({
      supplierSku: 'C-NEW',
      stock: 40,
      cost: { amount: 320 },
    });
  });

  it('a feed of more rows than are applied at a time: a GTIN an early row took is not taken by a later one, and a rename far down still holds', async () => {
    await start();
    // 6,000 rows no product is known by, between the two rows with the cup's GTIN: they fall in different chunks.
    const filler = (qty: number) =>
      Array.from({ length: 6_000 }, (_, i) => ({ sku: `X-${i}`, cost: '1.00', qty }));
    const first = await upload(
      csv([
        ...ROWS_OF_BASE,
        { sku: 'C-A', gtin: CUP_UPC_A, cost: '3.00', qty: 10 },
        ...filler(1),
        { sku: 'C-B', gtin: CUP_UPC_A, cost: '2.00', qty: 99 },
        // The mug's GTIN under another supplier SKU: the mug is P-MUG's (its offer), listed and applied far above.
        { sku: 'M-DUP', gtin: MUG_EAN_13, cost: '1.00', qty: 50 },
      ]),
    );
    expect(first.body, JSON.stringify({ ...first.body, errors: undefined })).toMatchObject({
      status: 'applied',
      matchedByGtin: 1,
      unmatched: 6_002,
    });
    await hears({ 'CUP-WHITE': 10 });
    expect(await promptOffer('CUP-WHITE')).toMatchObject({ supplierSku: 'C-A', cost: { amount: 300 } });
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ supplierSku: 'P-MUG', stock: 12 });
    // Renamed: C-A gone from the full feed, C-NEW (same GTIN) after 6,000 changed rows. It takes the cup, C-A is not
    // zeroed, and C-B (unchanged, still waiting for a match) does not take it either.
    const renamed = await upload(
      csv([
        ...ROWS_OF_BASE,
        ...filler(2),
        { sku: 'C-B', gtin: CUP_UPC_A, cost: '2.00', qty: 99 },
        { sku: 'M-DUP', gtin: MUG_EAN_13, cost: '1.00', qty: 50 },
        { sku: 'C-NEW', gtin: CUP_UPC_A, cost: '3.20', qty: 40 },
      ]),
    );
    expect(renamed.body, JSON.stringify({ ...renamed.body, errors: undefined })).toMatchObject({
      status: 'applied',
      missing: 1,
      zeroed: 0,
      matchedByGtin: 1,
      changed: 6_000,
    });
    await hears({ 'CUP-WHITE': 40 });
    expect(await promptOffer('CUP-WHITE')).toMatchObject({ supplierSku: 'C-NEW', stock: 40 });
    // M-DUP, unchanged and tried again as a waiting row, still does not take the mug from P-MUG (unchanged too).
    expect(await promptOffer('MUG-BLUE')).toMatchObject({ supplierSku: 'P-MUG', stock: 12 });
  });

  it("a SKU two suppliers offer: the feed of one changes its stock, the channel is told both suppliers' together", async () => {
    const doc = setupDocument({ notifyUrl: shop.notifyUrl, feed: { mapping: MAPPING } });
    const mug = doc.products.find((p) => p.sku === 'MUG-BLUE')!;
    (mug.offers as unknown[]).push({
      supplier: 'flaky',
      supplierSku: 'F-MUG',
      cost: { amount: 480, currency: 'USD' },
      stock: 7,
    });
    expect((await t.api('/api/v1/setup', { body: doc })).status).toBe(200);
    await hears({ 'MUG-BLUE': 17 });
    expect(
      (await upload(csv([...ROWS_OF_BASE.slice(1), { sku: 'P-MUG', cost: '4.50', qty: 30 }]))).body,
    ).toMatchObject({
      status: 'applied',
    });
    await hears({ 'MUG-BLUE': 37 });
    expect(await available('MUG-BLUE')).toEqual({ 'MUG-BLUE': 37 });
  });

  it('a row with a value too many in a full feed is reported, and its SKU keeps its stock (it is listed, not missing)', async () => {
    await start({ quarantine: { errorPercent: 50 } });
    const full = csv(ROWS_OF_BASE.map((r) => ({ ...r, from: 'US' })));
    expect((await upload(full)).status).toBe(201);
    // The tee's cost written with a decimal comma, unquoted: one value too many, every value after it shifted.
    const text = full.replace('P-TEE,,7.00,18', 'P-TEE,,7,00,18');
    expect(text).not.toBe(full);
    const answer = await upload(text);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ failed: 1, missing: 0, zeroed: 0 });
    expect(answer.body.errors[0]).toMatchObject({ row: 3, field: 'row' });
    expect(await available('TEE-RED-M')).toEqual({ 'TEE-RED-M': 18 });
  });

  it('a cost of 0 is a failed row, never a price: the offer keeps its cost', async () => {
    await start({ quarantine: { errorPercent: 50 } });
    expect((await upload(BASE)).status).toBe(201);
    const answer = await upload(BASE.replace('P-LAMP,,25.00', 'P-LAMP,,0.00'));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ failed: 1, zeroed: 0 });
    expect(answer.body.errors[0]).toMatchObject({ row: 4, field: 'cost', column: 'cost' });
    expect(answer.body.errors[0].reason).toMatch(/is 0/);
    expect(await promptOffer('LAMP-OAK')).toMatchObject({ cost: { amount: 2500 } });
  });

  it('a push with a wrong GTIN or country is refused at once naming the item and field, nothing imported', async () => {
    await start();
    const answer = await t.api('/supplier-api/v1/inventory', {
      key: SUPPLIER_TOKENS.prompt,
      body: { items: [{ supplierSku: 'P-MUG', stock: 3, gtin: '12345', shipFrom: { country: 'XX' } }] },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'items[0].gtin',
      'items[0].shipFrom.country',
    ]);
    expect((await history()).imports).toEqual([]);
  });

  it('a supplier without a feed mapping gets a 422 that says so; an unknown supplier a 404', async () => {
    await start();
    const answer = await upload(BASE, {}, 'flaky');
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(answer.body.field).toBe('supplierId');
    expect(answer.body.detail).toMatch(/flaky has no feed mapping/);
    expect((await history('flaky')).imports).toEqual([]);
    expect((await upload(BASE, {}, 'nobody')).status).toBe(404);
    const empty = await t.api('/api/v1/suppliers/prompt/feeds', {
      rawBody: '',
      headers: { 'content-type': 'text/csv' },
    });
    expect(empty.status).toBe(422);
  });
});

/** The command line as cli.test.ts runs it: `node bin/waybill.mjs …` against the database's URL (SQLite only). */
describe('feed import on the command line (SQLite)', () => {
  const ROOT = resolve(import.meta.dirname, '..');
  let t: TestHub;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-feed-cli-'));
    t = await startTestHub('sqlite');
    await t.apply(setupDocument({ feed: { mapping: MAPPING } }));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env))
      if (name.startsWith('WAYBILL_') || name === 'DATABASE_URL') delete env[name];
    env.DATABASE_URL = t.database.url;
    env.WAYBILL_SECRET_KEY = TEST_SECRET_KEY;
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['bin/waybill.mjs', ...args], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`waybill ${args.join(' ')} did not finish\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, 25_000);
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
  }
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('feed import exits 0 when applied, 2 when quarantined, 1 when refused, each recorded in the history', async () => {
    const applied = await cli([
      'feed',
      'import',
      '--supplier',
      'prompt',
      file(
        'catalog.csv',
        csv([
          { sku: 'P-MUG', cost: '4.50', qty: 1 },
          { sku: 'P-TEE', cost: '7.00', qty: 2 },
          { sku: 'P-LAMP', cost: '25.00', qty: 97 },
        ]),
      ),
    ]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/\(prompt, full\): applied/);
    const levels = async () =>
      Object.fromEntries(
        ((await t.api('/api/v1/stock?sku=MUG-BLUE&sku=LAMP-OAK')).body.levels as any[]).map((l) => [
          l.sku,
          l.available,
        ]),
      );
    expect(await levels()).toEqual({ 'MUG-BLUE': 1, 'LAMP-OAK': 97 });

    const held = await cli([
      'feed',
      'import',
      '--supplier',
      'prompt',
      '--kind',
      'delta',
      file('empty.csv', csv([{ sku: 'P-LAMP', qty: 0 }])),
    ]);
    expect(held.code, held.stdout + held.stderr).toBe(2);
    expect(held.stdout).toMatch(/\(prompt, delta\): quarantined/);
    expect(held.stdout).toMatch(/quarantined: total stock would fall from 100 to 3 /);
    expect(await levels()).toEqual({ 'MUG-BLUE': 1, 'LAMP-OAK': 97 });

    const refused = await cli([
      'feed',
      'import',
      '--supplier',
      'prompt',
      file('prices.csv', '%PDF-1.4\n%%EOF\n'),
    ]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/refused: .*is a PDF/);

    const { imports } = (await t.api('/api/v1/suppliers/prompt/feeds')).body;
    expect(imports.map((i: any) => [i.source, i.fileName, i.status, i.kind])).toEqual([
      ['cli', 'prices.csv', 'refused', 'full'],
      ['cli', 'empty.csv', 'quarantined', 'delta'],
      ['cli', 'catalog.csv', 'applied', 'full'],
    ]);
  }, 90_000);
});
