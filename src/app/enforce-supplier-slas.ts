import type { SupplierId } from '../domain/ids.ts';
import { defineJob, jobKind, type JobSuccess } from '../jobs/job.ts';
import { recordEvents } from '../store/events.repo.ts';
import { loadOrder } from '../store/orders.repo.ts';
import {
  flagOverdueAcknowledgements,
  flagOverdueShipments,
  loadPurchaseOrders,
} from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { holdOrdersOfDownSuppliers } from './hold-for-transport-down.ts';
import { routeLinesAgain } from './reroute-lines.ts';
import { currentRouting } from './routing-rules.ts';
import { holdOrder, withdrawPurchaseOrder } from './withdraw-purchase-order.ts';

/**
 * Holds suppliers to their SLAs, for up to `limit` purchase orders of each kind whose deadline passed (each is
 * flagged once; the deadlines were set in the supplier's working hours). A PO not acknowledged in time is handled as
 * the retailer's policy says (`onAckTimeout`): `hold` puts the order on hold for a person; `reroute` withdraws the PO
 * from the supplier and routes its lines to the next eligible node (a line no other node can take is cancelled and
 * refunded at the channel); `cancel` withdraws it and cancels and refunds its lines. A PO acknowledged but not shipped
 * in time holds the order for a person, naming the supplier, and counts against it (`purchase_order.ship_overdue`).
 * A supplier whose transport has been down longer than its SLA has the orders waiting for it held
 * (hold-for-transport-down.ts).
 * Returns how many POs it flagged, so a full page runs again at once.
 */
export async function enforceSupplierSlas(
  ctx: AppContext,
  tx: Db,
  now: Date,
  limit: number,
): Promise<number> {
  const lock = ctx.store.caps.rowLocks;
  const missedAcks = await flagOverdueAcknowledgements(tx, now.getTime(), limit);
  const { policy } = missedAcks.length ? await currentRouting(ctx.store, tx) : { policy: null };
  for (const miss of missedAcks) {
    const [po] = await loadPurchaseOrders(tx, { id: miss.id }, lock);
    const order = await loadOrder(tx, miss.orderId, lock);
    if (!po || !order) continue;
    const reason = `${po.poNumber} was not acknowledged by supplier ${po.supplierId} within its SLA (due ${new Date(miss.ackDueAt).toISOString()})`;
    await recordEvents(tx, now, [
      {
        orderId: po.orderId,
        subjectType: 'purchase_order',
        subjectId: po.id,
        type: 'purchase_order.ack_overdue',
        data: {
          poNumber: po.poNumber,
          supplierId: po.supplierId,
          dueAt: new Date(miss.ackDueAt),
          policy: policy!.onAckTimeout,
        },
      },
    ]);
    if (policy!.onAckTimeout === 'hold') {
      await holdOrder(tx, order, { check: 'sla.ack_missed', reason }, now);
      continue;
    }
    const withdrawn = await withdrawPurchaseOrder(ctx, tx, po, reason, now);
    const lines = withdrawn.filter((n) => order.lines.find((l) => l.lineNumber === n)?.state === 'routed');
    // `cancel` routes to no one: every node is refused, so every line is stranded and refunded.
    const avoid =
      policy!.onAckTimeout === 'reroute'
        ? new Map([[po.supplierId, 'missed its acknowledgement SLA']])
        : new Map<SupplierId, string>();
    await routeLinesAgain(ctx, tx, order, lines, avoid, {
      why: reason,
      orElse: 'cancel',
      now,
      nowhere: policy!.onAckTimeout === 'cancel',
    });
  }

  const missedShipments = await flagOverdueShipments(tx, now.getTime(), limit);
  for (const miss of missedShipments) {
    const order = await loadOrder(tx, miss.orderId, lock);
    await recordEvents(tx, now, [
      {
        orderId: miss.orderId,
        subjectType: 'purchase_order',
        subjectId: miss.id,
        type: 'purchase_order.ship_overdue',
        data: { poNumber: miss.poNumber, supplierId: miss.supplierId, dueAt: new Date(miss.shipDueAt) },
      },
    ]);
    if (order)
      await holdOrder(
        tx,
        order,
        {
          check: 'sla.ship_missed',
          reason: `${miss.poNumber} was not shipped by supplier ${miss.supplierId} within its SLA (due ${new Date(miss.shipDueAt).toISOString()})`,
        },
        now,
      );
  }
  const heldForTransport = await holdOrdersOfDownSuppliers(ctx, tx, now, limit);
  return Math.max(missedAcks.length, missedShipments.length, heldForTransport);
}

/** How often the acknowledgement deadlines are swept; they are set in minutes (suppliers' SLAs), so a minute is fine. */
export const ACK_SWEEP_INTERVAL_MS = 60_000;
/** Purchase orders flagged per run (of each kind); a full page runs again at once. */
const ACK_SWEEP_PAGE = 200;

/**
 * Holds suppliers to their SLAs (enforceSupplierSlas): one recurring job for every purchase order whose
 * acknowledgement or shipping deadline passed, each flagged once and handled by the retailer's policy.
 */
export const ackSweepJob = {
  ...jobKind<Record<string, never>>('po.ack-sweep', () => 'po.ack-sweep'),
  bind: (ctx: AppContext) =>
    defineJob<Record<string, never>>({
      kind: ackSweepJob.kind,
      maxAttempts: 10,
      timeoutMs: 60_000,
      backoff: { baseMs: 1_000, capMs: 60_000 },
      run: async () => {
        const now = ctx.clock.now();
        const success: JobSuccess = { rerunAt: new Date(now.getTime() + ACK_SWEEP_INTERVAL_MS) };
        success.commit = async (tx) => {
          const flagged = await enforceSupplierSlas(ctx, tx, now, ACK_SWEEP_PAGE);
          if (flagged === ACK_SWEEP_PAGE) success.rerunAt = now;
        };
        return success;
      },
    }),
};

/** Makes sure the recurring sweep is queued (one job, by key). */
export async function ensureAckSweep(ctx: AppContext, tx: Db): Promise<void> {
  await ctx.queue.add(tx, ackSweepJob, [{}]);
}
