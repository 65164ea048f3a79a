import { z } from 'zod';
import type { ChannelId, Sku } from '../../../domain/ids.ts';
import {
  chargedLine,
  figuresOf,
  type FeeCharge,
  type LineCharges,
  type OrderCharges,
  type TaxLine,
} from '../../../domain/charges.ts';
import { unitsWorth } from '../../../domain/refund-share.ts';
import { decimalToMinorUnits } from '../../../domain/decimal.ts';
import { currency, money, type CurrencyCode, type Money } from '../../../domain/money.ts';
import type { IncomingOrder } from '../../../domain/order.ts';
import type { OrderMessage, RefundMessage } from '../sales-channel.ts';

/**
 * The part of Shopify's Order resource (the `orders/create` and `orders/updated` webhook payload) Waybill reads.
 * Reference: https://shopify.dev/docs/api/webhooks (topic orders/create) and the REST Order resource. Money comes
 * as decimal strings in the shop currency; it is turned into integer minor units without passing through a float,
 * and more decimals than the currency has are refused (no silent rounding).
 */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
/** Prices, discounts and taxes: never below zero (a negative line price would send a PO for money the shop pays out). */
const amount = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string');
const date = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be a date');
const moneySetOf = z.object({
  shop_money: z.object({ amount, currency_code: z.string() }),
  presentment_money: z.object({ amount, currency_code: z.string() }).nullish(),
});
const taxLine = z.object({
  price: amount,
  rate: z.union([z.number(), z.string()]).nullish(),
  title: z.string().nullish(),
});
const discountAllocation = z.object({ amount });
const address = z.object({
  name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  address1: z.string().nullish(),
  address2: z.string().nullish(),
  city: z.string().nullish(),
  province_code: z.string().nullish(),
  zip: z.string().nullish(),
  country_code: z.string().nullish(),
  phone: z.string().nullish(),
});

export const shopifyLineItem = z.object({
  id: z.number(),
  variant_id: z.number().nullish(),
  sku: z.string().nullish(),
  title: z.string().nullish(),
  quantity: z.number().int().positive(),
  /** The quantity after order edits (removed units are not to be shipped); older payloads lack it. */
  current_quantity: z.number().int().nonnegative().nullish(),
  price: amount,
  requires_shipping: z.boolean().optional(),
  discount_allocations: z.array(discountAllocation).nullish(),
  tax_lines: z.array(taxLine).nullish(),
});

export const shopifyOrder = z.object({
  id: z.number().int().positive(),
  name: z.string().optional(),
  email: z.string().nullish(),
  currency: z.string(),
  presentment_currency: z.string().nullish(),
  created_at: date,
  updated_at: date,
  cancelled_at: z.string().nullish(),
  financial_status: z.string().nullish(),
  test: z.boolean().optional(),
  taxes_included: z.boolean().nullish(),
  total_price: amount.nullish(),
  total_price_set: moneySetOf.nullish(),
  total_discounts: amount.nullish(),
  total_tax: amount.nullish(),
  total_tip_received: amount.nullish(),
  /** After order edits, refunds and returns: the figures of what is left when a line was reduced before intake. */
  current_total_price: amount.nullish(),
  current_total_discounts: amount.nullish(),
  current_total_tax: amount.nullish(),
  /** Duties and import fees collected at checkout: in `total_price`, on no line (unless the prices include duties). */
  duties_included: z.boolean().nullish(),
  original_total_duties_set: moneySetOf.nullish(),
  original_total_additional_fees_set: moneySetOf.nullish(),
  customer: z
    .object({
      email: z.string().nullish(),
      first_name: z.string().nullish(),
      last_name: z.string().nullish(),
      phone: z.string().nullish(),
    })
    .nullish(),
  shipping_address: address.nullish(),
  billing_address: z.object({ country_code: z.string().nullish() }).nullish(),
  shipping_lines: z
    .array(
      z.object({
        title: z.string().nullish(),
        price: amount,
        discount_allocations: z.array(discountAllocation).nullish(),
        tax_lines: z.array(taxLine).nullish(),
      }),
    )
    .nullish(),
  line_items: z.array(shopifyLineItem).min(1),
});
export type ShopifyOrder = z.infer<typeof shopifyOrder>;

/**
 * Shopify's financial_status, as Waybill acts on it: `paid` (or partly refunded), `authorized` (payment secured, not
 * captured: stores that capture at fulfilment stay there until they ship), `pending` (no payment yet), `failed`
 * (`expired`, `voided`: the authorisation lapsed or was cancelled; never sent to a supplier).
 */
export type ShopifyPayment = 'paid' | 'authorized' | 'pending' | 'failed';

export interface MappedShopifyOrder {
  incoming: IncomingOrder;
  /** Shopify's `updated_at`: the order of updates, whatever order the deliveries arrive in. */
  sourceUpdatedAt: Date;
  cancelled: boolean;
  payment: ShopifyPayment;
  /** financial_status as Shopify wrote it, for the operator's reason. */
  financialStatus: string | null;
  test: boolean;
}

/**
 * Shopify order JSON → Waybill's incoming order, its money as Shopify charged it: each line's price, the discounts
 * allocated to it and its tax lines; shipping lines; tips; the order's totals (shop currency; the presentment
 * currency's total beside it where the customer paid in another). Lines that need no shipping are kept, marked.
 */
export function fromShopifyOrder(channelId: ChannelId, order: ShopifyOrder): MappedShopifyOrder {
  const code = currency(order.currency);
  const ship = order.shipping_address ?? {};
  const minor = (text: string) => money(decimalToMinorUnits(text, code), code);
  const taxesIncluded = order.taxes_included ?? false;
  const lines = order.line_items.map((l) => {
    const quantity = l.current_quantity ?? l.quantity;
    const unitPrice = minor(l.price);
    const charged = chargedLine(
      money(unitPrice.amount * l.quantity, code),
      discountOf(l.discount_allocations, minor),
      taxesOf(l.tax_lines, minor),
      taxesIncluded,
    );
    // Units removed before intake (an edit, a refund) took their share of the line's money with them.
    const charges = quantity < l.quantity ? keptShare(charged, l.quantity, quantity, taxesIncluded) : charged;
    return {
      sku: (l.sku ?? '').trim() as Sku,
      quantity,
      unitPrice,
      channelLineId: String(l.id),
      title: l.title ?? undefined,
      requiresShipping: l.requires_shipping !== false,
      charges,
    };
  });
  const shipping = (order.shipping_lines ?? []).map((s) => ({
    title: s.title ?? 'Shipping',
    price: minor(s.price),
    discount: discountOf(s.discount_allocations, minor),
    taxes: taxesOf(s.tax_lines, minor),
  }));
  // A tip is a line item of its own (Shopify's TipSale has one), so it is in the lines already: not a fee again.
  const parts = { taxesIncluded, shipping, fees: extraFees(order, minor) };
  const kept = lines.filter((l) => l.quantity > 0);
  const figures = figuresOf(
    kept.map((l) => l.charges),
    parts,
    code,
  );
  const reduced = order.line_items.some((l) => (l.current_quantity ?? l.quantity) < l.quantity);
  const given = (original: string | null | undefined, current: string | null | undefined) =>
    reduced && current ? current : original;
  const charges: OrderCharges = {
    ...parts,
    // An order without its own figures (an app's trimmed payload) is taken at the sum of its parts.
    discounts: pick(given(order.total_discounts, order.current_total_discounts), minor) ?? figures.discounts,
    taxTotal: pick(given(order.total_tax, order.current_total_tax), minor) ?? figures.tax,
    total: pick(given(order.total_price, order.current_total_price), minor) ?? figures.total,
    presentment: presentmentOf(order),
  };
  // Units an order edit removed are gone; a line edited down to none is nothing to ship.
  return {
    incoming: {
      channelId,
      externalId: String(order.id),
      placedAt: new Date(order.created_at),
      currency: code,
      customer: {
        email: order.email ?? order.customer?.email ?? '',
        name: joinName(order.customer?.first_name, order.customer?.last_name),
        phone: order.customer?.phone ?? undefined,
      },
      shippingAddress: {
        name: ship.name ?? joinName(ship.first_name, ship.last_name) ?? '',
        line1: ship.address1 ?? '',
        line2: ship.address2 ?? undefined,
        city: ship.city ?? '',
        region: ship.province_code ?? undefined,
        postalCode: ship.zip ?? '',
        country: ship.country_code ?? '',
        phone: ship.phone ?? undefined,
      },
      lines: kept,
      charges,
      billingCountry: order.billing_address?.country_code ?? undefined,
    },
    sourceUpdatedAt: new Date(order.updated_at),
    // An order edited down to nothing has nothing left to ship: as good as cancelled.
    cancelled: Boolean(order.cancelled_at) || kept.length === 0,
    payment: paymentOf(order.financial_status),
    financialStatus: order.financial_status ?? null,
    test: order.test ?? false,
  };
}

function paymentOf(status: string | null | undefined): ShopifyPayment {
  // Absent: an app's order with no payment data; the shop took it as an order.
  if (status === 'paid' || status === 'partially_refunded' || status === null || status === undefined)
    return 'paid';
  // Part captured, the rest only authorised: as secure as an authorisation.
  if (status === 'authorized' || status === 'partially_paid') return 'authorized';
  if (status === 'pending') return 'pending';
  // expired, voided, refunded (nothing left paid for), and any status Shopify adds later: a person decides.
  return 'failed';
}

/** Duties and import fees the customer paid at checkout, as fees (duties only when the prices do not include them). */
function extraFees(order: ShopifyOrder, minor: (text: string) => Money): FeeCharge[] {
  const fees: FeeCharge[] = [];
  const duties = order.original_total_duties_set?.shop_money.amount;
  if (duties && !order.duties_included && minor(duties).amount)
    fees.push({ title: 'Duties', amount: minor(duties), taxes: [] });
  const additional = order.original_total_additional_fees_set?.shop_money.amount;
  if (additional && minor(additional).amount)
    fees.push({ title: 'Additional fees', amount: minor(additional), taxes: [] });
  return fees;
}

function pick(text: string | null | undefined, minor: (text: string) => Money): Money | undefined {
  return text ? minor(text) : undefined;
}

/** The share of a line's charges its first `kept` units carry, pro rata per unit as refunds count them. */
function keptShare(line: LineCharges, quantity: number, kept: number, taxesIncluded: boolean): LineCharges {
  if (kept === 0)
    return {
      ...line,
      subtotal: money(0, line.subtotal.currency),
      discount: money(0, line.subtotal.currency),
      taxes: [],
      total: money(0, line.subtotal.currency),
    };
  const part = (whole: Money) => money(unitsWorth(whole.amount, quantity, 0, kept), whole.currency);
  const taxes = line.taxes.map((t) => ({ ...t, amount: part(t.amount) }));
  return chargedLine(part(line.subtotal), part(line.discount), taxes, taxesIncluded);
}

function presentmentOf(order: ShopifyOrder): OrderCharges['presentment'] {
  const given = order.total_price_set?.presentment_money;
  if (!given || !order.presentment_currency || order.presentment_currency === order.currency) return null;
  const code = currency(given.currency_code);
  return { currency: code, total: money(decimalToMinorUnits(given.amount, code), code) };
}

function discountOf(
  allocations: readonly { amount: string }[] | null | undefined,
  minor: (text: string) => Money,
): Money {
  return (allocations ?? [])
    .map((a) => minor(a.amount))
    .reduce((a, b) => money(a.amount + b.amount, a.currency), minor('0'));
}

function taxesOf(
  lines: ShopifyOrder['line_items'][number]['tax_lines'],
  minor: (text: string) => Money,
): TaxLine[] {
  return (lines ?? []).map((t) => ({
    title: t.title ?? 'Tax',
    rate: t.rate === null || t.rate === undefined ? null : String(t.rate),
    amount: minor(t.price),
  }));
}

/**
 * The part of Shopify's Refund resource (the `refunds/create` webhook payload) Waybill reads. Reference:
 * https://shopify.dev/docs/api/webhooks (topic refunds/create) and the REST Refund resource. Each refunded line
 * carries its order line item (with the SKU); each transaction its kind, status, amount and currency.
 */
const moneySet = z.object({ shop_money: z.object({ amount: decimal, currency_code: z.string() }) });
export const shopifyRefund = z.object({
  id: z.number().int().positive(),
  order_id: z.number().int().positive(),
  note: z.string().nullish(),
  created_at: z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be a date'),
  refund_line_items: z.array(
    z.object({
      quantity: z.number().int().nonnegative(),
      subtotal_set: moneySet.optional(),
      line_item_id: z.number().int().nullish(),
      line_item: z.object({ id: z.number().int().nullish(), sku: z.string().nullish() }),
    }),
  ),
  transactions: z.array(
    z.object({ kind: z.string(), status: z.string(), amount: decimal, currency: z.string().nullish() }),
  ),
});
export type ShopifyRefund = z.infer<typeof shopifyRefund>;

/**
 * Shopify refund JSON → what Waybill hears of it. The amount is what went back to the customer: the successful
 * `refund` transactions (a refund may return items without any money, or fail at the gateway). Their currency is
 * the transactions' own; without money moving, the shop currency the refunded lines are priced in.
 */
export function fromShopifyRefund(refund: ShopifyRefund): RefundMessage {
  const paid = refund.transactions.filter((t) => t.kind === 'refund' && t.status === 'success');
  const code = currency(
    paid.find((t) => t.currency)?.currency ??
      refund.refund_line_items.find((l) => l.subtotal_set)?.subtotal_set?.shop_money.currency_code ??
      refundCurrencyMissing(),
  );
  const lines = refund.refund_line_items
    .map((line) => ({
      channelLineId: idOf(line.line_item_id ?? line.line_item.id),
      sku: (line.line_item.sku ?? '').trim(),
      quantity: line.quantity,
    }))
    .filter((line) => line.quantity > 0 && (line.channelLineId || line.sku));
  const amount = paid.reduce(
    (total, t) => total + decimalToMinorUnits(t.amount, sameCurrency(t.currency, code)),
    0,
  );
  return {
    kind: 'refund',
    externalOrderId: String(refund.order_id),
    refundId: String(refund.id),
    createdAt: new Date(refund.created_at),
    lines,
    amount: money(amount, code),
  };
}

/** A ZodError like the schema's own, so that the delivery is dead-lettered naming what is missing. */
function refundCurrencyMissing(): never {
  throw new z.ZodError([
    {
      code: 'custom',
      path: ['transactions'],
      message: 'no currency: neither a refund transaction nor a refunded line says which',
      input: undefined,
    },
  ]);
}

function sameCurrency(given: string | null | undefined, code: CurrencyCode): CurrencyCode {
  if (given && given !== code) {
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['transactions'],
        message: `refund transactions in both ${code} and ${given}`,
        input: given,
      },
    ]);
  }
  return code;
}

function idOf(id: number | null | undefined): string | null {
  return id === null || id === undefined ? null : String(id);
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  const name = [first, last].filter(Boolean).join(' ').trim();
  return name || undefined;
}

/** When an order's purchase orders may go: once paid, or already once the payment is authorised (the default). */
export type ReleaseWhen = 'paid' | 'authorized';

/** The order as Waybill's inbox reads it: unpaid orders wait, failed payments are held for a person with the reason. */
export function shopifyOrderMessage(mapped: MappedShopifyOrder, releaseWhen: ReleaseWhen): OrderMessage {
  const { incoming, sourceUpdatedAt, cancelled, payment } = mapped;
  const awaitingPayment = payment === 'pending' || (payment === 'authorized' && releaseWhen === 'paid');
  const hold =
    payment === 'failed'
      ? `the payment is ${mapped.financialStatus} at Shopify: nothing is sent to a supplier until a person decides`
      : undefined;
  return { kind: 'order', incoming, sourceUpdatedAt, cancelled, awaitingPayment, hold };
}
