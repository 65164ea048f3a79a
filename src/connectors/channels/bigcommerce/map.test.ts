import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../domain/charges.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { currency, money } from '../../../domain/money.ts';
import { listedRefundSchema, orderProductSchema, orderSchema, shippingAddressSchema } from './api.ts';
import { fromBigCommerceOrder, fromBigCommerceRefund } from './map.ts';

const CHANNEL = 'bc' as ChannelId;
const zero = '0.0000';

/** An order as GET /v2/orders/{id} writes it: the reference's example order 247's figures, in a store entering prices with tax. */
function order(overrides: Record<string, unknown> = {}) {
  return orderSchema.parse({
    id: 247,
    date_created: 'Thu, 20 Jun 2019 16:07:08 +0000',
    date_modified: 'Thu, 20 Jun 2019 16:09:41 +0000',
    status_id: 11,
    subtotal_ex_tax: '909.9300',
    subtotal_inc_tax: '985.0000',
    subtotal_tax: '75.0700',
    shipping_cost_ex_tax: '7.3900',
    shipping_cost_inc_tax: '8.0000',
    shipping_cost_tax: '0.6100',
    handling_cost_ex_tax: zero,
    handling_cost_inc_tax: 0,
    handling_cost_tax: zero,
    wrapping_cost_ex_tax: zero,
    wrapping_cost_inc_tax: zero,
    wrapping_cost_tax: zero,
    total_ex_tax: '907.3200',
    total_inc_tax: '983.0000',
    total_tax: '75.6800',
    discount_amount: zero,
    coupon_discount: '10.0000',
    currency_code: 'EUR',
    default_currency_code: 'USD',
    shipping_address_count: 1,
    billing_address: {
      first_name: 'Jane',
      last_name: 'Doe',
      email: 'janedoe@example.com',
      country_iso2: 'us',
      zip: '78108',
    },
    ...overrides,
  });
}

const products = [
  {
    id: 238,
    order_address_id: 151,
    name: 'Journal',
    sku: ' Jour-BLK ',
    type: 'physical',
    quantity: 1,
    price_ex_tax: '41.5700',
    price_inc_tax: '45.0000',
    total_ex_tax: '41.5700',
    total_inc_tax: '45.0000',
    total_tax: '3.4300',
    applied_discounts: [],
  },
  {
    id: 240,
    order_address_id: 151,
    name: 'BigCommerce T-Shirt',
    sku: 'SKU-201-Red',
    type: 'physical',
    quantity: 4,
    price_ex_tax: '217.0900',
    price_inc_tax: '235.0000',
    total_ex_tax: '868.3600',
    total_inc_tax: '940.0000',
    total_tax: '71.6400',
    applied_discounts: [{ id: 'coupon', amount: '10.0000', name: '$10 off', code: 'TEN', target: 'order' }],
  },
].map((p) => orderProductSchema.parse(p));

const address = shippingAddressSchema.parse({
  id: 151,
  first_name: 'Trish',
  last_name: 'Test',
  street_1: '666 Sussex St',
  street_2: '',
  city: 'Anywhere',
  state: 'Texas',
  zip: '12345',
  country_iso2: 'US',
  phone: '',
  shipping_method: 'Flat Rate',
  cost_ex_tax: '7.3900',
  cost_inc_tax: '8.0000',
  cost_tax: '0.6100',
});

describe('a BigCommerce order, as Waybill takes it', () => {
  it("keeps the money as charged in the transactional currency, exact, each line's discount and tax beside it", () => {
    const message = fromBigCommerceOrder(CHANNEL, { order: order(), products, addresses: [address] });
    const { incoming } = message;
    expect(incoming.currency).toBe('USD');
    expect(incoming.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amount, l.channelLineId])).toEqual([
      ['Jour-BLK', 1, 4157, '238'],
      ['SKU-201-Red', 4, 21709, '240'],
    ]);
    expect(incoming.lines[1]!.charges).toEqual({
      subtotal: money(86836, 'USD'),
      discount: money(1000, 'USD'),
      taxes: [{ title: 'Tax', rate: null, amount: money(7164, 'USD') }],
      total: money(93000, 'USD'),
    });
    expect(incoming.charges).toMatchObject({
      taxesIncluded: false,
      shipping: [{ title: 'Flat Rate', price: money(739, 'USD'), taxes: [{ amount: money(61, 'USD') }] }],
      fees: [],
      discounts: money(1000, 'USD'),
      taxTotal: money(7568, 'USD'),
      total: money(98300, 'USD'),
      presentment: null,
    });
    expect(
      reconcile(
        incoming.lines.map((l) => l.charges!),
        incoming.charges!,
        incoming.currency,
      ),
    ).toEqual([]);
    expect(incoming.placedAt.toISOString()).toBe('2019-06-20T16:07:08.000Z');
    expect(message.sourceUpdatedAt.toISOString()).toBe('2019-06-20T16:09:41.000Z');
    expect(incoming.shippingAddress).toEqual({
      name: 'Trish Test',
      line1: '666 Sussex St',
      line2: undefined,
      city: 'Anywhere',
      region: 'Texas',
      postalCode: '12345',
      country: 'US',
      phone: undefined,
    });
    expect(incoming.billingCountry).toBe('US');
    expect([message.awaitingPayment, message.cancelled, message.hold]).toEqual([false, false, undefined]);
  });

  it('shows a difference between its parts and BigCommerce figures instead of correcting it', () => {
    const message = fromBigCommerceOrder(CHANNEL, {
      order: order({ total_inc_tax: '983.0100' }),
      products,
      addresses: [address],
    });
    const { incoming } = message;
    expect(
      reconcile(
        incoming.lines.map((l) => l.charges!),
        incoming.charges!,
        incoming.currency,
      ),
    ).toEqual([{ figure: 'total', channel: 98301, parts: 98300 }]);
  });

  it('reads the statuses: unpaid held, cancelled, waiting for the merchant', () => {
    const status = (statusId: number) => {
      const m = fromBigCommerceOrder(CHANNEL, {
        order: order({ status_id: statusId }),
        products,
        addresses: [address],
      });
      return [m.awaitingPayment, m.cancelled, m.hold ?? null];
    };
    expect([0, 1, 7].map(status)).toEqual(Array(3).fill([true, false, null]));
    expect([4, 5, 6].map(status)).toEqual(Array(3).fill([false, true, null]));
    expect(status(12)).toEqual([false, false, 'BigCommerce holds the order for manual verification']);
    expect(status(13)).toEqual([false, false, "the order's payment is disputed at BigCommerce"]);
    const split = fromBigCommerceOrder(CHANNEL, {
      order: order({ shipping_address_count: 2 }),
      products,
      addresses: [address, { ...address, id: 152 }],
    });
    expect(split.hold).toBe('the order ships to 2 addresses; Waybill sends an order to one');
  });

  it('refuses what is not a v2 order, naming the field', () => {
    expect(() => order({ total_inc_tax: '98,30' })).toThrow(/total_inc_tax/);
    expect(() => order({ date_modified: '2019-06-20T16:09:41Z' })).toThrow(/RFC 2822/);
  });
});

describe('BigCommerce refund → RefundMessage', () => {
  /** A refund as GET /v3/orders/payment_actions/refunds lists it (the reference's `Refund`). */
  const refund = (overrides: Record<string, unknown> = {}) =>
    listedRefundSchema.parse({
      id: 31,
      order_id: 247,
      user_id: 12,
      created: '2026-03-02T10:15:07+00:00',
      reason: 'Arrived broken',
      total_amount: 30.29,
      total_tax: 2.29,
      uses_merchant_override_values: false,
      items: [
        { item_type: 'PRODUCT', item_id: 165, reason: '', quantity: 2, requested_amount: 20.1 },
        { item_type: 'GIFT_WRAPPING', item_id: 165, reason: '', quantity: 2, requested_amount: 2 },
        { item_type: 'SHIPPING', item_id: 151, reason: '', requested_amount: 8.19 },
      ],
      payments: [{ id: 4, provider_id: 'braintree', amount: 30.29, offline: false, is_declined: false }],
      ...overrides,
    });

  it('refunds units of the order products by their id, the total exact, in the order currency', () => {
    expect(fromBigCommerceRefund(refund(), currency('USD'))).toEqual({
      kind: 'refund',
      externalOrderId: '247',
      refundId: '31',
      createdAt: new Date('2026-03-02T10:15:07Z'),
      // Gift wrapping refunded by the unit returns no goods; shipping is money only.
      lines: [{ channelLineId: '165', sku: '', quantity: 2 }],
      amount: money(3029, 'USD'),
    });
    expect(fromBigCommerceRefund(refund({ total_amount: 4500 }), currency('JPY')).amount).toEqual(
      money(4500, 'JPY'),
    );
    // 0.29 is 28.999999999999996 cents as a float times 100: read from its decimal text, it is 29.
    expect(fromBigCommerceRefund(refund({ total_amount: 0.29 }), currency('USD')).amount).toEqual(
      money(29, 'USD'),
    );
  });

  it('names what cannot be read', () => {
    expect(() => fromBigCommerceRefund(refund({ total_amount: 1e21 }), currency('USD'))).toThrow(
      /^total_amount: /,
    );
    expect(listedRefundSchema.safeParse({ ...refund(), created: '' }).success).toBe(false);
  });
});
