import { decimalToMinorUnits } from '../../../domain/decimal.ts';
import { formatMoney } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundNotice } from '../sales-channel.ts';
import { WOO_AMOUNTS } from './map.ts';
import { updateOrder, type OrderView, type RefundRequest, type RefundView } from './rest.ts';
import type { RestCall } from './transport.ts';

/** On the order, written before Waybill first asks for a refund: the ids of the refunds the order had then. */
export const REFUND_ATTEMPT_META_PREFIX = '_waybill_refund_attempt_';

/**
 * Closes the window in which a retry would refund twice. wc_create_refund (includes/wc-order-functions.php) saves
 * the refund, then calls the payment gateway (wc_refund_payment), and only after both does the REST controller
 * (WC_REST_Order_Refunds_Controller::prepare_object_for_database) write the request's meta_data, Waybill's marker.
 * A retry while the gateway is slow (the first call timed out, the job ran again) lists a refund without the marker.
 *
 * So the first attempt records on the order which refunds it already had; a later attempt that finds a refund not
 * among them, of the same amount and reason and without any Waybill marker, takes it for its own and holds the
 * refund for the operator (a PermanentError: a dead letter saying what to check) instead of refunding again. A
 * refund the gateway refused is deleted by WooCommerce, so a retry after that finds nothing and refunds.
 *
 * @example await guardRefundWindow(rest.call, order, refunds, request, notice, REFUND_META_KEY) // then POST the refund
 */
export async function guardRefundWindow(
  call: RestCall,
  order: OrderView,
  refunds: readonly RefundView[],
  request: RefundRequest,
  notice: RefundNotice,
  markerKey: string,
): Promise<void> {
  const key = `${REFUND_ATTEMPT_META_PREFIX}${notice.refundId}`;
  const attempt = order.meta_data.find((m) => m.key === key);
  if (!attempt) {
    await updateOrder(call, order.id, { meta_data: [{ key, value: refunds.map((r) => r.id).join(' ') }] });
    return;
  }
  const before = new Set(
    String(attempt.value ?? '')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number),
  );
  const code = notice.amount.currency;
  const amount = decimalToMinorUnits(request.amount, code, WOO_AMOUNTS);
  const unmarked = refunds.find(
    (r) =>
      !before.has(r.id) &&
      !r.meta_data.some((m) => m.key === markerKey) &&
      (r.reason ?? '') === request.reason &&
      decimalToMinorUnits(r.amount, code, WOO_AMOUNTS) === amount,
  );
  if (unmarked) throw new PermanentError(heldMessage(order.id, unmarked, notice));
}

/** What the operator reads in the dead letter. */
function heldMessage(orderId: number, refund: RefundView, notice: RefundNotice): string {
  return (
    `refund ${notice.refundId} held: WooCommerce order ${orderId} has refund #${refund.id} of ${formatMoney(notice.amount)} with Waybill's reason, ` +
    `made after Waybill's first attempt but without its mark (the payment gateway was probably still at work when that attempt was cut off). ` +
    `Taken as Waybill's, so nothing more is refunded. Check refund #${refund.id} in WooCommerce: if it carries the mark now or the money went back, ` +
    `retry this job (it finds the refund and does not make another); if the gateway did not return the money, refund by hand`
  );
}
