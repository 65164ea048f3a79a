import { destinationOf } from '../domain/order-checks.ts';
import type { OrderId } from '../domain/ids.ts';
import { orderLineMachine } from '../domain/order.machine.ts';
import { nextOrderState, type Order } from '../domain/order.ts';
import type { LineRoute } from '../domain/routing.ts';
import { defineJob, jobKind } from '../jobs/job.ts';
import { loadOrder, ordersWithFillableBackorders, saveOrderChange } from '../store/orders.repo.ts';
import { findCatalogFor } from '../store/partners.repo.ts';
import { purchaseOrderNumbersOf } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { resolveHolds } from '../store/review.repo.ts';
import type { AppContext } from './context.ts';
import { placeLines, recordPlacements, type LinesToPlace } from './place-lines.ts';
import { recordEvents } from '../store/events.repo.ts';
import { wakeJobs } from '../jobs/queue.ts';

/** How often backordered lines are matched against stock that came back. */
export const FILL_BACKORDERS_INTERVAL_MS = 5_000;
/** Orders looked at per run, oldest first; the rest wait for the next run. */
const ORDERS_PER_RUN = 100;

/**
 * Backordered lines (taken in on a channel that accepts backorders, when nothing was left) are filled when stock
 * comes back, first come first served: the stock is reserved, the line routed, and a purchase order goes to the
 * supplier (a second one to a supplier the order already has one with is numbered `…-2`). One transaction per order;
 * an order awaiting payment gets its purchase orders drafted, as at intake.
 */
export const fillBackordersJob = {
  ...jobKind<Record<string, never>>('stock.fill-backorders', () => 'stock.fill-backorders'),
  bind: (ctx: AppContext) =>
    defineJob<Record<string, never>>({
      kind: fillBackordersJob.kind,
      maxAttempts: 10,
      timeoutMs: 60_000,
      backoff: { baseMs: 1_000, capMs: 60_000 },
      run: async () => {
        const candidates = await ordersWithFillableBackorders(ctx.store.db, ORDERS_PER_RUN);
        let filled = 0;
        for (const orderId of candidates)
          filled += await ctx.store.transact((tx) => fillOrder(ctx, tx, orderId));
        // A full page may have more behind it: look again at once.
        const again = candidates.length === ORDERS_PER_RUN && filled > 0 ? 0 : FILL_BACKORDERS_INTERVAL_MS;
        return { rerunAt: new Date(ctx.clock.now().getTime() + again) };
      },
    }),
};

/** Fills what it can of one order's backordered lines; returns how many lines it filled. */
async function fillOrder(ctx: AppContext, tx: Db, orderId: OrderId): Promise<number> {
  const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
  if (!order) return 0;
  const waiting = order.lines.filter((l) => l.state === 'backordered');
  if (waiting.length === 0) return 0;
  const now = ctx.clock.now();
  const catalog = await findCatalogFor(tx, [...new Set(waiting.map((l) => l.sku))]);
  // Still short, a line keeps waiting: its channel's policy was applied when it was taken in.
  const toPlace: LinesToPlace = {
    orderId,
    channelId: order.channelId,
    policy: 'accept',
    awaitingPayment: order.state === 'awaiting_payment',
    lines: waiting,
    destination: destinationOf(order.shippingAddress),
    poNumbersTaken: new Set(await purchaseOrderNumbersOf(tx, orderId)),
  };
  const [placed] = await placeLines(tx, ctx, catalog, [toPlace], now);
  const { routes, rulesVersion, stock, purchaseOrders } = placed!;
  const filled = new Map<number, LineRoute>(
    routes
      .filter((r) => r.kind === 'routed' && stock.get(r.lineNumber) === 'reserved')
      .map((r) => [r.lineNumber, r]),
  );
  if (filled.size === 0) return 0;

  const lines = order.lines.map((l) => {
    const route = filled.get(l.lineNumber);
    return route?.kind === 'routed'
      ? { ...l, state: orderLineMachine.assert(l.state, 'routed'), supplierId: route.offer.supplierId }
      : l;
  });
  const state = nextOrderState(order.state, lines);
  await recordPlacements(ctx, tx, [toPlace], [placed!], now);
  // The review queue's "awaiting stock" goes once no line of the order waits for stock any more.
  if (!lines.some((l) => l.state === 'backordered'))
    await resolveHolds(tx, orderId, now.getTime(), 'stock.backordered');
  await saveOrderChange(
    tx,
    order,
    { state, holdReason: holdReasonAfter(order, [...filled.keys()]), lines },
    now,
    [...filled.keys()],
  );
  await recordEvents(tx, now, [
    {
      orderId,
      subjectType: 'order',
      subjectId: orderId,
      type: 'order.backorder_filled',
      data: {
        lines: [...filled.keys()],
        rulesVersion,
        purchaseOrders: purchaseOrders.map((po) => ({
          poNumber: po.plan.poNumber,
          supplierId: po.plan.supplierId,
        })),
        state,
      },
    },
  ]);
  return filled.size;
}

/** The order's hold reason without the "awaiting stock" parts of the lines now filled (take-order writes them). */
function holdReasonAfter(order: Order, filledLines: readonly number[]): string | null {
  const parts = (order.holdReason ?? '')
    .split('; ')
    .filter((part) => part && !filledLines.some((n) => part.startsWith(`line ${n}: awaiting stock`)));
  return parts.length ? parts.join('; ') : null;
}

/** Makes sure the recurring fill is queued (one job, by key). */
export async function ensureBackorderFill(ctx: AppContext, tx: Db): Promise<void> {
  await ctx.queue.add(tx, fillBackordersJob, [{}]);
}

/**
 * Brings the fill forward to now, in the caller's transaction, when stock may have come back (a setup change, a
 * cancellation releasing units), instead of at its next turn.
 */
export async function wakeBackorderFill(tx: Db, now: number): Promise<void> {
  await wakeJobs(tx, { key: fillBackordersJob.key({}) }, now);
}
