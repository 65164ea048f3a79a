import type { ChannelId } from '../../../domain/ids.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createShopifySim, type ShopifyAdmin, type ShopifySim } from '../../../../sim/shopify.ts';
import { money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { PriceUpdate, SalesChannel } from '../sales-channel.ts';
import { createShopifyAdapter } from './index.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SHOP = 'demo-shop.myshopify.com';
const TOKEN = 'shpat_0123456789abcdef0123456789ab';
const SECRET = 'shpss_unused_secret_0001';

const usd = (amount: number) => money(amount, 'USD');
const price = (sku: string, amount: number, compareAt: number | null = null): PriceUpdate => ({
  sku,
  price: usd(amount),
  compareAtPrice: compareAt === null ? null : usd(compareAt),
});

describe('shopify.pushPrices against the simulated Admin API', () => {
  let shop: ShopifySim;
  let admin: ShopifyAdmin;

  beforeEach(async () => {
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
      seed: 5,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN, restoreRate: 1_000 });
  });
  afterEach(async () => {
    await admin.close();
  });

  function channel(adapter = createShopifyAdapter()): SalesChannel {
    return adapter.open(
      TEST_CHANNEL,
      { shopDomain: SHOP, adminUrl: admin.url },
      { webhookSecret: SECRET, accessToken: TOKEN },
    );
  }

  function push(sales: SalesChannel, prices: PriceUpdate[]) {
    return sales.pushPrices!(prices, {
      signal: AbortSignal.timeout(10_000),
      now: new Date(),
      batchKey: 'prices:1',
    });
  }

  const updates = () =>
    admin
      .priceUpdates()
      .map((u) => [u.productId, u.variants.map((v) => `${v.sku} ${v.price} ${v.compareAtPrice}`)]);

  it('two syncs of the same prices at once (start-up and a setup change) send them once', async () => {
    shop.addVariant({ sku: 'TEE-RED', productId: 1, price: '20.00' });
    shop.addVariant({ sku: 'MUG', productId: 2, price: '9.00' });
    const adapter = createShopifyAdapter();
    const prices = [price('TEE-RED', 1800), price('MUG', 1250)];
    const outcomes = await Promise.all([push(channel(adapter), prices), push(channel(adapter), prices)]);
    expect(outcomes).toEqual([{ skipped: [] }, { skipped: [] }]);
    expect(updates()).toEqual([
      ['gid://shopify/Product/1', ['TEE-RED 18.00 null']],
      ['gid://shopify/Product/2', ['MUG 12.50 null']],
    ]);
  });

  it('sends one productVariantsBulkUpdate per product, setting and clearing compare-at prices', async () => {
    const red = shop.addVariant({ sku: 'TEE-RED', productId: 1, price: '20.00' });
    shop.addVariant({ sku: 'TEE-BLUE', productId: 1, price: '20.00', compareAtPrice: '30.00' });
    const mug = shop.addVariant({ sku: 'MUG', productId: 2, price: '9.00' });
    const sales = channel();
    expect(sales.maxPriceBatch).toBe(250);
    const outcome = await push(sales, [
      price('TEE-RED', 1800, 2500),
      price('MUG', 1250),
      price('TEE-BLUE', 2200),
    ]);
    expect(outcome).toEqual({ skipped: [] });
    expect(['TEE-RED', 'TEE-BLUE', 'MUG'].map((sku) => admin.variantPrices(sku))).toEqual([
      { price: '18.00', compareAtPrice: '25.00' },
      { price: '22.00', compareAtPrice: null },
      { price: '12.50', compareAtPrice: null },
    ]);
    expect(updates()).toEqual([
      [red.productId, ['TEE-RED 18.00 25.00', 'TEE-BLUE 22.00 null']],
      [mug.productId, ['MUG 12.50 null']],
    ]);
    expect(admin.priceUpdates().every((u) => u.allowPartialUpdates)).toBe(true);
  });

  it('sends nothing for prices the shop already has; a later push reuses the variants it found', async () => {
    shop.addVariant({ sku: 'MUG', price: '9.00' });
    shop.addVariant({ sku: 'LAMP', price: '50.00', compareAtPrice: '60.00' });
    const adapter = createShopifyAdapter();
    await push(channel(adapter), [price('MUG', 1000), price('LAMP', 5000, 6000)]);
    await push(channel(adapter), [price('MUG', 1000), price('LAMP', 5000, 6000)]);
    expect(updates()).toEqual([[expect.any(String), ['MUG 10.00 null']]]);
    const ops = admin.calls.map((c) => c.operationName);
    expect(ops.filter((o) => o === 'WaybillVariantsBySku')).toHaveLength(1);
  });

  it('finds the variants stock already looked up, and stock those prices found', async () => {
    shop.addVariant({ sku: 'MUG', price: '9.00', available: 1 });
    const sales = channel();
    await sales.pushStock!([{ sku: 'MUG', available: 4 }], {
      signal: AbortSignal.timeout(10_000),
      now: new Date(),
      batchKey: 'stock:1',
    });
    await push(sales, [price('MUG', 1100)]);
    expect(admin.variantPrices('MUG').price).toBe('11.00');
    expect(admin.calls.filter((c) => c.operationName === 'WaybillVariantsBySku')).toHaveLength(1);
  });

  it('skips, with the reason, a SKU Shopify lacks, has twice or prices in another currency; the rest is set', async () => {
    shop.addVariant({ sku: 'MUG', price: '9.00' });
    shop.addVariant({ sku: 'TWIN' });
    shop.addVariant({ sku: 'TWIN' });
    shop.addVariant({ sku: 'LAMP' });
    const euro = { sku: 'LAMP', price: money(1000, 'EUR'), compareAtPrice: null };
    const outcome = await push(channel(), [price('GHOST', 100), price('TWIN', 100), euro, price('MUG', 990)]);
    expect(outcome).toEqual({
      skipped: [
        { sku: 'GHOST', reason: 'Shopify has no variant with this SKU' },
        { sku: 'TWIN', reason: '2 Shopify variants share this SKU, so Waybill sets none of them' },
        { sku: 'LAMP', reason: 'priced in EUR, but the Shopify shop sells in USD' },
      ],
    });
    expect(admin.variantPrices('MUG').price).toBe('9.90');
    expect(admin.variantPrices('LAMP').price).toBe('10.00');
  });

  it('looks a SKU up again when the remembered variant was deleted or given another SKU: no price lands on the wrong one', async () => {
    const adapter = createShopifyAdapter();
    const old = shop.addVariant({ sku: 'MUG', price: '9.00' });
    const tee = shop.addVariant({ sku: 'TEE', price: '20.00' });
    await push(channel(adapter), [price('MUG', 1000), price('TEE', 2100)]);
    shop.deleteVariant(old.id);
    shop.addVariant({ sku: 'MUG', price: '9.00' });
    shop.setVariantSku(tee.id, 'TEE-OLD');
    const outcome = await push(channel(adapter), [price('MUG', 1100), price('TEE', 2200)]);
    expect(outcome).toEqual({ skipped: [{ sku: 'TEE', reason: 'Shopify has no variant with this SKU' }] });
    expect([admin.variantPrices('MUG').price, admin.variantPrices('TEE-OLD').price]).toEqual([
      '11.00',
      '21.00',
    ]);
  });

  it('skips a variant Shopify refuses and sets the others; a refusal of the whole call is permanent', async () => {
    shop.addVariant({ sku: 'MUG', productId: 3, price: '9.00' });
    shop.addVariant({ sku: 'CUP', productId: 3, price: '9.00' });
    const outcome = await push(channel(), [price('MUG', -100), price('CUP', 700)]);
    expect(outcome).toEqual({
      skipped: [{ sku: 'MUG', reason: expect.stringMatching(/^Shopify refused its price: /) }],
    });
    expect([admin.variantPrices('MUG').price, admin.variantPrices('CUP').price]).toEqual(['9.00', '7.00']);
    admin.fault('WaybillVariantPricesSet', { kind: 'user-error', message: 'Product is being edited.' });
    const error = await push(channel(), [price('CUP', 800)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('Product is being edited.');
  });

  it('waits out throttling within the push', async () => {
    shop.addVariant({ sku: 'MUG', price: '9.00' });
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 500 });
    await push(channel(), [price('MUG', 1000)]);
    expect(admin.variantPrices('MUG').price).toBe('10.00');
    expect(admin.calls.some((c) => c.outcome === 'throttled')).toBe(true);
  });

  it('a channel without an Admin API token takes no prices', () => {
    const adapter = createShopifyAdapter();
    const sales = adapter.open(TEST_CHANNEL, { shopDomain: SHOP }, { webhookSecret: SECRET });
    expect(sales.pushPrices).toBeUndefined();
    expect(sales.maxPriceBatch).toBeUndefined();
  });
});
