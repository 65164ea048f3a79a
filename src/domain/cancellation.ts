import type { Order } from './order.ts';
import type { OrderLineState } from './order.machine.ts';
import type { PurchaseOrderState } from './purchase-order.machine.ts';

/** A purchase order as cancellation sees it: where it is, and which order lines it carries. */
export interface PurchaseOrderForCancel {
  id: string;
  poNumber: string;
  supplierId: string;
  state: PurchaseOrderState;
  /** Order line numbers of its lines the supplier is (or will be) asked for: open or accepted, not rejected or cancelled. */
  orderLines: readonly number[];
  /** No attempt to send it has started (its send job never ran), so the supplier cannot have it. */
  neverSent: boolean;
}

export interface CancellationPlan {
  /** Lines Waybill cancels now: nothing of them reached a supplier. */
  cancelLines: number[];
  /** Purchase orders cancelled with them (all their lines go). */
  cancelPurchaseOrders: string[];
  /** Lines a supplier already has: only the supplier can stop them, so a person has to ask. */
  withSuppliers: { poNumber: string; supplierId: string; lines: number[] }[];
  /** Lines already on their way or delivered: a return, not a cancellation. */
  alreadyShipped: number[];
}

// Nothing to cancel: cancelled already, or a line that needs no shipping (the channel delivered it, or it goes with the rest).
const DONE: ReadonlySet<OrderLineState> = new Set(['cancelled', 'no_shipping']);
const SHIPPED: ReadonlySet<OrderLineState> = new Set(['partially_shipped', 'shipped', 'delivered']);
/** Lines no supplier holds: not routed yet, waiting for stock, or turned down. */
const UNPLACED: ReadonlySet<OrderLineState> = new Set(['pending', 'backordered', 'rejected']);
/** A purchase order still under Waybill's hand: drafted, or queued and never tried. */
const HELD: ReadonlySet<PurchaseOrderState> = new Set(['draft']);
const QUEUED: ReadonlySet<PurchaseOrderState> = new Set(['pending']);

/**
 * What cancelling these lines of an order means (the channel cancelled the order, or refunded lines). A line is
 * cancelled when no supplier can have it: no purchase order, a draft, or one queued whose send never started; a
 * purchase order goes only whole (cancelling some of its lines would need a changed PO the supplier may never see).
 * Everything else is reported for a person: lines a supplier has, lines already shipped.
 */
export function planCancellation(
  order: Pick<Order, 'lines'>,
  purchaseOrders: readonly PurchaseOrderForCancel[],
  targets: readonly number[],
): CancellationPlan {
  const wanted = new Set(targets);
  const plan: CancellationPlan = {
    cancelLines: [],
    cancelPurchaseOrders: [],
    withSuppliers: [],
    alreadyShipped: [],
  };
  const poOf = new Map<number, PurchaseOrderForCancel>();
  for (const po of purchaseOrders) for (const line of po.orderLines) poOf.set(line, po);

  for (const line of order.lines) {
    if (!wanted.has(line.lineNumber) || DONE.has(line.state)) continue;
    if (SHIPPED.has(line.state)) {
      plan.alreadyShipped.push(line.lineNumber);
      continue;
    }
    const po = poOf.get(line.lineNumber);
    if (UNPLACED.has(line.state) || !po || po.state === 'cancelled' || po.state === 'rejected') {
      plan.cancelLines.push(line.lineNumber);
      continue;
    }
    const stoppable = HELD.has(po.state) || (QUEUED.has(po.state) && po.neverSent);
    const whole = po.orderLines.every((n) => wanted.has(n));
    if (stoppable && whole) {
      plan.cancelLines.push(line.lineNumber);
      if (!plan.cancelPurchaseOrders.includes(po.id)) plan.cancelPurchaseOrders.push(po.id);
      continue;
    }
    const entry = plan.withSuppliers.find((w) => w.poNumber === po.poNumber);
    if (entry) entry.lines.push(line.lineNumber);
    else
      plan.withSuppliers.push({ poNumber: po.poNumber, supplierId: po.supplierId, lines: [line.lineNumber] });
  }
  return plan;
}
