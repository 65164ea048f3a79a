import { describe, expect, it } from 'vitest';
import type { ChannelId } from '../../../domain/ids.ts';
import { figuresOf, reconcile } from '../../../domain/charges.ts';
import { ebayConfig } from './credentials.ts';
import { ebayOrder, fromEbayOrder, type EbayOrder } from './map.ts';

const CHANNEL = 'ebay' as ChannelId;
const usd = (value: string) => ({ value, currency: 'USD' });

/** Two lines, a promotion on the first, delivery with a discount, and sales tax eBay collects on both. */
function order(overrides: Partial<EbayOrder> = {}): EbayOrder {
  return ebayOrder.parse({
    orderId: '12-34567-89012',
    creationDate: '2026-03-01T10:00:00.000Z',
    lastModifiedDate: '2026-03-01T10:05:00.123Z',
    orderPaymentStatus: 'PAID',
    cancelStatus: { cancelState: 'NONE_REQUESTED', cancelRequests: [] },
    buyer: {
      username: 'ann_s',
      buyerRegistrationAddress: { fullName: 'Ann Smith', email: 'ann@example.com' },
    },
    pricingSummary: {
      priceSubtotal: usd('47.97'),
      priceDiscount: usd('-2.60'),
      deliveryCost: usd('5.99'),
      deliveryDiscount: usd('-1.00'),
      tax: usd('3.64'),
      total: usd('54.00'),
    },
    fulfillmentStartInstructions: [
      {
        shippingStep: {
          shipTo: {
            fullName: 'Ann Smith',
            contactAddress: {
              addressLine1: '2950 Mission St',
              city: 'San Francisco',
              stateOrProvince: 'CA',
              postalCode: '94110',
              countryCode: 'US',
            },
            primaryPhone: { phoneNumber: '415-555-0123' },
          },
        },
      },
    ],
    lineItems: [
      {
        lineItemId: '10001',
        sku: 'MUG-BLUE',
        title: 'Blue mug',
        quantity: 2,
        lineItemCost: usd('25.98'),
        discountedLineItemCost: usd('23.38'),
        appliedPromotions: [{ discountAmount: usd('2.60') }],
        taxes: [{ amount: usd('1.89'), taxType: 'STATE_SALES_TAX' }],
        ebayCollectAndRemitTaxes: [
          { amount: usd('1.89'), taxType: 'STATE_SALES_TAX', collectionMethod: 'NET' },
        ],
      },
      {
        lineItemId: '10002',
        sku: ' LAMP-OAK ',
        quantity: 1,
        lineItemCost: usd('21.99'),
        taxes: [{ amount: usd('1.75'), taxType: 'STATE_SALES_TAX' }],
      },
    ],
    ...overrides,
  });
}

describe('an eBay order as Waybill takes it', () => {
  it('keeps every part of the money as eBay charged it, and the parts add up to its total', () => {
    const { incoming } = fromEbayOrder(CHANNEL, order());
    const [mug, lamp] = incoming.lines;
    expect(mug).toMatchObject({ sku: 'MUG-BLUE', quantity: 2, channelLineId: '10001' });
    expect(mug!.unitPrice).toEqual({ amount: 1299, currency: 'USD' });
    expect(mug!.charges).toMatchObject({
      subtotal: { amount: 2598 },
      discount: { amount: 260 },
      total: { amount: 2338 + 189 },
    });
    expect(mug!.charges!.taxes).toEqual([
      {
        title: 'STATE_SALES_TAX (collected and remitted by eBay)',
        rate: null,
        id: 'ebay-collected:STATE_SALES_TAX',
        amount: { amount: 189, currency: 'USD' },
      },
    ]);
    expect(lamp).toMatchObject({ sku: 'LAMP-OAK', unitPrice: { amount: 2199 } });
    expect(lamp!.charges!.taxes[0]).toMatchObject({ id: 'STATE_SALES_TAX', title: 'STATE_SALES_TAX' });
    const charges = incoming.charges!;
    expect(charges.shipping).toEqual([
      {
        title: 'Delivery',
        price: { amount: 599, currency: 'USD' },
        discount: { amount: 100, currency: 'USD' },
        taxes: [],
      },
    ]);
    expect(charges.discounts.amount).toBe(360);
    expect(charges.taxTotal.amount).toBe(364);
    expect(charges.total.amount).toBe(5400);
    const lines = incoming.lines.map((l) => l.charges!);
    expect(figuresOf(lines, charges, incoming.currency).total.amount).toBe(5400);
    expect(reconcile(lines, charges, incoming.currency)).toEqual([]);
  });

  it('reads the address, the buyer and the dates', () => {
    const mapped = fromEbayOrder(CHANNEL, order());
    expect(mapped.incoming.shippingAddress).toMatchObject({
      name: 'Ann Smith',
      line1: '2950 Mission St',
      region: 'CA',
      postalCode: '94110',
      country: 'US',
    });
    expect(mapped.incoming.customer).toMatchObject({ email: 'ann@example.com', name: 'Ann Smith' });
    expect(mapped.sourceUpdatedAt.toISOString()).toBe('2026-03-01T10:05:00.123Z');
    expect(mapped).toMatchObject({ cancelled: false, awaitingPayment: false });
  });

  it('holds an unpaid order, and cancels one eBay cancelled, one the buyer asked to cancel, one refunded whole', () => {
    expect(fromEbayOrder(CHANNEL, order({ orderPaymentStatus: 'PENDING' })).awaitingPayment).toBe(true);
    expect(fromEbayOrder(CHANNEL, order({ orderPaymentStatus: 'FAILED' })).awaitingPayment).toBe(true);
    expect(fromEbayOrder(CHANNEL, order({ orderPaymentStatus: 'PARTIALLY_REFUNDED' })).awaitingPayment).toBe(
      false,
    );
    for (const cancelState of ['CANCELED', 'IN_PROGRESS'])
      expect(fromEbayOrder(CHANNEL, order({ cancelStatus: { cancelState } })).cancelled).toBe(true);
    expect(fromEbayOrder(CHANNEL, order({ orderPaymentStatus: 'FULLY_REFUNDED' })).cancelled).toBe(true);
  });

  it("keeps the buyer's own currency beside the seller's where eBay converted it", () => {
    const converted = order();
    converted.pricingSummary.total = {
      ...usd('54.00'),
      convertedFromCurrency: 'EUR',
      convertedFromValue: '49.68',
    };
    expect(fromEbayOrder(CHANNEL, converted).incoming.charges!.presentment).toEqual({
      currency: 'EUR',
      total: { amount: 4968, currency: 'EUR' },
    });
  });

  it('refuses a line whose cost is not whole units, naming it', () => {
    const odd = order();
    odd.lineItems[0]!.lineItemCost = usd('25.97');
    expect(() => fromEbayOrder(CHANNEL, odd)).toThrow(
      /line item 10001: lineItemCost 25.97 is not 2 equal units/,
    );
  });
});

describe('eBay channel settings', () => {
  const base = { clientId: 'App-PRD-0123', marketplaceId: 'EBAY_US' };
  it('takes https, or plain http on this machine only, and a marketplace eBay has', () => {
    expect(ebayConfig.safeParse({ ...base, apiUrl: 'https://api.sandbox.ebay.com' }).success).toBe(true);
    expect(ebayConfig.safeParse({ ...base, apiUrl: 'http://127.0.0.1:8080' }).success).toBe(true);
    const clear = ebayConfig.safeParse({ ...base, apiUrl: 'http://api.ebay.com' });
    expect(clear.error?.issues[0]).toMatchObject({
      path: ['apiUrl'],
      message: expect.stringMatching(/loopback/),
    });
    const market = ebayConfig.safeParse({ ...base, marketplaceId: 'EBAY_MARS' });
    expect(market.error?.issues[0]).toMatchObject({
      path: ['marketplaceId'],
      message: expect.stringMatching(/EBAY_US/),
    });
  });
});
