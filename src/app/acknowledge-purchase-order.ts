import type { OrderLineState } from '../domain/order.machine.ts';
import { orderLineMachine } from '../domain/order.machine.ts';
import { nextOrderState } from '../domain/order.ts';
import { decideAcknowledgement, describeAckChanges, type AckLine } from '../domain/purchase-order.ts';
import { loadOrder, saveOrderChange } from '../store/orders.repo.ts';
import {
  loadPurchaseOrders,
  savePurchaseOrder,
  slasOf,
  type PurchaseOrder,
} from '../store/purchase-orders.repo.ts';
import { slaDeadline } from './supplier-sla.ts';
import { routeLinesAgain } from './reroute-lines.ts';
import { applySupplierBackorder } from './supplier-backorder.ts';
import { currentRouting } from './routing-rules.ts';
import { recordHolds } from '../store/review.repo.ts';
import { releaseReservations } from '../store/stock.repo.ts';
import type { AppContext } from './context.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { recordEvents } from '../store/events.repo.ts';
import { holdOrder } from './withdraw-purchase-order.ts';

export type AcknowledgeResult = { kind: 'applied' | 'duplicate'; purchaseOrder: PurchaseOrder };

/**
 * A supplier accepts or rejects each line of its PO. Accepted lines wait for shipment (due within the supplier's
 * shipping SLA); a rejected line goes as the retailer's policy says (`onReject`): to the next eligible node, cancelled
 * and refunded, or held for a person. Repeating the same acknowledgement changes nothing; a different one after the
 * first is a conflict. A line accepted with a change (quantity, cost, ship date: EDI 855 IQ, IP, DR) holds the order
 * for a person, naming the change.
 */
export async function acknowledgePurchaseOrder(
  ctx: AppContext,
  supplierId: string,
  poNumber: string,
  ack: readonly AckLine[],
): Promise<AcknowledgeResult> {
  return ctx.store.transact(async (tx) => {
    const lock = ctx.store.caps.rowLocks;
    const [po] = await loadPurchaseOrders(tx, { poNumber, supplierId }, lock);
    if (!po) throw new NotFoundError(`purchase order ${poNumber}`);
    const decision = decideAcknowledgement(po, ack);
    if (decision.kind === 'invalid') throw new InputError(decision.field, decision.reason);
    if (decision.kind === 'conflict') throw new ConflictError(decision.reason);
    if (decision.kind === 'duplicate') return { kind: 'duplicate', purchaseOrder: po };

    const now = ctx.clock.now();
    const updated = { ...po, state: decision.state, lines: decision.lines };
    // The shipping SLA runs from the acknowledgement, in the supplier's working hours.
    const sla = (await slasOf(tx, [po.supplierId])).get(po.supplierId);
    const shipDueAt =
      sla?.shipWithinMinutes && decision.state !== 'rejected'
        ? slaDeadline(now, sla.shipWithinMinutes, sla.workingHours)
        : undefined;
    await savePurchaseOrder(
      tx,
      { id: po.id, from: po.state, to: decision.state, lines: decision.lines },
      now,
      { acknowledgedAt: now, ...(shipDueAt && { shipDueAt }) },
    );

    const order = (await loadOrder(tx, po.orderId, lock))!;
    const lineStates = new Map(
      decision.lines.map(
        (l) => [l.orderLineNumber, l.status === 'accepted' ? 'accepted' : 'rejected'] as const,
      ),
    );
    const lines = order.lines.map((l) => {
      const to: OrderLineState | undefined = lineStates.get(l.lineNumber);
      return to ? { ...l, state: orderLineMachine.assert(l.state, to) } : l;
    });
    const rejected = decision.lines.filter((l) => l.status === 'rejected');
    const { policy } = rejected.length ? await currentRouting(ctx.store, tx) : { policy: null };
    const state = nextOrderState(order.state, lines);
    // A rejection the retailer's policy sends elsewhere (or cancels) is not a person's to look at yet.
    const holdReason =
      state === 'on_hold' && policy?.onReject === 'hold'
        ? holdReasonFor(order.holdReason, po.poNumber, rejected)
        : order.holdReason;
    await saveOrderChange(tx, order, { state, holdReason, lines }, now, [...lineStates.keys()]);
    if (policy?.onReject === 'hold')
      await recordHolds(
        tx,
        rejected.map((l) => ({
          orderId: order.id,
          check: 'supplier.rejected',
          message: `${po.poNumber} line ${l.lineNumber} rejected: ${l.rejectReason}`,
        })),
        now.getTime(),
      );
    // Units a supplier will not ship are free for other orders until the line is routed again.
    await releaseReservations(
      tx,
      order.id,
      rejected.map((l) => l.orderLineNumber),
      now.getTime(),
    );
    const changed = new Map(ack.flatMap((a) => (a.change ? [[a.lineNumber, a.change] as const] : [])));
    await recordEvents(tx, now, [
      {
        orderId: order.id,
        subjectType: 'purchase_order',
        subjectId: po.id,
        type: 'purchase_order.acknowledged',
        data: {
          poNumber,
          state: decision.state,
          lines: decision.lines.map((l) => ({
            lineNumber: l.lineNumber,
            status: l.status,
            reason: l.rejectReason,
            ...(changed.has(l.lineNumber) && { change: changed.get(l.lineNumber) }),
          })),
        },
      },
      // A rejection failing over moves the order on at once (order.rerouted): no state in between to report.
      ...(state !== order.state && (policy === null || policy.onReject === 'hold')
        ? [
            {
              orderId: order.id,
              subjectType: 'order' as const,
              subjectId: order.id,
              type: `order.${state}`,
              data: { from: order.state, holdReason },
            },
          ]
        : []),
    ]);
    if (policy && policy.onReject !== 'hold') {
      const rejectedLines = rejected.map((l) => l.orderLineNumber);
      const reasons = rejected.map((l) => l.rejectReason).filter(Boolean);
      await routeLinesAgain(
        ctx,
        tx,
        (await loadOrder(tx, order.id, lock))!,
        rejectedLines,
        new Map([[po.supplierId, `rejected the line${reasons.length ? `: ${reasons.join('; ')}` : ''}`]]),
        {
          why: holdReasonFor(null, po.poNumber, rejected),
          // Failing over to nobody leaves the lines with a person; the policy `cancel` refunds them at once.
          orElse: policy.onReject === 'cancel' ? 'cancel' : 'hold',
          now,
          nowhere: policy.onReject === 'cancel',
        },
      );
    }
    if (decision.backordered.length)
      await applySupplierBackorder(ctx, tx, updated, decision.backordered, now);
    // A line taken with a different quantity, cost or date is the supplier's offer, not the PO: a person decides.
    const changes = describeAckChanges(poNumber, po.lines, ack);
    if (changes.length)
      await holdOrder(
        tx,
        (await loadOrder(tx, order.id, lock))!,
        { check: 'supplier.changed_lines', reason: `the supplier changed ${changes.join('; ')}` },
        now,
      );
    return { kind: 'applied', purchaseOrder: updated };
  });
}

function holdReasonFor(
  previous: string | null,
  poNumber: string,
  rejected: readonly { lineNumber: number; rejectReason: string | null }[],
): string {
  const reasons = rejected.map((l) => `${poNumber} line ${l.lineNumber} rejected: ${l.rejectReason}`);
  return [previous, ...reasons].filter(Boolean).join('; ');
}
