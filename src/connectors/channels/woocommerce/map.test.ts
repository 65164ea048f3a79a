import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { reconcile } from '../../../domain/charges.ts';
import { currency } from '../../../domain/money.ts';
import { fromWooCommerceOrder, unitPriceMinor, wooCommerceOrder } from './map.ts';

const blank = {
  first_name: '',
  last_name: '',
  company: '',
  address_1: '',
  address_2: '',
  city: '',
  state: '',
  postcode: '',
  country: '',
  phone: '',
};
const base = {
  id: 4750,
  number: '4750',
  status: 'processing',
  currency: 'USD',
  date_created: '2025-11-03T09:05:09',
  date_created_gmt: '2025-11-03T14:05:09',
  date_modified_gmt: '2025-11-03T14:06:10',
  billing: { ...blank, first_name: 'Zoë', last_name: 'Müller', email: 'zoe@example.com', phone: '555-0100' },
  shipping: {
    ...blank,
    first_name: 'Zoë',
    last_name: 'Müller',
    address_1: '1 Main St',
    city: 'Austin',
    state: 'TX',
    postcode: '78701',
    country: 'US',
  },
  line_items: [
    {
      id: 1,
      name: 'Mug',
      product_id: 41,
      variation_id: 0,
      sku: 'MUG',
      quantity: 3,
      subtotal: '10.00',
      total: '9.00',
      price: 3,
    },
  ],
};
const map = (changes: object = {}) =>
  fromWooCommerceOrder('woo' as ChannelId, wooCommerceOrder.parse({ ...base, ...changes }));

describe('WooCommerce order → incoming order', () => {
  it('reads the GMT dates as UTC and ignores the local ones', () => {
    const { incoming, sourceUpdatedAt } = map();
    expect(incoming.placedAt.toISOString()).toBe('2025-11-03T14:05:09.000Z');
    expect(sourceUpdatedAt.toISOString()).toBe('2025-11-03T14:06:10.000Z');
    expect(map({ date_created_gmt: '2025-11-03T14:05:09Z' }).incoming.placedAt.toISOString()).toBe(
      '2025-11-03T14:05:09.000Z',
    );
    expect(() => map({ date_modified_gmt: '2025-11-03T14:06:10+02:00' })).toThrow(ZodError);
    expect(() => map({ date_modified_gmt: '2025-13-03T14:06:10' })).toThrow(ZodError);
  });

  it("reads '' as absent and falls back to the billing phone", () => {
    const { incoming } = map();
    expect(incoming.customer).toEqual({ email: 'zoe@example.com', name: 'Zoë Müller', phone: '555-0100' });
    expect(incoming.shippingAddress).toMatchObject({
      name: 'Zoë Müller',
      line2: undefined,
      region: 'TX',
      phone: '555-0100',
    });
  });

  it('takes the unit price from the subtotal, not from the float price after discounts', () => {
    // 10.00 for 3 is 3.333…: rounded half up once, to 333 cents.
    expect(map().incoming.lines[0]).toMatchObject({
      quantity: 3,
      unitPrice: { amount: 333, currency: 'USD' },
    });
  });

  it('marks cancelled, refunded, failed and trashed orders as cancelled', () => {
    for (const status of ['cancelled', 'refunded', 'failed', 'trash'])
      expect(map({ status }).cancelled).toBe(true);
    for (const status of ['pending', 'processing', 'on-hold', 'completed'])
      expect(map({ status }).cancelled).toBe(false);
  });
});

describe('WooCommerce order money', () => {
  it('reads lines, shipping, a negative fee with its negative tax, and the totals; the parts add up', () => {
    const order = map({
      line_items: [{ ...base.line_items[0], taxes: [{ id: 7, total: '0.72', subtotal: '0.80' }] }],
      shipping_lines: [{ method_title: 'Flat rate', total: '5.00', taxes: [{ id: 7, total: '0.40' }] }],
      fee_lines: [{ name: 'Loyalty credit', total: '-2.00', taxes: [{ id: 7, total: '-0.16' }] }],
      tax_lines: [{ rate_id: 7, label: 'VAT', rate_percent: 8 }],
      discount_total: '1.00',
      total_tax: '0.96',
      total: '12.96',
    }).incoming;
    expect(order.lines[0]!.charges).toMatchObject({
      subtotal: { amount: 1000 },
      discount: { amount: 100 },
      taxes: [{ id: '7', title: 'VAT', amount: { amount: 72 } }],
      total: { amount: 972 },
    });
    expect(order.charges!.fees).toEqual([
      {
        title: 'Loyalty credit',
        amount: { amount: -200, currency: 'USD' },
        taxes: [{ title: 'VAT', rate: null, id: '7', amount: { amount: -16, currency: 'USD' } }],
      },
    ]);
    expect(order.charges!.total.amount).toBe(1296);
    expect(
      reconcile(
        order.lines.map((l) => l.charges!),
        order.charges!,
        order.currency,
      ),
    ).toEqual([]);
  });
});

describe('unitPriceMinor', () => {
  const usd = currency('USD');
  it('is exact when the subtotal divides evenly, whatever decimals the store writes', () => {
    expect(unitPriceMinor('38.97', 3, usd)).toBe(1299);
    expect(unitPriceMinor('38.9700', 3, usd)).toBe(1299);
    expect(unitPriceMinor('39', 3, usd)).toBe(1300);
    expect(unitPriceMinor('4500', 3, currency('JPY'))).toBe(1500);
    expect(unitPriceMinor('1.234', 1, currency('BHD'))).toBe(1234);
  });

  it('rounds half up once otherwise, in integers', () => {
    expect(unitPriceMinor('0.05', 2, usd)).toBe(3);
    expect(unitPriceMinor('0.01', 3, usd)).toBe(0);
    expect(unitPriceMinor('10.825', 1, usd)).toBe(1083);
    expect(unitPriceMinor('0.1', 1, usd)).toBe(10);
  });

  it('refuses what cannot be a safe integer', () => {
    expect(() => unitPriceMinor('99999999999999999999.00', 1, usd)).toThrow(RangeError);
  });
});
