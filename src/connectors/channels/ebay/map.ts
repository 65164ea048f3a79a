import { z } from 'zod';
import type { ChannelId, Sku } from '../../../domain/ids.ts';
import { chargedLine, type LineCharges, type OrderCharges, type TaxLine } from '../../../domain/charges.ts';
import { currency, money, type CurrencyCode, type Money } from '../../../domain/money.ts';
import type { IncomingOrder } from '../../../domain/order.ts';
import { magnitudeOf, moneyOf, type EbayAmount } from './amount.ts';

/**
 * The part of the Fulfillment API's Order (getOrders and getOrder with fieldGroups=TAX_BREAKDOWN,
 * https://developer.ebay.com/api-docs/sell/fulfillment/resources/order/methods/getOrders) Waybill reads. Amounts are
 * eBay's Amount: a decimal string and its currency (./amount.ts reads them exactly).
 */
const amount = z.object({
  value: z.string(),
  currency: z.string(),
  convertedFromValue: z.string().optional(),
  convertedFromCurrency: z.string().optional(),
});
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time');
const text = z.string().optional();
const contactAddress = z.object({
  addressLine1: text,
  addressLine2: text,
  city: text,
  stateOrProvince: text,
  postalCode: text,
  countryCode: text,
});
const tax = z.object({ amount, taxType: text });

export const ebayOrder = z.object({
  orderId: z.string().min(1),
  creationDate: isoDate,
  lastModifiedDate: isoDate,
  orderPaymentStatus: z.string(),
  cancelStatus: z.object({ cancelState: z.string() }).optional(),
  buyer: z
    .object({
      username: text,
      buyerRegistrationAddress: z
        .object({ fullName: text, email: text, contactAddress: contactAddress.optional() })
        .optional(),
    })
    .optional(),
  pricingSummary: z.object({
    priceSubtotal: amount,
    priceDiscount: amount.optional(),
    deliveryCost: amount.optional(),
    deliveryDiscount: amount.optional(),
    adjustment: amount.optional(),
    fee: amount.optional(),
    tax: amount.optional(),
    total: amount,
  }),
  fulfillmentStartInstructions: z
    .array(
      z.object({
        shippingStep: z
          .object({
            shipTo: z
              .object({
                fullName: text,
                email: text,
                contactAddress: contactAddress.optional(),
                primaryPhone: z.object({ phoneNumber: text }).optional(),
              })
              .optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  lineItems: z
    .array(
      z.object({
        lineItemId: z.string().min(1),
        sku: text,
        title: text,
        quantity: z.number().int().positive(),
        /** Unit price × quantity, before discounts. */
        lineItemCost: amount,
        /** After the line's promotions; only where it had one. */
        discountedLineItemCost: amount.optional(),
        appliedPromotions: z.array(z.object({ discountAmount: amount.optional() })).optional(),
        deliveryCost: z.object({ shippingCost: amount.optional() }).optional(),
        /** With TAX_BREAKDOWN, every tax the buyer paid on the line, eBay's Collect and Remit taxes included. */
        taxes: z.array(tax).optional(),
        /** The taxes eBay collected and remits itself: the same taxType appears in `taxes` too. */
        ebayCollectAndRemitTaxes: z.array(tax).optional(),
        total: amount.optional(),
      }),
    )
    .min(1),
});
export type EbayOrder = z.infer<typeof ebayOrder>;

export interface MappedEbayOrder {
  incoming: IncomingOrder;
  sourceUpdatedAt: Date;
  cancelled: boolean;
  awaitingPayment: boolean;
}

/** Payment states of an order the seller has the money for (a partial refund leaves the rest paid). */
const PAID: ReadonlySet<string> = new Set(['PAID', 'PARTIALLY_REFUNDED']);

/**
 * A cancellation eBay completed (CANCELED), one the buyer asked for and eBay is handling (IN_PROGRESS: Waybill
 * honours the request as it would a cancellation, and sends nothing more to suppliers), or all the money given back.
 */
export function isCancelled(order: Pick<EbayOrder, 'cancelStatus' | 'orderPaymentStatus'>): boolean {
  const state = order.cancelStatus?.cancelState;
  return state === 'CANCELED' || state === 'IN_PROGRESS' || order.orderPaymentStatus === 'FULLY_REFUNDED';
}

/** Tax ids of the taxes eBay collects and remits itself: the buyer paid them, eBay keeps them (docs/ebay.md). */
export const EBAY_COLLECTED_TAX_PREFIX = 'ebay-collected:';

/** eBay Order JSON → Waybill's incoming order, every amount in minor units of the order's currency. */
export function fromEbayOrder(channelId: ChannelId, order: EbayOrder): MappedEbayOrder {
  const code = currency(order.pricingSummary.total.currency);
  const shipTo = order.fulfillmentStartInstructions?.find((f) => f.shippingStep?.shipTo)?.shippingStep
    ?.shipTo;
  const registered = order.buyer?.buyerRegistrationAddress;
  const address = shipTo?.contactAddress ?? {};
  return {
    incoming: {
      channelId,
      externalId: order.orderId,
      placedAt: new Date(order.creationDate),
      currency: code,
      customer: {
        email: present(shipTo?.email) ?? present(registered?.email) ?? '',
        name: present(registered?.fullName) ?? present(shipTo?.fullName),
        phone: present(shipTo?.primaryPhone?.phoneNumber),
      },
      shippingAddress: {
        name: shipTo?.fullName?.trim() ?? '',
        line1: address.addressLine1?.trim() ?? '',
        line2: present(address.addressLine2),
        city: address.city?.trim() ?? '',
        region: present(address.stateOrProvince),
        postalCode: address.postalCode?.trim() ?? '',
        country: address.countryCode?.trim() ?? '',
        phone: present(shipTo?.primaryPhone?.phoneNumber),
      },
      lines: order.lineItems.map((line) => {
        const charges = lineCharges(line, code);
        return {
          sku: (line.sku ?? '').trim() as Sku,
          quantity: line.quantity,
          unitPrice: money(charges.subtotal.amount / line.quantity, code),
          channelLineId: line.lineItemId,
          title: present(line.title),
          charges,
        };
      }),
      charges: orderCharges(order, code),
      billingCountry: present(registered?.contactAddress?.countryCode),
    },
    sourceUpdatedAt: new Date(order.lastModifiedDate),
    cancelled: isCancelled(order),
    awaitingPayment: !PAID.has(order.orderPaymentStatus),
  };
}

type EbayLine = EbayOrder['lineItems'][number];

/**
 * A line as eBay charged it: lineItemCost before discounts, the promotions' discounts, and every tax the buyer paid
 * on it (eBay's prices exclude tax). The unit price is lineItemCost ÷ quantity, which eBay makes as unit × quantity;
 * a line that does not divide evenly is refused rather than rounded.
 */
export function lineCharges(line: EbayLine, code: CurrencyCode): LineCharges {
  const subtotal = moneyOf(line.lineItemCost, code);
  if (subtotal.amount % line.quantity !== 0)
    throw new RangeError(
      `line item ${line.lineItemId}: lineItemCost ${line.lineItemCost.value} is not ${line.quantity} equal units`,
    );
  const promotions = (line.appliedPromotions ?? []).reduce(
    (n, p) => n + magnitudeOf(p.discountAmount, code).amount,
    0,
  );
  const discount = line.discountedLineItemCost
    ? subtotal.amount - moneyOf(line.discountedLineItemCost, code).amount
    : promotions;
  return chargedLine(subtotal, money(discount, code), taxLines(line, code), false);
}

function taxLines(line: EbayLine, code: CurrencyCode): TaxLine[] {
  const collected = new Set((line.ebayCollectAndRemitTaxes ?? []).map((t) => t.taxType ?? ''));
  return (line.taxes ?? [])
    .filter((t) => moneyOf(t.amount, code).amount !== 0)
    .map((t) => {
      const type = t.taxType ?? 'TAX';
      const byEbay = collected.has(type);
      return {
        title: byEbay ? `${type} (collected and remitted by eBay)` : type,
        rate: null,
        id: byEbay ? `${EBAY_COLLECTED_TAX_PREFIX}${type}` : type,
        amount: moneyOf(t.amount, code),
      };
    });
}

/**
 * The order's other parts and eBay's own figures: delivery (pricingSummary.deliveryCost less deliveryDiscount), a
 * fee or a price adjustment where eBay added one, the discounts (priceDiscount and deliveryDiscount, written
 * negative by eBay), tax and total as pricingSummary gives them.
 */
function orderCharges(order: EbayOrder, code: CurrencyCode): OrderCharges {
  const summary = order.pricingSummary;
  const zero = money(0, code);
  const delivery = summary.deliveryCost ? moneyOf(summary.deliveryCost, code) : zero;
  const deliveryDiscount = magnitudeOf(summary.deliveryDiscount, code);
  const shipping =
    delivery.amount || deliveryDiscount.amount
      ? [{ title: 'Delivery', price: delivery, discount: deliveryDiscount, taxes: [] }]
      : [];
  const fees = [
    ...optionalFee('Fee', summary.fee, code),
    ...optionalFee('Price adjustment', summary.adjustment, code),
  ];
  const converted = presentment(summary.total);
  return {
    taxesIncluded: false,
    shipping,
    fees,
    discounts: money(magnitudeOf(summary.priceDiscount, code).amount + deliveryDiscount.amount, code),
    taxTotal: summary.tax ? moneyOf(summary.tax, code) : zero,
    total: moneyOf(summary.total, code),
    presentment: converted,
  };
}

function optionalFee(title: string, value: EbayAmount | undefined, code: CurrencyCode) {
  const amount = value ? moneyOf(value, code) : money(0, code);
  return amount.amount ? [{ title, amount, taxes: [] }] : [];
}

/** The buyer's own currency and total, where eBay converted them into the seller's. */
function presentment(total: EbayAmount): OrderCharges['presentment'] {
  if (!total.convertedFromCurrency || !total.convertedFromValue) return null;
  const code = currency(total.convertedFromCurrency);
  const converted: Money = moneyOf({ value: total.convertedFromValue, currency: code }, code);
  return { currency: code, total: converted };
}

function present(value: string | null | undefined): string | undefined {
  return value?.trim() || undefined;
}
