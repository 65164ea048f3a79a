import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundNotice } from '../sales-channel.ts';
import type { MagentoRefundMode } from './credentials.ts';
import { magentoOrderId } from './fulfilment.ts';
import {
  creditmemosOf,
  getOrder,
  invoicesOf,
  refundInvoice,
  refundOrder,
  type MagentoOrder,
  type RefundRequest,
} from './rest.ts';
import { magentoFailureOf, type MagentoCall } from './transport.ts';

/**
 * Refunds lines at Magento with a credit memo, as Adobe documents it
 * (https://developer.adobe.com/commerce/webapi/rest/tutorials/orders/order-issue-refund/): offline, POST
 * /V1/order/{orderId}/refund (the money goes back by other means, Magento records it); online, POST
 * /V1/invoice/{invoiceId}/refund with isOnline, through the gateway that captured the invoice. Items by
 * order_item_id and quantity: Magento computes each item's refund from its row, discount and tax pro rata, as Waybill
 * does; shipping_amount 0 (left out, Magento would refund all the shipping left), no adjustments, nothing back to stock.
 *
 * Safe to repeat: the memo's comment carries Waybill's refund id, and a memo of the order that has it is this refund
 * already made (a retry after a lost answer). The comment is shown to the customer with the reason.
 */
export async function refundMagentoOrder(
  call: MagentoCall,
  notice: RefundNotice,
  mode: MagentoRefundMode,
): Promise<void> {
  const orderId = magentoOrderId(notice.externalId);
  const marker = refundMarker(notice.refundId);
  const memos = await creditmemosOf(call, orderId);
  if (memos.some((memo) => memo.comments.some((c) => c.comment.includes(marker)))) return;
  const order = await getOrder(call, orderId);
  const request: RefundRequest = {
    items: itemsToRefund(order, notice),
    notify: notice.notifyCustomer,
    appendComment: true,
    comment: { comment: `${notice.reason} (${marker})`, is_visible_on_front: 1 },
    arguments: {
      shipping_amount: 0,
      adjustment_positive: 0,
      adjustment_negative: 0,
      extension_attributes: { return_to_stock_items: [] },
    },
  };
  try {
    if (mode === 'offline') await refundOrder(call, orderId, request);
    else
      await refundInvoice(call, await invoiceFor(call, order, request.items), { ...request, isOnline: true });
  } catch (error) {
    const failure = magentoFailureOf(error);
    if (failure?.status === 400 && /creditmemo/i.test(failure.message))
      throw new PermanentError(
        `Magento will not refund order ${order.increment_id ?? orderId} (${failure.message}): nothing invoiced to refund, or the lines were refunded there; refund it in Magento's admin if money is owed`,
      );
    throw error;
  }
}

export function refundMarker(refundId: string): string {
  return `Waybill refund ${refundId}`;
}

/** The notice's lines as the order's items: by Magento's item id where Waybill kept it, else by SKU. */
function itemsToRefund(order: MagentoOrder, notice: RefundNotice): { order_item_id: number; qty: number }[] {
  return notice.lines.map((line) => {
    const item =
      order.items.find((i) => line.channelLineId !== null && String(i.item_id) === line.channelLineId) ??
      order.items.find((i) => !i.parent_item_id && i.sku.trim() === line.sku);
    if (!item)
      throw new PermanentError(
        `Magento order ${order.increment_id ?? order.entity_id} has no item ${line.channelLineId ?? line.sku} to refund`,
      );
    return { order_item_id: item.item_id, qty: line.quantity };
  });
}

/** The invoice that holds every item to refund (an online refund goes back through the capture it reverses). */
async function invoiceFor(
  call: MagentoCall,
  order: MagentoOrder,
  items: readonly { order_item_id: number; qty: number }[],
): Promise<number> {
  const invoices = await invoicesOf(call, order.entity_id);
  const covering = invoices.find((invoice) =>
    items.every((wanted) =>
      invoice.items.some((i) => i.order_item_id === wanted.order_item_id && i.qty >= wanted.qty),
    ),
  );
  if (!covering)
    throw new PermanentError(
      `Magento order ${order.increment_id ?? order.entity_id} has no invoice holding all the lines to refund online; refund it offline (refunds: offline) or in Magento's admin`,
    );
  return covering.entity_id;
}
