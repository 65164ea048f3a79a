import { describe, expect, it } from 'vitest';
import { createShopifySim } from '../../../../sim/shopify.ts';
import { reconcile } from '../../../domain/charges.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { fromShopifyOrder, shopifyOrder, shopifyOrderMessage } from './map.ts';

const shop = createShopifySim({
  shopDomain: 'map-shop.myshopify.com',
  webhookUrl: 'http://127.0.0.1:9/webhooks',
  secret: 'shpss_map_test_secret_000001',
  seed: 9,
});
const ITEMS = [
  { sku: 'MUG-BLUE', variantId: 4101, price: '12.99' },
  { sku: 'LAMP-OAK', variantId: 4102, price: '89.00' },
];
const set = (amount: string) => ({
  shop_money: { amount, currency_code: 'USD' },
  presentment_money: { amount, currency_code: 'USD' },
});
const read = (payload: unknown) => fromShopifyOrder('shop' as ChannelId, shopifyOrder.parse(payload));
const mismatches = (payload: unknown) => {
  const { incoming } = read(payload);
  return reconcile(
    incoming.lines.map((l) => l.charges!),
    incoming.charges!,
    incoming.currency,
  );
};
const cents = (text: string) => Number(text.replace('.', ''));

describe('fromShopifyOrder: the money as Shopify charged it', () => {
  it("a simulated order's parts add up to its total", () => {
    expect(mismatches(shop.makeOrder(1, ITEMS, [2, 1]))).toEqual([]);
  });

  it('a tip is a line item of its own and is not counted again as a fee', () => {
    const order = shop.makeOrder(2, ITEMS, [1, 1]);
    const tip = {
      ...order.line_items[0]!,
      id: 999,
      sku: null,
      title: 'Tip',
      quantity: 1,
      current_quantity: 1,
      price: '5.00',
      price_set: set('5.00'),
      discount_allocations: [],
      tax_lines: [],
      requires_shipping: false,
    };
    const total = ((cents(order.total_price) + 500) / 100).toFixed(2);
    const tipped = {
      ...order,
      line_items: [...order.line_items, tip],
      total_tip_received: '5.00',
      total_price: total,
      total_price_set: set(total),
    };
    expect(mismatches(tipped)).toEqual([]);
    expect(read(tipped).incoming.charges!.fees).toEqual([]);
  });

  it('duties and import fees collected at checkout are fees of the order', () => {
    const order = shop.makeOrder(3, ITEMS, [1, 1]);
    const total = ((cents(order.total_price) + 1234 + 200) / 100).toFixed(2);
    const dutied = {
      ...order,
      original_total_duties_set: set('12.34'),
      original_total_additional_fees_set: set('2.00'),
      total_price: total,
      total_price_set: set(total),
    };
    expect(read(dutied).incoming.charges!.fees.map((f) => [f.title, f.amount.amount])).toEqual([
      ['Duties', 1234],
      ['Additional fees', 200],
    ]);
    expect(mismatches(dutied)).toEqual([]);
  });

  it('a line reduced before intake keeps the share of its money its remaining units carry, against the current totals', () => {
    const order = shop.makeOrder(4, ITEMS, [3, 1]);
    const mug = order.line_items[0]!;
    const line = read(order).incoming.lines[0]!;
    const edited = {
      ...order,
      line_items: [{ ...mug, current_quantity: 1 }, order.line_items[1]!],
      current_total_price: '1.00',
    };
    const kept = read(edited).incoming;
    expect(kept.lines[0]!.quantity).toBe(1);
    expect(kept.lines[0]!.charges!.subtotal.amount).toBe(1299);
    expect(kept.lines[0]!.charges!.discount.amount).toBe(Math.trunc(line.charges!.discount.amount / 3));
    expect(kept.charges!.total.amount).toBe(100);
  });

  it.each([
    ['paid', false, undefined],
    ['partially_refunded', false, undefined],
    ['authorized', false, undefined],
    ['partially_paid', false, undefined],
    ['pending', true, undefined],
    ['expired', false, 'the payment is expired at Shopify'],
    ['voided', false, 'the payment is voided at Shopify'],
    ['refunded', false, 'the payment is refunded at Shopify'],
    ['some_new_status', false, 'the payment is some_new_status at Shopify'],
  ])('financial_status %s: awaiting payment %s, held %s', (status, awaiting, hold) => {
    const message = shopifyOrderMessage(
      read({ ...shop.makeOrder(5, ITEMS), financial_status: status }),
      'authorized',
    );
    expect(message.awaitingPayment).toBe(awaiting);
    if (hold) expect(message.hold).toContain(hold);
    else expect(message.hold).toBeUndefined();
  });

  it('releaseWhen paid keeps an authorised (or partly captured) order waiting', () => {
    for (const status of ['authorized', 'partially_paid'])
      expect(
        shopifyOrderMessage(read({ ...shop.makeOrder(6, ITEMS), financial_status: status }), 'paid')
          .awaitingPayment,
      ).toBe(true);
  });
});
