import { z } from 'zod';
import type { ChannelId, Sku } from '../../../domain/ids.ts';
import { currency, minorUnitDigits, money, type CurrencyCode } from '../../../domain/money.ts';
import type { IncomingOrder } from '../../../domain/order.ts';
import type { RefundMessage } from '../sales-channel.ts';

/**
 * The part of Shopify's Order resource (the `orders/create` and `orders/updated` webhook payload) Waybill reads.
 * Reference: https://shopify.dev/docs/api/webhooks (topic orders/create) and the REST Order resource. Money comes
 * as decimal strings in the shop currency; it is turned into integer minor units without passing through a float.
 */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
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

export const shopifyOrder = z.object({
  id: z.number().int().positive(),
  name: z.string().optional(),
  email: z.string().nullish(),
  currency: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  cancelled_at: z.string().nullish(),
  financial_status: z.string().nullish(),
  test: z.boolean().optional(),
  customer: z.object({ email: z.string().nullish(), first_name: z.string().nullish(), last_name: z.string().nullish(), phone: z.string().nullish() }).nullish(),
  shipping_address: address.nullish(),
  line_items: z
    .array(
      z.object({
        id: z.number(),
        variant_id: z.number().nullish(),
        sku: z.string().nullish(),
        title: z.string().optional(),
        quantity: z.number().int().positive(),
        price: decimal,
        requires_shipping: z.boolean().optional(),
      }),
    )
    .min(1),
});
export type ShopifyOrder = z.infer<typeof shopifyOrder>;

export interface MappedShopifyOrder {
  incoming: IncomingOrder;
  /** Shopify's `updated_at`: the order of updates, whatever order the deliveries arrive in. */
  sourceUpdatedAt: Date;
  cancelled: boolean;
  /** financial_status `pending`: no payment yet (manual payment, bank transfer); nothing goes to suppliers yet. */
  awaitingPayment: boolean;
  test: boolean;
}

/** Shopify order JSON → Waybill's incoming order. Lines that need no shipping (gift cards, services) are left out. */
export function fromShopifyOrder(channelId: ChannelId, order: ShopifyOrder): MappedShopifyOrder {
  const code = currency(order.currency);
  const ship = order.shipping_address ?? {};
  const shippable = order.line_items.filter((l) => l.requires_shipping !== false);
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
      lines: shippable.map((l) => ({ sku: (l.sku ?? '').trim() as Sku, quantity: l.quantity, unitPrice: money(toMinorUnits(l.price, code), code) })),
    },
    sourceUpdatedAt: new Date(order.updated_at),
    cancelled: Boolean(order.cancelled_at),
    awaitingPayment: order.financial_status === 'pending',
    test: order.test ?? false,
  };
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
  created_at: z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be a date'),
  refund_line_items: z.array(
    z.object({
      quantity: z.number().int().nonnegative(),
      subtotal_set: moneySet.optional(),
      line_item: z.object({ sku: z.string().nullish() }),
    }),
  ),
  transactions: z.array(z.object({ kind: z.string(), status: z.string(), amount: decimal, currency: z.string().nullish() })),
});
export type ShopifyRefund = z.infer<typeof shopifyRefund>;

/**
 * Shopify refund JSON → what Waybill hears of it. The amount is what went back to the customer: the successful
 * `refund` transactions (a refund may return items without any money, or fail at the gateway). Their currency is
 * the transactions' own; without money moving, the shop currency the refunded lines are priced in.
 */
export function fromShopifyRefund(refund: ShopifyRefund): RefundMessage {
  const paid = refund.transactions.filter((t) => t.kind === 'refund' && t.status === 'success');
  const code = currency(paid.find((t) => t.currency)?.currency ?? refund.refund_line_items.find((l) => l.subtotal_set)?.subtotal_set?.shop_money.currency_code ?? refundCurrencyMissing());
  const quantities = new Map<string, number>();
  for (const line of refund.refund_line_items) {
    const sku = (line.line_item.sku ?? '').trim();
    if (sku) quantities.set(sku, (quantities.get(sku) ?? 0) + line.quantity);
  }
  const amount = paid.reduce((total, t) => total + toMinorUnits(t.amount, sameCurrency(t.currency, code)), 0);
  return {
    kind: 'refund',
    externalOrderId: String(refund.order_id),
    refundId: String(refund.id),
    createdAt: new Date(refund.created_at),
    lines: [...quantities].map(([sku, quantity]) => ({ sku, quantity })),
    amount: money(amount, code),
  };
}

/** A ZodError like the schema's own, so that the delivery is dead-lettered naming what is missing. */
function refundCurrencyMissing(): never {
  throw new z.ZodError([{ code: 'custom', path: ['transactions'], message: 'no currency: neither a refund transaction nor a refunded line says which', input: undefined }]);
}

function sameCurrency(given: string | null | undefined, code: CurrencyCode): CurrencyCode {
  if (given && given !== code) {
    throw new z.ZodError([{ code: 'custom', path: ['transactions'], message: `refund transactions in both ${code} and ${given}`, input: given }]);
  }
  return code;
}

/** "12.99" USD → 1299; "1299" JPY → 1299; refuses more decimals than the currency has (no silent rounding). */
export function toMinorUnits(amount: string, code: CurrencyCode): number {
  const digits = minorUnitDigits(code);
  const [whole, fraction = ''] = amount.replace(/^-/, '').split('.');
  if (fraction.replace(/0+$/, '').length > digits) throw new RangeError(`${amount} has more decimals than ${code} allows`);
  const units = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || '0');
  return amount.startsWith('-') ? -units : units;
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  const name = [first, last].filter(Boolean).join(' ').trim();
  return name || undefined;
}
