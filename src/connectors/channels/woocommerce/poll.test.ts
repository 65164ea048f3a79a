import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWooCommerceSim,
  type WooCommerceSim,
  type WooOrder,
  type WooRest,
} from '../../../../sim/woocommerce.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, SalesChannel } from '../sales-channel.ts';
import { woocommerce } from './index.ts';
import { pollOrderPage } from './poll.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SECRET = `cs_${'2'.repeat(40)}`;
const WEBHOOK_SECRET = 'woo-webhook-secret-0123456789';
const ITEMS = [{ sku: 'MUG-BLUE', productId: 41, price: '12.99' }];
const START = Date.parse('2025-11-03T12:00:00Z');

let shop: WooCommerceSim;
let api: WooRest;
let KEY: string;
const run = { signal: AbortSignal.timeout(20_000), now: new Date('2025-11-03T15:00:00Z') };

beforeEach(async () => {
  KEY = `ck_${randomBytes(20).toString('hex')}`;
  // The store's clock fixes makeOrder(i)'s dates: order i is created and last modified at START + i seconds.
  shop = createWooCommerceSim({
    storeUrl: 'https://shop.example.com',
    webhookUrl: 'http://127.0.0.1:9/webhooks',
    secret: WEBHOOK_SECRET,
    seed: 3,
    now: () => START,
  });
  api = await shop.startRest({ consumerKey: KEY, consumerSecret: SECRET });
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

/** Every page from updatedAfter on; `between` runs after each page (a store that changes while it is read). */
async function pollAll(
  updatedAfter: Date,
  between: (page: number) => void = () => undefined,
): Promise<{ orders: OrderMessage[]; pages: number }> {
  const orders: OrderMessage[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await channel().pollOrders!({ updatedAfter, cursor }, run);
    orders.push(...page.orders);
    cursor = page.next;
    between(++pages);
    if (pages > 20) throw new Error('the poll does not end');
  } while (cursor);
  return { orders, pages };
}

const ids = (orders: readonly OrderMessage[]) => new Set(orders.map((o) => o.incoming.externalId));
const lost = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => {
    const order = shop.makeOrder(from + i, ITEMS);
    shop.keepWithoutWebhook(order);
    return order;
  });

describe('woocommerce.pollOrders against the simulated store', () => {
  it('asks for the orders modified since, oldest first, any status, 100 a page, and maps them as the webhooks are', async () => {
    const [delivered] = lost(1);
    const pending = shop.updateOf(shop.makeOrder(1, ITEMS), 1_000, { status: 'on-hold' });
    shop.keepWithoutWebhook(pending);
    shop.keepWithoutWebhook(shop.updateOf(shop.makeOrder(2, ITEMS), 2_000, { status: 'cancelled' }));
    const page = await channel().pollOrders!({ updatedAfter: new Date(START - 60_000), cursor: null }, run);
    expect(page.next).toBeNull();
    expect(page.orders.map((o) => [o.incoming.externalId, o.awaitingPayment, o.cancelled])).toEqual([
      [String(delivered!.id), false, false],
      [String(pending.id), true, false],
      [String(shop.makeOrder(2, ITEMS).id), false, true],
    ]);
    expect(page.orders[0]).toMatchObject({
      kind: 'order',
      sourceUpdatedAt: new Date(START),
      incoming: { lines: [{ sku: 'MUG-BLUE', unitPrice: { amount: 1299, currency: 'USD' } }] },
    });
    const query = new URLSearchParams(api.calls[0]!.query);
    expect(Object.fromEntries(query)).toEqual({
      modified_after: '2025-11-03T11:58:59',
      dates_are_gmt: 'true',
      orderby: 'modified',
      order: 'asc',
      status: 'any',
      per_page: '100',
      page: '1',
    });
  });

  it('pages through more than 100 orders in modification order and finds the ones whose webhooks never came', async () => {
    for (let i = 0; i < 60; i++) await shop.deliver('order.created', shop.makeOrder(i, ITEMS));
    lost(90, 60);
    const { orders, pages } = await pollAll(new Date(START - 1_000));
    expect(pages).toBe(2);
    expect(ids(orders).size).toBe(150);
    const times = orders.map((o) => o.sourceUpdatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(ids(orders).has(String(shop.makeOrder(149, ITEMS).id))).toBe(true);
  });

  it('leaves out what changed before updatedAfter, and keeps what changed in its very second', async () => {
    lost(10);
    const { orders } = await pollAll(new Date(START + 5_500));
    expect(orders.map((o) => o.sourceUpdatedAt.toISOString().slice(11, 19))).toEqual([
      '12:00:05',
      '12:00:06',
      '12:00:07',
      '12:00:08',
      '12:00:09',
    ]);
  });

  it('misses nothing when an order already read is modified between pages', async () => {
    const orders = lost(150);
    const { orders: found } = await pollAll(new Date(START - 1_000), (page) => {
      // Page one held orders 0–99; order 5 changes now and moves to the end of the list.
      if (page === 1) shop.keepWithoutWebhook(shop.updateOf(orders[5]!, 3_600_000, { status: 'completed' }));
    });
    expect(ids(found).size).toBe(150);
    expect(
      found
        .filter((o) => o.incoming.externalId === String(orders[5]!.id))
        .map((o) => o.sourceUpdatedAt.getTime()),
    ).toEqual([START + 5_000, START + 5_000 + 3_600_000]);
  });

  it('pages by number while more than a page of orders share one second', async () => {
    const second = '2025-11-03T13:00:00';
    for (let i = 0; i < 230; i++)
      shop.keepWithoutWebhook({
        ...shop.makeOrder(i, ITEMS),
        date_modified_gmt: second,
        date_modified: second,
      });
    const { orders, pages } = await pollAll(new Date(START));
    expect(ids(orders).size).toBe(230);
    // The first page moves the anchor up to that second and reads it again; then pages 2 and 3 of it.
    expect(pages).toBe(4);
    expect(
      api.calls
        .map((c) => new URLSearchParams(c.query))
        .map((q) => `${q.get('modified_after')} ${q.get('page')}`),
    ).toEqual([
      '2025-11-03T11:59:59 1',
      '2025-11-03T12:59:59 1',
      '2025-11-03T12:59:59 2',
      '2025-11-03T12:59:59 3',
    ]);
  });

  it('ends on a page past the end, which WooCommerce answers 200 with an empty list (orders trashed between pages)', async () => {
    const second = '2025-11-03T13:00:00';
    const orders = Array.from({ length: 230 }, (_, i) => ({
      ...shop.makeOrder(i, ITEMS),
      date_modified_gmt: second,
      date_modified: second,
    }));
    for (const order of orders) shop.keepWithoutWebhook(order);
    const { orders: found, pages } = await pollAll(new Date(START), (page) => {
      // After page 2 of that second, its orders from the 101st on go to the trash: `any` leaves them out, and page 3
      // is past the end of the 100 left, all of them read already.
      if (page === 3)
        for (const order of orders.slice(100)) shop.keepWithoutWebhook({ ...order, status: 'trash' });
    });
    expect(pages).toBe(4);
    expect(ids(found).size).toBe(200);
    for (const order of orders.slice(0, 100)) expect(ids(found).has(String(order.id))).toBe(true);
    const last = api.calls.at(-1)!;
    expect([new URLSearchParams(last.query).get('page'), last.status]).toEqual(['3', 200]);
  });

  it('refuses, for good, a store that ignores modified_after (older than WooCommerce 5.8)', async () => {
    const old = { ...shop.makeOrder(1, ITEMS), date_modified_gmt: '2020-01-01T00:00:00' };
    const list = async () => ({ body: [old], totalPages: 1 });
    const page = pollOrderPage({ call: async () => ({}), list }, 'ch' as ChannelId, {
      updatedAfter: new Date(START),
      cursor: null,
    });
    await expect(page).rejects.toThrow(PermanentError);
    await expect(page).rejects.toThrow(/ignores modified_after \(it needs WooCommerce 5\.8 or later\)/);
  });

  it('leaves out a checkout draft (listed by status=any, items and all) and an order without line items; a store without a key pair is not polled', async () => {
    shop.keepWithoutWebhook({ ...shop.makeOrder(1, ITEMS), line_items: [] } as WooOrder);
    shop.keepWithoutWebhook({ ...shop.makeOrder(2, ITEMS), status: 'checkout-draft' });
    const placed = shop.makeOrder(3, ITEMS);
    shop.keepWithoutWebhook(placed);
    const listed = await fetch(`${api.url}/wp-json/wc/v3/orders?status=any`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
    });
    expect(((await listed.json()) as WooOrder[]).map((o) => o.status).sort()).toEqual([
      'checkout-draft',
      'processing',
      'processing',
    ]);
    expect((await pollAll(new Date(START - 60_000))).orders.map((o) => o.incoming.externalId)).toEqual([
      String(placed.id),
    ]);
    expect(channel(false).pollOrders).toBeUndefined();
  });
});
