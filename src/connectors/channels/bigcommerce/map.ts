import type { ChannelId, Sku } from '../../../domain/ids.ts';
import {
  chargedLine,
  type FeeCharge,
  type LineCharges,
  type OrderCharges,
  type ShippingCharge,
  type TaxLine,
} from '../../../domain/charges.ts';
import { decimalToMinorUnits, numberToMinorUnits, type DecimalOptions } from '../../../domain/decimal.ts';
import { isCurrencyCode, money, type CurrencyCode, type Money } from '../../../domain/money.ts';
import type { Address, IncomingLine } from '../../../domain/order.ts';
import type { OrderMessage, RefundMessage } from '../sales-channel.ts';
import type {
  BigCommerceListedRefund,
  BigCommerceOrder,
  BigCommerceOrderProduct,
  BigCommerceShippingAddress,
} from './api.ts';

/** An order as the v2 Orders API gives it: the order, its products and its shipping addresses (three reads). */
export interface OrderBundle {
  order: BigCommerceOrder;
  products: readonly BigCommerceOrderProduct[];
  addresses: readonly BigCommerceShippingAddress[];
}

/**
 * Order statuses (GET /v2/order_statuses, https://developer.bigcommerce.com/docs/rest-management/orders/order-status):
 * 0 Incomplete, 1 Pending, 7 Awaiting Payment have no payment yet; 4 Refunded, 5 Cancelled and 6 Declined will not be
 * shipped; 12 Manual Verification Required and 13 Disputed wait for the merchant.
 */
const UNPAID: ReadonlySet<number> = new Set([0, 1, 7]);
const CANCELLED: ReadonlySet<number> = new Set([4, 5, 6]);
const HELD: ReadonlyMap<number, string> = new Map([
  [12, 'BigCommerce holds the order for manual verification'],
  [13, "the order's payment is disputed at BigCommerce"],
]);

/**
 * A BigCommerce order → the order as Waybill takes it. Every figure is in the transactional currency
 * (`default_currency_code`: what the shopper paid in; `currency_code` is only the display currency), read exactly
 * from its decimal text. Lines and shipping are taken excluding tax, with their tax beside them (BigCommerce gives
 * both forms of each figure, and ex-tax + tax = inc-tax to the cent, whichever way the store enters prices): a
 * line's discount is the sum of its `applied_discounts` (coupons, automatic promotions, manual discounts, each
 * spread over the lines by BigCommerce), and its tax `total_tax`, which BigCommerce computes on the discounted price.
 * Handling and gift wrapping are fees. BigCommerce's own figures (`total_inc_tax`, `total_tax`, discounts and
 * coupons) are kept as the order's, so a difference shows in its reconciliation instead of being corrected.
 */
export function fromBigCommerceOrder(channelId: ChannelId, bundle: OrderBundle): OrderMessage {
  const { order, products, addresses } = bundle;
  const code = transactionalCurrency(order);
  const billing = order.billing_address;
  const ship = addresses[0];
  const lines = products.map((product, i) => lineOf(product, code, `products.${i}`));
  return {
    kind: 'order',
    incoming: {
      channelId,
      externalId: String(order.id),
      placedAt: new Date(Date.parse(order.date_created)),
      currency: code,
      customer: {
        email: billing.email?.trim() ?? '',
        name: joinName(billing.first_name, billing.last_name),
        phone: present(billing.phone),
      },
      shippingAddress: ship ? addressOf(ship, billing.phone) : blankAddress(),
      lines,
      charges: orderCharges(order, addresses, code),
      billingCountry: present(billing.country_iso2)?.toUpperCase(),
    },
    sourceUpdatedAt: new Date(Date.parse(order.date_modified)),
    cancelled: CANCELLED.has(order.status_id),
    awaitingPayment: UNPAID.has(order.status_id),
    hold: holdOf(order, addresses),
  };
}

function holdOf(
  order: BigCommerceOrder,
  addresses: readonly BigCommerceShippingAddress[],
): string | undefined {
  const held = HELD.get(order.status_id);
  if (held) return held;
  // Waybill sends an order to one address: lines bound for another would go to the wrong door.
  const count = Math.max(order.shipping_address_count ?? 0, addresses.length);
  return count > 1 ? `the order ships to ${count} addresses; Waybill sends an order to one` : undefined;
}

/**
 * The order's transactional currency. Every mapping error names its field (`products.0.total_tax: …`), so that an
 * order the poll cannot read is reported with what to look at.
 */
export function transactionalCurrency(order: Pick<BigCommerceOrder, 'default_currency_code'>): CurrencyCode {
  const code = order.default_currency_code.trim().toUpperCase();
  if (!isCurrencyCode(code))
    throw new RangeError(
      `default_currency_code: ${JSON.stringify(order.default_currency_code)} is not an ISO 4217 currency code`,
    );
  return code;
}

function lineOf(product: BigCommerceOrderProduct, code: CurrencyCode, field: string): IncomingLine {
  return {
    sku: (product.sku ?? '').trim() as Sku,
    quantity: product.quantity,
    unitPrice: minor(product.price_ex_tax, code, `${field}.price_ex_tax`),
    channelLineId: String(product.id),
    title: product.name,
    // A digital product (a download, a gift certificate) is kept with its money and never sent to a supplier.
    requiresShipping: product.type !== 'digital',
    charges: lineCharges(product, code, field),
  };
}

function lineCharges(product: BigCommerceOrderProduct, code: CurrencyCode, field: string): LineCharges {
  const discount = product.applied_discounts.reduce(
    (n, d, i) => n + minor(d.amount, code, `${field}.applied_discounts.${i}.amount`).amount,
    0,
  );
  return chargedLine(
    minor(product.total_ex_tax, code, `${field}.total_ex_tax`),
    money(discount, code),
    taxes(minor(product.total_tax, code, `${field}.total_tax`)),
    false,
  );
}

function orderCharges(
  order: BigCommerceOrder,
  addresses: readonly BigCommerceShippingAddress[],
  code: CurrencyCode,
): OrderCharges {
  const shipping: ShippingCharge[] = addresses.length
    ? addresses.map((a, i) => ({
        title: present(a.shipping_method) ?? 'Shipping',
        price: minor(a.cost_ex_tax, code, `shipping_addresses.${i}.cost_ex_tax`),
        discount: money(0, code),
        taxes: taxes(minor(a.cost_tax, code, `shipping_addresses.${i}.cost_tax`)),
      }))
    : [
        {
          title: 'Shipping',
          price: minor(order.shipping_cost_ex_tax, code, 'shipping_cost_ex_tax'),
          discount: money(0, code),
          taxes: taxes(minor(order.shipping_cost_tax, code, 'shipping_cost_tax')),
        },
      ];
  const fees: FeeCharge[] = [
    {
      title: 'Handling',
      amount: minor(order.handling_cost_ex_tax, code, 'handling_cost_ex_tax'),
      taxes: taxes(minor(order.handling_cost_tax, code, 'handling_cost_tax')),
    },
    {
      title: 'Gift wrapping',
      amount: minor(order.wrapping_cost_ex_tax, code, 'wrapping_cost_ex_tax'),
      taxes: taxes(minor(order.wrapping_cost_tax, code, 'wrapping_cost_tax')),
    },
  ].filter((fee) => fee.amount.amount !== 0 || fee.taxes.length > 0);
  const parts = {
    taxesIncluded: false,
    shipping: shipping.filter((s) => s.price.amount !== 0 || s.taxes.length > 0),
    fees,
  };
  return {
    ...parts,
    discounts: money(
      minor(order.discount_amount, code, 'discount_amount').amount +
        minor(order.coupon_discount, code, 'coupon_discount').amount,
      code,
    ),
    taxTotal: minor(order.total_tax, code, 'total_tax'),
    total: minor(order.total_inc_tax, code, 'total_inc_tax'),
    presentment: null,
  };
}

/** BigCommerce gives one tax amount per line (its tax classes and rates are in /orders/{id}/taxes): one tax line. */
function taxes(amount: Money): TaxLine[] {
  return amount.amount === 0 ? [] : [{ title: 'Tax', rate: null, amount }];
}

function addressOf(ship: BigCommerceShippingAddress, billingPhone: string | null | undefined): Address {
  return {
    name: joinName(ship.first_name, ship.last_name) ?? present(ship.company) ?? '',
    line1: ship.street_1?.trim() ?? '',
    line2: present(ship.street_2),
    city: ship.city?.trim() ?? '',
    region: present(ship.state),
    postalCode: ship.zip === null || ship.zip === undefined ? '' : String(ship.zip).trim(),
    country: present(ship.country_iso2)?.toUpperCase() ?? '',
    phone: present(ship.phone) ?? present(billingPhone),
  };
}

/** An order without a shipping address (digital goods only): blanks, which hold it if anything needs shipping. */
function blankAddress(): Address {
  return { name: '', line1: '', city: '', postalCode: '', country: '' };
}

/**
 * How BigCommerce's money figures are read: exactly, never through a float. The v2 Orders API writes them as strings
 * with four decimals ("12.3400"); the v3 payment actions write JSON numbers (9.99), read from their shortest decimal
 * text. Digits beyond the currency's minor unit are zeros for every amount BigCommerce charges; when they are not (a
 * figure kept to four decimals), the value is rounded half away from zero, once, and the order's reconciliation
 * shows any difference.
 */
export const BIGCOMMERCE_AMOUNTS: DecimalOptions = { extraDigits: 'round-half-away-from-zero' };

function minor(figure: string, code: CurrencyCode, field: string): Money {
  return money(decimalToMinorUnits(figure, code, { ...BIGCOMMERCE_AMOUNTS, field }), code);
}

/**
 * A refund made at the store (in the control panel, or by another app) → the refund as Waybill applies it, in the
 * order's transactional currency (a refund names none: `code` is its order's). Its units per order product, by
 * BigCommerce's order product id (the line's channel id, as `lineOf` sets it); a refund names no SKU, and an order
 * product's id is enough to find its line. Gift wrapping refunded by the unit refunds no goods; shipping, handling
 * and order-level amounts are in the total only. The total is `total_amount`, read from its shortest decimal text.
 * https://developer.bigcommerce.com/docs/rest-management/transactions/payment-actions#get-all-refunds
 */
export function fromBigCommerceRefund(refund: BigCommerceListedRefund, code: CurrencyCode): RefundMessage {
  const lines = refund.items
    .filter((item) => item.item_type === 'PRODUCT' && (item.quantity ?? 0) > 0)
    .map((item) => ({ channelLineId: String(item.item_id), sku: '', quantity: item.quantity! }));
  const field = 'total_amount';
  return {
    kind: 'refund',
    externalOrderId: String(refund.order_id),
    refundId: String(refund.id),
    createdAt: new Date(Date.parse(refund.created)),
    lines,
    amount: money(numberToMinorUnits(refund.total_amount, code, { ...BIGCOMMERCE_AMOUNTS, field }), code),
  };
}

function present(value: string | null | undefined): string | undefined {
  return value?.trim() || undefined;
}

function joinName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  const name = [first, last]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return name || undefined;
}
