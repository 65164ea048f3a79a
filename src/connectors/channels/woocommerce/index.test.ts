import type { ChannelId } from '../../../domain/ids.ts';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWooCommerceSim,
  type WooCommerceSim,
  type WooOrder,
  type WooRest,
} from '../../../../sim/woocommerce.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice, SalesChannel } from '../sales-channel.ts';
import { woocommerce } from './index.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SECRET = `cs_${'2'.repeat(40)}`;
const WEBHOOK_SECRET = 'woo-webhook-secret-0123456789';
const ITEMS = [{ sku: 'MUG-BLUE', productId: 41, price: '12.99' }];
const PRODUCTS = [
  { id: 41, sku: 'MUG-BLUE' },
  { id: 43, sku: 'TEE-RED-M' },
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

let shop: WooCommerceSim;
let api: WooRest;
/** A key pair per test: the adapter remembers product ids per store address and key, and ports are reused. */
let KEY: string;
const run = { signal: AbortSignal.timeout(20_000), now: new Date('2025-11-03T15:00:00Z') };

beforeEach(async () => {
  KEY = `ck_${randomBytes(20).toString('hex')}`;
  shop = createWooCommerceSim({
    storeUrl: 'https://shop.example.com',
    webhookUrl: 'http://127.0.0.1:9/webhooks',
    secret: WEBHOOK_SECRET,
    seed: 3,
  });
  api = await shop.startRest({ consumerKey: KEY, consumerSecret: SECRET, products: PRODUCTS });
});
afterEach(async () => {
  await api.close();
});

/** `null`: a channel without a REST API key pair. */
function channel(secret: string | null = SECRET): SalesChannel {
  const secrets =
    secret === null
      ? { webhookSecret: WEBHOOK_SECRET }
      : { webhookSecret: WEBHOOK_SECRET, consumerKey: KEY, consumerSecret: secret };
  return woocommerce.open(TEST_CHANNEL, { storeUrl: api.url }, secrets);
}

describe('woocommerce.notifyFulfilment against the simulated store', () => {
  let order: WooOrder;
  beforeEach(async () => {
    order = shop.makeOrder(1, ITEMS, [3]);
    await shop.deliver('order.created', order);
  });

  const notice = (
    shipmentId: string,
    trackingNumber: string,
    orderState = 'fulfilled',
    quantity = 3,
  ): FulfilmentNotice => ({
    eventId: `evt_${shipmentId}`,
    orderId: 'ord_1',
    externalId: String(order.id),
    orderState,
    createdAt: new Date('2025-11-03T14:00:00Z'),
    shipment: { id: shipmentId, carrier: 'UPS', trackingNumber, lines: [{ sku: 'MUG-BLUE', quantity }] },
  });
  const customerNotes = () =>
    api
      .notes(order.id)
      .filter((n) => n.customer_note)
      .map((n) => n.note);
  const tracking = () => api.order(order.id)!.meta_data.filter((m) => m.key.startsWith('_waybill_tracking_'));

  it('adds a customer note with the tracking, records it in meta_data and completes the order; a repeat writes nothing', async () => {
    await channel().notifyFulfilment(notice('shp_1', '1Z999AA10123456784'), run);
    expect(customerNotes()).toEqual(['3 items shipped with UPS, tracking number 1Z999AA10123456784.']);
    expect(tracking()).toEqual([
      {
        id: expect.any(Number),
        key: '_waybill_tracking_shp_1',
        value: {
          carrier: 'UPS',
          trackingNumber: '1Z999AA10123456784',
          shipmentId: 'shp_1',
          recordedAt: '2025-11-03T14:00:00.000Z',
        },
      },
    ]);
    expect(api.order(order.id)!.status).toBe('completed');
    expect(api.writes.map((w) => w.route)).toEqual(['POST /orders/:id/notes', 'PUT /orders/:id']);
    expect(api.calls.every((c) => c.auth === 'basic')).toBe(true);

    await channel().notifyFulfilment(notice('shp_1', '1Z999AA10123456784'), run);
    expect(api.writes).toHaveLength(2);
    expect(customerNotes()).toHaveLength(1);
  });

  it('a partial shipment leaves the status; the one that finishes the order completes it', async () => {
    await channel().notifyFulfilment(notice('shp_1', '1ZAAA', 'partially_fulfilled', 1), run);
    expect(api.order(order.id)!.status).toBe('processing');
    await channel().notifyFulfilment(notice('shp_2', '1ZBBB', 'fulfilled', 2), run);
    expect(api.order(order.id)!.status).toBe('completed');
    expect(customerNotes()).toEqual([
      '2 items shipped with UPS, tracking number 1ZBBB.',
      '1 item shipped with UPS, tracking number 1ZAAA.',
    ]);
    expect(tracking().map((m) => m.key)).toEqual(['_waybill_tracking_shp_1', '_waybill_tracking_shp_2']);
    // The first notice, run again after the order was fulfilled, finds itself told and the order complete.
    const writes = api.writes.length;
    await channel().notifyFulfilment(notice('shp_1', '1ZAAA', 'fulfilled', 1), run);
    expect(api.writes).toHaveLength(writes);
  });

  it('a note whose answer was lost is not added again by the retry', async () => {
    api.fault('POST /orders/:id/notes', { kind: 'lose-answer' });
    const first = channel().notifyFulfilment(notice('shp_1', '1ZLOST'), run);
    await expect(first).rejects.toThrow(/no answer from WooCommerce/);
    await expect(first).rejects.not.toBeInstanceOf(PermanentError);
    await channel().notifyFulfilment(notice('shp_1', '1ZLOST'), run);
    expect(customerNotes()).toEqual(['3 items shipped with UPS, tracking number 1ZLOST.']);
    expect(tracking()).toHaveLength(1);
    expect(api.order(order.id)!.status).toBe('completed');
  });

  it('an order the store cancelled keeps its status; the customer still hears of the parcel', async () => {
    await shop.deliver('order.updated', shop.updateOf(order, 60_000, { status: 'cancelled' }));
    await channel().notifyFulfilment(notice('shp_1', '1ZCXL'), run);
    expect(api.order(order.id)!.status).toBe('cancelled');
    expect(customerNotes()).toHaveLength(1);
  });

  it("an order WooCommerce does not have, or an id that is not WooCommerce's, is permanent", async () => {
    const missing = { ...notice('shp_1', '1Z'), externalId: '999999' };
    await expect(channel().notifyFulfilment(missing, run)).rejects.toThrow(PermanentError);
    await expect(channel().notifyFulfilment({ ...missing, externalId: '#1001' }, run)).rejects.toThrow(
      /not a WooCommerce order id/,
    );
  });

  it('wrong keys are permanent and the message does not carry the secret; no keys at all says which fields', async () => {
    const wrong = `cs_${'9'.repeat(40)}`;
    const error = await channel(wrong)
      .notifyFulfilment(notice('shp_1', '1Z'), run)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error!.message).toContain(
      '401 woocommerce_rest_authentication_error: Consumer secret is invalid.',
    );
    expect(error!.message).not.toContain(wrong);
    await expect(channel(null).notifyFulfilment(notice('shp_1', '1Z'), run)).rejects.toThrow(
      /consumerKey and consumerSecret/,
    );
  });
});

describe('woocommerce.pushStock against the simulated store', () => {
  const push = (levels: { sku: string; available: number }[], sales = channel()) =>
    sales.pushStock!(levels, { ...run, batchKey: 'k' });
  const stockOf = (sku: string) => {
    const product = api.product(sku);
    return product && { manage: product.manage_stock, quantity: product.stock_quantity };
  };
  const lookups = () => api.calls.filter((c) => c.route === 'GET /products').length;

  it('sets products through /products/batch and variations through their parent; unknown SKUs are skipped', async () => {
    expect(channel().maxStockBatch).toBe(100);
    const outcome = await push([
      { sku: 'MUG-BLUE', available: 5 },
      { sku: 'LAMP-OAK-L', available: 0 },
      { sku: 'NOT-IN-STORE', available: 4 },
    ]);
    expect(outcome).toEqual({
      skipped: [{ sku: 'NOT-IN-STORE', reason: 'WooCommerce has no product or variation with this SKU' }],
    });
    expect([stockOf('MUG-BLUE'), stockOf('LAMP-OAK-L'), stockOf('LAMP-OAK-S')]).toEqual([
      { manage: true, quantity: 5 },
      { manage: true, quantity: 0 },
      { manage: false, quantity: null },
    ]);
    expect(api.writes.map((w) => [w.path, w.body])).toEqual([
      ['/wp-json/wc/v3/products/batch', { update: [{ id: 41, manage_stock: true, stock_quantity: 5 }] }],
      [
        '/wp-json/wc/v3/products/42/variations/batch',
        { update: [{ id: 77, manage_stock: true, stock_quantity: 0 }] },
      ],
    ]);
    // Ids are remembered across adapters (a sync makes a new one every second); an absent SKU too, for a while.
    const asked = lookups();
    await push([
      { sku: 'MUG-BLUE', available: 4 },
      { sku: 'NOT-IN-STORE', available: 3 },
    ]);
    expect(lookups()).toBe(asked);
    expect(stockOf('MUG-BLUE')).toEqual({ manage: true, quantity: 4 });
  });

  it("matches SKUs exactly, though WooCommerce's filter ignores case", async () => {
    expect((await push([{ sku: 'mug-blue', available: 9 }]))?.skipped.map((s) => s.sku)).toEqual([
      'mug-blue',
    ]);
    expect(stockOf('MUG-BLUE')).toEqual({ manage: false, quantity: null });
    expect(api.writes).toEqual([]);
  });

  it('a batch of only SKUs the store does not carry is not a failure: each is reported', async () => {
    const outcome = await push([
      { sku: 'NOPE-1', available: 1 },
      { sku: 'NOPE-2', available: 2 },
    ]);
    expect(outcome?.skipped.map((s) => s.sku)).toEqual(['NOPE-1', 'NOPE-2']);
    expect(api.writes).toEqual([]);
  });

  it('a remembered product that was deleted fails the push once, then is looked up again and skipped', async () => {
    await push([
      { sku: 'TEE-RED-M', available: 2 },
      { sku: 'MUG-BLUE', available: 2 },
    ]);
    api.remove('TEE-RED-M');
    const stale = push([
      { sku: 'TEE-RED-M', available: 1 },
      { sku: 'MUG-BLUE', available: 1 },
    ]);
    await expect(stale).rejects.toThrow(/no longer has the products remembered for TEE-RED-M/);
    await expect(stale).rejects.not.toBeInstanceOf(PermanentError);
    expect(
      await push([
        { sku: 'TEE-RED-M', available: 1 },
        { sku: 'MUG-BLUE', available: 1 },
      ]),
    ).toEqual({
      skipped: [{ sku: 'TEE-RED-M', reason: 'WooCommerce has no product or variation with this SKU' }],
    });
    expect(stockOf('MUG-BLUE')).toEqual({ manage: true, quantity: 1 });
  });

  it('an update WooCommerce refuses is skipped with its reason; the others in the batch are set', async () => {
    const outcome = await push([
      { sku: 'MUG-BLUE', available: 1.5 },
      { sku: 'TEE-RED-M', available: 1 },
    ]);
    expect(outcome).toEqual({
      skipped: [
        {
          sku: 'MUG-BLUE',
          reason: 'WooCommerce refused it: rest_invalid_param: Invalid parameter(s): stock_quantity',
        },
      ],
    });
    expect([stockOf('MUG-BLUE'), stockOf('TEE-RED-M')]).toEqual([
      { manage: false, quantity: null },
      { manage: true, quantity: 1 },
    ]);
  });

  it('keeps lookups to one page and batches within the limit of 100', async () => {
    await api.close();
    const many = Array.from({ length: 120 }, (_, i) => ({
      id: 1_000 + i,
      sku: `SKU-${String(i).padStart(3, '0')}`,
    }));
    api = await shop.startRest({
      consumerKey: KEY,
      consumerSecret: SECRET,
      products: [...many, ...PRODUCTS],
    });
    const levels = many.slice(0, 99).map((p) => ({ sku: p.sku, available: 7 }));
    expect(await push([...levels, { sku: 'LAMP-OAK-S', available: 2 }])).toEqual({ skipped: [] });
    expect(lookups()).toBe(2);
    expect(api.writes.map((w) => (w.body as { update: unknown[] }).update.length)).toEqual([99, 1]);
    expect(many.slice(0, 99).every((p) => stockOf(p.sku)?.quantity === 7)).toBe(true);
  });

  it('a store without a key pair takes no stock from Waybill', () => {
    expect(channel(null).pushStock).toBeUndefined();
  });
});
