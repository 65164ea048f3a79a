import type { Order } from '../domain/order.ts';
import { orderMachine } from '../domain/order.machine.ts';
import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { cancelQueuedJob } from '../jobs/queue.ts';
import { orderEvent, recordEvents } from '../store/events.repo.ts';
import { loadOrder, saveOrderChange } from '../store/orders.repo.ts';
import { findSuppliers } from '../store/partners.repo.ts';
import { cancelPurchaseOrder, type PurchaseOrder } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { releaseReservations } from '../store/stock.repo.ts';
import { recordHolds } from '../store/review.repo.ts';
import type { AppContext } from './context.ts';
import { sendPurchaseOrderJob } from './send-purchase-order.ts';
import { SupplierTransports } from './supplier-access.ts';
import { SupplierCircuits } from './supplier-circuit.ts';

interface CancelJob {
  purchaseOrderId: string;
  poNumber: string;
  orderId: string;
  supplierId: string;
  reason: string;
  /** When Waybill cancelled it: the same in every attempt, so a resend carries the same body. */
  cancelledAt: string;
  /** When the PO was made (absent in jobs queued before it was carried). */
  poCreatedAt?: string;
}

/**
 * Takes a purchase order back from its node, in the caller's transaction: the PO is cancelled, the stock it held
 * there released, and the node told. A send that never started is simply stopped; a PO the node may have gets the
 * transport's cancel message (the `po.cancel` job, keyed by PO number: told once). Returns the order lines it carried.
 */
export async function withdrawPurchaseOrder(
  ctx: AppContext,
  tx: Db,
  po: PurchaseOrder,
  reason: string,
  now: Date,
): Promise<number[]> {
  const lines = po.lines.filter((l) => l.status !== 'rejected').map((l) => l.orderLineNumber);
  const sendKey = sendPurchaseOrderJob.key({ purchaseOrderId: po.id, poNumber: po.poNumber });
  const neverSent =
    po.state === 'draft' ||
    (po.state === 'pending' && (await cancelQueuedJob(tx, sendKey, now.getTime(), { untried: true })));
  await cancelPurchaseOrder(tx, po, now);
  await releaseReservations(tx, po.orderId, lines, now.getTime());
  if (!neverSent)
    await ctx.queue.add(tx, cancelWithSupplierJob, [
      {
        purchaseOrderId: po.id,
        poNumber: po.poNumber,
        orderId: po.orderId,
        supplierId: po.supplierId,
        reason,
        cancelledAt: now.toISOString(),
        poCreatedAt: po.createdAt.toISOString(),
      },
    ]);
  await recordEvents(tx, now, [
    {
      orderId: po.orderId,
      subjectType: 'purchase_order',
      subjectId: po.id,
      type: 'purchase_order.withdrawn',
      data: { poNumber: po.poNumber, supplierId: po.supplierId, reason, toldSupplier: !neverSent },
    },
  ]);
  return lines;
}

/**
 * Tells a node that a purchase order it may have is cancelled, over its own transport. The node may answer that it
 * is too late (it shipped, or cannot stop it): the order is held for a person, naming the PO. A transport that cannot
 * withdraw a PO leaves the asking to a person the same way.
 */
export const cancelWithSupplierJob = {
  ...jobKind<CancelJob>('po.cancel', (p) => `po.cancel:${p.poNumber}`),
  bind: (ctx: AppContext) => {
    const transports = new SupplierTransports(ctx);
    const circuits = new SupplierCircuits(ctx);
    return defineJob<CancelJob>({
      kind: cancelWithSupplierJob.kind,
      maxAttempts: 8,
      timeoutMs: 30_000,
      backoff: { baseMs: 1_000, capMs: 10 * 60_000 },
      run: async (
        { purchaseOrderId, poNumber, orderId, supplierId, reason, cancelledAt, poCreatedAt },
        job,
      ) => {
        const supplier = (await findSuppliers(ctx.store.db, [supplierId])).get(supplierId);
        if (!supplier) throw new PermanentError(`supplier ${supplierId} of ${poNumber} does not exist`);
        const transport = transports.open(supplier);
        const now = ctx.clock.now();
        const cancel = transport.cancel?.bind(transport);
        const told = cancel
          ? await circuits.call(supplierId, () =>
              cancel(
                {
                  poNumber,
                  orderId,
                  reason,
                  cancelledAt: new Date(cancelledAt),
                  ...(poCreatedAt !== undefined && { poCreatedAt: new Date(poCreatedAt) }),
                },
                { signal: job.signal, now },
              ),
            )
          : { ran: true as const, value: 'unsupported' as const };
        // The supplier's circuit is open: told later, the attempt not spent.
        if (!told.ran) return { notBefore: told.until };
        const answer = told.value;
        return {
          commit: async (tx) => {
            await recordEvents(tx, now, [
              {
                orderId,
                subjectType: 'purchase_order',
                subjectId: purchaseOrderId,
                type:
                  answer === 'cancelled'
                    ? 'purchase_order.cancel_confirmed'
                    : 'purchase_order.cancel_refused',
                data: { poNumber, supplierId, answer },
              },
            ]);
            if (answer === 'cancelled') return;
            const why =
              answer === 'too_late'
                ? `${poNumber} was cancelled, but supplier ${supplierId} says it is too late to stop it: it may ship`
                : `${poNumber} was cancelled: ask supplier ${supplierId} not to ship it (its transport cannot be told)`;
            const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
            const check = answer === 'too_late' ? 'supplier.cancel_refused' : 'supplier.cancel_unsupported';
            if (order) await holdOrder(tx, order, { check, reason: why }, now);
          },
        };
      },
    });
  },
};

/**
 * Puts an order on hold for a person, adding the reason to those it has, where its state allows a hold (an order
 * fulfilled already keeps its state; the reason is recorded all the same). Returns whether the order is on hold.
 */
export async function holdOrder(
  tx: Db,
  order: Order,
  hold: { check: string; reason: string },
  now: Date,
): Promise<boolean> {
  const { check, reason } = hold;
  const held = order.state === 'on_hold' || orderMachine.canMove(order.state, 'on_hold');
  const holdReason = [order.holdReason, reason].filter(Boolean).join('; ');
  await saveOrderChange(
    tx,
    order,
    { state: held ? 'on_hold' : order.state, holdReason, lines: order.lines },
    now,
    [],
  );
  await recordHolds(tx, [{ orderId: order.id, check, message: reason }], now.getTime());
  await recordEvents(tx, now, [
    orderEvent(order.id, 'order.held', { check, reason, state: held ? 'on_hold' : order.state }),
  ]);
  return held;
}
