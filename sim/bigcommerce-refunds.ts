/**
 * Refunds at the simulated BigCommerce store (sim/bigcommerce.ts), through the v3 payment actions
 * (reference/orders.v3.yml in bigcommerce/dev-docs): a refund quote says what the units asked for are worth and
 * how the money can go back (`refund_methods`, each a list of payment options), and a refund records the units and
 * sends the money through the chosen options. A unit is worth its pro-rata share of what the shopper paid for its
 * line, its discount off and its tax on, each to the cent, the line's last unit taking what rounding left; the
 * money goes back online through the card's gateway (`testgateway`), or is only recorded for a bank deposit.
 * Demo and test use only.
 */
import { formatMinor, parseMinor } from './money.ts';
import type { SimOrder, SimProduct } from './bigcommerce-orders.ts';

export interface SimRefund {
  id: number;
  orderId: number;
  createdMs: number;
  reason: string;
  total: number;
  tax: number;
  items: { item_id: number; quantity: number; amount: number }[];
  payments: { id: number; provider_id: string; amount: number; offline: boolean; declined: boolean }[];
}

/** A refund the store refuses: BigCommerce answers 422 with its reason. */
export class RefundRefused extends Error {}

interface QuantityItem {
  item_type: string;
  item_id: number;
  quantity: number;
}

/** What the units are worth, their tax included, in minor units; refused when the order cannot give them. */
export function quoteUnits(
  order: SimOrder,
  items: readonly QuantityItem[],
): { total: number; tax: number; items: SimRefund['items'] } {
  let total = 0;
  let tax = 0;
  const quoted: SimRefund['items'] = [];
  const asked = new Map<number, number>();
  for (const item of items) {
    if (item.item_type !== 'PRODUCT')
      throw new RefundRefused(`item_type ${item.item_type} is not refunded here`);
    const product = order.products.find((p) => p.id === item.item_id);
    if (!product)
      throw new RefundRefused(`Order product ${item.item_id} does not exist on order ${order.id}`);
    const before = product.refunded + (asked.get(product.id) ?? 0);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || before + item.quantity > product.quantity)
      throw new RefundRefused(
        `Refund quantity exceeds the remaining quantity of order product ${product.id}`,
      );
    asked.set(product.id, (asked.get(product.id) ?? 0) + item.quantity);
    const net = share(product.gross - product.discount, product, before, item.quantity);
    const lineTax = share(product.tax, product, before, item.quantity);
    total += net + lineTax;
    tax += lineTax;
    quoted.push({ item_id: product.id, quantity: item.quantity, amount: net + lineTax });
  }
  return { total, tax, items: quoted };
}

/** `units` of the product after `before` already refunded: the floor of a unit's share each, the last unit the rest. */
function share(amount: number, product: SimProduct, before: number, units: number): number {
  const unit = Math.floor(amount / product.quantity);
  const last = before + units === product.quantity ? amount - unit * product.quantity : 0;
  return unit * units + last;
}

/** The order's ways back for `total`: its card's gateway online, or custom (recorded as refunded elsewhere). */
export function refundMethods(order: SimOrder, total: number) {
  const amount = Number(formatMinor(total, order.digits));
  const custom = {
    provider_id: 'custom',
    provider_description: 'Custom',
    amount,
    offline: true,
    offline_provider: true,
    offline_reason: 'This is an offline payment provider.',
  };
  const paid =
    order.payment === 'card'
      ? {
          provider_id: 'testgateway',
          provider_description: 'Test Payment Gateway',
          amount,
          offline: false,
          offline_provider: false,
          offline_reason: '',
        }
      : {
          provider_id: 'bankdeposit',
          provider_description: 'Bank Deposit',
          amount,
          offline: true,
          offline_provider: true,
          offline_reason: 'This is an offline payment provider.',
        };
  return [[paid], [custom]];
}

/**
 * Makes a refund: the units as quoted, paid back through options of one of the order's refund methods whose amounts
 * add up to the quote. The products' refunded units and the order's status follow (Refunded once every unit is,
 * else Partially Refunded).
 */
export function makeRefund(
  order: SimOrder,
  body: {
    items: QuantityItem[];
    reason?: string;
    payments: { provider_id: string; amount: number; offline?: boolean }[];
  },
  ids: { refund: number; payment: () => number },
  now: number,
  declines: boolean,
): SimRefund {
  const { total, tax, items } = quoteUnits(order, body.items);
  const methods = refundMethods(order, total).flat();
  let paid = 0;
  for (const payment of body.payments) {
    const option = methods.find((o) => o.provider_id === payment.provider_id);
    if (!option)
      throw new RefundRefused(`Payment provider ${payment.provider_id} cannot refund order ${order.id}`);
    if (!option.offline && payment.offline === true)
      throw new RefundRefused(`Payment provider ${payment.provider_id} refunds online only`);
    if (option.offline && payment.offline === false)
      throw new RefundRefused(`Payment provider ${payment.provider_id} can only be refunded offline`);
    paid += parseMinor(String(payment.amount), order.digits);
  }
  if (paid !== total)
    throw new RefundRefused(
      `Refund amount ${formatMinor(paid, order.digits)} does not match the refund total ${formatMinor(total, order.digits)}`,
    );
  for (const item of body.items) order.products.find((p) => p.id === item.item_id)!.refunded += item.quantity;
  order.statusId = order.products.every((p) => p.refunded === p.quantity) ? 4 : 14;
  return {
    id: ids.refund,
    orderId: order.id,
    createdMs: now,
    reason: body.reason ?? '',
    total,
    tax,
    items,
    payments: body.payments.map((p) => ({
      id: ids.payment(),
      provider_id: p.provider_id,
      amount: parseMinor(String(p.amount), order.digits),
      offline: p.offline === true,
      declined: declines && p.offline !== true,
    })),
  };
}

/** A `Refund` as GET and POST …/payment_actions/refunds answer it. */
export function refundResource(refund: SimRefund, digits: number) {
  const amount = (units: number) => Number(formatMinor(units, digits));
  return {
    id: refund.id,
    order_id: refund.orderId,
    user_id: 0,
    created: new Date(refund.createdMs).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    reason: refund.reason,
    total_amount: amount(refund.total),
    total_tax: amount(refund.tax),
    uses_merchant_override_values: false,
    items: refund.items.map((item) => ({
      item_type: 'PRODUCT',
      item_id: item.item_id,
      reason: '',
      quantity: item.quantity,
      requested_amount: amount(item.amount),
    })),
    payments: refund.payments.map((p) => ({
      id: p.id,
      provider_id: p.provider_id,
      amount: amount(p.amount),
      offline: p.offline,
      is_declined: p.declined,
      declined_message: p.declined ? 'The payment gateway declined the refund' : '',
    })),
  };
}
