import { paidOrderState, type Order } from '../domain/order.ts';
import { orderEvent, recordEvents } from '../store/events.repo.ts';
import { saveOrderChange } from '../store/orders.repo.ts';
import { slasOf, loadPurchaseOrders, releaseDraftPurchaseOrder } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { queueStockRefund } from './refund-at-channel.ts';
import { queuePurchaseOrders } from './place-lines.ts';
import { slaDeadline } from './supplier-sla.ts';

/** Payment arrived: the drafted purchase orders are queued for sending, and lines short of stock are refunded. */
export async function releasePaidOrder(ctx: AppContext, tx: Db, order: Order): Promise<void> {
  const now = ctx.clock.now();
  const drafts = (await loadPurchaseOrders(tx, { orderId: order.id }, ctx.store.caps.rowLocks)).filter(
    (po) => po.state === 'draft',
  );
  // The acknowledgement clock starts now: the supplier has had nothing to answer until this moment.
  const slas = await slasOf(
    tx,
    drafts.map((po) => po.supplierId),
  );
  const released = drafts.map((po) => {
    const sla = slas.get(po.supplierId);
    return {
      id: po.id,
      state: po.state,
      poNumber: po.poNumber,
      ackDueAt: slaDeadline(now, sla?.ackWithinMinutes ?? 24 * 60, sla?.workingHours ?? null),
    };
  });
  for (const po of released) await releaseDraftPurchaseOrder(tx, po, po.ackDueAt, now);
  await queuePurchaseOrders(ctx, tx, released);
  const state = paidOrderState(order.state, order.lines);
  await saveOrderChange(tx, order, { state, holdReason: order.holdReason, lines: order.lines }, now, []);
  await recordEvents(tx, now, [
    orderEvent(order.id, 'order.paid', { purchaseOrdersReleased: drafts.map((po) => po.poNumber), state }),
  ]);
  await queueStockRefund(ctx, tx, order);
}
