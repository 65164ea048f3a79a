import type { Order } from '../domain/order.ts';
import type { RefundMessage } from '../connectors/channels/sales-channel.ts';
import { orderEvent, recordEvents } from '../store/events.repo.ts';
import { findOrderIdByExternalId, loadOrder, refundedLineUnits } from '../store/orders.repo.ts';
import { recordRefund } from '../store/refunds.repo.ts';
import { cancelOrderLines } from './cancel-order-lines.ts';
import type { AppContext } from './context.ts';

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
    const recorded = await recordRefund(tx, {
      channelId,
      refundId: message.refundId,
      orderId,
      origin: 'channel',
      amount: message.amount,
      lines,
      createdAt: message.createdAt,
    });
    if (!recorded) return `duplicate refund ${message.refundId}`;
    await recordEvents(tx, now, [
      orderEvent(orderId, 'order.refunded_at_channel', {
        refundId: message.refundId,
        amount: message.amount,
        lines,
      }),
    ]);
    const whole = wholeLinesRefunded(order, byLine, before);
    if (whole.length === 0) return `refund ${message.refundId} recorded`;
    const outcome = await cancelOrderLines(
      ctx,
      tx,
      order,
      whole,
      `refunded at the channel (refund ${message.refundId})`,
      { withdraw: true },
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
