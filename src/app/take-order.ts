import { shippingAddressProblem } from '../domain/address.ts';
import { plainLineCharges, plainOrderCharges, reconcile } from '../domain/charges.ts';
import type { OrderId, Sku } from '../domain/ids.ts';
import { orderLineMachine } from '../domain/order.machine.ts';
import { initialOrderState, type IncomingOrder, type Order } from '../domain/order.ts';
import { planPurchaseOrders, type PurchaseOrderPlan } from '../domain/purchase-order.ts';
import { routeLines, type LineRoute } from '../domain/routing.ts';
import { findOrderIdByExternalId, insertOrder } from '../store/orders.repo.ts';
import { findCatalogFor, findChannel, type ChannelRecord } from '../store/partners.repo.ts';
import { insertPurchaseOrders, type NewPurchaseOrder } from '../store/purchase-orders.repo.ts';
import { recordReservations } from '../store/stock.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { InputError, NotFoundError } from './errors.ts';
import { queueStockRefund } from './refund-at-channel.ts';
import { sendPurchaseOrderJob } from './send-purchase-order.ts';
import { reserveStock, type StockOutcome } from './reserve-stock.ts';
import { recordEvents } from '../store/events.repo.ts';

/** A new order comes back with what was decided, so the caller can answer without reading it again. */
export type TakeOrderResult =
  | { kind: 'created'; orderId: OrderId; order: Order; purchaseOrders: (PurchaseOrderPlan & { id: string })[] }
  | { kind: 'duplicate'; orderId: OrderId };

/**
 * A channel hands over an order. In one transaction: deduplicate on the channel's external id, route each line,
 * create one purchase order per supplier at wholesale cost, record the timeline, and queue the sends. When this resolves the order is durable; the POs go out after the commit.
 */
export interface TakeOrderOptions {
  /**
   * `reject` (the operator API): an unknown SKU is bad input and nothing is stored. `hold` (channel webhooks, where
   * the order exists whatever Waybill thinks): the order is taken and held for the operator with the reason.
   */
  unknownSkus?: 'reject' | 'hold';
  /** The channel's own last-modified time of the order, kept to order later updates. */
  sourceUpdatedAt?: Date;
  /**
   * The channel has not been paid yet: stock is reserved and purchase orders drafted, but nothing is sent to a
   * supplier until an update says it is paid (see release-paid-order.ts).
   */
  awaitingPayment?: boolean;
  /**
   * Why the whole order must wait for a person before anything goes to a supplier (a payment that expired or was
   * voided): nothing is routed, no stock is held, the order is on hold with this reason.
   */
  hold?: string;
  /** The channel as the caller already read it in this transaction (a webhook's processing), to spare a read. */
  channel?: ChannelRecord;
}

export async function takeOrder(ctx: AppContext, incoming: IncomingOrder, options: TakeOrderOptions = {}): Promise<TakeOrderResult> {
  try {
    return await ctx.store.transact((tx) => takeOrderIn(tx, ctx, incoming, options));
  } catch (error) {
    // Two deliveries of one order raced on PostgreSQL: the loser hits the unique key and reports the winner's.
    const existing = isUniqueViolation(error) ? await findOrderIdByExternalId(ctx.store.db, incoming.channelId, incoming.externalId) : null;
    if (existing) return { kind: 'duplicate', orderId: existing };
    throw error;
  }
}

async function takeOrderIn(tx: Db, ctx: AppContext, incoming: IncomingOrder, options: TakeOrderOptions): Promise<TakeOrderResult> {
  const existing = await findOrderIdByExternalId(tx, incoming.channelId, incoming.externalId);
  if (existing) return { kind: 'duplicate', orderId: existing };
  const channel = options.channel?.id === incoming.channelId ? options.channel : await findChannel(tx, incoming.channelId);
  if (!channel) throw new NotFoundError(`channel ${incoming.channelId}`);

  // Lines that need no shipping (gift wrap, gift cards) are kept with their money but never routed, reserved or sent.
  const lines = incoming.lines.map((l, i) => ({ lineNumber: i + 1, sku: l.sku, quantity: l.quantity })).filter((_, i) => incoming.lines[i]!.requiresShipping !== false);
  const catalog = await findCatalogFor(tx, [...new Set(lines.map((l) => l.sku))]);
  const unknown = lines.find((l) => !catalog.known.has(l.sku));
  if (unknown && options.unknownSkus !== 'hold') throw new InputError(`lines[${unknown.lineNumber - 1}].sku`, `unknown SKU ${unknown.sku}`);

  const now = ctx.clock.now();
  const orderId = ctx.ids.next('ord') as OrderId;
  // An order that cannot go anywhere yet (no address to ship to, a payment that failed) waits whole, holding nothing.
  const orderHold = options.hold ?? (lines.length ? shippingAddressProblem(incoming.shippingAddress) : null);
  const routes: LineRoute[] = orderHold
    ? lines.map((l) => ({ kind: 'unroutable', lineNumber: l.lineNumber, candidates: [], reason: orderHold }))
    : routeLines(lines, catalog.offers).map((route, i) =>
        catalog.known.has(lines[i]!.sku) ? route : { kind: 'unroutable', lineNumber: route.lineNumber, candidates: [], reason: describeUnknown(lines[i]!.sku) },
      );
  const { outcomes: stock, held } = await reserveStock(tx, { orderId, channelId: channel.id, policy: channel.backorderPolicy }, lines, routes, now.getTime());
  const awaitingPayment = options.awaitingPayment ?? false;
  const order = buildOrder(orderId, incoming, routes, stock, { awaitingPayment, orderHold });
  const mismatches = reconcile(order.lines.map((l) => l.charges), order.charges, order.currency);
  const supplied = routes.filter((r) => stock.get(r.lineNumber) === 'reserved');
  // Drafts wait for the payment; the others are queued for sending at once (purchaseOrderMachine: draft → pending).
  const state = awaitingPayment ? ('draft' as const) : ('pending' as const);
  const purchaseOrders: NewPurchaseOrder[] = planPurchaseOrders(orderId, lines, supplied).map((plan) => ({
    id: ctx.ids.next('po'),
    orderId,
    plan,
    state,
    ackDueAt: new Date(now.getTime() + catalog.ackWithinMinutes.get(plan.supplierId)! * 60_000),
  }));

  await insertOrder(tx, order, now, options.sourceUpdatedAt);
  await recordReservations(tx, held, now.getTime());
  await insertPurchaseOrders(tx, purchaseOrders, now);
  if (!awaitingPayment) {
    await queuePurchaseOrders(ctx, tx, purchaseOrders.map(({ id, plan, ackDueAt }) => ({ id, poNumber: plan.poNumber, ackDueAt })));
    // Lines cancelled for want of stock were paid for: the channel refunds them and tells the customer.
    await queueStockRefund(ctx, tx, order);
  }
  await recordEvents(tx, now, [
    { orderId, subjectType: 'order', subjectId: orderId, type: 'order.received', data: { channelId: incoming.channelId, externalId: incoming.externalId } },
    { orderId, subjectType: 'order', subjectId: orderId, type: 'order.routed', data: { routes: routes.map(describeRoute), stock: Object.fromEntries(stock), state: order.state, holdReason: order.holdReason } },
    // Taken in as the channel charged it; the difference is for a person to look at, never silently "corrected".
    ...(mismatches.length ? [{ orderId, subjectType: 'order' as const, subjectId: orderId, type: 'order.charges_mismatch', data: { currency: order.currency, mismatches } }] : []),
    ...purchaseOrders.map(({ id, plan }) => ({
      orderId,
      subjectType: 'purchase_order' as const,
      subjectId: id,
      type: 'purchase_order.created',
      data: { poNumber: plan.poNumber, supplierId: plan.supplierId, total: plan.total, lines: plan.lines.length },
    })),
  ]);
  return { kind: 'created', orderId, order, purchaseOrders: purchaseOrders.map(({ id, plan }) => ({ id, ...plan })) };
}

/**
 * Queues the sends of purchase orders that may now go to their suppliers (their acknowledgement deadlines are on the
 * POs, for the sweep).
 */
export async function queuePurchaseOrders(ctx: AppContext, tx: Db, purchaseOrders: readonly { id: string; poNumber: string }[]): Promise<void> {
  await ctx.queue.enqueue(
    tx,
    purchaseOrders.map(({ id, poNumber }) => ({ kind: sendPurchaseOrderJob.kind, key: `${sendPurchaseOrderJob.kind}:${poNumber}`, payload: { purchaseOrderId: id } })),
  );
}

function buildOrder(
  id: OrderId,
  incoming: IncomingOrder,
  routes: readonly LineRoute[],
  stock: ReadonlyMap<number, StockOutcome>,
  { awaitingPayment, orderHold }: { awaitingPayment: boolean; orderHold: string | null },
): Order {
  const routeOf = new Map(routes.map((r) => [r.lineNumber, r]));
  const lines = incoming.lines.map((l, i) => {
    const lineNumber = i + 1;
    const route = routeOf.get(lineNumber);
    const outcome = stock.get(lineNumber);
    const state = !route
      ? orderLineMachine.assert(orderLineMachine.initial, 'no_shipping')
      : outcome
        ? orderLineMachine.assert(orderLineMachine.initial, LINE_STATE[outcome])
        : orderLineMachine.initial;
    return {
      lineNumber,
      sku: l.sku as Sku,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      channelLineId: l.channelLineId ?? null,
      title: l.title ?? null,
      requiresShipping: Boolean(route),
      charges: l.charges ?? plainLineCharges(l.unitPrice, l.quantity),
      state,
      supplierId: outcome === 'reserved' && route?.kind === 'routed' ? route.offer.supplierId : null,
      cancelReason: outcome === 'cancelled' ? ('stock' as const) : null,
    };
  });
  const reasons = orderHold
    ? [orderHold]
    : [
        ...routes.filter((r) => r.kind === 'unroutable').map((r) => `line ${r.lineNumber}: ${r.reason}`),
        ...lines.filter((l) => l.state === 'backordered').map((l) => `line ${l.lineNumber}: awaiting stock of ${l.sku}`),
      ];
  const charges = incoming.charges ?? plainOrderCharges(lines.map((l) => l.charges), incoming.currency);
  return {
    id,
    channelId: incoming.channelId,
    externalId: incoming.externalId,
    state: initialOrderState(lines, awaitingPayment),
    holdReason: reasons.length ? reasons.join('; ') : null,
    currency: incoming.currency,
    total: charges.total,
    charges,
    customer: incoming.customer,
    shippingAddress: incoming.shippingAddress,
    placedAt: incoming.placedAt,
    lines,
  };
}

/** A routed line's first move: routed with its stock held, or short (backordered or cancelled per the channel's policy). */
const LINE_STATE = { reserved: 'routed', backordered: 'backordered', cancelled: 'cancelled' } as const;

function describeRoute(route: LineRoute) {
  return {
    line: route.lineNumber,
    outcome: route.kind,
    supplierId: route.kind === 'routed' ? route.offer.supplierId : null,
    reason: route.reason,
    candidates: route.candidates,
  };
}

function describeUnknown(sku: string): string {
  return sku ? `SKU ${sku} is not in the catalog` : 'the line has no SKU';
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
