import { money } from '../domain/money.ts';
import type { Order } from '../domain/order.ts';
import { refundShare } from '../domain/refund-share.ts';
import type { RefundNotice } from '../connectors/channels/sales-channel.ts';
import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { loadOrder, refundedLineUnits } from '../store/orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { openSalesChannel } from './channel-access.ts';
import type { AppContext } from './context.ts';
import { recordEvents } from '../store/events.repo.ts';
import { recordRefund } from '../store/refunds.repo.ts';

interface RefundJob {
  orderId: string;
  /** Waybill's id of the refund, stable for the same lines: the channel's idempotency key. */
  refundId: string;
  lineNumbers: number[];
  reason: string;
}

/**
 * Refunds lines Waybill cancelled at the channel the order came from, and tells the customer why. A channel that
 * cannot refund (the operator API's storefront) gets the refund recorded as owed, for a person to make.
 */
export const refundAtChannelJob = {
  ...jobKind<RefundJob>('channel.refund', (p) => `channel.refund:${p.refundId}`),
  bind: (ctx: AppContext) =>
    defineJob<RefundJob>({
      kind: refundAtChannelJob.kind,
      maxAttempts: 10,
      // Above the channel's own refund timeout (WooCommerce waits up to 120 s for a slow payment gateway).
      timeoutMs: 180_000,
      backoff: { baseMs: 1_000, capMs: 10 * 60_000 },
      run: async ({ orderId, refundId, lineNumbers, reason }, job) => {
        const order = await loadOrder(ctx.store.db, orderId);
        if (!order) throw new PermanentError(`order ${orderId} does not exist`);
        const opened = await openSalesChannel(ctx, order.channelId);
        if (!opened) throw new PermanentError(`channel ${order.channelId} does not exist`);
        const lines = refundLines(order, lineNumbers, await refundedLineUnits(ctx.store.db, order.id));
        const amount = money(
          lines.reduce((n, l) => n + l.share.total.amount, 0),
          order.currency,
        );
        const now = ctx.clock.now();
        const data = {
          channelId: order.channelId,
          refundId,
          amount,
          lines: lines.map(({ lineNumber, sku, quantity }) => ({ lineNumber, sku, quantity })),
          reason,
        };
        if (!opened.sales.refund) {
          return {
            commit: (tx) =>
              recordEvents(tx, now, [
                { orderId, subjectType: 'order', subjectId: orderId, type: 'channel.refund_owed', data },
              ]),
          };
        }
        const made = await opened.sales.refund(
          { refundId, orderId, externalId: order.externalId, reason, lines, amount, notifyCustomer: true },
          { signal: job.signal, now },
        );
        return {
          commit: async (tx) => {
            // Recorded under the channel's own id where it has one its poll reports refunds by (eBay): the poll
            // finding this refund then finds it recorded, and applies nothing twice.
            await recordRefund(tx, {
              channelId: order.channelId,
              refundId: made?.channelRefundId ?? refundId,
              orderId,
              origin: 'waybill',
              amount,
              lines: data.lines,
              createdAt: now,
            });
            await recordEvents(tx, now, [
              {
                orderId,
                subjectType: 'order',
                subjectId: orderId,
                type: 'channel.refunded',
                data: made ? { ...data, channelRefundId: made.channelRefundId } : data,
              },
            ]);
          },
        };
      },
    }),
};

/**
 * Queues the refund of the lines cancelled for want of stock, once the order is paid (at intake, or when the payment
 * arrives). One refund per order: its id is derived from the order, so queuing it twice is one job.
 */
export async function queueStockRefund(
  ctx: AppContext,
  tx: Db,
  order: Pick<Order, 'id' | 'lines' | 'currency'>,
): Promise<void> {
  const short = order.lines.filter((l) => l.state === 'cancelled' && l.cancelReason === 'stock');
  if (short.length === 0) return;
  const refundId = `rf_${order.id.replace(/^ord_/, '')}_stock`;
  const skus = [...new Set(short.map((l) => l.sku))].join(', ');
  const payload: RefundJob = {
    orderId: order.id,
    refundId,
    lineNumbers: short.map((l) => l.lineNumber),
    reason: `Out of stock: ${skus}. These items will not be sent; they are refunded.`,
  };
  await ctx.queue.add(tx, refundAtChannelJob, [payload]);
}

/**
 * The whole remaining quantity of each line, and what the customer paid for those units: the line's charge after
 * discounts, pro rata per unit after the units refunded before (the last unit takes the remainder, so a line
 * refunded in parts still comes to exactly what was charged for it).
 */
function refundLines(
  order: Order,
  lineNumbers: readonly number[],
  refunded: ReadonlyMap<number, number>,
): RefundNotice['lines'] {
  return order.lines
    .filter((l) => lineNumbers.includes(l.lineNumber))
    .flatMap((l) => {
      const alreadyRefunded = Math.min(refunded.get(l.lineNumber) ?? 0, l.quantity);
      const units = l.quantity - alreadyRefunded;
      if (units === 0) return [];
      const share = refundShare(l.charges, {
        quantity: l.quantity,
        alreadyRefunded,
        units,
        taxesIncluded: order.charges.taxesIncluded,
      });
      return [
        { lineNumber: l.lineNumber, channelLineId: l.channelLineId, sku: l.sku, quantity: units, share },
      ];
    });
}
