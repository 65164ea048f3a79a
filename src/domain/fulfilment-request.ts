import { planCancellation, type PurchaseOrderForCancel } from './cancellation.ts';
import type { Order, OrderLine } from './order.ts';
import type { OrderLineState } from './order.machine.ts';

/**
 * A channel asking Waybill, as its fulfilment service, to ship part of an order (Shopify's fulfillment request on a
 * fulfillment order) or to stop (a cancellation request). The lines are the channel's, matched to Waybill's by SKU.
 */
export interface FulfilmentRequestLines {
  lines: readonly { id: string; sku: string; quantity: number }[];
}

/** Why Waybill cannot ship a requested line; each channel maps these to its own reasons. */
export type FulfilmentRefusal = 'out_of_stock' | 'no_supplier' | 'unknown_sku' | 'cancelled';

export type FulfilmentDecision =
  /** Waybill ships (or will ship) every line it can; `short` names lines it cannot, already cancelled and refunded. */
  | { kind: 'accept'; message: string; short: RefusedLine[] }
  /** Waybill can ship none of the lines: the channel should send them elsewhere. */
  | { kind: 'reject'; reason: FulfilmentRefusal; message: string; lines: RefusedLine[] };

export interface RefusedLine {
  id: string;
  sku: string;
  reason: FulfilmentRefusal;
  message: string;
}

/** Lines a supplier has, will have once paid, or will have when stock comes back. */
const SHIPPABLE: ReadonlySet<OrderLineState> = new Set([
  'routed',
  'accepted',
  'partially_shipped',
  'shipped',
  'delivered',
  'backordered',
]);

/**
 * Accepts a fulfilment request when Waybill holds at least one of its lines, rejects it when it holds none.
 * A request is all or nothing at the channel (a rejected one can no longer be fulfilled at all), so a request with
 * some lines Waybill cannot ship is still accepted: those lines were cancelled when the order came in (no stock:
 * refunded at the channel) and the message says so. The reason of a rejection is that of its first line.
 */
export function decideFulfilmentRequest(
  order: Pick<Order, 'lines'>,
  request: FulfilmentRequestLines,
): FulfilmentDecision {
  const refused: RefusedLine[] = [];
  let shippable = 0;
  let backordered = 0;
  for (const line of request.lines) {
    const ours = order.lines.filter((l) => l.sku === line.sku);
    if (ours.some((l) => SHIPPABLE.has(l.state))) {
      shippable += 1;
      if (ours.every((l) => l.state === 'backordered' || !SHIPPABLE.has(l.state))) backordered += 1;
      continue;
    }
    const reason = refusalOf(ours);
    refused.push({ id: line.id, sku: line.sku, reason, message: REFUSAL_TEXT[reason](line.sku) });
  }
  const first = refused[0];
  if (shippable === 0 && first) {
    return {
      kind: 'reject',
      reason: first.reason,
      message: `Waybill cannot ship this: ${refused.map((r) => r.message).join('; ')}`,
      lines: refused,
    };
  }
  const notes = [
    backordered ? `${backordered} line(s) backordered: they ship when stock comes back` : '',
    ...refused.map((r) => `${r.message} (refunded)`),
  ].filter(Boolean);
  return {
    kind: 'accept',
    message: notes.length
      ? `Waybill ships this order; ${notes.join('; ')}`
      : 'Waybill ships this order through its suppliers',
    short: refused,
  };
}

function refusalOf(ours: readonly OrderLine[]): FulfilmentRefusal {
  if (ours.length === 0) return 'unknown_sku';
  if (ours.some((l) => l.state === 'cancelled' && l.cancelReason === 'stock')) return 'out_of_stock';
  if (ours.some((l) => l.state === 'pending' || l.state === 'rejected')) return 'no_supplier';
  return 'cancelled';
}

const REFUSAL_TEXT: Readonly<Record<FulfilmentRefusal, (sku: string) => string>> = {
  out_of_stock: (sku) => `${sku} is out of stock`,
  no_supplier: (sku) => `no supplier of Waybill's carries ${sku}`,
  unknown_sku: (sku) => (sku ? `Waybill has no line with SKU ${sku} in this order` : 'a line has no SKU'),
  cancelled: (sku) => `${sku} was cancelled`,
};

export type CancellationDecision =
  /** Every requested line can be stopped: cancel them in Waybill, then accept at the channel. */
  | { kind: 'accept'; cancelLines: number[]; message: string }
  /** Some line is with a supplier or on its way: nothing is cancelled, and the channel hears why. */
  | { kind: 'reject'; message: string };

/**
 * A cancellation request is all or nothing too: accepted only when none of the requested lines has reached a
 * supplier (see planCancellation), otherwise rejected naming the purchase orders and shipped lines in the way.
 */
export function decideCancellationRequest(
  order: Pick<Order, 'lines'>,
  purchaseOrders: readonly PurchaseOrderForCancel[],
  request: FulfilmentRequestLines,
): CancellationDecision {
  const skus = new Set(request.lines.map((l) => l.sku));
  const targets = order.lines.filter((l) => skus.has(l.sku)).map((l) => l.lineNumber);
  const plan = planCancellation(order, purchaseOrders, targets);
  const obstacles = [
    ...plan.withSuppliers.map((w) => `${w.poNumber} is with supplier ${w.supplierId}`),
    ...(plan.alreadyShipped.length ? [`line(s) ${plan.alreadyShipped.join(', ')} already shipped`] : []),
  ];
  if (obstacles.length)
    return { kind: 'reject', message: `Waybill cannot cancel this any more: ${obstacles.join('; ')}` };
  return { kind: 'accept', cancelLines: plan.cancelLines, message: 'cancelled before any supplier had it' };
}
