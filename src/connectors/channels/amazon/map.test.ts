import { describe, expect, it } from 'vitest';
import type { ChannelId } from '../../../domain/ids.ts';
import { reconcile } from '../../../domain/charges.ts';
import { fromAmazonOrder } from './map.ts';
import { amazonOrder, type AmazonOrder } from './wire.ts';

const CHANNEL = 'amz' as ChannelId;
const usd = (amount: string) => ({ amount, currencyCode: 'USD' });

/** Two items: 2 × 12.99 with 10 % off and 7.25 % tax, shipping 4.99 taxed; 1 × 89.00 with tax only. */
function order(overrides: Partial<AmazonOrder> = {}): AmazonOrder {
  return amazonOrder.parse({
    orderId: '113-0000001-0000001',
    createdTime: '2026-12-01T10:00:00Z',
    lastUpdatedTime: '2026-12-01T10:05:00.123Z',
    salesChannel: { channelName: 'AMAZON', marketplaceId: 'ATVPDKIKX0DER' },
    buyer: { buyerName: 'Ava Garcia', buyerEmail: 'abc@marketplace.amazon.com' },
    recipient: {
      deliveryAddress: {
        name: 'Ava Garcia',
        companyName: 'Garcia & Co',
        addressLine1: '2950 Mission St',
        addressLine2: 'Apt 4',
        city: 'San Francisco',
        stateOrRegion: 'CA',
        postalCode: '94110',
        countryCode: 'US',
        phone: '+1 206-555-0142',
      },
    },
    proceeds: { grandTotal: usd('125.88') },
    fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'MERCHANT' },
    orderItems: [
      {
        orderItemId: '00000000000101',
        quantityOrdered: 2,
        product: { sellerSku: ' MUG-BLUE ', title: 'Blue mug', price: { unitPrice: usd('12.99') } },
        proceeds: {
          proceedsTotal: usd('30.43'),
          breakdowns: [
            { type: 'ITEM', subtotal: usd('25.98') },
            { type: 'SHIPPING', subtotal: usd('4.99') },
            {
              type: 'TAX',
              subtotal: usd('2.06'),
              detailedBreakdowns: [
                { subtype: 'ITEM', value: usd('1.70') },
                { subtype: 'SHIPPING', value: usd('0.36') },
              ],
            },
            {
              type: 'DISCOUNT',
              subtotal: usd('-2.60'),
              detailedBreakdowns: [{ subtype: 'ITEM', value: usd('-2.60') }],
            },
          ],
        },
      },
      {
        orderItemId: '00000000000102',
        quantityOrdered: 1,
        product: { sellerSku: 'LAMP-OAK', title: 'Oak lamp', price: { unitPrice: usd('89.00') } },
        proceeds: {
          proceedsTotal: usd('95.45'),
          breakdowns: [
            { type: 'ITEM', subtotal: usd('89.00') },
            { type: 'TAX', subtotal: usd('6.45') },
          ],
        },
      },
    ],
    ...overrides,
  });
}

describe('an Orders API v2026-01-01 order as Waybill takes it', () => {
  it("carries each line's money as charged, exact to the cent, and adds up to Amazon's grand total", () => {
    const message = fromAmazonOrder(CHANNEL, order())!;
    const { incoming } = message;
    expect(incoming.currency).toBe('USD');
    expect(incoming.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amount, l.channelLineId])).toEqual([
      ['MUG-BLUE', 2, 1299, '00000000000101'],
      ['LAMP-OAK', 1, 8900, '00000000000102'],
    ]);
    const first = incoming.lines[0]!.charges!;
    expect([
      first.subtotal.amount,
      first.discount.amount,
      first.taxes[0]!.amount.amount,
      first.total.amount,
    ]).toEqual([2598, 260, 170, 2508]);
    expect(incoming.charges!.shipping).toEqual([
      expect.objectContaining({
        price: { amount: 499, currency: 'USD' },
        taxes: [expect.objectContaining({ amount: { amount: 36, currency: 'USD' } })],
      }),
    ]);
    expect(incoming.charges!.total.amount).toBe(12588);
    expect(incoming.charges!.taxTotal.amount).toBe(170 + 36 + 645);
    expect(incoming.charges!.discounts.amount).toBe(260);
    expect(
      reconcile(
        incoming.lines.map((l) => l.charges!),
        incoming.charges!,
        incoming.currency,
      ),
    ).toEqual([]);
  });

  it('keeps who, where to and when, with the company and second lines joined', () => {
    const message = fromAmazonOrder(CHANNEL, order())!;
    expect(message.incoming.shippingAddress).toEqual({
      name: 'Ava Garcia',
      line1: '2950 Mission St',
      line2: 'Garcia & Co, Apt 4',
      city: 'San Francisco',
      region: 'CA',
      postalCode: '94110',
      country: 'US',
      phone: '+1 206-555-0142',
    });
    expect(message.incoming.customer).toEqual({
      email: 'abc@marketplace.amazon.com',
      name: 'Ava Garcia',
      phone: '+1 206-555-0142',
    });
    expect(message.sourceUpdatedAt.toISOString()).toBe('2026-12-01T10:05:00.123Z');
    expect([message.cancelled, message.awaitingPayment, message.hold]).toEqual([false, false, undefined]);
  });

  it('holds an order not paid yet, and reads one Amazon cancelled as cancelled', () => {
    const pending = fromAmazonOrder(CHANNEL, order({ fulfillment: { fulfillmentStatus: 'PENDING' } }))!;
    expect([pending.awaitingPayment, pending.cancelled]).toEqual([true, false]);
    const preorder = fromAmazonOrder(
      CHANNEL,
      order({ fulfillment: { fulfillmentStatus: 'PENDING_AVAILABILITY' } }),
    )!;
    expect(preorder.awaitingPayment).toBe(true);
    expect(
      fromAmazonOrder(CHANNEL, order({ fulfillment: { fulfillmentStatus: 'CANCELLED' } }))!.cancelled,
    ).toBe(true);
  });

  it("honours a buyer's request to cancel the whole order; a request on part of it holds the order for a person", () => {
    const request = { cancellationRequest: { requester: 'BUYER', cancelReason: 'No longer needed' } };
    const base = order();
    const whole = fromAmazonOrder(CHANNEL, {
      ...base,
      orderItems: base.orderItems.map((i) => ({ ...i, cancellation: request })),
    })!;
    expect([whole.cancelled, whole.hold]).toEqual([true, undefined]);
    const part = fromAmazonOrder(CHANNEL, {
      ...base,
      orderItems: [{ ...base.orderItems[0]!, cancellation: request }, base.orderItems[1]!],
    })!;
    expect(part.cancelled).toBe(false);
    expect(part.hold).toMatch(/buyer asked Amazon to cancel part of the order/);
  });

  it('reads a DISCOUNT of either sign as a discount, and a JPY order in whole yen', () => {
    const yen = (amount: string) => ({ amount, currencyCode: 'JPY' });
    const message = fromAmazonOrder(
      CHANNEL,
      order({
        salesChannel: { channelName: 'AMAZON', marketplaceId: 'A1VC38T7YXB528' },
        proceeds: { grandTotal: yen('1800') },
        orderItems: [
          {
            orderItemId: '1',
            quantityOrdered: 1,
            product: { sellerSku: 'TEA', price: { unitPrice: yen('2000') } },
            proceeds: {
              breakdowns: [
                { type: 'ITEM', subtotal: yen('2000') },
                { type: 'DISCOUNT', subtotal: yen('200') },
              ],
            },
          },
        ],
      }),
    )!;
    expect(message.incoming.currency).toBe('JPY');
    expect(message.incoming.lines[0]!.charges).toMatchObject({
      subtotal: { amount: 2000 },
      discount: { amount: 200 },
      total: { amount: 1800 },
    });
    expect(message.incoming.charges!.total.amount).toBe(1800);
  });

  it('takes the currency from the marketplace when a pending order carries no amount yet', () => {
    const message = fromAmazonOrder(
      CHANNEL,
      order({
        proceeds: undefined,
        orderItems: [{ orderItemId: '1', quantityOrdered: 3, product: { sellerSku: 'MUG-BLUE' } }],
        fulfillment: { fulfillmentStatus: 'PENDING' },
      }),
    )!;
    expect(message.incoming.currency).toBe('USD');
    expect(message.incoming.lines[0]).toMatchObject({ quantity: 3, unitPrice: { amount: 0 } });
  });

  it('refuses an amount below the currency minor unit, or in another currency, naming the field', () => {
    const base = order();
    const odd = { ...base, proceeds: { grandTotal: usd('125.881') } };
    expect(() => fromAmazonOrder(CHANNEL, odd)).toThrow(
      /order 113-0000001-0000001 proceeds\.grandTotal\.amount: 125\.881/,
    );
    const mixed = { ...base, proceeds: { grandTotal: { amount: '125.88', currencyCode: 'EUR' } } };
    expect(() => fromAmazonOrder(CHANNEL, mixed)).toThrow(
      /orderItems\[0\]\.product\.price\.unitPrice: USD, in an order in EUR/,
    );
  });

  it('leaves out an order with no units left at all', () => {
    const base = order();
    expect(
      fromAmazonOrder(CHANNEL, {
        ...base,
        orderItems: base.orderItems.map((i) => ({ ...i, quantityOrdered: 0 })),
      }),
    ).toBeNull();
  });
});
