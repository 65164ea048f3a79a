import type { ChannelId } from '../../../domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createShopifySim, type ShopifyAdmin, type ShopifySim } from '../../../../sim/shopify.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { SalesChannel, StockUpdate } from '../sales-channel.ts';
import { idempotencyKey } from './graphql.ts';
import { createShopifyAdapter } from './index.ts';
import { REFRESH_FROM_VARIANTS } from './variant-refresh.ts';
import { VariantMemory } from './variants.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SHOP = 'demo-shop.myshopify.com';
const TOKEN = 'shpat_0123456789abcdef0123456789ab';
const SECRET = 'shpss_unused_secret_0001';

describe('shopify.pushStock against the simulated Admin API', () => {
  let shop: ShopifySim;
  let admin: ShopifyAdmin;

  beforeEach(async () => {
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
      seed: 4,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN, restoreRate: 1_000 });
  });
  afterEach(async () => {
    await admin.close();
  });

  /** A channel of a fresh adapter (nothing remembered), or of the given one. */
  function channel(config: { locationId?: string } = {}, adapter = createShopifyAdapter()): SalesChannel {
    return adapter.open(
      TEST_CHANNEL,
      { shopDomain: SHOP, adminUrl: admin.url, ...config },
      { webhookSecret: SECRET, accessToken: TOKEN },
    );
  }

  function push(sales: SalesChannel, levels: StockUpdate[], batchKey = 'shop:0:0', now = new Date()) {
    return sales.pushStock!(levels, { signal: AbortSignal.timeout(10_000), now, batchKey });
  }

  const named = (name: string) => admin.calls.filter((c) => c.operationName === name);
  const sets = () => admin.inventorySets();

  it('sets available at the primary location, compared with what it read, and tells Shopify which batch it was', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    shop.addVariant({ sku: 'LAMP "OAK" 1:2', available: 9 });
    const sales = channel();
    expect(sales.maxStockBatch).toBe(250);
    expect(
      await push(
        sales,
        [
          { sku: 'MUG-BLUE', available: 7 },
          { sku: 'LAMP "OAK" 1:2', available: 0 },
        ],
        'shop:1700000000000:0',
      ),
    ).toEqual({ skipped: [] });
    expect([admin.available('MUG-BLUE'), admin.available('LAMP "OAK" 1:2')]).toEqual([7, 0]);
    expect(sets()).toMatchObject([
      {
        name: 'available',
        reason: 'correction',
        referenceDocumentUri: 'gid://waybill/StockSync/shop%3A1700000000000%3A0',
        outcome: 'applied',
        quantities: [
          { sku: 'MUG-BLUE', quantity: 7, changeFromQuantity: 3 },
          { sku: 'LAMP "OAK" 1:2', quantity: 0, changeFromQuantity: 9 },
        ],
      },
    ]);
    expect(admin.calls.every((c) => c.apiVersion === '2026-10' && c.servedVersion === '2026-10')).toBe(true);
  });

  it('carries @idempotent(key:): the same for the same request sent again, another for another request', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    const keys = () => named('WaybillInventorySet').map((c) => c.variables.idempotencyKey);
    // Lost on the way back: the job's retry reads the quantity Shopify did set, and sends nothing more.
    admin.fault('WaybillInventorySet', { kind: 'lose-answer' });
    await expect(push(channel(), [{ sku: 'MUG-BLUE', available: 7 }], 'shop:1:0')).rejects.toThrow(
      /no answer/,
    );
    expect(await push(channel(), [{ sku: 'MUG-BLUE', available: 7 }], 'shop:1:0')).toEqual({ skipped: [] });
    expect([admin.available('MUG-BLUE'), keys().length]).toEqual([7, 1]);
    // Another batch, or the same batch from another state: other keys; the same request: the same key.
    for (const [from, batch] of [
      [3, 'shop:2:0'],
      [4, 'shop:2:0'],
    ] as const) {
      shop.setAvailable('MUG-BLUE', from);
      await push(channel(), [{ sku: 'MUG-BLUE', available: 7 }], batch);
    }
    const [first, other, changed] = keys();
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set([first, other, changed]).size).toBe(3);
    const input = named('WaybillInventorySet')[0]!.variables.input;
    expect(idempotencyKey('stock shop:1:0', input)).toBe(first);
    expect(idempotencyKey('stock shop:1:0', structuredClone(input))).toBe(first);
    expect(sets().map((s) => s.outcome)).toEqual(['applied', 'applied', 'applied']);
  });

  it('repeating a push changes nothing; a later push reuses the inventory items and the location it looked up', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    const adapter = createShopifyAdapter();
    await push(channel({}, adapter), [{ sku: 'MUG-BLUE', available: 5 }]);
    await push(channel({}, adapter), [{ sku: 'MUG-BLUE', available: 5 }]);
    expect(sets()).toHaveLength(1);
    await push(channel({}, adapter), [{ sku: 'MUG-BLUE', available: 4 }]);
    expect(admin.available('MUG-BLUE')).toBe(4);
    expect([
      named('WaybillStockLocation').length,
      named('WaybillVariantsBySku').length,
      named('WaybillInventorySet').length,
    ]).toEqual([1, 1, 2]);
  });

  it('a quantity changed on Shopify between the read and the write is refused as stale, read again and set', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    shop.addVariant({ sku: 'TEE-RED-M', available: 2 });
    admin.before('WaybillInventorySet', () => shop.setAvailable('MUG-BLUE', 11));
    await push(channel(), [
      { sku: 'MUG-BLUE', available: 6 },
      { sku: 'TEE-RED-M', available: 1 },
    ]);
    expect(
      sets().map((s) => [
        s.outcome,
        s.userErrors.map((e) => e.code),
        s.quantities.map((q) => `${q.sku} ${q.changeFromQuantity}→${q.quantity}`),
      ]),
    ).toEqual([
      ['refused', ['CHANGE_FROM_QUANTITY_STALE'], ['MUG-BLUE 3→6', 'TEE-RED-M 2→1']],
      ['applied', [], ['MUG-BLUE 11→6', 'TEE-RED-M 2→1']],
    ]);
    expect([admin.available('MUG-BLUE'), admin.available('TEE-RED-M')]).toEqual([6, 1]);
  });

  it('compares with what Waybill last told, without reading; a SKU sold on Shopify since is read again and set', async () => {
    for (const [sku, available] of [
      ['MUG-BLUE', 3],
      ['TEE-RED-M', 2],
      ['LAMP-OAK', 5],
    ] as const)
      shop.addVariant({ sku, available });
    const adapter = createShopifyAdapter();
    const at = (seconds: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, seconds));
    // Never told: read, then set.
    await push(
      channel({}, adapter),
      [
        { sku: 'MUG-BLUE', available: 4, told: null },
        { sku: 'TEE-RED-M', available: 1, told: null },
        { sku: 'LAMP-OAK', available: 6, told: null },
      ],
      'shop:1:0',
      at(0),
    );
    // A sale at Shopify's counter after Waybill told it 1.
    shop.setAvailable('TEE-RED-M', 0);
    const from = admin.calls.length;
    const setsFrom = sets().length;
    await push(
      channel({}, adapter),
      [
        { sku: 'MUG-BLUE', available: 7, told: 4 },
        { sku: 'TEE-RED-M', available: 9, told: 1 },
        { sku: 'LAMP-OAK', available: 2, told: 6 },
      ],
      'shop:2:0',
      at(30),
    );
    expect(
      sets()
        .slice(setsFrom)
        .map((s) => [
          s.outcome,
          s.userErrors.map((e) => `${e.code} ${e.field?.join('.')}`),
          s.quantities.map((q) => `${q.sku} ${q.changeFromQuantity}→${q.quantity}`),
        ]),
    ).toEqual([
      [
        'refused',
        ['CHANGE_FROM_QUANTITY_STALE input.quantities.1.changeFromQuantity'],
        ['MUG-BLUE 4→7', 'TEE-RED-M 1→9', 'LAMP-OAK 6→2'],
      ],
      ['applied', [], ['MUG-BLUE 4→7', 'TEE-RED-M 0→9', 'LAMP-OAK 6→2']],
    ]);
    // The location and the variants are remembered; only the stale SKU is read: two mutations (10 points each) and
    // one read of one inventory item, where reading first cost a read of all three and the location before the set.
    const calls = admin.calls.slice(from);
    expect(calls.map((c) => c.operationName)).toEqual([
      'WaybillInventorySet',
      'WaybillInventoryLevels',
      'WaybillInventorySet',
    ]);
    expect((calls[1]!.variables.ids as string[]).length).toBe(1);
    expect(['MUG-BLUE', 'TEE-RED-M', 'LAMP-OAK'].map((sku) => admin.available(sku))).toEqual([7, 9, 2]);
  });

  it('reads first a SKU whose variant it has not seen for ten minutes: the merchant may have given it another SKU', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 1 });
    const tee = shop.addVariant({ sku: 'TEE-RED-M', available: 1 });
    const adapter = createShopifyAdapter();
    const at = (minutes: number) => new Date(Date.UTC(2026, 11, 2, 8, minutes));
    await push(
      channel({}, adapter),
      [
        { sku: 'MUG-BLUE', available: 2 },
        { sku: 'TEE-RED-M', available: 2 },
      ],
      'shop:1:0',
      at(0),
    );
    shop.setVariantSku(tee.id, 'TEE-RED-L');
    const outcome = await push(
      channel({}, adapter),
      [
        { sku: 'MUG-BLUE', available: 3, told: 2 },
        { sku: 'TEE-RED-M', available: 3, told: 2 },
      ],
      'shop:11:0',
      at(11),
    );
    expect(outcome).toEqual({
      skipped: [{ sku: 'TEE-RED-M', reason: 'Shopify has no variant with this SKU' }],
    });
    expect([admin.available('MUG-BLUE'), admin.available('TEE-RED-L')]).toEqual([3, 2]);
    // Eleven minutes on, the location was looked up again too.
    expect(named('WaybillStockLocation')).toHaveLength(2);
  });

  describe('a large shop: its variants confirmed by a bulk export every five minutes', () => {
    const skus = Array.from(
      { length: REFRESH_FROM_VARIANTS },
      (_, i) => `BULK-${String(i).padStart(4, '0')}`,
    );
    const at = (minutes: number) => new Date(Date.UTC(2026, 11, 2, 8, minutes));
    const levels = (available: number, told?: number) =>
      skus.map((sku) => ({ sku, available, ...(told !== undefined && { told }) }));

    /** Pushes every SKU at 0, 6 and 12 minutes; `between` runs after the first push. */
    async function pushThrice(between: () => void = () => undefined) {
      // A Plus shop's bucket: the first push searches and reads 1,000 SKUs.
      admin.setThrottle({ maximumAvailable: 20_000, currentlyAvailable: 20_000, restoreRate: 1_000 });
      const memory = new VariantMemory();
      const adapter = createShopifyAdapter(memory);
      const exported = () => memory.of(admin.url).refresh;
      expect(await push(channel({}, adapter), levels(2), 'shop:0:0', at(0))).toEqual({ skipped: [] });
      between();
      const beforeSix = named('WaybillInventoryLevels').length;
      await push(channel({}, adapter), levels(3, 2), 'shop:6:0', at(6));
      // Six minutes on, every variant is still trusted: set without reading; the export runs behind the push.
      expect(named('WaybillInventoryLevels').length).toBe(beforeSix);
      await exported().running;
      const readsBefore = named('WaybillInventoryLevels').length;
      const outcome = await push(channel({}, adapter), levels(4, 3), 'shop:12:0', at(12));
      await exported().running;
      return {
        outcome,
        reads: named('WaybillInventoryLevels').length - readsBefore,
        failure: exported().failure,
      };
    }

    it('sets every SKU twelve minutes on without reading it first; a SKU the export shows renamed is looked up again', async () => {
      const moved = skus[7]!;
      shop.seedCatalog(
        skus.filter((sku) => sku !== moved),
        1,
      );
      const movedVariant = shop.addVariant({ sku: moved, available: 1 });
      // A variant without a SKU is in the export too, and means nothing to Waybill.
      shop.addVariant({ sku: null, available: 1 });
      const { outcome, reads, failure } = await pushThrice(() => {
        // The merchant gives BULK-0007 another SKU; Waybill still trusts what it saw at 0 minutes until the export.
        shop.setVariantSku(movedVariant.id, `${moved}-OLD`);
      });
      expect([reads, failure]).toEqual([0, null]);
      expect(outcome).toEqual({ skipped: [{ sku: moved, reason: 'Shopify has no variant with this SKU' }] });
      expect(skus.filter((sku) => sku !== moved).every((sku) => admin.available(sku) === 4)).toBe(true);
      // Set at 6 minutes, within the ten a variant is trusted; not at 12, after the export showed it renamed.
      expect(admin.available(`${moved}-OLD`)).toBe(3);
      const [first, second] = admin.bulk.operations();
      expect([first?.status, second?.status]).toEqual(['COMPLETED', 'COMPLETED']);
      expect(admin.bulk.downloads().map((d) => [d.status, d.withAccessToken])).toEqual([
        [200, false],
        [200, false],
      ]);
    });

    it("a new channel's first sync searches a thousand SKUs, then learns the rest of the catalogue from one export", async () => {
      const catalogue = Array.from({ length: 1_500 }, (_, i) => `FIRST-${String(i).padStart(4, '0')}`);
      shop.seedCatalog(catalogue, 1);
      admin.setThrottle({ maximumAvailable: 20_000, currentlyAvailable: 20_000, restoreRate: 1_000 });
      const memory = new VariantMemory();
      const adapter = createShopifyAdapter(memory);
      const batch = (n: number) =>
        catalogue.slice(n * 250, (n + 1) * 250).map((sku) => ({ sku, available: 2 }));
      for (let n = 0; n < 5; n++) await push(channel({}, adapter), batch(n), `shop:0:${n}`, at(0));
      // The fifth push found 1,000 SKUs searched and started the export; it searched its own meanwhile.
      await memory.of(admin.url).refresh.running;
      const searches = named('WaybillVariantsBySku').length;
      expect(searches).toBe(25);
      expect(await push(channel({}, adapter), batch(5), 'shop:0:5', at(0))).toEqual({ skipped: [] });
      expect(named('WaybillVariantsBySku')).toHaveLength(searches);
      expect(admin.bulk.operations().map((o) => o.status)).toEqual(['COMPLETED']);
      expect(catalogue.every((sku) => admin.available(sku) === 2)).toBe(true);
    });

    it('reads every level first, as before, when the export failed', async () => {
      shop.seedCatalog(skus, 1);
      admin.bulk.failNext('INTERNAL_SERVER_ERROR');
      const { outcome, reads, failure } = await pushThrice();
      expect(outcome).toEqual({ skipped: [] });
      expect(reads).toBeGreaterThanOrEqual(REFRESH_FROM_VARIANTS / 250);
      // The second export (due at 11 minutes, started by the push at 12) completed.
      expect(failure).toBeNull();
      expect(admin.bulk.operations().map((o) => [o.status, o.errorCode])).toEqual([
        ['FAILED', 'INTERNAL_SERVER_ERROR'],
        ['COMPLETED', null],
      ]);
      expect(skus.every((sku) => admin.available(sku) === 4)).toBe(true);
    });
  });

  it('gives up for now, without overwriting, when the quantity keeps changing; the job tries again later', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    let sold = 3;
    admin.before('WaybillInventorySet', () => shop.setAvailable('MUG-BLUE', (sold += 1)), 5);
    const error = await push(channel(), [{ sku: 'MUG-BLUE', available: 0 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('kept changing');
    expect(sets().map((s) => s.outcome)).toEqual(Array(5).fill('refused'));
    expect(admin.available('MUG-BLUE')).toBe(8);
  });

  it('skips, with the reason, a SKU Shopify does not have, has twice, or does not stock there; the rest is set', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    shop.addVariant({ sku: 'TWIN', available: 1 });
    shop.addVariant({ sku: 'TWIN', available: 1 });
    shop.addVariant({ sku: 'ELSEWHERE', locations: ['West warehouse'] });
    shop.addVariant({ sku: 'mug-blue-xl', available: 1 });
    const outcome = await push(
      channel(),
      ['GHOST', 'TWIN', 'ELSEWHERE', 'MUG-BLUE', 'MUG-BLUE-XL'].map((sku) => ({ sku, available: 5 })),
    );
    expect(outcome).toEqual({
      skipped: [
        { sku: 'GHOST', reason: 'Shopify has no variant with this SKU' },
        { sku: 'TWIN', reason: '2 Shopify variants share this SKU, so Waybill sets none of them' },
        { sku: 'MUG-BLUE-XL', reason: 'Shopify has no variant with this SKU' },
        { sku: 'ELSEWHERE', reason: 'not stocked at East warehouse on Shopify' },
      ],
    });
    expect(admin.available('MUG-BLUE')).toBe(5);
    expect(admin.available('mug-blue-xl')).toBe(1);
    expect(sets().map((s) => s.quantities.map((q) => q.sku))).toEqual([['MUG-BLUE']]);
  });

  it('remembers a SKU the shop does not carry for a few minutes instead of searching for it on every push', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    const adapter = createShopifyAdapter();
    const at = (minutes: number) => new Date(Date.UTC(2026, 11, 2, 8, minutes));
    const searches = () => named('WaybillVariantsBySku').length;
    const levels = [
      { sku: 'MUG-BLUE', available: 4 },
      { sku: 'GHOST', available: 2 },
    ];
    expect(await push(channel({}, adapter), levels, 'shop:1:0', at(0))).toEqual({
      skipped: [{ sku: 'GHOST', reason: 'Shopify has no variant with this SKU' }],
    });
    expect(searches()).toBe(1);
    // A second later, and three minutes later: still skipped, with its reason, and not searched for.
    for (const minute of [0, 3]) {
      expect(
        await push(channel({}, adapter), [{ sku: 'GHOST', available: 1 }], `shop:${minute}:1`, at(minute)),
      ).toEqual({ skipped: [{ sku: 'GHOST', reason: 'Shopify has no variant with this SKU' }] });
    }
    expect(searches()).toBe(1);
    // The merchant adds it; once the memory runs out it is searched again, found and set.
    shop.addVariant({ sku: 'GHOST', available: 0 });
    expect(await push(channel({}, adapter), [{ sku: 'GHOST', available: 1 }], 'shop:5:0', at(5))).toEqual({
      skipped: [],
    });
    expect([searches(), admin.available('GHOST')]).toEqual([2, 1]);
  });

  it('sets stock at the configured location, and refuses for good a location the shop does not have', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', locations: ['East warehouse', 'West warehouse'], available: 2 });
    const west = shop.locationId('West warehouse');
    await push(channel({ locationId: west }), [{ sku: 'MUG-BLUE', available: 9 }]);
    expect([
      admin.available('MUG-BLUE', 'East warehouse'),
      admin.available('MUG-BLUE', 'West warehouse'),
    ]).toEqual([2, 9]);
    expect(sets().map((s) => s.quantities[0]?.locationId)).toEqual([west]);
    const gone = await push(channel({ locationId: 'gid://shopify/Location/1' }), [
      { sku: 'MUG-BLUE', available: 1 },
    ]).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PermanentError);
    expect((gone as Error).message).toContain('Shopify has no location gid://shopify/Location/1');
  });

  it('looks a SKU up again when the remembered variant was deleted or given another SKU', async () => {
    const adapter = createShopifyAdapter();
    const old = shop.addVariant({ sku: 'MUG-BLUE', available: 1 });
    const tee = shop.addVariant({ sku: 'TEE-RED-M', available: 1 });
    await push(channel({}, adapter), [
      { sku: 'MUG-BLUE', available: 2 },
      { sku: 'TEE-RED-M', available: 2 },
    ]);
    shop.deleteVariant(old.id);
    shop.addVariant({ sku: 'MUG-BLUE', available: 0 });
    shop.setVariantSku(tee.id, 'TEE-RED-L');
    const outcome = await push(channel({}, adapter), [
      { sku: 'MUG-BLUE', available: 3 },
      { sku: 'TEE-RED-M', available: 3 },
    ]);
    expect(outcome).toEqual({
      skipped: [{ sku: 'TEE-RED-M', reason: 'Shopify has no variant with this SKU' }],
    });
    expect([admin.available('MUG-BLUE'), admin.available('TEE-RED-L')]).toEqual([3, 2]);
  });

  it('sends 260 SKUs as two sets of at most 250, searching 50 SKUs at a time', async () => {
    const levels = Array.from({ length: 260 }, (_, i) => ({ sku: `SKU-${i}`, available: i }));
    for (const l of levels) shop.addVariant({ sku: l.sku, available: 1_000 });
    await push(channel(), levels);
    expect(sets().map((s) => s.quantities.length)).toEqual([250, 10]);
    expect(named('WaybillVariantsBySku')).toHaveLength(6);
    expect(levels.every((l) => admin.available(l.sku) === l.available)).toBe(true);
  });

  it('waits out throttling within the push', async () => {
    shop.addVariant({ sku: 'MUG-BLUE', available: 3 });
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 500 });
    await push(channel(), [{ sku: 'MUG-BLUE', available: 1 }]);
    expect(admin.available('MUG-BLUE')).toBe(1);
    expect(admin.calls.some((c) => c.outcome === 'throttled')).toBe(true);
  });

  it('a channel without an Admin API token takes no stock', () => {
    const adapter = createShopifyAdapter();
    const sales = adapter.open(TEST_CHANNEL, { shopDomain: SHOP }, { webhookSecret: SECRET });
    expect(sales.pushStock).toBeUndefined();
    expect(sales.maxStockBatch).toBeUndefined();
  });
});
