import { plainLineCharges, plainOrderCharges, reconcile } from '../domain/charges.ts';
import type { OrderId, Sku } from '../domain/ids.ts';
import { orderLineMachine } from '../domain/order.machine.ts';
import { initialOrderState, type IncomingOrder, type Order } from '../domain/order.ts';
import type { PurchaseOrderPlan } from '../domain/purchase-order.ts';
import type { LineRoute } from '../domain/routing.ts';
import { findOrderIdByExternalId, findOrderIdsByExternalIds, insertOrders } from '../store/orders.repo.ts';
import { findCatalogFor, findChannel, type ChannelRecord } from '../store/partners.repo.ts';
import type { NewPurchaseOrder } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { InputError, NotFoundError } from './errors.ts';
import { queueStockRefund } from './refund-at-channel.ts';
import {
  describeRoute,
  placeLines,
  purchaseOrderCreatedEvents,
  recordPlacements,
  type LinesToPlace,
} from './place-lines.ts';
import type { StockOutcome } from './reserve-stock.ts';
import { recordEvents, type TimelineEvent } from '../store/events.repo.ts';
import { recordHolds, type HoldRow } from '../store/review.repo.ts';
import { destinationOf } from '../domain/order-checks.ts';
import { checkOrders, checksOn, intakeHolds, lineHolds, toCheck } from './check-orders.ts';
import { currentRouting } from './routing-rules.ts';

/** A new order comes back with what was decided, so the caller can answer without reading it again. */
export type TakeOrderResult =
  | {
      kind: 'created';
      orderId: OrderId;
      order: Order;
      purchaseOrders: (PurchaseOrderPlan & { id: string })[];
    }
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

export async function takeOrder(
  ctx: AppContext,
  incoming: IncomingOrder,
  options: TakeOrderOptions = {},
): Promise<TakeOrderResult> {
  try {
    return await ctx.store.transact(async (tx) => (await takeOrdersIn(tx, ctx, [{ incoming, options }]))[0]!);
  } catch (error) {
    // Two deliveries of one order raced on PostgreSQL: the loser hits the unique key and reports the winner's.
    const existing = isUniqueViolation(error)
      ? await findOrderIdByExternalId(ctx.store.db, incoming.channelId, incoming.externalId)
      : null;
    if (existing) return { kind: 'duplicate', orderId: existing };
    throw error;
  }
}

export interface OrderToTake {
  incoming: IncomingOrder;
  options: TakeOrderOptions;
}

/**
 * Takes a batch of orders in, in the caller's transaction, with a statement per table for all of them (a busy
 * channel's webhooks arrive many at once): each is decided on its own, in the batch's order, and stock goes to the
 * earlier one first. An order Waybill has already, or one earlier in the batch, comes back as a duplicate. Throws
 * for the whole batch (an unknown SKU where that is bad input, an unknown channel): nothing of it is written.
 */
export async function takeOrdersIn(
  tx: Db,
  ctx: AppContext,
  batch: readonly OrderToTake[],
): Promise<TakeOrderResult[]> {
  const known = await existingOrders(
    tx,
    batch.map((b) => b.incoming),
  );
  const channels = new Map<string, ChannelRecord>();
  for (const { incoming, options } of batch) {
    if (channels.has(incoming.channelId)) continue;
    const channel =
      options.channel?.id === incoming.channelId
        ? options.channel
        : await findChannel(tx, incoming.channelId);
    if (!channel) throw new NotFoundError(`channel ${incoming.channelId}`);
    channels.set(channel.id, channel);
  }
  // Lines that need no shipping (gift wrap, gift cards) are kept with their money but never routed, reserved or sent.
  const fresh = batch.flatMap(({ incoming, options }, index) => {
    if (known.has(orderKey(incoming))) return [];
    const lines = incoming.lines
      .map((l, i) => ({ lineNumber: i + 1, sku: l.sku, quantity: l.quantity }))
      .filter((_, i) => incoming.lines[i]!.requiresShipping !== false);
    // Claimed now, so that a second copy later in the batch is its duplicate.
    const orderId = ctx.ids.next('ord') as OrderId;
    known.set(orderKey(incoming), orderId);
    return [{ index, incoming, options, lines, orderId, channel: channels.get(incoming.channelId)! }];
  });
  const catalog = await findCatalogFor(tx, [...new Set(fresh.flatMap((f) => f.lines.map((l) => l.sku)))]);
  for (const { lines, options } of fresh) {
    const unknown = lines.find((l) => !catalog.known.has(l.sku));
    if (unknown && options.unknownSkus !== 'hold')
      throw new InputError(`lines[${unknown.lineNumber - 1}].sku`, `unknown SKU ${unknown.sku}`);
  }

  const now = ctx.clock.now();
  const routing = await currentRouting(ctx.store, tx);
  const failed = checksOn(routing.input.checks)
    ? await checkOrders(
        tx,
        routing.input.checks,
        fresh.map((f) => ({ orderId: f.orderId, order: toCheck(f.incoming) })),
        now,
      )
    : fresh.map(() => []);
  const toPlace = fresh.map((f, i): LinesToPlace & { orderHold: string | null; holds: HoldRow[] } => {
    // An order that cannot go anywhere yet (no address to ship to, a payment that failed, a check it failed) waits
    // whole, holding nothing, for a person.
    const holds = intakeHolds(f, failed[i]!);
    const orderHold = holds.length ? holds.map((h) => h.message).join('; ') : null;
    const address = f.incoming.shippingAddress;
    return {
      orderId: f.orderId,
      channelId: f.channel.id,
      policy: f.channel.backorderPolicy,
      awaitingPayment: f.options.awaitingPayment ?? false,
      lines: f.lines,
      destination: destinationOf(address),
      blocked: (line) => orderHold ?? (catalog.known.has(line.sku) ? null : describeUnknown(line.sku)),
      orderHold,
      holds,
    };
  });
  const placed = await placeLines(tx, ctx, catalog, toPlace, now, routing);
  const taken = fresh.map((f, i) => {
    const { routes, rulesVersion, stock, purchaseOrders } = placed[i]!;
    const { awaitingPayment, orderHold } = toPlace[i]!;
    const order = buildOrder(f.orderId, f.incoming, routes, stock, { awaitingPayment, orderHold });
    return { ...f, routes, rulesVersion, order, stock, awaitingPayment, purchaseOrders };
  });

  await insertOrders(
    tx,
    taken.map((t) => ({ order: t.order, sourceUpdatedAt: t.options.sourceUpdatedAt })),
    now,
  );
  await recordPlacements(ctx, tx, toPlace, placed, now);
  await recordHolds(
    tx,
    taken.flatMap((t, i) => {
      const { holds } = toPlace[i]!;
      // Recorded whatever the order's state: an order awaiting payment shows its reasons once it is paid and held.
      return [
        ...holds,
        ...(t.order.state === 'on_hold' ? lineHolds(t.order, holds.length > 0, catalog.known) : []),
      ];
    }),
    now.getTime(),
  );
  const toSend = taken.filter((t) => !t.awaitingPayment);
  // Lines cancelled for want of stock were paid for: the channel refunds them and tells the customer.
  for (const t of toSend) await queueStockRefund(ctx, tx, t.order);
  await recordEvents(tx, now, taken.flatMap(takenEvents));

  const results: TakeOrderResult[] = batch.map(({ incoming }) => ({
    kind: 'duplicate',
    orderId: known.get(orderKey(incoming))!,
  }));
  for (const t of taken)
    results[t.index] = {
      kind: 'created',
      orderId: t.orderId,
      order: t.order,
      purchaseOrders: t.purchaseOrders.map(({ id, plan }) => ({ id, ...plan })),
    };
  return results;
}

/** The batch's orders Waybill has already, by channel and external id. */
async function existingOrders(tx: Db, orders: readonly IncomingOrder[]): Promise<Map<string, OrderId>> {
  const known = new Map<string, OrderId>();
  const byChannel = new Map<string, Set<string>>();
  for (const o of orders)
    byChannel.set(o.channelId, (byChannel.get(o.channelId) ?? new Set()).add(o.externalId));
  for (const [channelId, externalIds] of byChannel) {
    const found = await findOrderIdsByExternalIds(tx, channelId, [...externalIds]);
    for (const [externalId, id] of found) known.set(orderKey({ channelId, externalId }), id);
  }
  return known;
}

function orderKey(order: { channelId: string; externalId: string }): string {
  return `${order.channelId}\u0000${order.externalId}`;
}

/** The timeline of an order taken in: received, routed, a charges mismatch if any, and each purchase order created. */
function takenEvents(t: {
  orderId: OrderId;
  incoming: IncomingOrder;
  routes: readonly LineRoute[];
  rulesVersion: number;
  stock: ReadonlyMap<number, StockOutcome>;
  order: Order;
  purchaseOrders: readonly NewPurchaseOrder[];
}): TimelineEvent[] {
  const { orderId, incoming, order } = t;
  const mismatches = reconcile(
    order.lines.map((l) => l.charges),
    order.charges,
    order.currency,
  );
  return [
    {
      orderId,
      subjectType: 'order',
      subjectId: orderId,
      type: 'order.received',
      data: { channelId: incoming.channelId, externalId: incoming.externalId },
    },
    {
      orderId,
      subjectType: 'order',
      subjectId: orderId,
      type: 'order.routed',
      data: {
        rulesVersion: t.rulesVersion,
        routes: t.routes.map(describeRoute),
        stock: Object.fromEntries(t.stock),
        state: order.state,
        holdReason: order.holdReason,
      },
    },
    // Taken in as the channel charged it; the difference is for a person to look at, never silently "corrected".
    ...(mismatches.length
      ? [
          {
            orderId,
            subjectType: 'order' as const,
            subjectId: orderId,
            type: 'order.charges_mismatch',
            data: { currency: order.currency, mismatches },
          },
        ]
      : []),
    ...purchaseOrderCreatedEvents(orderId, t.purchaseOrders),
  ];
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
        ...lines
          .filter((l) => l.state === 'backordered')
          .map((l) => `line ${l.lineNumber}: awaiting stock of ${l.sku}`),
      ];
  const charges =
    incoming.charges ??
    plainOrderCharges(
      lines.map((l) => l.charges),
      incoming.currency,
    );
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

function describeUnknown(sku: string): string {
  return sku ? `SKU ${sku} is not in the catalog` : 'the line has no SKU';
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
