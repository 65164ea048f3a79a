import { planCancellation, type PurchaseOrderForCancel } from '../domain/cancellation.ts';
import {
  decideCancellationRequest,
  type CancellationDecision,
  type FulfilmentRequestLines,
} from '../domain/fulfilment-request.ts';
import { orderLineMachine, orderMachine, type OrderLineState } from '../domain/order.machine.ts';
import { editedAway, type EditedAway } from '../domain/order-edit.ts';
import { nextOrderState, paidOrderState, type Order } from '../domain/order.ts';
import { purchaseOrderMachine } from '../domain/purchase-order.machine.ts';
import type { OrderMessage, RefundMessage } from '../connectors/channels/sales-channel.ts';
import {
  findOrderIdByExternalId,
  loadOrder,
  refundedLineUnits,
  saveOrderState,
} from '../store/orders.repo.ts';
import { loadPurchaseOrders, type PurchaseOrder } from '../store/purchase-orders.repo.ts';
import { releaseReservations } from '../store/stock.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { wakeBackorderFill } from './fill-backorders.ts';
import { queueStockRefund } from './refund-at-channel.ts';
import { sendPurchaseOrderJob } from './send-purchase-order.ts';
import { queuePurchaseOrders } from './take-order.ts';
import { recordEvents, type TimelineEvent } from '../store/events.repo.ts';

/**
 * A newer version of an order Waybill already has, from the channel: kept only if it is newer than what Waybill
 * has (deliveries arrive out of order, and twice). Then acted on: cancelled at the channel → what no supplier has
 * yet is cancelled and its stock released, the rest is put before a person; paid → the drafted purchase orders go.
 */
export async function applyChannelUpdate(
  ctx: AppContext,
  orderId: string,
  message: OrderMessage,
): Promise<string> {
  return ctx.store.transact(async (tx) => {
    const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
    if (!order) throw new Error(`order ${orderId} vanished`);
    const row = await tx
      .selectFrom('orders')
      .select('source_updated_at')
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    const now = ctx.clock.now();
    const { sourceUpdatedAt, cancelled, awaitingPayment } = message;
    if (row.source_updated_at !== null && row.source_updated_at >= sourceUpdatedAt.getTime()) {
      await recordEvents(tx, now, [
        event(orderId, 'order.channel_update_stale', {
          sourceUpdatedAt,
          kept: new Date(row.source_updated_at),
        }),
      ]);
      return `stale ${orderId}`;
    }
    await tx
      .updateTable('orders')
      .set({ source_updated_at: sourceUpdatedAt.getTime(), updated_at: now.getTime() })
      .where('id', '=', orderId)
      .execute();
    await recordEvents(tx, now, [
      event(orderId, 'order.channel_updated', {
        sourceUpdatedAt,
        cancelledAtChannel: cancelled,
        awaitingPayment,
      }),
    ]);
    if (cancelled && order.state !== 'cancelled') {
      const outcome = await cancelLines(
        ctx,
        tx,
        order,
        order.lines.map((l) => l.lineNumber),
        'the order was cancelled at the channel',
      );
      return `cancelled ${orderId}: ${outcome}`;
    }
    const edit = editedAway(
      order.lines.filter((l) => !SHIPPED_OR_DONE.has(l.state)),
      message.incoming.lines,
    );
    const edited =
      edit.removed.length || edit.reduced.length ? await applyOrderEdit(ctx, tx, order, edit) : null;
    const current = edited ? (await loadOrder(tx, orderId))! : order;
    if (!cancelled && !awaitingPayment && current.state === 'awaiting_payment') {
      await releasePaidOrder(ctx, tx, current);
      return `paid ${orderId}${edited ? `; ${edited}` : ''}`;
    }
    return edited ? `edited ${orderId}: ${edited}` : `updated ${orderId}`;
  });
}

/** Lines past what an order edit can change: shipped (a refund lowers Shopify's current quantity too), or done. */
const SHIPPED_OR_DONE: ReadonlySet<OrderLineState> = new Set([
  'partially_shipped',
  'shipped',
  'delivered',
  'cancelled',
  'no_shipping',
]);

/**
 * An order edit at the channel took units away. A line removed whole is cancelled as a channel cancellation is
 * (stopped if no supplier has it, else held for a person naming the purchase order); a line with fewer units is
 * held for a person, since a purchase order line is sent or stopped whole.
 */
async function applyOrderEdit(ctx: AppContext, tx: Db, order: Order, edit: EditedAway): Promise<string> {
  const outcome = edit.removed.length
    ? await cancelLines(ctx, tx, order, edit.removed, 'removed by an order edit at the channel')
    : 'no line removed';
  if (edit.reduced.length === 0) return outcome;
  const now = ctx.clock.now();
  const after = (await loadOrder(tx, order.id))!;
  const reasons = edit.reduced.map(
    (r) =>
      `line ${r.lineNumber}: an order edit at the channel took it from ${r.from} to ${r.to} units; its purchase order carries ${r.from}: ask the supplier to change it, or cancel the line`,
  );
  const holds = after.state === 'on_hold' || orderMachine.canMove(after.state, 'on_hold');
  const holdReason = [after.holdReason, ...reasons].filter(Boolean).join('; ');
  if (holds)
    await saveOrderState(tx, { id: after.id, state: 'on_hold', holdReason, lines: after.lines }, now, []);
  await recordEvents(tx, now, [
    event(order.id, 'order.edited_at_channel', { reduced: edit.reduced, removed: edit.removed, held: holds }),
  ]);
  return `${outcome}; ${edit.reduced.length} line(s) reduced, held for a person`;
}

/**
 * A refund made at the channel. Recorded once (by the channel's refund id); lines refunded whole that no supplier
 * has yet are cancelled and their stock released; the rest is only recorded (a return, or a person's call).
 */
export async function applyChannelRefund(
  ctx: AppContext,
  channelId: string,
  message: RefundMessage,
): Promise<string> {
  const orderId = await findOrderIdByExternalId(ctx.store.db, channelId, message.externalOrderId);
  if (!orderId)
    return `ignored: refund ${message.refundId} of order ${message.externalOrderId}, which Waybill does not have`;
  return ctx.store.transact(async (tx) => {
    const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
    if (!order) throw new Error(`order ${orderId} vanished`);
    const now = ctx.clock.now();
    const before = await refundedLineUnits(tx, orderId);
    const byLine = refundedByLine(order, message.lines);
    const lines = [...byLine].map(([lineNumber, quantity]) => ({
      lineNumber,
      sku: order.lines[lineNumber - 1]!.sku,
      quantity,
    }));
    const inserted = await tx
      .insertInto('channel_refunds')
      .values({
        channel_id: channelId,
        refund_id: message.refundId,
        order_id: orderId,
        origin: 'channel',
        amount: message.amount.amount,
        currency: message.amount.currency,
        lines: JSON.stringify(lines),
        created_at: message.createdAt.getTime(),
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return `duplicate refund ${message.refundId}`;
    await recordEvents(tx, now, [
      event(orderId, 'order.refunded_at_channel', {
        refundId: message.refundId,
        amount: message.amount,
        lines,
      }),
    ]);
    const whole = wholeLinesRefunded(order, byLine, before);
    if (whole.length === 0) return `refund ${message.refundId} recorded`;
    const outcome = await cancelLines(
      ctx,
      tx,
      order,
      whole,
      `refunded at the channel (refund ${message.refundId})`,
    );
    return `refund ${message.refundId}: ${outcome}`;
  });
}

/**
 * The refund's units per order line: by the channel's line id, or (a channel that names no line id) by SKU in line
 * order, a SKU on two lines filling the first first.
 */
function refundedByLine(order: Order, refunded: RefundMessage['lines']): Map<number, number> {
  const byLine = new Map<number, number>();
  const add = (lineNumber: number, units: number) =>
    byLine.set(lineNumber, (byLine.get(lineNumber) ?? 0) + units);
  for (const r of refunded) {
    const line = r.channelLineId ? order.lines.find((l) => l.channelLineId === r.channelLineId) : undefined;
    if (line) {
      add(line.lineNumber, r.quantity);
      continue;
    }
    let left = r.quantity;
    for (const candidate of order.lines.filter((l) => r.sku && l.sku === r.sku)) {
      const take = Math.min(left, candidate.quantity - (byLine.get(candidate.lineNumber) ?? 0));
      if (take > 0) add(candidate.lineNumber, take);
      left -= Math.max(take, 0);
    }
  }
  return byLine;
}

/** Lines whose whole quantity this refund and the ones before it cover, that are not cancelled yet. */
function wholeLinesRefunded(
  order: Order,
  byLine: ReadonlyMap<number, number>,
  before: ReadonlyMap<number, number>,
): number[] {
  return order.lines
    .filter(
      (l) =>
        l.state !== 'cancelled' &&
        (byLine.get(l.lineNumber) ?? 0) > 0 &&
        (byLine.get(l.lineNumber) ?? 0) + (before.get(l.lineNumber) ?? 0) >= l.quantity,
    )
    .map((l) => l.lineNumber);
}

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
    await cancelLines(ctx, tx, order, decision.cancelLines, why, { allOrNothing: true, loaded });
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
async function cancelLines(
  ctx: AppContext,
  tx: Db,
  order: Order,
  targets: readonly number[],
  why: string,
  options: { allOrNothing?: boolean; loaded?: Awaited<ReturnType<typeof purchaseOrdersForCancel>> } = {},
): Promise<string> {
  const now = ctx.clock.now();
  const { purchaseOrders, forCancel: cancellable } =
    options.loaded ?? (await purchaseOrdersForCancel(ctx, tx, order.id));
  const plan = planCancellation(order, cancellable, targets);

  // Stop the queued sends first: a send job that is not pending and untried any more has (maybe) reached the supplier.
  const stopped: string[] = [];
  for (const po of purchaseOrders.filter((p) => plan.cancelPurchaseOrders.includes(p.id))) {
    if (po.state === 'pending' && !(await cancelPendingJob(tx, sendKey(po), now.getTime(), true))) {
      if (options.allOrNothing)
        throw new CancellationOvertaken(`${po.poNumber} was claimed for sending meanwhile`);
      const lines = po.lines.map((l) => l.orderLineNumber);
      plan.cancelLines = plan.cancelLines.filter((n) => !lines.includes(n));
      plan.withSuppliers.push({ poNumber: po.poNumber, supplierId: po.supplierId, lines });
      continue;
    }
    await tx
      .updateTable('purchase_orders')
      .set({ state: purchaseOrderMachine.assert(po.state, 'cancelled'), updated_at: now.getTime() })
      .where('id', '=', po.id)
      .execute();
    await tx
      .updateTable('purchase_order_lines')
      .set({ status: 'cancelled' })
      .where('purchase_order_id', '=', po.id)
      .where('status', '=', 'open')
      .execute();
    stopped.push(po.poNumber);
  }

  const lines = order.lines.map((l) =>
    plan.cancelLines.includes(l.lineNumber)
      ? { ...l, state: orderLineMachine.assert(l.state, 'cancelled'), cancelReason: 'channel' as const }
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
  await saveOrderState(tx, { id: order.id, state, holdReason, lines }, now, plan.cancelLines);
  const events: TimelineEvent[] = [
    event(order.id, 'order.lines_cancelled', {
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

/** Payment arrived: the drafted purchase orders are queued for sending, and lines short of stock are refunded. */
async function releasePaidOrder(ctx: AppContext, tx: Db, order: Order): Promise<void> {
  const now = ctx.clock.now();
  const drafts = (await loadPurchaseOrders(tx, { orderId: order.id }, ctx.store.caps.rowLocks)).filter(
    (po) => po.state === 'draft',
  );
  for (const po of drafts) purchaseOrderMachine.assert(po.state, 'pending');
  // The acknowledgement clock starts now: the supplier has had nothing to answer until this moment.
  const ackWithin = await ackWindows(
    tx,
    drafts.map((po) => po.supplierId),
  );
  const released = drafts.map((po) => ({
    id: po.id,
    poNumber: po.poNumber,
    ackDueAt: new Date(now.getTime() + (ackWithin.get(po.supplierId) ?? 24 * 60) * 60_000),
  }));
  for (const po of released) {
    await tx
      .updateTable('purchase_orders')
      .set({ state: 'pending', ack_due_at: po.ackDueAt.getTime(), updated_at: now.getTime() })
      .where('id', '=', po.id)
      .execute();
  }
  await queuePurchaseOrders(ctx, tx, released);
  const state = paidOrderState(order.state, order.lines);
  await saveOrderState(
    tx,
    { id: order.id, state, holdReason: order.holdReason, lines: order.lines },
    now,
    [],
  );
  await recordEvents(tx, now, [
    event(order.id, 'order.paid', { purchaseOrdersReleased: drafts.map((po) => po.poNumber), state }),
  ]);
  await queueStockRefund(ctx, tx, order);
}

async function ackWindows(tx: Db, supplierIds: readonly string[]): Promise<Map<string, number>> {
  if (supplierIds.length === 0) return new Map();
  const rows = await tx
    .selectFrom('suppliers')
    .select(['id', 'ack_within_minutes'])
    .where('id', 'in', [...new Set(supplierIds)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.ack_within_minutes]));
}

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
  const rows = await tx
    .selectFrom('jobs')
    .select('key')
    .where('key', 'in', [...byKey.keys()])
    .where('state', '=', 'pending')
    .where('attempts', '=', 0)
    .execute();
  return new Set(rows.map((r) => byKey.get(r.key)!));
}

/** The key of a purchase order's send job. */
function sendKey(po: Pick<PurchaseOrder, 'id' | 'poNumber'>): string {
  return sendPurchaseOrderJob.key({ purchaseOrderId: po.id, poNumber: po.poNumber });
}

/**
 * Takes a queued job out of the queue, in the caller's transaction; false when it was no longer waiting (a worker
 * claimed it). `untried` also requires that no attempt ever ran (a send that timed out may have arrived).
 */
async function cancelPendingJob(tx: Db, key: string, now: number, untried: boolean): Promise<boolean> {
  let query = tx
    .updateTable('jobs')
    .set({ state: 'cancelled', updated_at: now })
    .where('key', '=', key)
    .where('state', '=', 'pending');
  if (untried) query = query.where('attempts', '=', 0);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function event(orderId: string, type: string, data: object): TimelineEvent {
  return { orderId, subjectType: 'order', subjectId: orderId, type, data };
}
