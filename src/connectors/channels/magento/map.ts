import type { ChannelId, Sku } from '../../../domain/ids.ts';
import {
  chargedLine,
  figuresOf,
  type LineCharges,
  type OrderCharges,
  type TaxLine,
} from '../../../domain/charges.ts';
import { numberToMinorUnits } from '../../../domain/decimal.ts';
import { currency, money, type CurrencyCode, type Money } from '../../../domain/money.ts';
import type { Address, IncomingLine } from '../../../domain/order.ts';
import type { OrderMessage } from '../sales-channel.ts';
import { DEFAULT_PAY_LATER_METHODS } from './credentials.ts';
import { MAGENTO_AMOUNTS, percentToRate } from './decimal.ts';
import { magentoDate, type MagentoAddress, type MagentoOrder, type MagentoOrderItem } from './rest.ts';

/**
 * A Magento order (GET /V1/orders, sales-data-order-interface) as Waybill takes it in.
 *
 * Money: the order currency's figures (`order_currency_code`: the customer chose it and was charged in it; the
 * `base_*` figures, in the store's base currency, are not read), in integer minor units (MAGENTO_AMOUNTS, ./decimal.ts). Magento's
 * row figures exclude tax whether the catalog enters prices with tax or without: `row_total` before the discount,
 * `discount_amount` the line's discount as the customer saw it, `tax_amount` after the discount. Where prices include
 * tax, part of a discount is tax (`discount_tax_compensation_amount`); the discount excluding tax is the rest. So each
 * line is subtotal = row_total, discount = discount_amount − discount_tax_compensation_amount, plus its taxes, and
 * the order's total is Magento's grand_total = subtotal + shipping + tax − discounts (Magento's own formula, with the
 * compensation added back).
 *
 * Lines: each item without a parent (a configurable product's line carries its chosen child's SKU and the money;
 * the child item under it carries none). Units refunded or cancelled in Magento are gone from the line, with the
 * money Magento refunded for them (`amount_refunded`, `discount_refunded`, `tax_refunded`).
 */
export function fromMagentoOrder(
  channelId: ChannelId,
  order: MagentoOrder,
  options: { payLaterMethods?: readonly string[] | undefined } = {},
): OrderMessage {
  const code = currency(order.order_currency_code);
  const minor = (value: number | undefined) =>
    money(value === undefined ? 0 : numberToMinorUnits(value, code, MAGENTO_AMOUNTS), code);
  const lines = order.items
    .filter((item) => item.parent_item_id === undefined || item.parent_item_id === 0)
    .map((item) => lineOf(item, order, minor))
    .filter((line): line is IncomingLine => line !== null);
  const charges = orderCharges(order, lines, code, minor);
  const billing = order.billing_address ?? {};
  const shipTo = order.extension_attributes?.shipping_assignments?.[0]?.shipping?.address ?? {};
  const state = order.state;
  return {
    kind: 'order',
    incoming: {
      channelId,
      externalId: String(order.entity_id),
      placedAt: magentoDate(order.created_at),
      currency: code,
      customer: {
        email: order.customer_email ?? billing.email ?? '',
        name:
          joinName(order.customer_firstname, order.customer_lastname) ??
          joinName(billing.firstname, billing.lastname),
        phone: present(billing.telephone),
      },
      shippingAddress: addressOf(shipTo),
      lines,
      charges,
      billingCountry: present(billing.country_id),
    },
    sourceUpdatedAt: magentoDate(order.updated_at),
    cancelled: CANCELLED_STATES.has(state),
    awaitingPayment: awaitingPayment(order, options.payLaterMethods ?? DEFAULT_PAY_LATER_METHODS),
    hold:
      state === 'holded' && !unpaid(order)
        ? `the order is on hold in Magento (state holded, status ${order.status ?? 'holded'}): release it there, then approve it here`
        : undefined,
  };
}

/** `canceled`: cancelled in Magento. `closed`: refunded whole (a credit memo for everything invoiced). */
const CANCELLED_STATES: ReadonlySet<string> = new Set(['canceled', 'closed']);

/**
 * Not paid yet: `pending_payment` (a redirect to a gateway not come back), `payment_review` (a gateway's fraud
 * review), and `new` or `holded` with nothing paid (an offline method: bank transfer, check, whose invoice comes when
 * the money does), except the methods paid on delivery or on account (`payLaterMethods`).
 */
function awaitingPayment(order: MagentoOrder, payLater: readonly string[]): boolean {
  if (order.state === 'pending_payment' || order.state === 'payment_review') return true;
  if (order.state !== 'new' && order.state !== 'holded') return false;
  return unpaid(order) && !payLater.includes(order.payment?.method ?? '');
}

function unpaid(order: MagentoOrder): boolean {
  return order.grand_total > 0 && (order.total_paid ?? 0) <= 0;
}

function lineOf(
  item: MagentoOrderItem,
  order: MagentoOrder,
  minor: (v: number | undefined) => Money,
): IncomingLine | null {
  const ordered = Math.round(item.qty_ordered);
  const gone = Math.round((item.qty_refunded ?? 0) + (item.qty_canceled ?? 0));
  const quantity = ordered - gone;
  if (quantity <= 0) return null;
  const code = minor(0).currency;
  const refunded = gone > 0;
  const subtotal = less(minor(item.row_total), refunded ? minor(item.amount_refunded) : null);
  const discount = money(
    minor(item.discount_amount).amount -
      minor(item.discount_tax_compensation_amount).amount -
      (refunded
        ? minor(item.discount_refunded).amount - minor(item.discount_tax_compensation_refunded).amount
        : 0),
    code,
  );
  const taxes = lineTaxes(item, order, minor, refunded);
  return {
    sku: item.sku.trim() as Sku,
    quantity,
    unitPrice: minor(item.price),
    channelLineId: String(item.item_id),
    title: item.name,
    requiresShipping: item.is_virtual !== 1,
    charges: chargedLine(subtotal, discount, taxes, false),
  };
}

/**
 * The line's taxes: per rate where Magento lists them (extension_attributes.item_applied_taxes, with titles), else
 * the item's tax_amount at its tax_percent. Refunded units' tax comes off the total.
 */
function lineTaxes(
  item: MagentoOrderItem,
  order: MagentoOrder,
  minor: (v: number | undefined) => Money,
  refunded: boolean,
): TaxLine[] {
  const total = less(minor(item.tax_amount), refunded ? minor(item.tax_refunded) : null);
  if (total.amount === 0) return [];
  const applied = (order.extension_attributes?.item_applied_taxes ?? []).find(
    (t) => t.item_id === item.item_id && (t.type ?? 'product') === 'product',
  )?.applied_taxes;
  if (
    applied?.length &&
    !refunded &&
    applied.reduce((n, t) => n + minor(t.amount).amount, 0) === total.amount
  )
    return applied.map((t) => ({
      title: t.title ?? t.code ?? 'Tax',
      rate: t.percent === undefined ? null : percentToRate(t.percent),
      amount: minor(t.amount),
    }));
  return [
    {
      title: 'Tax',
      rate: item.tax_percent === undefined ? null : percentToRate(item.tax_percent),
      amount: total,
    },
  ];
}

function orderCharges(
  order: MagentoOrder,
  lines: readonly IncomingLine[],
  code: CurrencyCode,
  minor: (v: number | undefined) => Money,
): OrderCharges {
  const shippingPrice = less(minor(order.shipping_amount), minor(order.shipping_refunded));
  const shippingTax = less(minor(order.shipping_tax_amount), minor(order.shipping_tax_refunded));
  const shippingDiscount = money(
    minor(order.shipping_discount_amount).amount -
      minor(order.shipping_discount_tax_compensation_amount).amount,
    code,
  );
  const shipping =
    shippingPrice.amount === 0 && shippingDiscount.amount === 0 && shippingTax.amount === 0
      ? []
      : [
          {
            title: order.shipping_description || 'Shipping',
            price: shippingPrice,
            discount: shippingDiscount,
            taxes: shippingTax.amount ? [{ title: 'Shipping tax', rate: null, amount: shippingTax }] : [],
          },
        ];
  const parts = { taxesIncluded: false, shipping, fees: [] };
  const lineCharges = lines.map((l) => l.charges).filter((c): c is LineCharges => c !== undefined);
  const figures = figuresOf(lineCharges, parts, code);
  const refunded = (order.total_refunded ?? 0) > 0;
  // Magento's discount_amount is negative and includes the tax part of discounts where prices include tax. Its
  // discount_refunded is negative too: each credit memo adds its own discount_amount, which is negative
  // (Creditmemo\Total\Discount, Creditmemo\RefundOperation), unlike an item's discount_refunded.
  const discounts = money(
    -minor(order.discount_amount).amount -
      minor(order.discount_tax_compensation_amount).amount -
      minor(order.shipping_discount_tax_compensation_amount).amount -
      (refunded ? Math.abs(minor(order.discount_refunded).amount) : 0),
    code,
  );
  return {
    ...parts,
    discounts: order.discount_amount === undefined ? figures.discounts : discounts,
    taxTotal:
      order.tax_amount === undefined ? figures.tax : less(minor(order.tax_amount), minor(order.tax_refunded)),
    total: less(minor(order.grand_total), minor(order.total_refunded)),
    presentment: null,
  };
}

/** a − b in minor units (never a float subtraction: 38.97 − 12.99 is 25.979999999999997). */
function less(a: Money, b: Money | null): Money {
  return b === null ? a : money(a.amount - b.amount, a.currency);
}

function addressOf(a: MagentoAddress): Address {
  const street = (a.street ?? []).map((s) => s.trim()).filter(Boolean);
  return {
    name: joinName(a.firstname, a.lastname) ?? '',
    line1: street[0] ?? '',
    line2: street.length > 1 ? street.slice(1).join(', ') : undefined,
    city: a.city ?? '',
    region: present(a.region_code) ?? present(a.region),
    postalCode: a.postcode ?? '',
    country: a.country_id ?? '',
    phone: present(a.telephone),
  };
}

function present(value: string | null | undefined): string | undefined {
  return value?.trim() || undefined;
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  const name = [first, last].filter(Boolean).join(' ').trim();
  return name || undefined;
}
