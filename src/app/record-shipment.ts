import type { ShipmentId } from '../domain/ids.ts';
import { orderLineMachine } from '../domain/order.machine.ts';
import { nextOrderState } from '../domain/order.ts';
import { decideShipment, type ShipLine } from '../domain/purchase-order.ts';
import { trackingNumberProblem } from '../infra/tracking-number.ts';
import { loadOrder, saveOrderChange } from '../store/orders.repo.ts';
import { loadPurchaseOrders, savePurchaseOrder } from '../store/purchase-orders.repo.ts';
import { findShipmentByTracking, insertShipment, lastShipmentAt } from '../store/shipments.repo.ts';
import { consumeReservation } from '../store/stock.repo.ts';
import type { AppContext } from './context.ts';
import { InputError, NotFoundError } from './errors.ts';
import { notifyChannelJob } from './notify-channel.ts';
import { recordEvents } from '../store/events.repo.ts';

export interface ShipmentReport {
  carrier: string;
  trackingNumber: string;
  shippedAt?: Date | undefined;
  lines: readonly ShipLine[];
}

export type RecordShipmentResult = { kind: 'created' | 'duplicate'; shipmentId: ShipmentId };

/**
 * A supplier reports a shipment (its tracking number checked against its carrier's rules first). In one transaction: the PO lines' shipped quantities, the order lines' states,
 * the order's state (fulfilled once every live line has shipped), the timeline, and the job that tells the
 * channel. The same tracking number reported again for the PO is recognised and changes nothing.
 */
export async function recordShipment(
  ctx: AppContext,
  supplierId: string,
  poNumber: string,
  report: ShipmentReport,
): Promise<RecordShipmentResult> {
  const wrongNumber = trackingNumberProblem(report.carrier, report.trackingNumber);
  if (wrongNumber) throw new InputError('trackingNumber', wrongNumber);
  return ctx.store.transact(async (tx) => {
    const lock = ctx.store.caps.rowLocks;
    const [po] = await loadPurchaseOrders(tx, { poNumber, supplierId }, lock);
    if (!po) throw new NotFoundError(`purchase order ${poNumber}`);
    const existing = await findShipmentByTracking(tx, po.id, report.trackingNumber);
    if (existing) return { kind: 'duplicate', shipmentId: existing };
    const decision = decideShipment(po, report.lines);
    if (decision.kind === 'invalid') throw new InputError(decision.field, decision.reason);

    // The order first, then the time: two POs of one order shipped at once are recorded one after the other (the
    // order's lock), and the later one must carry the later time, or the channel, which orders shipments by time,
    // would take the first one's "partially fulfilled" for the last word (seen on PostgreSQL). Strictly later: a
    // millisecond's tie (or another process's clock) would leave it to the order the events arrive in.
    const order = (await loadOrder(tx, po.orderId, lock))!;
    const previous = await lastShipmentAt(tx, order.id);
    const now = new Date(Math.max(ctx.clock.now().getTime(), previous + 1));
    const shipmentId = ctx.ids.next('shp') as ShipmentId;
    await savePurchaseOrder(
      tx,
      { id: po.id, from: po.state, to: decision.state, lines: decision.lines },
      now,
    );
    const byOrderLine = new Map(decision.lines.map((l) => [l.orderLineNumber, l]));
    const touched = report.lines.map(
      (s) => po.lines.find((l) => l.lineNumber === s.lineNumber)!.orderLineNumber,
    );
    const lines = order.lines.map((l) => {
      const poLine = byOrderLine.get(l.lineNumber);
      if (!poLine || !touched.includes(l.lineNumber)) return l;
      const to = poLine.shippedQuantity === poLine.quantity ? 'shipped' : 'partially_shipped';
      return to === l.state ? l : { ...l, state: orderLineMachine.assert(l.state, to) };
    });
    const state = nextOrderState(order.state, lines);
    await saveOrderChange(tx, order, { state, holdReason: order.holdReason, lines }, now, touched);

    const shipmentLines = report.lines.map((s) => {
      const poLine = po.lines.find((l) => l.lineNumber === s.lineNumber)!;
      return {
        poLineNumber: s.lineNumber,
        orderLineNumber: poLine.orderLineNumber,
        sku: poLine.sku,
        quantity: s.quantity,
      };
    });
    await insertShipment(
      tx,
      {
        id: shipmentId,
        purchaseOrderId: po.id,
        orderId: order.id,
        supplierId: po.supplierId,
        carrier: report.carrier,
        trackingNumber: report.trackingNumber,
        shippedAt: report.shippedAt ?? now,
        lines: shipmentLines,
      },
      now,
    );
    // In SKU order, like reservations, so concurrent writers lock stock rows in one order (no deadlock).
    for (const line of [...shipmentLines].sort((a, b) => a.sku.localeCompare(b.sku))) {
      await consumeReservation(
        tx,
        {
          orderId: order.id,
          lineNumber: line.orderLineNumber,
          sku: line.sku,
          supplierId: po.supplierId,
          quantity: line.quantity,
        },
        now.getTime(),
      );
    }
    await ctx.queue.add(tx, notifyChannelJob, [{ shipmentId }]);
    await recordEvents(tx, now, [
      {
        orderId: order.id,
        subjectType: 'shipment',
        subjectId: shipmentId,
        type: 'shipment.created',
        data: {
          poNumber,
          carrier: report.carrier,
          trackingNumber: report.trackingNumber,
          lines: report.lines,
        },
      },
      ...(state !== order.state
        ? [
            {
              orderId: order.id,
              subjectType: 'order' as const,
              subjectId: order.id,
              type: `order.${state}`,
              data: { from: order.state },
            },
          ]
        : []),
    ]);
    return { kind: 'created', shipmentId };
  });
}
