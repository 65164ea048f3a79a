import { afterEach, describe, expect, it } from 'vitest';
import {
  startBigCommerceSim,
  type BigCommerceSim,
  type BigCommerceSimOptions,
} from '../../../../sim/bigcommerce.ts';
import { closedAfterEach } from '../../../../sim/testing.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import type { OrderPage, SalesChannel } from '../sales-channel.ts';
import { bigcommerce } from './index.ts';

const CHANNEL = 'bc' as ChannelId;
const TOKEN = 'bc-access-token-000000000002';
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' },
  { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp' },
];
const options = () => ({ signal: AbortSignal.timeout(20_000), now: new Date() });

const open = closedAfterEach();
const sims: BigCommerceSim[] = [];
afterEach(() => {
  for (const sim of sims.splice(0)) expect(sim.violations).toEqual([]);
});

async function store(opts: Partial<BigCommerceSimOptions> = {}) {
  const sim = await startBigCommerceSim({ accessToken: TOKEN, seed: 17, rateLimit: null, ...opts });
  open.push(sim);
  sims.push(sim);
  const channel = bigcommerce.open(
    CHANNEL,
    { storeHash: sim.storeHash, apiUrl: sim.url },
    { accessToken: TOKEN },
  );
  return { sim, channel };
}

type Found = Required<Omit<OrderPage, 'next'>>;

/** One run of the poll as the hub makes it: every page from `updatedAfter`, or only the first `pages`. */
async function poll(channel: SalesChannel, updatedAfter: Date, pages = Infinity): Promise<Found> {
  const found: Found = { orders: [], refunds: [], refused: [] };
  let cursor: string | null = null;
  for (let page = 0; page < pages; page++) {
    const result = await channel.pollOrders!({ updatedAfter, cursor }, options());
    found.orders.push(...result.orders);
    found.refunds.push(...(result.refunds ?? []));
    found.refused.push(...(result.refused ?? []));
    cursor = result.next;
    if (!cursor) break;
  }
  return found;
}

/** Where the hub starts its next run: the newest modification the poll gave it (here without its overlap). */
const seenUntil = (found: Found, before: Date) =>
  new Date(Math.max(before.getTime(), ...found.orders.map((m) => m.sourceUpdatedAt.getTime())));

describe('BigCommerce adapter: refunds made at the store, found by the poll', () => {
  it("reads a refund made in the control panel as BigCommerce's, by order product, amount exact; never one Waybill made", async () => {
    const { sim, channel } = await store();
    const order = sim.makeOrder(8, ITEMS, { quantities: [3, 1] });
    sim.placeQuietly(order);
    const [mug, lamp] = order.products;
    // Waybill refunds one mug through the adapter first: its refund carries Waybill's mark and is not told back.
    const unit = Math.floor((mug!.gross - mug!.discount) / 3) + Math.floor(mug!.tax / 3);
    await channel.refund!(
      {
        refundId: 'rf_01_stock',
        orderId: 'o-8',
        externalId: String(order.id),
        reason: 'Out of stock at the supplier',
        lines: [
          {
            lineNumber: 1,
            channelLineId: String(mug!.id),
            sku: 'MUG-BLUE',
            quantity: 1,
            share: { net: money(unit, 'USD'), taxes: [], total: money(unit, 'USD') },
          },
        ],
        amount: money(unit, 'USD'),
        notifyCustomer: true,
      },
      options(),
    );
    const panel = await sim.refundInControlPanel(
      order.id,
      [
        { productId: mug!.id, quantity: 1 },
        { productId: lamp!.id, quantity: 1 },
      ],
      'Arrived broken',
    );
    // Paid by bank deposit, refunded (offline) and then archived: its refund is read all the same.
    const deposit = sim.makeOrder(9, ITEMS, { payment: 'bank-deposit', quantities: [1, 1] });
    sim.placeQuietly(deposit);
    const offline = await sim.refundInControlPanel(deposit.id, [
      { productId: deposit.products[1]!.id, quantity: 1 },
    ]);
    await sim.update(deposit.id, { archived: true });

    const orderReads = () => sim.calls.filter((c) => c.operationId === 'getAnOrder').length;
    const reads = orderReads();
    const found = await poll(channel, new Date(0));
    expect(sim.refunds(order.id)).toHaveLength(2);
    expect(found.refunds).toEqual([
      {
        kind: 'refund',
        externalOrderId: String(order.id),
        refundId: String(panel.id),
        createdAt: new Date(Math.floor(panel.createdMs / 1000) * 1000),
        lines: [
          { channelLineId: String(mug!.id), sku: '', quantity: 1 },
          { channelLineId: String(lamp!.id), sku: '', quantity: 1 },
        ],
        amount: money(panel.total, 'USD'),
      },
      expect.objectContaining({
        externalOrderId: String(deposit.id),
        refundId: String(offline.id),
        lines: [{ channelLineId: String(deposit.products[1]!.id), sku: '', quantity: 1 }],
        amount: money(offline.total, 'USD'),
      }),
    ]);
    // Each refunded line's channel id is the one the order's line was taken in with.
    const lines = found.orders.find((m) => m.incoming.externalId === String(order.id))!.incoming.lines;
    expect(lines.map((l) => l.channelLineId)).toEqual([String(mug!.id), String(lamp!.id)]);
    expect(found.refused).toEqual([]);
    // The archived order is not listed: its currency was read once, and is kept.
    expect(orderReads()).toBe(reads + 1);
    expect((await poll(channel, new Date(0))).refunds).toHaveLength(2);
    expect(orderReads()).toBe(reads + 1);
  });

  it('misses no refund made before or while it pages, however the runs are cut, and reads none once past it', async () => {
    let now = Date.parse('2026-05-01T09:00:00.250Z');
    const { sim, channel } = await store({ now: () => now });
    const orders = Array.from({ length: 120 }, (_, i) => sim.makeOrder(i, [ITEMS[0]!], { quantities: [2] }));
    for (const order of orders) sim.placeQuietly(order);
    const refundOne = (i: number) =>
      sim.refundInControlPanel(orders[i]!.id, [{ productId: orders[i]!.products[0]!.id, quantity: 1 }]);
    now += 60_000;
    const before = await refundOne(30);
    // The orders change a second apart, over two minutes: pages of 50 end on different seconds.
    for (const order of orders) {
      now += 1_000;
      await sim.update(order.id, { statusId: 9 });
    }
    // A first run the hub cuts after a page (as after its page cap): the next starts at the newest change it was
    // given, past the refund made before it. That refund was read with the page that reached its time.
    const start = new Date(Date.parse('2026-05-01T09:00:30Z'));
    const cut = await poll(channel, start, 1);
    expect(cut.orders).toHaveLength(50);
    expect(cut.refunds.map((r) => r.refundId)).toEqual([String(before.id)]);

    // The next run, to the end; after its first page a refund is made, and another order changes after it.
    const from = seenUntil(cut, start);
    const run: Found = { orders: [], refunds: [], refused: [] };
    let cursor: string | null = null;
    let during: string | undefined;
    let pages = 0;
    do {
      pages++;
      const page = await channel.pollOrders!({ updatedAfter: from, cursor }, options());
      run.orders.push(...page.orders);
      run.refunds.push(...(page.refunds ?? []));
      cursor = page.next;
      if (during === undefined) {
        now += 1_000;
        during = String((await refundOne(0)).id);
        now += 5_000;
        await sim.update(orders[1]!.id, { statusId: 11 });
      }
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(run.orders.map((m) => m.incoming.externalId)).toEqual(
      expect.arrayContaining([String(orders[0]!.id), String(orders[1]!.id), String(orders[119]!.id)]),
    );
    // Read by the run it was made in: the next starts after it.
    expect(run.refunds.map((r) => r.refundId)).toEqual([during]);
    expect((await poll(channel, seenUntil(run, from))).refunds).toEqual([]);

    // An hour on, an order changes: runs from there read none of those refunds again.
    now += 3_600_000;
    await sim.update(orders[5]!.id, { statusId: 11 });
    const last = await poll(channel, seenUntil(run, from));
    expect(last.orders.map((m) => m.incoming.externalId)).toContain(String(orders[5]!.id));
    expect(last.refunds).toEqual([]);
  });
});

describe('BigCommerce adapter: an order the poll cannot read', () => {
  it('is passed over naming the field, once read, and the rest of the page is taken', async () => {
    const { sim, channel } = await store();
    const orders = [0, 1, 2, 3].map((i) => sim.makeOrder(i, ITEMS));
    for (const order of orders) sim.placeQuietly(order);
    // Another app wrote what BigCommerce would not: a date in another format, an unknown currency, a price.
    await sim.writeFields(orders[0]!.id, { order: { date_created: '2026-05-01 10:00:00' } });
    await sim.writeFields(orders[1]!.id, { order: { default_currency_code: 'ZZZ' } });
    await sim.writeFields(orders[2]!.id, { products: { price_ex_tax: '12,99' } });
    const found = await poll(channel, new Date(0));
    expect(found.orders.map((m) => m.incoming.externalId)).toEqual([String(orders[3]!.id)]);
    const refused = [
      {
        externalId: String(orders[0]!.id),
        reason: 'date_created: must be an RFC 2822 date like "Tue, 05 Mar 2019 21:40:11 +0000"',
      },
      {
        externalId: String(orders[1]!.id),
        reason: 'default_currency_code: "ZZZ" is not an ISO 4217 currency code',
      },
      { externalId: String(orders[2]!.id), reason: 'products.0.price_ex_tax: must be a decimal amount' },
    ];
    expect(found.refused).toEqual(refused);
    // The next poll finds them again, and reads what it already could not read no further.
    const productReads = () => sim.calls.filter((c) => c.operationId === 'getAllOrderProducts').length;
    const reads = productReads();
    expect((await poll(channel, new Date(0))).refused).toEqual(refused);
    expect(productReads()).toBe(reads);
  });
});
