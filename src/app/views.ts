import { figuresOf, reconcile } from '../domain/charges.ts';
import type { Order } from '../domain/order.ts';
import { loadOrder } from '../store/orders.repo.ts';
import { loadPurchaseOrders, type PurchaseOrder } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { listOrderShipments, listOrderTimeline } from '../store/views-orders.repo.ts';

/** The order as the operator sees it: state, lines, purchase orders, shipments and the whole timeline. */
export async function orderView(db: Db, id: string) {
  const order = await loadOrder(db, id);
  if (!order) return null;
  const [pos, shipments, events] = await Promise.all([
    loadPurchaseOrders(db, { orderId: id }),
    listOrderShipments(db, id),
    listOrderTimeline(db, id),
  ]);
  return {
    ...orderReceipt(order, []),
    customer: order.customer,
    shippingAddress: order.shippingAddress,
    placedAt: order.placedAt.toISOString(),
    purchaseOrders: pos.map(purchaseOrderView),
    shipments,
    events,
  };
}

/** A purchase order as its supplier (and the operator) sees it. */
export function purchaseOrderView(po: PurchaseOrder) {
  return {
    id: po.id,
    poNumber: po.poNumber,
    supplierId: po.supplierId,
    state: po.state,
    currency: po.currency,
    total: po.total,
    createdAt: po.createdAt.toISOString(),
    sentAt: po.sentAt?.toISOString() ?? null,
    acknowledgedAt: po.acknowledgedAt?.toISOString() ?? null,
    ackDueAt: po.ackDueAt?.toISOString() ?? null,
    lines: po.lines.map((l) => ({
      lineNumber: l.lineNumber,
      sku: l.sku,
      supplierSku: l.supplierSku,
      quantity: l.quantity,
      unitCost: l.unitCost,
      status: l.status,
      rejectReason: l.rejectReason,
      shippedQuantity: l.shippedQuantity,
    })),
  };
}

/**
 * What the intake answers: the order's id, state and lines and the purchase orders it became. The full view (with
 * the timeline) is one GET away; building this from what the use case already holds saves reading it back.
 */
export function orderReceipt(
  order: Order,
  purchaseOrders: readonly {
    id: string;
    poNumber: string;
    supplierId: string;
    state?: string;
    currency: string;
    total: { amount: number; currency: string };
  }[],
) {
  return {
    id: order.id,
    channelId: order.channelId,
    externalId: order.externalId,
    state: order.state,
    holdReason: order.holdReason,
    currency: order.currency,
    total: order.total,
    money: orderMoneyView(order),
    lines: order.lines.map((l) => ({
      lineNumber: l.lineNumber,
      channelLineId: l.channelLineId,
      sku: l.sku,
      title: l.title,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      requiresShipping: l.requiresShipping,
      money: l.charges,
      state: l.state,
      supplierId: l.supplierId,
    })),
    purchaseOrders: purchaseOrders.map((po) => ({
      id: po.id,
      poNumber: po.poNumber,
      supplierId: po.supplierId,
      state: po.state ?? 'pending',
      currency: po.currency,
      total: po.total,
    })),
  };
}

/** The receipt of an order taken in earlier (a repeated delivery). */
export async function storedOrderReceipt(db: Db, id: string) {
  const [order, pos] = await Promise.all([loadOrder(db, id), loadPurchaseOrders(db, { orderId: id })]);
  return order ? orderReceipt(order, pos) : null;
}

/** The order's money as charged: the parts added up beside the channel's own figures, and where they disagree. */
function orderMoneyView(order: Order) {
  const lines = order.lines.map((l) => l.charges);
  const parts = figuresOf(lines, order.charges, order.currency);
  return {
    taxesIncluded: order.charges.taxesIncluded,
    subtotal: parts.subtotal,
    discounts: order.charges.discounts,
    shipping: parts.shipping,
    fees: parts.fees,
    tax: order.charges.taxTotal,
    total: order.charges.total,
    shippingLines: order.charges.shipping,
    feeLines: order.charges.fees,
    presentment: order.charges.presentment,
    mismatches: reconcile(lines, order.charges, order.currency),
  };
}
