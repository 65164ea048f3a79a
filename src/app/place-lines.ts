import type { OrderId, Sku, SupplierId } from '../domain/ids.ts';
import { planPurchaseOrders } from '../domain/purchase-order.ts';
import { routeLines, type LineRoute } from '../domain/routing.ts';
import type { Place } from '../domain/routing-engine.ts';
import type { BackorderPolicy } from '../domain/stock.ts';
import type { CatalogSlice, SupplierSla } from '../store/partners.repo.ts';
import { insertPurchaseOrders, type NewPurchaseOrder } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import type { TimelineEvent } from '../store/events.repo.ts';
import { recordReservations, type NewReservation } from '../store/stock.repo.ts';
import type { AppContext } from './context.ts';
import { currentRouting, type RetailerRouting } from './routing-rules.ts';
import { slaDeadline } from './supplier-sla.ts';
import { reserveStock, type StockOutcome } from './reserve-stock.ts';
import { sendPurchaseOrderJob } from './send-purchase-order.ts';

/** Lines of one order to place with suppliers: a new order's, or backordered ones whose stock came back. */
export interface LinesToPlace {
  orderId: OrderId;
  channelId: string;
  /** What a line short of stock becomes: waits for it (`accept`) or is cancelled. */
  policy: BackorderPolicy;
  /** The order is not paid yet: its POs are drafted, not sent. */
  awaitingPayment: boolean;
  lines: readonly { lineNumber: number; sku: Sku; quantity: number }[];
  /** Where the order ships: routing keeps each line to the nodes that ship there. */
  destination: Place;
  /** Why a line may not be routed now (the whole order held, a SKU not in the catalog); null: route it. */
  blocked?: (line: { lineNumber: number; sku: Sku }) => string | null;
  /** Nodes the lines must not go to now, each with why (routed again after a miss). */
  avoid?: ReadonlyMap<SupplierId, string>;
  /** PO numbers the order has already: a later PO to the same supplier is numbered after them. */
  poNumbersTaken?: ReadonlySet<string>;
}

/** What placing an order's lines decided. */
export interface Placed {
  routes: LineRoute[];
  /** The version of the retailer's routing rules that decided (0: none written). */
  rulesVersion: number;
  /** Each routed line's stock: held, or short (then its policy's outcome). */
  stock: Map<number, StockOutcome>;
  held: NewReservation[];
  purchaseOrders: NewPurchaseOrder[];
}

/**
 * The one placement step, for orders taken in and backorders filled (and, next, lines routed again): each line routed
 * by the rules (routeLines), its stock held first come first served in the batch's order (reserveStock), and one
 * purchase order planned per supplier at wholesale cost, due for acknowledgement within the supplier's SLA. Writes
 * only the stock levels; recordPlacements writes the rest once the order rows exist.
 */
export async function placeLines(
  tx: Db,
  ctx: AppContext,
  catalog: CatalogSlice,
  batch: readonly LinesToPlace[],
  now: Date,
  inForce?: RetailerRouting,
): Promise<Placed[]> {
  const lines = batch.map((item) => item.lines.map((l) => ({ ...l, ...catalog.labels.get(l.sku) })));
  const routing = inForce ?? (await currentRouting(ctx.store, tx));
  const routed = batch.map((item, n) =>
    routeLines(lines[n]!, catalog.offers, {
      destination: item.destination,
      rules: routing.rules,
      ...(item.avoid && { avoid: item.avoid }),
    }).map((route, i): LineRoute => {
      const reason = item.blocked?.(item.lines[i]!);
      return reason ? { kind: 'unroutable', lineNumber: route.lineNumber, candidates: [], reason } : route;
    }),
  );
  const reserved = await reserveStock(
    tx,
    ctx.store.caps.rowLocks,
    batch.map((item, i) => ({
      order: { orderId: item.orderId, channelId: item.channelId, policy: item.policy },
      lines: item.lines,
      routes: routed[i]!,
    })),
    now.getTime(),
  );
  return batch.map((item, i) => {
    const { outcomes: stock, held } = reserved[i]!;
    const supplied = routed[i]!.filter((r) => stock.get(r.lineNumber) === 'reserved');
    const purchaseOrders = planPurchaseOrders(item.orderId, item.lines, supplied, item.poNumbersTaken).map(
      (plan): NewPurchaseOrder => ({
        id: ctx.ids.next('po'),
        orderId: item.orderId,
        plan,
        // Drafts wait for the payment; the others are queued for sending at once (purchaseOrderMachine: draft → pending).
        state: item.awaitingPayment ? 'draft' : 'pending',
        ackDueAt: ackDeadline(catalog.slas.get(plan.supplierId)!, now),
      }),
    );
    return { routes: routed[i]!, rulesVersion: routing.version, stock, held, purchaseOrders };
  });
}

/**
 * Writes what placeLines decided, in the caller's transaction, after the order rows: the reservations, the purchase
 * orders (a statement each for the whole batch), and the sends of those that may go now.
 */
export async function recordPlacements(
  ctx: AppContext,
  tx: Db,
  batch: readonly LinesToPlace[],
  placed: readonly Placed[],
  now: Date,
): Promise<void> {
  await recordReservations(
    tx,
    placed.flatMap((p) => p.held),
    now.getTime(),
  );
  await insertPurchaseOrders(
    tx,
    placed.flatMap((p) => p.purchaseOrders),
    now,
  );
  await queuePurchaseOrders(
    ctx,
    tx,
    placed.flatMap((p, i) =>
      batch[i]!.awaitingPayment
        ? []
        : p.purchaseOrders.map(({ id, plan }) => ({ id, poNumber: plan.poNumber })),
    ),
  );
}

/**
 * Queues the sends of purchase orders that may now go to their suppliers (their acknowledgement deadlines are on the
 * POs, for the sweep).
 */
export async function queuePurchaseOrders(
  ctx: AppContext,
  tx: Db,
  purchaseOrders: readonly { id: string; poNumber: string }[],
): Promise<void> {
  await ctx.queue.add(
    tx,
    sendPurchaseOrderJob,
    purchaseOrders.map(({ id, poNumber }) => ({ purchaseOrderId: id, poNumber })),
  );
}

/** The node's acknowledgement deadline for a PO sent now: in its working hours when it has them. */
function ackDeadline(sla: SupplierSla, now: Date): Date {
  return slaDeadline(now, sla.ackWithinMinutes, sla.workingHours);
}

/** A line's routing as the timeline shows it: the winner, why, and every candidate with what it scored. */
export function describeRoute(route: LineRoute) {
  return {
    line: route.lineNumber,
    outcome: route.kind,
    supplierId: route.kind === 'routed' ? route.offer.supplierId : null,
    reason: route.reason,
    candidates: route.candidates,
  };
}

/** The timeline's record of each purchase order placed. */
export function purchaseOrderCreatedEvents(
  orderId: OrderId,
  purchaseOrders: readonly NewPurchaseOrder[],
): TimelineEvent[] {
  return purchaseOrders.map(({ id, plan }) => ({
    orderId,
    subjectType: 'purchase_order' as const,
    subjectId: id,
    type: 'purchase_order.created',
    data: {
      poNumber: plan.poNumber,
      supplierId: plan.supplierId,
      total: plan.total,
      lines: plan.lines.length,
    },
  }));
}
