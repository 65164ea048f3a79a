import { numberToMinorUnits } from '../../../domain/decimal.ts';
import { formatMoney, money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundNotice } from '../sales-channel.ts';
import {
  createRefund,
  getOrder,
  orderProducts,
  orderRefunds,
  refundQuote,
  type BigCommerceOrderProduct,
  type RefundItem,
  type RefundQuote,
} from './api.ts';
import { bigCommerceOrderId } from './fulfilment.ts';
import { BIGCOMMERCE_AMOUNTS } from './map.ts';
import { bigCommerceFailureOf, type ApiCall } from './transport.ts';

/**
 * Refunds lines of an order through BigCommerce's payment actions: a refund quote for the units (POST
 * /v3/orders/{id}/payment_actions/refund_quotes: BigCommerce works out what they are worth and how the money can go
 * back), then the refund (POST …/refunds) through the order's payment provider, online. Nothing is put back in the
 * store's stock: drop-shipped goods never were in it, and Waybill's stock sync sets the levels.
 *
 * Waybill refunds what the customer paid for those units (notice.amount); a quote for another amount is not
 * refunded silently but refused, naming both. Safe to repeat: the refund's reason carries `[waybill <refundId>]`,
 * and an order that already has a refund with it (one whose answer was lost) is not refunded again.
 */
export async function refundOrder(call: ApiCall, notice: RefundNotice): Promise<void> {
  const orderId = bigCommerceOrderId(notice.externalId);
  const code = notice.amount.currency;
  const order = await getOrder(call, orderId);
  if (order.default_currency_code.trim().toUpperCase() !== code) {
    throw new PermanentError(
      `order ${orderId} is paid in ${order.default_currency_code} at BigCommerce; refund ${notice.refundId} is in ${code}`,
    );
  }
  const mark = refundMark(notice.refundId);
  if ((await orderRefunds(call, orderId)).some((r) => r.reason?.includes(mark))) return;
  const items = refundItems(orderId, await orderProducts(call, orderId), notice);
  const quote = await refundQuote(call, orderId, items);
  const quoted = numberToMinorUnits(quote.total_refund_amount, code, {
    ...BIGCOMMERCE_AMOUNTS,
    field: 'the refund quote total_refund_amount',
  });
  if (quoted !== notice.amount.amount) {
    throw new PermanentError(
      `refund ${notice.refundId}: BigCommerce quotes ${formatMoney(money(quoted, code))} for these units of order ${orderId}, Waybill owes ${formatMoney(notice.amount)}; nothing was refunded: refund by hand in the control panel`,
    );
  }
  const payments = onlinePayments(orderId, notice, quote);
  try {
    const refund = await createRefund(call, orderId, { items, reason: `${notice.reason} ${mark}`, payments });
    const declined = refund.payments.filter((p) => p.is_declined);
    if (declined.length)
      throw new PermanentError(
        `refund ${notice.refundId} on order ${orderId}: the payment provider ${declined.map((p) => p.provider_id).join(', ')} declined it; BigCommerce recorded refund ${refund.id}: return the money by hand`,
      );
  } catch (error) {
    const failure = bigCommerceFailureOf(error);
    if (failure?.status !== 422) throw error;
    throw new PermanentError(
      `BigCommerce did not refund ${formatMoney(notice.amount)} on order ${orderId} (refund ${notice.refundId}): "${failure.message}"; check the order's refunds in the control panel`,
      { cause: error },
    );
  }
}

export function refundMark(refundId: string): string {
  return `[waybill ${refundId}]`;
}

/**
 * Each notice line as the order product it was (by BigCommerce's order product id, the line's channel id), with
 * its units. A line without an id (an order taken in before Waybill kept them) is looked for by SKU and must be the
 * only product with it. A line the order lacks, or more units than are left unrefunded, is refused.
 */
function refundItems(
  orderId: number,
  products: readonly BigCommerceOrderProduct[],
  notice: RefundNotice,
): RefundItem[] {
  return notice.lines.map((line) => {
    const bySku = products.filter((p) => (p.sku ?? '').trim() === line.sku);
    const product = line.channelLineId
      ? products.find((p) => String(p.id) === line.channelLineId)
      : bySku.length === 1
        ? bySku[0]
        : undefined;
    const left = product ? product.quantity - (product.quantity_refunded ?? 0) : 0;
    if (left < line.quantity) {
      const what = line.channelLineId ? `order product ${line.channelLineId}` : `SKU ${line.sku}`;
      throw new PermanentError(
        `refund ${notice.refundId}: order ${orderId} at BigCommerce has ${left} unrefunded units of ${what}, not the ${line.quantity} to refund`,
      );
    }
    return { item_type: 'PRODUCT', item_id: product!.id, quantity: line.quantity };
  });
}

/**
 * The first refund method whose payment options all go back online (a card through its gateway, store credit).
 * A method that can only be recorded as paid offline (a bank deposit, cash on delivery) returns no money, so an
 * order with no other is refused, saying what to do by hand.
 */
function onlinePayments(
  orderId: number,
  notice: RefundNotice,
  quote: RefundQuote,
): { provider_id: string; amount: number; offline: boolean }[] {
  const method = quote.refund_methods.find(
    (options) => options.length > 0 && options.every((o) => !o.offline),
  );
  if (!method) {
    const offered = quote.refund_methods
      .flat()
      .map((o) => o.provider_description ?? o.provider_id)
      .join(', ');
    throw new PermanentError(
      `refund ${notice.refundId}: order ${orderId} can only be refunded offline at BigCommerce (${offered || 'no method offered'}); return ${formatMoney(notice.amount)} by hand, then record it on the order in the control panel`,
    );
  }
  return method.map((o) => ({ provider_id: o.provider_id, amount: o.amount, offline: false }));
}
