import { formatMoney, toDecimalString } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundNotice } from '../sales-channel.ts';
import { wooOrderId } from './fulfilment.ts';
import { guardRefundWindow } from './refund-window.ts';
import {
  addCustomerNote,
  createRefund,
  customerNotes,
  getOrder,
  refundsOf,
  updateOrder,
  type OrderView,
  type RefundRequest,
} from './rest.ts';
import { restFailureOf, type RestApi } from './transport.ts';

/** On the refund WooCommerce makes: which Waybill refund it is. Protected (underscore), like the tracking entries. */
export const REFUND_META_KEY = '_waybill_refund_id';
/** On the order, once the customer note of a refund is written: a repeat does not write it again. */
export const REFUND_NOTE_META_PREFIX = '_waybill_refund_note_';

/** wc_create_refund's failures come back as one code and a 500, whatever the cause: its message tells them apart. */
const CANNOT_CREATE = 'woocommerce_rest_cannot_create_order_refund';
/** The one failure of that code that is worth retrying as it is (the refund could not be saved). */
const TRY_AGAIN = 'Cannot create order refund, please try again.';
/** wc_refund_payment's messages when the gateway itself cannot refund (a cheque, a bank transfer, a gateway removed). */
const GATEWAY_CANNOT = [
  'does not support automatic refunds',
  'The payment gateway for this order does not exist',
];

/**
 * Refunds lines of an order through WooCommerce: POST /orders/{id}/refunds with the amount, the reason, the order's
 * line items matched by SKU, the money returned through the payment gateway (api_refund) and nothing put back in
 * the store's stock (api_restock false: drop-shipped goods never were in it; Waybill's stock sync sets quantities).
 * Safe to repeat: the refund carries notice.refundId in its meta_data, and a refund already holding it is not made
 * again, whether the first answer came or was lost; one made but not yet marked (a slow gateway) holds the refund
 * for the operator (./refund-window.ts). With notifyCustomer, a customer note gives the reason, once.
 */
export async function refundOrder(rest: RestApi, notice: RefundNotice): Promise<void> {
  const orderId = wooOrderId(notice.externalId);
  const order = await getOrder(rest.call, orderId);
  if (order.currency && order.currency !== notice.amount.currency) {
    throw new PermanentError(
      `order ${orderId} is in ${order.currency} at WooCommerce; refund ${notice.refundId} is in ${notice.amount.currency}`,
    );
  }
  const refunds = await refundsOf(rest.list, orderId);
  const made = refunds.some((r) =>
    r.meta_data.some((m) => m.key === REFUND_META_KEY && m.value === notice.refundId),
  );
  if (!made) {
    const request = refundRequest(order, notice);
    await guardRefundWindow(rest.call, order, refunds, request, notice, REFUND_META_KEY);
    await create(rest, orderId, request, notice);
  }
  if (notice.notifyCustomer) await tellCustomer(rest, order, notice);
}

export function refundRequest(order: OrderView, notice: RefundNotice): RefundRequest {
  return {
    amount: toDecimalString(notice.amount),
    reason: notice.reason,
    api_refund: true,
    api_restock: false,
    meta_data: [{ key: REFUND_META_KEY, value: notice.refundId }],
    line_items: refundLines(order, notice),
  };
}

/**
 * Each notice line as the order's item it was (by WooCommerce's line item id), its units and what the customer paid
 * for them: `refund_total` the share after discounts without tax, `refund_tax` each tax by its rate id. A line
 * without an item id (an order taken in before Waybill kept them) is looked for by SKU, and must be the only item
 * with that SKU. A line the order lacks, or more units than it holds, is refused: money goes back only for what can
 * be named.
 */
function refundLines(order: OrderView, notice: RefundNotice): RefundRequest['line_items'] {
  return notice.lines.map((line) => {
    const item = itemOf(order, line);
    if (!item || item.quantity < line.quantity) {
      const what = line.channelLineId ? `line item ${line.channelLineId}` : `SKU ${line.sku}`;
      throw new PermanentError(
        `refund ${notice.refundId}: order ${order.id} at WooCommerce has ${item ? item.quantity : 0} of the ${line.quantity} units of ${what} to refund`,
      );
    }
    const taxes = line.share.taxes.filter((t) => t.id !== null && t.amount.amount !== 0);
    return {
      id: item.id,
      quantity: line.quantity,
      refund_total: toDecimalString(line.share.net),
      refund_tax: taxes.map((t) => ({ id: Number(t.id), refund_total: toDecimalString(t.amount) })),
    };
  });
}

function itemOf(
  order: OrderView,
  line: RefundNotice['lines'][number],
): OrderView['line_items'][number] | undefined {
  if (line.channelLineId) return order.line_items.find((i) => String(i.id) === line.channelLineId);
  const bySku = order.line_items.filter((i) => (i.sku ?? '').trim() === line.sku);
  return bySku.length === 1 ? bySku[0] : undefined;
}

async function create(
  rest: RestApi,
  orderId: number,
  request: RefundRequest,
  notice: RefundNotice,
): Promise<void> {
  try {
    await createRefund(rest.call, orderId, request);
  } catch (error) {
    const failure = restFailureOf(error);
    if (failure?.code !== CANNOT_CREATE || failure.message === TRY_AGAIN) throw error;
    throw new PermanentError(cannotRefundMessage(orderId, notice, failure.message ?? ''), { cause: error });
  }
}

/** What the operator reads in the dead letter: what happened, and what to do by hand. */
function cannotRefundMessage(orderId: number, notice: RefundNotice, said: string): string {
  const amount = formatMoney(notice.amount);
  const what = `WooCommerce did not refund ${amount} on order ${orderId} (refund ${notice.refundId}): "${said}"`;
  if (GATEWAY_CANNOT.some((text) => said.includes(text))) {
    return `${what}. The order's payment gateway cannot refund through WooCommerce: return the money to the customer by hand (in the payment provider's dashboard, or by bank transfer), then record it in WooCommerce with "Refund manually" on the order`;
  }
  if (said === 'Invalid refund amount.')
    return `${what}. That is more than is left to refund on the order: check its refunds in WooCommerce`;
  return `${what}. Nothing was refunded; check the order and the payment gateway's log, then refund by hand if it cannot be done through WooCommerce`;
}

/** A customer note with the reason, then a meta entry on the order marking it written (a note lost in flight is found by its text). */
async function tellCustomer(rest: RestApi, order: OrderView, notice: RefundNotice): Promise<void> {
  const key = `${REFUND_NOTE_META_PREFIX}${notice.refundId}`;
  if (order.meta_data.some((m) => m.key === key)) return;
  const text = refundNoteText(notice);
  const notes = await customerNotes(rest.call, order.id);
  if (!notes.some((n) => n.note === text)) await addCustomerNote(rest.call, order.id, text);
  await updateOrder(rest.call, order.id, { meta_data: [{ key, value: notice.refundId }] });
}

/** What the customer reads, on the order page and in WooCommerce's "note added to your order" e-mail. */
export function refundNoteText(notice: RefundNotice): string {
  return `We have refunded ${formatMoney(notice.amount)}: ${notice.reason}`;
}
