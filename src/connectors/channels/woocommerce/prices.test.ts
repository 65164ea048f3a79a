import type { ChannelId } from '../../../domain/ids.ts';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWooCommerceSim,
  type WooCommerceSim,
  type WooProductSeed,
  type WooRest,
} from '../../../../sim/woocommerce.ts';
import { money } from '../../../domain/money.ts';
import type { PriceUpdate, SalesChannel } from '../sales-channel.ts';
import { woocommerce } from './index.ts';
import { priceFields } from './prices.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SECRET = `cs_${'2'.repeat(40)}`;
const WEBHOOK_SECRET = 'woo-webhook-secret-0123456789';
const PRODUCTS: WooProductSeed[] = [
  { id: 41, sku: 'MUG-BLUE', regularPrice: '14.00', salePrice: '11.00' },
  { id: 43, sku: 'TEE-RED-M', regularPrice: '20.00' },
  {
    id: 42,
    sku: 'LAMP-OAK',
    name: 'Oak lamp',
    variations: [
      { id: 77, sku: 'LAMP-OAK-L', regularPrice: '80.00' },
      { id: 78, sku: 'LAMP-OAK-S', regularPrice: '60.00', salePrice: '55.00' },
    ],
  },
];

let shop: WooCommerceSim;
let api: WooRest;
let KEY: string;
const run = { signal: AbortSignal.timeout(20_000), now: new Date('2025-11-03T15:00:00Z'), batchKey: 'k' };

async function start(products: WooProductSeed[] = PRODUCTS): Promise<void> {
  api = await shop.startRest({ consumerKey: KEY, consumerSecret: SECRET, products });
}

beforeEach(async () => {
  KEY = `ck_${randomBytes(20).toString('hex')}`;
  shop = createWooCommerceSim({
    storeUrl: 'https://shop.example.com',
    webhookUrl: 'http://127.0.0.1:9/webhooks',
    secret: WEBHOOK_SECRET,
    seed: 3,
  });
  await start();
});
afterEach(async () => {
  await api.close();
});

function channel(withKeys = true): SalesChannel {
  const secrets = withKeys
    ? { webhookSecret: WEBHOOK_SECRET, consumerKey: KEY, consumerSecret: SECRET }
    : { webhookSecret: WEBHOOK_SECRET };
  return woocommerce.open(TEST_CHANNEL, { storeUrl: api.url }, secrets);
}

const usd = (cents: number) => money(cents, 'USD');
const price = (sku: string, cents: number, wasCents: number | null = null): PriceUpdate => ({
  sku,
  price: usd(cents),
  compareAtPrice: wasCents === null ? null : usd(wasCents),
});
const pricesOf = (sku: string) => {
  const p = api.product(sku);
  return p && { regular: p.regular_price, sale: p.sale_price, price: p.price, onSale: p.on_sale };
};
const lookups = () => api.calls.filter((c) => c.route === 'GET /products').length;

describe('priceFields: Waybill price and compare-at price → WooCommerce regular and sale price', () => {
  it('puts a higher compare-at price in regular_price and the price in sale_price; otherwise no sale', () => {
    expect(priceFields(price('A', 1299, 1599))).toEqual({ regular_price: '15.99', sale_price: '12.99' });
    expect(priceFields(price('A', 1299))).toEqual({ regular_price: '12.99', sale_price: '' });
    // A "was" price that is not above the price would show a sale badge on a price that is not lower.
    expect(priceFields(price('A', 1299, 1299))).toEqual({ regular_price: '12.99', sale_price: '' });
    expect(priceFields({ sku: 'A', price: money(1500, 'JPY'), compareAtPrice: money(2000, 'JPY') })).toEqual({
      regular_price: '2000',
      sale_price: '1500',
    });
  });

  it('gives a reason instead of fields for what cannot be sent', () => {
    expect(priceFields({ sku: 'A', price: usd(1000), compareAtPrice: money(1200, 'EUR') })).toMatch(
      /USD .* EUR/,
    );
    expect(priceFields(price('A', -1))).toBe('a price below zero');
  });
});

describe('woocommerce.pushPrices against the simulated store', () => {
  it('sets regular and sale prices of products and variations, and clears a sale', async () => {
    expect(channel().maxPriceBatch).toBe(100);
    const outcome = await channel().pushPrices!(
      [
        price('MUG-BLUE', 1299),
        price('TEE-RED-M', 1500, 2000),
        price('LAMP-OAK-L', 7000, 8000),
        price('LAMP-OAK-S', 6500),
      ],
      run,
    );
    expect(outcome).toEqual({ skipped: [] });
    expect(pricesOf('MUG-BLUE')).toEqual({ regular: '12.99', sale: '', price: '12.99', onSale: false });
    expect(pricesOf('TEE-RED-M')).toEqual({ regular: '20.00', sale: '15.00', price: '15.00', onSale: true });
    expect(pricesOf('LAMP-OAK-L')).toEqual({ regular: '80.00', sale: '70.00', price: '70.00', onSale: true });
    expect(pricesOf('LAMP-OAK-S')).toEqual({ regular: '65.00', sale: '', price: '65.00', onSale: false });
    expect(api.writes.map((w) => [w.path, w.body])).toEqual([
      [
        '/wp-json/wc/v3/products/batch',
        {
          update: [
            { id: 41, regular_price: '12.99', sale_price: '' },
            { id: 43, regular_price: '20.00', sale_price: '15.00' },
          ],
        },
      ],
      [
        '/wp-json/wc/v3/products/42/variations/batch',
        {
          update: [
            { id: 77, regular_price: '80.00', sale_price: '70.00' },
            { id: 78, regular_price: '65.00', sale_price: '' },
          ],
        },
      ],
    ]);
  });

  it("skips SKUs the store lacks and a variable product's own SKU, with reasons; sets the rest", async () => {
    const outcome = await channel().pushPrices!(
      [price('NOT-IN-STORE', 100), price('LAMP-OAK', 9000), price('TEE-RED-M', 1800)],
      run,
    );
    expect(outcome).toEqual({
      skipped: [
        { sku: 'NOT-IN-STORE', reason: 'WooCommerce has no product or variation with this SKU' },
        {
          sku: 'LAMP-OAK',
          reason: 'a variable product is priced through its variations, each under its own SKU',
        },
      ],
    });
    expect(pricesOf('TEE-RED-M')?.price).toBe('18.00');
    expect(api.writes).toHaveLength(1);
  });

  it('shares the SKU → id catalog with stock: prices after stock look nothing up again', async () => {
    await channel().pushStock!(
      [
        { sku: 'MUG-BLUE', available: 3 },
        { sku: 'LAMP-OAK-S', available: 1 },
      ],
      run,
    );
    const asked = lookups();
    await channel().pushPrices!([price('MUG-BLUE', 999), price('LAMP-OAK-S', 5000)], run);
    expect(lookups()).toBe(asked);
    expect([pricesOf('MUG-BLUE')?.price, pricesOf('LAMP-OAK-S')?.price]).toEqual(['9.99', '50.00']);
    expect(api.product('MUG-BLUE')?.stock_quantity).toBe(3);
  });

  it('sends at most 100 items per batch', async () => {
    await api.close();
    const many = Array.from({ length: 150 }, (_, i) => ({
      id: 1_000 + i,
      sku: `SKU-${String(i).padStart(3, '0')}`,
    }));
    await start(many);
    expect(
      await channel().pushPrices!(
        many.map((p) => price(p.sku, 500)),
        run,
      ),
    ).toEqual({ skipped: [] });
    expect(api.writes.map((w) => (w.body as { update: unknown[] }).update.length)).toEqual([100, 50]);
    expect(many.every((p) => pricesOf(p.sku)?.price === '5.00')).toBe(true);
  });

  it('a remembered product that was deleted fails the push once (retried), then is skipped as absent', async () => {
    await channel().pushPrices!([price('MUG-BLUE', 1000), price('TEE-RED-M', 1000)], run);
    api.remove('TEE-RED-M');
    const stale = channel().pushPrices!([price('MUG-BLUE', 1100), price('TEE-RED-M', 1100)], run);
    await expect(stale).rejects.toThrow(/no longer has the products remembered for TEE-RED-M/);
    expect(await channel().pushPrices!([price('MUG-BLUE', 1200), price('TEE-RED-M', 1200)], run)).toEqual({
      skipped: [{ sku: 'TEE-RED-M', reason: 'WooCommerce has no product or variation with this SKU' }],
    });
    expect(pricesOf('MUG-BLUE')?.price).toBe('12.00');
  });

  it('a store without a key pair takes no prices', () => {
    expect(channel(false).pushPrices).toBeUndefined();
    expect(channel(false).maxPriceBatch).toBeUndefined();
  });
});
