import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMagentoSim, type MagentoIntegration, type MagentoSim } from '../../../../sim/magento.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import type { OrderMessage, OrderPage, RefundMessage, SalesChannel } from '../sales-channel.ts';
import { magento } from './index.ts';

const CHANNEL = 'mage' as ChannelId;
const INTEGRATION: MagentoIntegration = {
  consumerKey: 'k'.repeat(32),
  consumerSecret: 's'.repeat(32),
  accessToken: 't'.repeat(32),
  accessTokenSecret: 'u'.repeat(32),
};
const MUG = { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' };
const LAMP = { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp', configurable: true };

let sim: MagentoSim;
let channel: SalesChannel;
beforeEach(async () => {
  sim = await startMagentoSim({ integration: INTEGRATION, seed: 7 });
  channel = magento.open(CHANNEL, { baseUrl: sim.url }, { ...INTEGRATION });
});
afterEach(async () => {
  expect(sim.violations).toEqual([]);
  await sim.close();
});

/** Every page of a poll of the last hour. */
async function pollEverything(): Promise<Required<Omit<OrderPage, 'next'>>> {
  const all = {
    orders: [] as OrderMessage[],
    refunds: [] as RefundMessage[],
    refused: [] as OrderPage['refused'] & {},
  };
  let cursor: string | null = null;
  do {
    const page: OrderPage = await channel.pollOrders!(
      { updatedAfter: new Date(Date.now() - 3_600_000), cursor },
      { signal: AbortSignal.timeout(20_000), now: new Date() },
    );
    all.orders.push(...page.orders);
    all.refunds.push(...(page.refunds ?? []));
    all.refused.push(...(page.refused ?? []));
    cursor = page.next;
  } while (cursor);
  return all;
}

const cents = (value: unknown) => Math.round(Number(value) * 100);

describe('the Magento poll, order by order', () => {
  it('passes over the orders it cannot read, naming each and the field, and returns the rest of the page', async () => {
    const good = sim.placeOrder(0, [MUG]);
    const mistyped = sim.placeOrder(1, [MUG]);
    sim.change(mistyped.entity_id, (o) => ((o.items[0] as { qty_ordered: unknown }).qty_ordered = 'two'));
    const unknownCurrency = sim.placeOrder(2, [MUG]);
    sim.change(unknownCurrency.entity_id, (o) => (o.order_currency_code = 'ZZZ'));
    const inexact = sim.placeOrder(3, [MUG]);
    sim.change(inexact.entity_id, (o) => (o.grand_total = 1234567890123.457));

    const { orders, refused } = await pollEverything();
    expect(orders.map((o) => o.incoming.externalId)).toEqual([String(good.entity_id)]);
    expect(refused).toEqual(
      expect.arrayContaining([
        {
          externalId: String(mistyped.entity_id),
          reason: expect.stringMatching(/^items\.0\.qty_ordered: .*number/),
        },
        {
          externalId: String(unknownCurrency.entity_id),
          reason: 'order_currency_code: not an ISO 4217 currency code: ZZZ',
        },
        {
          externalId: String(inexact.entity_id),
          reason: expect.stringMatching(/^grand_total: .*significant digits/),
        },
      ]),
    );
    expect(refused).toHaveLength(3);
  });

  it("reports credit memos made in the admin once each by the memo's id, a configurable product's child left out", async () => {
    const order = sim.placeOrder(0, [MUG, LAMP], { quantities: [2, 1] });
    const mug = order.items.find((i) => i.sku === 'MUG-BLUE')!;
    const lamp = order.items.find((i) => i.sku === 'LAMP-OAK' && !i.parent_item_id)!;
    const mugMemo = sim.refundInAdmin(order.entity_id, [{ order_item_id: mug.item_id, qty: 1 }]);
    const lampMemo = sim.refundInAdmin(order.entity_id, [{ order_item_id: lamp.item_id, qty: 1 }]);
    // The lamp's memo lists its child item too, as Magento's do: one line of Waybill's, counted once.
    expect((lampMemo.items as unknown[]).length).toBe(2);

    const { orders, refunds } = await pollEverything();
    expect(orders).toHaveLength(1);
    expect(refunds).toEqual([
      {
        kind: 'refund',
        externalOrderId: String(order.entity_id),
        refundId: String(mugMemo.entity_id),
        createdAt: expect.any(Date),
        lines: [{ channelLineId: String(mug.item_id), sku: 'MUG-BLUE', quantity: 1 }],
        amount: money(cents(mugMemo.grand_total), 'USD'),
      },
      {
        kind: 'refund',
        externalOrderId: String(order.entity_id),
        refundId: String(lampMemo.entity_id),
        createdAt: expect.any(Date),
        lines: [{ channelLineId: String(lamp.item_id), sku: 'LAMP-OAK', quantity: 1 }],
        amount: money(cents(lampMemo.grand_total), 'USD'),
      },
    ]);
    // Polled again: the same refunds under the same ids (the app keeps each once by it).
    expect((await pollEverything()).refunds.map((r) => r.refundId)).toEqual([
      String(mugMemo.entity_id),
      String(lampMemo.entity_id),
    ]);
  });

  it('leaves out the credit memo Waybill made itself: it was recorded when it was made', async () => {
    const order = sim.placeOrder(0, [MUG], { quantities: [3] });
    const mug = order.items[0]!;
    await channel.refund!(
      {
        refundId: 'rf_01_stock',
        orderId: 'ord_01',
        externalId: String(order.entity_id),
        reason: 'Out of stock',
        lines: [
          {
            lineNumber: 1,
            channelLineId: String(mug.item_id),
            sku: 'MUG-BLUE',
            quantity: 1,
            share: undefined as never,
          },
        ],
        amount: money(1299, 'USD'),
        notifyCustomer: true,
      },
      { signal: AbortSignal.timeout(20_000), now: new Date() },
    );
    const admin = sim.refundInAdmin(order.entity_id, [{ order_item_id: mug.item_id, qty: 1 }]);
    expect(sim.creditmemos(order.entity_id)).toHaveLength(2);
    const { refunds } = await pollEverything();
    expect(refunds.map((r) => r.refundId)).toEqual([String(admin.entity_id)]);
  });
});
