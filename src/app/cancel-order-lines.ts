import {
  planCancellation,
  type CancellationPlan,
  type PurchaseOrderForCancel,
} from '../domain/cancellation.ts';
import type { PurchaseOrderState } from '../domain/purchase-order.machine.ts';
import {
  decideCancellationRequest,
  type CancellationDecision,
  type FulfilmentRequestLines,
} from '../domain/fulfilment-request.ts';
import { orderLineMachine, orderMachine } from '../domain/order.machine.ts';
import { nextOrderState, type CancelReason, type Order } from '../domain/order.ts';
import { cancelQueuedJob, untriedQueuedKeys } from '../jobs/queue.ts';
import { orderEvent, recordEvents, type TimelineEvent } from '../store/events.repo.ts';
import { saveOrderChange } from '../store/orders.repo.ts';
import {
  cancelPurchaseOrder,
  loadPurchaseOrders,
  type PurchaseOrder,
} from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { releaseReservations } from '../store/stock.repo.ts';
import type { AppContext } from './context.ts';
import { wakeBackorderFill } from './fill-backorders.ts';
import { sendPurchaseOrderJob } from './send-purchase-order.ts';
import { withdrawPurchaseOrder } from './withdraw-purchase-order.ts';

/**
 * The channel asks Waybill, as its fulfilment service, to cancel these lines: all of them or none (the channel
 * hears either "cancelled" or "it carries on"). Decided by decideCancellationRequest; carried out in the caller's
 * transaction. A send that a worker claimed between the decision and the cancel throws CancellationOvertaken, so
 * the caller's transaction rolls back whole and the request is rejected instead.
 */
export async function cancelAtChannelRequest(
  ctx: AppContext,
  tx: Db,
  order: Order,
  request: FulfilmentRequestLines,
  why: string,
): Promise<CancellationDecision> {
  const loaded = await purchaseOrdersForCancel(ctx, tx, order.id);
  const decision = decideCancellationRequest(order, loaded.forCancel, request);
  if (decision.kind === 'accept' && decision.cancelLines.length)
    await cancelOrderLines(ctx, tx, order, decision.cancelLines, why, { allOrNothing: true, loaded });
  return decision;
}

/** A purchase order went to its supplier while Waybill was cancelling it: nothing of the cancellation may stand. */
export class CancellationOvertaken extends Error {
  readonly code = 'cancellation_overtaken';
}

/** The order's purchase orders (locked where the database can), and each as cancellation sees it. */
async function purchaseOrdersForCancel(
  ctx: AppContext,
  tx: Db,
  orderId: string,
): Promise<{ purchaseOrders: PurchaseOrder[]; forCancel: PurchaseOrderForCancel[] }> {
  const purchaseOrders = await loadPurchaseOrders(tx, { orderId }, ctx.store.caps.rowLocks);
  const neverSent = await unsentQueued(tx, purchaseOrders);
  return { purchaseOrders, forCancel: purchaseOrders.map((po) => forCancel(po, neverSent)) };
}

/**
 * Cancels what can be cancelled of these lines (see planCancellation) and holds the order for what cannot.
 * `allOrNothing`: the caller decided on `loaded` in this transaction that every line can go; a send claimed since
 * then throws CancellationOvertaken instead of leaving part of it.
 */
export async function cancelOrderLines(
  ctx: AppContext,
  tx: Db,
  order: Order,
  targets: readonly number[],
  why: string,
  options: {
    allOrNothing?: boolean;
    loaded?: Awaited<ReturnType<typeof purchaseOrdersForCancel>>;
    /** Withdraw from their suppliers the purchase orders that go whole (the transport's cancel), not ask a person. */
    withdraw?: boolean;
    /** Who cancelled: the channel (the default) or an operator. */
    cancelReason?: CancelReason;
  } = {},
): Promise<string> {
  const now = ctx.clock.now();
  const { purchaseOrders, forCancel: cancellable } =
    options.loaded ?? (await purchaseOrdersForCancel(ctx, tx, order.id));
  const plan = planCancellation(order, cancellable, targets);
  if (options.withdraw) await withdrawWhole(ctx, tx, plan, purchaseOrders, targets, why, now);

  // Stop the queued sends first: a send job that is not pending and untried any more has (maybe) reached the supplier.
  const stopped: string[] = [];
  for (const po of purchaseOrders.filter((p) => plan.cancelPurchaseOrders.includes(p.id))) {
    if (
      po.state === 'pending' &&
      !(await cancelQueuedJob(tx, sendKey(po), now.getTime(), { untried: true }))
    ) {
      if (options.allOrNothing)
        throw new CancellationOvertaken(`${po.poNumber} was claimed for sending meanwhile`);
      const lines = po.lines.map((l) => l.orderLineNumber);
      plan.cancelLines = plan.cancelLines.filter((n) => !lines.includes(n));
      plan.withSuppliers.push({ poNumber: po.poNumber, supplierId: po.supplierId, lines });
      continue;
    }
    await cancelPurchaseOrder(tx, po, now);
    stopped.push(po.poNumber);
  }

  const lines = order.lines.map((l) =>
    plan.cancelLines.includes(l.lineNumber)
      ? {
          ...l,
          state: orderLineMachine.assert(l.state, 'cancelled'),
          cancelReason: options.cancelReason ?? ('channel' as const),
        }
      : l,
  );
  await releaseReservations(tx, order.id, plan.cancelLines, now.getTime());
  if (plan.cancelLines.length) await wakeBackorderFill(tx, now.getTime());
  const needsPerson = plan.withSuppliers.length > 0;
  const reasons = plan.withSuppliers.map(
    (w) =>
      `${why}, but ${w.poNumber} (lines ${w.lines.join(', ')}) is with supplier ${w.supplierId}: ask them to cancel`,
  );
  // Lines with a supplier wait for a person: the order is held, where its state allows a hold.
  const held = needsPerson && (order.state === 'on_hold' || orderMachine.canMove(order.state, 'on_hold'));
  const state = held ? 'on_hold' : nextOrderState(order.state, lines);
  const holdReason = needsPerson
    ? [order.holdReason, ...reasons].filter(Boolean).join('; ')
    : order.holdReason;
  await saveOrderChange(tx, order, { state, holdReason, lines }, now, plan.cancelLines);
  const events: TimelineEvent[] = [
    orderEvent(order.id, 'order.lines_cancelled', {
      why,
      cancelled: plan.cancelLines,
      purchaseOrdersCancelled: stopped,
      withSuppliers: plan.withSuppliers,
      alreadyShipped: plan.alreadyShipped,
      state,
    }),
  ];
  await recordEvents(tx, now, events);
  return `${plan.cancelLines.length} line(s) cancelled, ${plan.withSuppliers.length} purchase order(s) with suppliers, ${plan.alreadyShipped.length} line(s) shipped`;
}

/**
 * The purchase orders a supplier has whose every line is being cancelled: withdrawn from the supplier (told over its
 * transport), their lines cancelled with the rest of the plan instead of left for a person.
 */
async function withdrawWhole(
  ctx: AppContext,
  tx: Db,
  plan: CancellationPlan,
  purchaseOrders: readonly PurchaseOrder[],
  targets: readonly number[],
  why: string,
  now: Date,
): Promise<void> {
  for (const entry of [...plan.withSuppliers]) {
    const po = purchaseOrders.find((p) => p.poNumber === entry.poNumber)!;
    const carried = po.lines.filter((l) => l.status !== 'rejected').map((l) => l.orderLineNumber);
    if (!carried.every((n) => targets.includes(n)) || !WITHDRAWABLE.has(po.state)) continue;
    await withdrawPurchaseOrder(ctx, tx, po, why, now);
    plan.withSuppliers.splice(plan.withSuppliers.indexOf(entry), 1);
    plan.cancelLines.push(...entry.lines);
  }
}

/** A purchase order its supplier has and has not shipped from. */
const WITHDRAWABLE: ReadonlySet<PurchaseOrderState> = new Set([
  'pending',
  'sent',
  'send_failed',
  'accepted',
  'partially_accepted',
]);

function forCancel(po: PurchaseOrder, neverSent: ReadonlySet<string>): PurchaseOrderForCancel {
  return {
    id: po.id,
    poNumber: po.poNumber,
    supplierId: po.supplierId,
    state: po.state,
    orderLines: po.lines
      .filter((l) => l.status === 'open' || l.status === 'accepted')
      .map((l) => l.orderLineNumber),
    neverSent: neverSent.has(po.poNumber),
  };
}

/** PO numbers whose send job is still waiting for its first attempt. */
async function unsentQueued(tx: Db, purchaseOrders: readonly PurchaseOrder[]): Promise<Set<string>> {
  const queued = purchaseOrders.filter((po) => po.state === 'pending');
  if (queued.length === 0) return new Set();
  const byKey = new Map(queued.map((po) => [sendKey(po), po.poNumber]));
  const untried = await untriedQueuedKeys(tx, [...byKey.keys()]);
  return new Set([...untried].map((key) => byKey.get(key)!));
}

/** The key of a purchase order's send job. */
function sendKey(po: Pick<PurchaseOrder, 'id' | 'poNumber'>): string {
  return sendPurchaseOrderJob.key({ purchaseOrderId: po.id, poNumber: po.poNumber });
}
