import { destinationOf } from '../domain/order-checks.ts';
import type { OrderId, Sku, SupplierId } from '../domain/ids.ts';
import type { OrderLineState } from '../domain/order.machine.ts';
import { nextOrderState, type Address, type Order } from '../domain/order.ts';
import { orderEvent, recordEvents } from '../store/events.repo.ts';
import { loadOrder, saveOrderChange, updateShippingAddress } from '../store/orders.repo.ts';
import { recordHolds, resolveHolds } from '../store/review.repo.ts';
import { shippingAddressProblem } from '../domain/address.ts';
import { addressProblems } from '../domain/order-checks.ts';
import { currentRouting } from './routing-rules.ts';
import { findCatalogFor, findChannel } from '../store/partners.repo.ts';
import { loadPurchaseOrders, purchaseOrderNumbersOf } from '../store/purchase-orders.repo.ts';
import { listNodeKinds } from '../store/routing-rules.repo.ts';
import type { Db } from '../store/schema.ts';
import { cancelOrderLines } from './cancel-order-lines.ts';
import type { AppContext } from './context.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { describeRoute, placeLines, purchaseOrderCreatedEvents, recordPlacements } from './place-lines.ts';
import { queueStockRefund, refundAtChannelJob } from './refund-at-channel.ts';
import { routeLinesAgain, type RerouteOutcome } from './reroute-lines.ts';
import { withdrawPurchaseOrder } from './withdraw-purchase-order.ts';

// What an operator does to an order from the review queue, each recorded in the order's timeline.

/** Lines an operator may send elsewhere: with a supplier and not shipped, turned down, or waiting for stock. */
const MOVABLE: ReadonlySet<OrderLineState> = new Set(['routed', 'accepted', 'rejected', 'backordered']);

/**
 * Sends lines to another node by hand: to `to` when given (it must offer each line's SKU), else to the best other
 * node by the rules. The purchase orders holding them are withdrawn from their suppliers (told over their
 * transports); a withdrawn PO's other lines are routed again by the rules (most often back to the same supplier).
 */
export async function rerouteLinesByOperator(
  ctx: AppContext,
  orderId: string,
  input: { lines: readonly number[]; to?: string | undefined; note?: string | undefined },
): Promise<RerouteOutcome> {
  return ctx.store.transact(async (tx) => {
    const lock = ctx.store.caps.rowLocks;
    const order = await loadOrder(tx, orderId, lock);
    if (!order) throw new NotFoundError(`order ${orderId}`);
    const lines = input.lines.map((n, i) => {
      const line = order.lines.find((l) => l.lineNumber === n);
      if (!line) throw new InputError(`lines[${i}]`, `order ${orderId} has no line ${n}`);
      if (!MOVABLE.has(line.state))
        throw new InputError(`lines[${i}]`, `line ${n} is ${line.state}: it cannot be sent elsewhere`);
      return line;
    });
    const avoid = await avoidFor(tx, lines, input.to);
    const now = ctx.clock.now();
    const why = `sent elsewhere by an operator${input.note ? `: ${input.note}` : ''}`;
    const holding = (await loadPurchaseOrders(tx, { orderId }, lock)).filter(
      (po) =>
        po.state !== 'cancelled' &&
        po.state !== 'rejected' &&
        po.lines.some((l) => l.status !== 'rejected' && input.lines.includes(l.orderLineNumber)),
    );
    const others: number[] = [];
    for (const po of holding) {
      if (po.state === 'shipped' || po.state === 'partially_shipped')
        throw new ConflictError(`${po.poNumber} has shipped: its lines cannot be sent elsewhere`);
      // The supplier reads a plain reason; the operator's note stays in the timeline.
      const carried = await withdrawPurchaseOrder(
        ctx,
        tx,
        po,
        'the retailer sent these lines to another supplier',
        now,
      );
      others.push(...carried.filter((n) => !input.lines.includes(n)));
    }
    await resolveHolds(tx, orderId, now.getTime());
    const moved = await routeLinesAgain(ctx, tx, order, input.lines, avoid, { why, orElse: 'hold', now });
    if (others.length === 0) return moved;
    const again = await routeLinesAgain(ctx, tx, (await loadOrder(tx, orderId, lock))!, others, new Map(), {
      why: `its purchase order was withdrawn when an operator sent other lines elsewhere`,
      orElse: 'hold',
      now,
    });
    return {
      rerouted: [...moved.rerouted, ...again.rerouted],
      stranded: [...moved.stranded, ...again.stranded],
    };
  });
}

/** The nodes the lines must not go to: every node but the operator's choice, or else the ones they are with. */
async function avoidFor(
  tx: Db,
  lines: readonly Order['lines'][number][],
  to: string | undefined,
): Promise<Map<SupplierId, string>> {
  if (to === undefined)
    return new Map(
      lines.filter((l) => l.supplierId).map((l) => [l.supplierId!, 'the operator sent the line elsewhere']),
    );
  if (!(await listNodeKinds(tx)).has(to)) throw new InputError('to', `no supplier or warehouse ${to}`);
  const catalog = await findCatalogFor(tx, [...new Set(lines.map((l) => l.sku))]);
  const avoid = new Map<SupplierId, string>();
  for (const line of lines) {
    const offers = catalog.offers.get(line.sku as Sku) ?? [];
    if (!offers.some((o) => o.supplierId === to))
      throw new InputError('to', `${to} does not offer ${line.sku}`);
    for (const o of offers) if (o.supplierId !== to) avoid.set(o.supplierId, `the operator chose ${to}`);
  }
  return avoid;
}

/**
 * Cancels lines (or the whole order) for an operator: lines no supplier has go at once; purchase orders a supplier
 * has are withdrawn from it when all their lines go (else a person asks the supplier); what the customer paid for the
 * cancelled units is refunded at the channel with the operator's note.
 */
export async function cancelLinesByOperator(
  ctx: AppContext,
  orderId: string,
  input: { lines?: readonly number[] | undefined; reason: string },
): Promise<{ summary: string; cancelled: number[] }> {
  return ctx.store.transact(async (tx) => {
    const lock = ctx.store.caps.rowLocks;
    const order = await loadOrder(tx, orderId, lock);
    if (!order) throw new NotFoundError(`order ${orderId}`);
    input.lines?.forEach((n, i) => {
      if (!order.lines.some((l) => l.lineNumber === n))
        throw new InputError(`lines[${i}]`, `order ${orderId} has no line ${n}`);
    });
    const targets = input.lines ?? order.lines.map((l) => l.lineNumber);
    await resolveHolds(tx, orderId, ctx.clock.now().getTime());
    const summary = await cancelOrderLines(
      ctx,
      tx,
      order,
      targets,
      `cancelled by an operator: ${input.reason}`,
      {
        withdraw: true,
        cancelReason: 'operator',
      },
    );
    const after = (await loadOrder(tx, orderId))!;
    const cancelled = after.lines
      .filter(
        (l) => targets.includes(l.lineNumber) && l.state === 'cancelled' && l.cancelReason === 'operator',
      )
      .map((l) => l.lineNumber)
      .filter((n) => order.lines.find((l) => l.lineNumber === n)!.state !== 'cancelled');
    if (cancelled.length && order.state !== 'awaiting_payment')
      await ctx.queue.add(tx, refundAtChannelJob, [
        {
          orderId,
          refundId: `rf_${orderId.replace(/^ord_/, '')}_op${cancelled.join('-')}`,
          lineNumbers: cancelled,
          reason: input.reason,
        },
      ]);
    return { summary, cancelled };
  });
}

/**
 * An operator approves an order held before routing (an address or fraud check, or a hold it chose): its lines
 * waiting to be routed are routed now by the rules, stock held as the channel's backorder policy says, and the hold
 * reason cleared. Lines that still need a person (rejected, waiting for stock) keep the order on hold.
 */
export async function approveOrder(ctx: AppContext, orderId: string, note?: string): Promise<Order> {
  return ctx.store.transact(async (tx) => {
    const lock = ctx.store.caps.rowLocks;
    const order = await loadOrder(tx, orderId, lock);
    if (!order) throw new NotFoundError(`order ${orderId}`);
    if (order.state !== 'on_hold') throw new ConflictError(`order ${orderId} is ${order.state}, not on hold`);
    const now = ctx.clock.now();
    const waiting = order.lines.filter((l) => l.state === 'pending');
    const channel = (await findChannel(tx, order.channelId))!;
    const catalog = await findCatalogFor(tx, [...new Set(waiting.map((l) => l.sku))]);
    const toPlace = {
      orderId: order.id as OrderId,
      channelId: order.channelId,
      policy: channel.backorderPolicy,
      awaitingPayment: false,
      lines: waiting.map((l) => ({ lineNumber: l.lineNumber, sku: l.sku as Sku, quantity: l.quantity })),
      destination: destinationOf(order.shippingAddress),
      blocked: (line: { sku: Sku }) =>
        catalog.known.has(line.sku) ? null : `SKU ${line.sku} is not in the catalog`,
      poNumbersTaken: new Set(await purchaseOrderNumbersOf(tx, order.id)),
    };
    const [placed] = waiting.length ? await placeLines(tx, ctx, catalog, [toPlace], now) : [undefined];
    if (placed) await recordPlacements(ctx, tx, [toPlace], [placed], now);
    const outcome = new Map(placed?.routes.map((r) => [r.lineNumber, r]) ?? []);
    const lines = order.lines.map((l) => {
      const route = outcome.get(l.lineNumber);
      const stock = placed?.stock.get(l.lineNumber);
      if (!route || route.kind !== 'routed' || !stock) return l;
      if (stock === 'reserved') return { ...l, state: 'routed' as const, supplierId: route.offer.supplierId };
      return stock === 'backordered'
        ? { ...l, state: 'backordered' as const }
        : { ...l, state: 'cancelled' as const, cancelReason: 'stock' as const };
    });
    const still = lines
      .filter((l) => l.state === 'pending' || l.state === 'rejected' || l.state === 'backordered')
      .map((l) => `line ${l.lineNumber}: ${l.state === 'pending' ? 'not routable' : l.state}`);
    const state = nextOrderState(order.state, lines);
    const holdReason = still.length ? still.join('; ') : null;
    await saveOrderChange(
      tx,
      order,
      { state, holdReason, lines },
      now,
      waiting.map((l) => l.lineNumber),
    );
    await resolveHolds(tx, order.id, now.getTime());
    if (holdReason)
      await recordHolds(
        tx,
        [{ orderId: order.id, check: 'review.still_held', message: holdReason }],
        now.getTime(),
      );
    await queueStockRefund(ctx, tx, { ...order, lines });
    await recordEvents(tx, now, [
      orderEvent(order.id, 'order.approved', {
        note: note ?? null,
        rulesVersion: placed?.rulesVersion ?? null,
        routes: placed?.routes.map(describeRoute) ?? [],
        state,
        holdReason,
      }),
      ...purchaseOrderCreatedEvents(order.id as OrderId, placed?.purchaseOrders ?? []),
    ]);
    return (await loadOrder(tx, orderId))!;
  });
}

/** Lines whose PO a supplier may have: their address is on it already. */
const WITH_SUPPLIER: ReadonlySet<OrderLineState> = new Set([
  'routed',
  'accepted',
  'partially_shipped',
  'shipped',
]);

/**
 * Corrects the shipping address of an order not sent to any supplier yet, checked as at intake (required parts, and
 * the postal code and phone when the retailer's checks look at them): a bad one is refused naming the field, nothing
 * saved. The order stays held; the operator approves it next.
 */
export async function changeShippingAddress(
  ctx: AppContext,
  orderId: string,
  address: Address,
): Promise<Order> {
  return ctx.store.transact(async (tx) => {
    const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
    if (!order) throw new NotFoundError(`order ${orderId}`);
    const sent = order.lines.filter((l) => WITH_SUPPLIER.has(l.state)).map((l) => l.lineNumber);
    if (sent.length)
      throw new ConflictError(
        `lines ${sent.join(', ')} are with suppliers already: cancel or re-route them before changing the address`,
      );
    const incomplete = shippingAddressProblem(address);
    if (incomplete) throw new InputError('shippingAddress', incomplete);
    const { checks } = (await currentRouting(ctx.store, tx)).input;
    const problem = addressProblems(address).find(
      (r) =>
        (checks.postalCodes && r.check === 'address.postal_code') ||
        (checks.phones && r.check === 'address.phone'),
    );
    if (problem)
      throw new InputError(
        problem.check === 'address.phone' ? 'shippingAddress.phone' : 'shippingAddress.postalCode',
        problem.message,
      );
    const now = ctx.clock.now();
    await updateShippingAddress(tx, orderId, address, now);
    await resolveHolds(tx, orderId, now.getTime(), 'address');
    const holdReason =
      order.holdReason && shippingAddressProblem(order.shippingAddress) ? null : order.holdReason;
    await saveOrderChange(tx, order, { state: order.state, holdReason, lines: order.lines }, now, []);
    await recordEvents(tx, now, [
      orderEvent(order.id, 'order.address_changed', { from: order.shippingAddress, to: address }),
    ]);
    return (await loadOrder(tx, orderId))!;
  });
}
