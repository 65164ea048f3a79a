import { z } from 'zod';
import type { ChannelId, Sku } from '../../../domain/ids.ts';
import { currency, minorUnitDigits, money, type CurrencyCode } from '../../../domain/money.ts';
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

export const wooCommerceOrder = z.object({
  id: z.number().int().positive(),
  number: z.string().optional(),
  status: z.string(),
  currency: z.string(),
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
const UNPAID_STATUSES: ReadonlySet<string> = new Set(['pending', 'on-hold', 'checkout-draft']);

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
      customer: { email: billing.email ?? '', name: joinName(billing.first_name, billing.last_name), phone: present(billing.phone) },
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
      lines: order.line_items.map((l) => ({ sku: (l.sku ?? '').trim() as Sku, quantity: l.quantity, unitPrice: money(unitPriceMinor(l.subtotal, l.quantity, code), code) })),
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
