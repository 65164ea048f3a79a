import { orderMachine, type OrderLineState } from '../domain/order.machine.ts';
import { editedAway, type EditedAway } from '../domain/order-edit.ts';
import type { Order } from '../domain/order.ts';
import type { OrderMessage } from '../connectors/channels/sales-channel.ts';
import { orderEvent, recordEvents } from '../store/events.repo.ts';
import { channelUpdatedAt, keepChannelUpdatedAt, loadOrder, saveOrderChange } from '../store/orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { cancelOrderLines } from './cancel-order-lines.ts';
import type { AppContext } from './context.ts';
import { releasePaidOrder } from './release-paid-order.ts';

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
    const kept = await channelUpdatedAt(tx, orderId);
    const now = ctx.clock.now();
    const { sourceUpdatedAt, cancelled, awaitingPayment } = message;
    if (kept !== null && kept >= sourceUpdatedAt.getTime()) {
      await recordEvents(tx, now, [
        orderEvent(orderId, 'order.channel_update_stale', { sourceUpdatedAt, kept: new Date(kept) }),
      ]);
      return `stale ${orderId}`;
    }
    await keepChannelUpdatedAt(tx, orderId, sourceUpdatedAt, now);
    await recordEvents(tx, now, [
      orderEvent(orderId, 'order.channel_updated', {
        sourceUpdatedAt,
        cancelledAtChannel: cancelled,
        awaitingPayment,
      }),
    ]);
    if (cancelled && order.state !== 'cancelled') {
      const outcome = await cancelOrderLines(
        ctx,
        tx,
        order,
        order.lines.map((l) => l.lineNumber),
        'the order was cancelled at the channel',
        { withdraw: true },
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
 * (stopped if no supplier has it, withdrawn from the supplier when its whole purchase order goes, else held for a
 * person naming the purchase order); a line with fewer units is
 * held for a person, since a purchase order line is sent or stopped whole.
 */
async function applyOrderEdit(ctx: AppContext, tx: Db, order: Order, edit: EditedAway): Promise<string> {
  const outcome = edit.removed.length
    ? await cancelOrderLines(ctx, tx, order, edit.removed, 'removed by an order edit at the channel', {
        withdraw: true,
      })
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
  if (holds) await saveOrderChange(tx, after, { state: 'on_hold', holdReason, lines: after.lines }, now, []);
  await recordEvents(tx, now, [
    orderEvent(order.id, 'order.edited_at_channel', {
      reduced: edit.reduced,
      removed: edit.removed,
      held: holds,
    }),
  ]);
  return `${outcome}; ${edit.reduced.length} line(s) reduced, held for a person`;
}
