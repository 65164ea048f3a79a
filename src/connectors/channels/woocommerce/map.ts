import { z } from 'zod';
import type { ChannelId, Sku } from '../../../domain/ids.ts';
import {
  chargedLine,
  figuresOf,
  type LineCharges,
  type OrderCharges,
  type TaxLine,
} from '../../../domain/charges.ts';
import { decimalToMinorUnits, type DecimalOptions } from '../../../domain/decimal.ts';
import { currency, minorUnitDigits, money, type CurrencyCode, type Money } from '../../../domain/money.ts';
import type { IncomingOrder } from '../../../domain/order.ts';

/**
 * The part of WooCommerce's REST API v3 order (the body of the order.created and order.updated webhooks) Waybill
 * reads. WooCommerce writes absent text as '' rather than null; both are read as absent. Dates come twice, in the
 * site's time zone and in GMT, both without an offset: only the `_gmt` ones are read, as UTC.
 */
const text = z.string().nullish();
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string');
const gmtDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$/, 'must be a GMT date-time like 2025-11-03T14:05:09')
  .refine((value) => !Number.isNaN(Date.parse(asUtc(value))), 'is not a date');
const address = z.object({
  first_name: text,
  last_name: text,
  company: text,
  address_1: text,
  address_2: text,
  city: text,
  state: text,
  postcode: text,
  country: text,
  phone: text,
});

/** WooCommerce's tax lines of an item: one per tax rate id, `total` after discounts. */
/** Fees may be negative (a fee that lowers the order, as some plugins add), and so their taxes. */
const signedDecimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
const itemTaxes = z
  .array(z.object({ id: z.number().int(), total: z.union([signedDecimal, z.literal('')]).nullish() }))
  .nullish();

export const wooCommerceOrder = z.object({
  id: z.number().int().positive(),
  number: z.string().optional(),
  status: z.string(),
  currency: z.string(),
  prices_include_tax: z.boolean().optional(),
  discount_total: decimal.optional(),
  total: decimal.optional(),
  total_tax: decimal.optional(),
  shipping_lines: z.array(z.object({ method_title: text, total: decimal, taxes: itemTaxes })).nullish(),
  fee_lines: z.array(z.object({ name: text, total: signedDecimal, taxes: itemTaxes })).nullish(),
  coupon_lines: z.array(z.object({ code: text, discount: decimal.nullish() })).nullish(),
  /** The order's tax rates: each item's `taxes[].id` is one's `rate_id`. */
  tax_lines: z
    .array(z.object({ rate_id: z.number().int(), label: text, rate_percent: z.number().nullish() }))
    .nullish(),
  date_created_gmt: gmtDateTime,
  date_modified_gmt: gmtDateTime,
  billing: address.extend({ email: text }).nullish(),
  shipping: address.nullish(),
  line_items: z
    .array(
      z.object({
        id: z.number().int(),
        name: z.string().optional(),
        product_id: z.number().int().nullish(),
        variation_id: z.number().int().nullish(),
        sku: z.string().nullish(),
        quantity: z.number().int().positive(),
        /** The line before discounts, excluding tax: an exact decimal string. */
        subtotal: decimal,
        /** The line after discounts, excluding tax. */
        total: decimal.optional(),
        taxes: itemTaxes,
        /** total ÷ quantity as a PHP float, after discounts (3.3333333333333335): read, never used for money. */
        price: z.number().optional(),
      }),
    )
    .min(1),
});
export type WooCommerceOrder = z.infer<typeof wooCommerceOrder>;

/** Statuses of an order that will not be paid or shipped (`trash` too: a trashed order is not to be taken in). */
const CANCELLED_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'refunded', 'failed', 'trash']);

export interface MappedWooCommerceOrder {
  incoming: IncomingOrder;
  /** `date_modified_gmt`: the order of updates, whatever order the deliveries arrive in. */
  sourceUpdatedAt: Date;
  cancelled: boolean;
  /** `pending` (no payment yet) and `on-hold` (awaiting a bank transfer, a cheque): nothing is sent to suppliers yet. */
  awaitingPayment: boolean;
}

/** Statuses of an order whose payment has not arrived. */
const UNPAID_STATUSES: ReadonlySet<string> = new Set(['pending', 'on-hold']);

/** WooCommerce order JSON → Waybill's incoming order. */
export function fromWooCommerceOrder(channelId: ChannelId, order: WooCommerceOrder): MappedWooCommerceOrder {
  const code = currency(order.currency);
  const billing = order.billing ?? {};
  const ship = order.shipping ?? {};
  return {
    incoming: {
      channelId,
      externalId: String(order.id),
      placedAt: new Date(asUtc(order.date_created_gmt)),
      currency: code,
      customer: {
        email: billing.email ?? '',
        name: joinName(billing.first_name, billing.last_name),
        phone: present(billing.phone),
      },
      shippingAddress: {
        name: joinName(ship.first_name, ship.last_name) ?? '',
        line1: ship.address_1 ?? '',
        line2: present(ship.address_2),
        city: ship.city ?? '',
        region: present(ship.state),
        postalCode: ship.postcode ?? '',
        country: ship.country ?? '',
        // The shipping phone exists since WooCommerce 5.6 and is optional at checkout; the billing one is the fallback.
        phone: present(ship.phone) ?? present(billing.phone),
      },
      lines: order.line_items.map((l) => ({
        sku: (l.sku ?? '').trim() as Sku,
        quantity: l.quantity,
        unitPrice: money(unitPriceMinor(l.subtotal, l.quantity, code), code),
        channelLineId: String(l.id),
        title: l.name,
        charges: lineCharges(l, code, taxRatesOf(order)),
      })),
      charges: orderCharges(order, code),
      billingCountry: present(billing.country),
    },
    sourceUpdatedAt: new Date(asUtc(order.date_modified_gmt)),
    cancelled: CANCELLED_STATUSES.has(order.status),
    awaitingPayment: UNPAID_STATUSES.has(order.status),
  };
}

/**
 * A line's unit price in minor units: its `subtotal` (exact decimal text) ÷ quantity, in integers. `price` would be
 * the float total ÷ quantity, after discounts. The subtotal divides evenly when the store enters prices without tax
 * in the currency's decimals; otherwise (prices entered with tax, a store set to more decimals) the unit is rounded
 * half up to the minor unit, once.
 */
export function unitPriceMinor(subtotal: string, quantity: number, code: CurrencyCode): number {
  const [whole = '0', fraction = ''] = subtotal.split('.');
  const numerator = BigInt(whole + fraction) * 10n ** BigInt(minorUnitDigits(code));
  const denominator = 10n ** BigInt(fraction.length) * BigInt(quantity);
  const units = (2n * numerator + denominator) / (2n * denominator);
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`subtotal ${subtotal} is too large`);
  return Number(units);
}

/**
 * A line as WooCommerce charged it. Its REST figures exclude tax whether or not the shop enters prices with tax:
 * `subtotal` before discounts, `total` after, and one tax amount per tax rate id (which its refunds take).
 */
function lineCharges(
  line: WooCommerceOrder['line_items'][number],
  code: CurrencyCode,
  rates: TaxRates,
): LineCharges {
  const subtotal = minorOf(line.subtotal, code);
  const total = line.total === undefined ? subtotal : minorOf(line.total, code);
  return chargedLine(
    subtotal,
    money(subtotal.amount - total.amount, code),
    taxesOf(line.taxes, code, rates),
    false,
  );
}

/** The order's other parts (shipping lines, fee lines) and WooCommerce's own figures: `total`, `discount_total`, `total_tax`. */
function orderCharges(order: WooCommerceOrder, code: CurrencyCode): OrderCharges {
  const zero = money(0, code);
  const rates = taxRatesOf(order);
  const shipping = (order.shipping_lines ?? []).map((s) => ({
    title: s.method_title || 'Shipping',
    price: minorOf(s.total, code),
    discount: zero,
    taxes: taxesOf(s.taxes, code, rates),
  }));
  const fees = (order.fee_lines ?? []).map((f) => ({
    title: f.name || 'Fee',
    amount: minorOf(f.total, code),
    taxes: taxesOf(f.taxes, code, rates),
  }));
  const parts = { taxesIncluded: false, shipping, fees };
  const figures = figuresOf(
    order.line_items.map((l) => lineCharges(l, code, rates)),
    parts,
    code,
  );
  return {
    ...parts,
    discounts: order.discount_total === undefined ? figures.discounts : minorOf(order.discount_total, code),
    taxTotal: order.total_tax === undefined ? figures.tax : minorOf(order.total_tax, code),
    total: order.total === undefined ? figures.total : minorOf(order.total, code),
    presentment: null,
  };
}

type TaxRates = ReadonlyMap<number, string>;

/** The label of each tax rate the order uses ("VAT", "CA State Tax"), by its rate id. */
function taxRatesOf(order: WooCommerceOrder): TaxRates {
  return new Map((order.tax_lines ?? []).map((t) => [t.rate_id, t.label || `tax ${t.rate_id}`]));
}

function taxesOf(taxes: z.infer<typeof itemTaxes>, code: CurrencyCode, rates: TaxRates): TaxLine[] {
  return (taxes ?? [])
    .filter((t) => t.total)
    .map((t) => ({
      title: rates.get(t.id) ?? `tax ${t.id}`,
      rate: null,
      id: String(t.id),
      amount: minorOf(t.total!, code),
    }));
}

/**
 * How WooCommerce's decimal strings are read: rounded half away from zero (half up for what is charged) when they
 * carry more decimals than the currency has.
 *
 * Why rounding and not refusing (Shopify's figures are refused instead): WooCommerce writes every money field of
 * the REST API with wc_format_decimal(value, dp), dp being the request's `dp` or the store's "Number of decimals"
 * (`woocommerce_price_num_decimals`, wc_get_price_decimals in includes/wc-formatting-functions.php), a setting of
 * its own that need not match the currency: a USD store set to 3 or 4 decimals sends "8.3333" on a line whose
 * prices include tax (the line subtotal is stored unrounded by WC_Order_Item_Product::set_subtotal). Such a line is
 * legitimate and refusing it would refuse the order. wc_format_decimal rounds with PHP's number_format, half away
 * from zero; the parser does the same on the exact text, without a float (PHP pre-rounds, so "1.005" gives 1.01
 * there too). What the customer was charged is the order's `total`; a difference between it and the rounded lines
 * is the order's to reconcile.
 */
export const WOO_AMOUNTS: DecimalOptions = { extraDigits: 'round-half-away-from-zero' };

/** A WooCommerce figure in minor units, rounded as WooCommerce rounds (WOO_AMOUNTS says why rounding, not refusing). */
function minorOf(text: string, code: CurrencyCode): Money {
  return money(decimalToMinorUnits(text, code, WOO_AMOUNTS), code);
}

/** WooCommerce's `_gmt` dates carry no offset; they are UTC. */
function asUtc(value: string): string {
  return value.endsWith('Z') ? value : `${value}Z`;
}

function present(value: string | null | undefined): string | undefined {
  return value?.trim() || undefined;
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  const name = [first, last].filter(Boolean).join(' ').trim();
  return name || undefined;
}
