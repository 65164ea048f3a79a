import { destinationOf } from '../domain/order-checks.ts';
import type { OrderId, Sku, SupplierId } from '../domain/ids.ts';
import { orderLineMachine, type OrderLineState } from '../domain/order.machine.ts';
import { nextOrderState, type Order } from '../domain/order.ts';
import { orderEvent, recordEvents } from '../store/events.repo.ts';
import { saveOrderChange } from '../store/orders.repo.ts';
import { findCatalogFor } from '../store/partners.repo.ts';
import { purchaseOrderNumbersOf } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { forgetReleasedReservations } from '../store/stock.repo.ts';
import { recordHolds } from '../store/review.repo.ts';
import type { AppContext } from './context.ts';
import {
  describeRoute,
  placeLines,
  purchaseOrderCreatedEvents,
  recordPlacements,
  type LinesToPlace,
  type Placed,
} from './place-lines.ts';
import { refundAtChannelJob } from './refund-at-channel.ts';

/** What becomes of a line no other node can take: cancelled and refunded at the channel, or left for a person. */
export type OrElse = 'cancel' | 'hold';

export interface RerouteOutcome {
  /** Line numbers sent to another node, with the node. */
  rerouted: { line: number; supplierId: string }[];
  /** Lines no other node could take, cancelled (and refunded) or held. */
  stranded: number[];
}

/**
 * Routes lines of an order again, by the rules in force, refusing the nodes in `avoid` (each with why: it missed its
 * SLA, it rejected the line): a line another node has in stock goes there (a new purchase order, sent now unless the
 * order awaits payment); a line none can take is cancelled and refunded at the channel with a note to the customer,
 * or held for a person, as `orElse` says. The lines must hold nothing (their PO withdrawn or rejected). In the
 * caller's transaction; the timeline records every candidate and why the winner won.
 */
export async function routeLinesAgain(
  ctx: AppContext,
  tx: Db,
  order: Order,
  lineNumbers: readonly number[],
  avoid: ReadonlyMap<SupplierId, string>,
  options: { why: string; orElse: OrElse; now: Date; nowhere?: boolean },
): Promise<RerouteOutcome> {
  const { why, orElse, now } = options;
  if (lineNumbers.length === 0) return { rerouted: [], stranded: [] };
  const lines = order.lines.filter((l) => lineNumbers.includes(l.lineNumber));
  const catalog = await findCatalogFor(tx, [...new Set(lines.map((l) => l.sku))]);
  const toPlace: LinesToPlace = {
    orderId: order.id as OrderId,
    channelId: order.channelId,
    // A line short everywhere is not left waiting on the node that missed: it is stranded (cancelled or held).
    policy: 'cancel',
    awaitingPayment: order.state === 'awaiting_payment',
    lines: lines.map((l) => ({ lineNumber: l.lineNumber, sku: l.sku as Sku, quantity: l.quantity })),
    destination: destinationOf(order.shippingAddress),
    avoid,
    poNumbersTaken: new Set(await purchaseOrderNumbersOf(tx, order.id)),
  };
  await forgetReleasedReservations(tx, order.id, lineNumbers);
  // `nowhere`: the retailer's policy cancels rather than routes again; every line is stranded.
  const [placed] = options.nowhere ? [NOTHING_PLACED] : await placeLines(tx, ctx, catalog, [toPlace], now);
  const { routes, rulesVersion, stock, purchaseOrders } = placed!;
  if (!options.nowhere) await recordPlacements(ctx, tx, [toPlace], [placed!], now);

  const winner = new Map<number, SupplierId>();
  for (const r of routes)
    if (r.kind === 'routed' && stock.get(r.lineNumber) === 'reserved')
      winner.set(r.lineNumber, r.offer.supplierId);
  const stranded = lineNumbers.filter((n) => !winner.has(n));
  const after = order.lines.map((l) => {
    if (!lineNumbers.includes(l.lineNumber)) return l;
    const supplierId = winner.get(l.lineNumber);
    // A routed line that goes to another node stays routed (its supplier changes); a rejected one is routed again.
    if (supplierId) return { ...l, state: lineMove(l.state, 'routed'), supplierId };
    return orElse === 'cancel'
      ? { ...l, state: lineMove(l.state, 'cancelled'), cancelReason: 'supplier' as const }
      : // Left for a person: turned down; a line waiting for stock goes on waiting.
        {
          ...l,
          state: l.state === 'backordered' ? l.state : lineMove(l.state, 'rejected'),
          supplierId: null,
        };
  });
  const strandedNote = stranded.length
    ? `lines ${stranded.join(', ')}: no other node can ship them (${why})`
    : null;
  const state = nextOrderState(order.state, after);
  const holdReason =
    orElse === 'hold' && strandedNote
      ? [order.holdReason, strandedNote].filter(Boolean).join('; ')
      : order.holdReason;
  await saveOrderChange(tx, order, { state, holdReason, lines: after }, now, [...lineNumbers]);
  if (orElse === 'hold' && strandedNote)
    await recordHolds(
      tx,
      [{ orderId: order.id, check: 'routing.stranded', message: strandedNote }],
      now.getTime(),
    );
  await recordEvents(tx, now, [
    orderEvent(order.id, options.nowhere ? 'order.lines_cancelled' : 'order.rerouted', {
      why,
      avoided: Object.fromEntries(avoid),
      rulesVersion,
      routes: routes.map(describeRoute),
      rerouted: [...winner].map(([line, supplierId]) => ({ line, supplierId })),
      stranded,
      strandedAre: stranded.length ? (orElse === 'cancel' ? 'cancelled' : 'held') : null,
      state,
    }),
    ...purchaseOrderCreatedEvents(order.id as OrderId, purchaseOrders),
  ]);
  if (orElse === 'cancel' && stranded.length && order.state !== 'awaiting_payment')
    await ctx.queue.add(tx, refundAtChannelJob, [
      {
        orderId: order.id,
        refundId: `rf_${order.id.replace(/^ord_/, '')}_l${stranded.join('-')}`,
        lineNumbers: stranded,
        reason: `We could not get ${describeSkus(order, stranded)} shipped by any of our suppliers. These items will not be sent; they are refunded.`,
      },
    ]);
  return { rerouted: [...winner].map(([line, supplierId]) => ({ line, supplierId })), stranded };
}

const NOTHING_PLACED: Placed = {
  routes: [],
  rulesVersion: 0,
  stock: new Map(),
  held: [],
  purchaseOrders: [],
};

function lineMove(from: OrderLineState, to: OrderLineState): OrderLineState {
  return from === to ? to : orderLineMachine.assert(from, to);
}

function describeSkus(order: Order, lineNumbers: readonly number[]): string {
  return [...new Set(order.lines.filter((l) => lineNumbers.includes(l.lineNumber)).map((l) => l.sku))].join(
    ', ',
  );
}
