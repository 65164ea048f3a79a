import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../domain/charges.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { fromMagentoOrder } from './map.ts';
import { magentoOrder, type MagentoOrder } from './rest.ts';

const CHANNEL = 'mage' as ChannelId;

/**
 * An order as GET /V1/orders gives it, in the shape of Adobe's order examples: two lines, one a configurable product
 * (the parent carries the child's SKU and the money, the child none), 10 % off, a tax rate, flat-rate shipping.
 */
function order(overrides: Partial<MagentoOrder> = {}): MagentoOrder {
  return magentoOrder.parse({
    entity_id: 312,
    increment_id: '000000312',
    state: 'processing',
    status: 'processing',
    created_at: '2025-11-03 14:05:09',
    updated_at: '2025-11-03 14:07:41',
    order_currency_code: 'USD',
    base_currency_code: 'USD',
    customer_email: 'ann.lee@example.com',
    customer_firstname: 'Ann',
    customer_lastname: 'Lee',
    grand_total: 67.12,
    subtotal: 60.97,
    discount_amount: -6.1,
    discount_tax_compensation_amount: 0,
    shipping_amount: 5,
    shipping_discount_amount: 0,
    shipping_tax_amount: 0,
    shipping_description: 'Flat Rate - Fixed',
    tax_amount: 7.25,
    total_paid: 67.12,
    payment: { method: 'braintree' },
    billing_address: {
      firstname: 'Ann',
      lastname: 'Lee',
      street: ['2950 Mission St'],
      city: 'San Francisco',
      region: 'California',
      region_code: 'CA',
      postcode: '94110',
      country_id: 'US',
      telephone: '415-555-0134',
    },
    extension_attributes: {
      shipping_assignments: [
        {
          shipping: {
            address: {
              firstname: 'Ann',
              lastname: 'Lee',
              street: ['2950 Mission St', 'Apt 4'],
              city: 'San Francisco',
              region: 'California',
              region_code: 'CA',
              postcode: '94110',
              country_id: 'US',
              telephone: '415-555-0134',
            },
          },
        },
      ],
    },
    items: [
      {
        item_id: 701,
        sku: 'MUG-BLUE',
        name: 'Blue mug',
        product_type: 'simple',
        qty_ordered: 3,
        price: 12.99,
        row_total: 38.97,
        discount_amount: 3.9,
        tax_amount: 2.54,
        tax_percent: 7.25,
      },
      {
        item_id: 702,
        sku: 'TEE-RED-M',
        name: 'Red tee',
        product_type: 'configurable',
        qty_ordered: 1,
        price: 22,
        row_total: 22,
        discount_amount: 2.2,
        tax_amount: 1.44,
        tax_percent: 7.25,
      },
      {
        item_id: 703,
        sku: 'TEE-RED-M',
        name: 'Red tee-M',
        product_type: 'simple',
        parent_item_id: 702,
        qty_ordered: 1,
        price: 0,
        row_total: 0,
      },
    ],
    ...overrides,
  });
}

describe('a Magento order in Waybill', () => {
  it('takes the top-level lines with their money exact, and the order figures as Magento gives them', () => {
    const { incoming, cancelled, awaitingPayment, sourceUpdatedAt } = fromMagentoOrder(
      CHANNEL,
      order({ tax_amount: 3.98, grand_total: 63.85 }),
    );
    expect(incoming.externalId).toBe('312');
    expect(incoming.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amount, l.channelLineId])).toEqual([
      ['MUG-BLUE', 3, 1299, '701'],
      ['TEE-RED-M', 1, 2200, '702'],
    ]);
    expect(incoming.lines[0]!.charges).toEqual({
      subtotal: { amount: 3897, currency: 'USD' },
      discount: { amount: 390, currency: 'USD' },
      taxes: [{ title: 'Tax', rate: '0.0725', amount: { amount: 254, currency: 'USD' } }],
      total: { amount: 3761, currency: 'USD' },
    });
    expect(incoming.charges).toMatchObject({
      taxesIncluded: false,
      shipping: [{ title: 'Flat Rate - Fixed', price: { amount: 500 } }],
      discounts: { amount: 610 },
      taxTotal: { amount: 398 },
      total: { amount: 6385 },
    });
    expect(
      reconcile(
        incoming.lines.map((l) => l.charges!),
        incoming.charges!,
        incoming.currency,
      ),
    ).toEqual([]);
    expect(incoming.shippingAddress).toMatchObject({
      name: 'Ann Lee',
      line1: '2950 Mission St',
      line2: 'Apt 4',
      region: 'CA',
    });
    expect(incoming.placedAt.toISOString()).toBe('2025-11-03T14:05:09.000Z');
    expect(sourceUpdatedAt.toISOString()).toBe('2025-11-03T14:07:41.000Z');
    expect([cancelled, awaitingPayment]).toEqual([false, false]);
  });

  it('reads a discount that includes tax (prices entered with tax) as the discount without its tax', () => {
    // 1 × 119.00 incl. 19 % VAT: row_total 100.00; 10 % off incl. tax = 11.90, of which 1.90 tax; tax after it 17.10.
    const vat = order({
      order_currency_code: 'EUR',
      grand_total: 107.1,
      discount_amount: -11.9,
      discount_tax_compensation_amount: 1.9,
      shipping_amount: 0,
      shipping_description: undefined,
      tax_amount: 17.1,
      items: [
        {
          item_id: 9,
          sku: 'LAMP-OAK',
          qty_ordered: 1,
          price: 100,
          row_total: 100,
          discount_amount: 11.9,
          discount_tax_compensation_amount: 1.9,
          tax_amount: 17.1,
          tax_percent: 19,
        },
      ],
    });
    const { incoming } = fromMagentoOrder(CHANNEL, vat);
    expect(incoming.currency).toBe('EUR');
    expect(incoming.lines[0]!.charges).toMatchObject({
      subtotal: { amount: 10000 },
      discount: { amount: 1000 },
      total: { amount: 10710, currency: 'EUR' },
    });
    expect(incoming.charges).toMatchObject({
      discounts: { amount: 1000 },
      total: { amount: 10710 },
      shipping: [],
    });
    expect(
      reconcile(
        incoming.lines.map((l) => l.charges!),
        incoming.charges!,
        incoming.currency,
      ),
    ).toEqual([]);
  });

  it('takes the order currency, not the base currency, of an order paid in another currency', () => {
    const foreign = order({ order_currency_code: 'GBP', base_currency_code: 'USD' });
    expect(fromMagentoOrder(CHANNEL, foreign).incoming.currency).toBe('GBP');
    expect(fromMagentoOrder(CHANNEL, foreign).incoming.lines[0]!.unitPrice).toEqual({
      amount: 1299,
      currency: 'GBP',
    });
  });

  it('tells cancelled and closed orders as cancelled, and holds the unpaid ones', () => {
    const read = (o: Partial<MagentoOrder>) => fromMagentoOrder(CHANNEL, order(o));
    expect(read({ state: 'canceled' }).cancelled).toBe(true);
    expect(read({ state: 'closed' }).cancelled).toBe(true);
    expect(read({ state: 'pending_payment', total_paid: undefined }).awaitingPayment).toBe(true);
    expect(read({ state: 'payment_review' }).awaitingPayment).toBe(true);
    expect(
      read({ state: 'new', total_paid: undefined, payment: { method: 'checkmo' } }).awaitingPayment,
    ).toBe(true);
    expect(
      read({ state: 'new', total_paid: undefined, payment: { method: 'cashondelivery' } }).awaitingPayment,
    ).toBe(false);
    expect(read({ state: 'holded', total_paid: undefined }).awaitingPayment).toBe(true);
    const heldPaid = read({ state: 'holded' });
    expect([heldPaid.awaitingPayment, heldPaid.hold]).toEqual([
      false,
      expect.stringContaining('on hold in Magento'),
    ]);
    expect(read({ state: 'processing' }).hold).toBeUndefined();
  });

  it('leaves out units refunded in Magento, with the money Magento refunded for them', () => {
    const refunded = order({
      total_refunded: 13.2,
      tax_refunded: 0.85,
      discount_refunded: -1.3,
      items: [
        {
          item_id: 701,
          sku: 'MUG-BLUE',
          qty_ordered: 3,
          qty_refunded: 1,
          price: 12.99,
          row_total: 38.97,
          discount_amount: 3.9,
          tax_amount: 2.54,
          tax_percent: 7.25,
          amount_refunded: 12.99,
          discount_refunded: 1.3,
          tax_refunded: 0.85,
        },
        {
          item_id: 702,
          sku: 'TEE-RED-M',
          qty_ordered: 1,
          qty_refunded: 1,
          price: 22,
          row_total: 22,
        },
      ],
    });
    const { lines } = fromMagentoOrder(CHANNEL, refunded).incoming;
    expect(lines.map((l) => [l.sku, l.quantity])).toEqual([['MUG-BLUE', 2]]);
    expect(lines[0]!.charges).toMatchObject({
      subtotal: { amount: 2598 },
      discount: { amount: 260 },
      total: { amount: 2507 },
    });
    // The order's discount_refunded is negative, as the credit memo's discount_amount it sums.
    expect(fromMagentoOrder(CHANNEL, refunded).incoming.charges).toMatchObject({
      discounts: { amount: 610 - 130 },
      total: { amount: 6712 - 1320 },
    });
  });

  it('marks a virtual item as needing no shipping', () => {
    const withWarranty = order({
      items: [
        {
          item_id: 5,
          sku: 'WARRANTY-2Y',
          qty_ordered: 1,
          is_virtual: 1,
          product_type: 'virtual',
          price: 9,
          row_total: 9,
        },
      ],
    });
    expect(fromMagentoOrder(CHANNEL, withWarranty).incoming.lines[0]!.requiresShipping).toBe(false);
  });
});
