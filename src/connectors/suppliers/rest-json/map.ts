import type { PurchaseOrderCancelMessage, PurchaseOrderMessage } from '../supplier-transport.ts';

/** Waybill's PO → the JSON body documented in docs/wire-formats.md ("Purchase order out"). */
export function toWire(po: PurchaseOrderMessage) {
  return {
    poNumber: po.poNumber,
    orderRef: po.orderId,
    currency: po.currency,
    createdAt: po.createdAt.toISOString(),
    shipTo: po.shipTo,
    packingSlip: { brand: po.brand },
    lines: po.lines.map((l) => ({
      lineNumber: l.lineNumber,
      supplierSku: l.supplierSku,
      sku: l.sku,
      quantity: l.quantity,
      unitCost: l.unitCost,
    })),
  };
}

/** Waybill's withdrawal of a PO → the JSON body documented in docs/wire-formats.md ("Cancel"). */
export function toCancelWire(message: PurchaseOrderCancelMessage) {
  return {
    type: 'purchase_order.cancel' as const,
    poNumber: message.poNumber,
    orderRef: message.orderId,
    reason: message.reason,
    cancelledAt: message.cancelledAt.toISOString(),
  };
}

/** The connection test's body (docs/wire-formats.md, "Ping"): a type a PO never has, a new id each time. */
export function toPing(now: Date) {
  return { type: 'ping', id: `ping_${now.getTime()}`, sentAt: now.toISOString() };
}
