import type { Db } from './schema.ts';
import { loadPurchaseOrders, type PurchaseOrder } from './purchase-orders.repo.ts';

/** An order as the order list shows it: no lines, no timeline. */
export interface OrderSummary {
  id: string;
  channelId: string;
  externalId: string;
  state: string;
  holdReason: string | null;
  total: { amount: number; currency: string };
  createdAt: string;
}

/** Which orders the order list shows, and where its page starts. */
export interface OrderListQuery {
  state?: string | undefined;
  channelId?: string | undefined;
  limit: number;
  /** An order id: the page holds the orders before it. */
  before?: string | undefined;
}

/** A page of orders, newest (highest id) first; `next` is the `before` of the page after, null on the last. */
export async function listOrderSummaries(
  db: Db,
  q: OrderListQuery,
): Promise<{ orders: OrderSummary[]; next: string | null }> {
  let query = db
    .selectFrom('orders')
    .select([
      'id',
      'channel_id',
      'external_id',
      'state',
      'hold_reason',
      'total_amount',
      'currency',
      'created_at',
    ])
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.state) query = query.where('state', '=', q.state);
  if (q.channelId) query = query.where('channel_id', '=', q.channelId);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return {
    orders: page.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      externalId: r.external_id,
      state: r.state,
      holdReason: r.hold_reason,
      total: { amount: r.total_amount, currency: r.currency },
      createdAt: new Date(r.created_at).toISOString(),
    })),
    next: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

/**
 * A page of one supplier's purchase orders with their lines, newest (highest id) first, optionally in one state;
 * `next` is the `before` of the page after, null on the last.
 */
export async function listSupplierPurchaseOrders(
  db: Db,
  supplierId: string,
  q: { status?: string | undefined; limit: number; before?: string | undefined },
): Promise<{ purchaseOrders: PurchaseOrder[]; next: string | null }> {
  let query = db
    .selectFrom('purchase_orders')
    .select('id')
    .where('supplier_id', '=', supplierId)
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.status) query = query.where('state', '=', q.status);
  if (q.before) query = query.where('id', '<', q.before);
  const ids = await query.execute();
  const page = ids.slice(0, q.limit);
  const pos = await Promise.all(page.map((r) => loadPurchaseOrders(db, { id: r.id })));
  return { purchaseOrders: pos.flat(), next: ids.length > q.limit ? page[page.length - 1]!.id : null };
}

/** A shipment of an order as the order view shows it, with the units of each order line in the parcel. */
export interface ShipmentView {
  id: string;
  poId: string;
  supplierId: string;
  carrier: string;
  trackingNumber: string;
  state: string;
  shippedAt: string;
  lines: { orderLineNumber: number; sku: string; quantity: number }[];
}

/** The order's shipments, the first recorded first, each with its lines. */
export async function listOrderShipments(db: Db, orderId: string): Promise<ShipmentView[]> {
  const [shipments, shipmentLines] = await Promise.all([
    db.selectFrom('shipments').selectAll().where('order_id', '=', orderId).orderBy('created_at').execute(),
    db
      .selectFrom('shipment_lines')
      .innerJoin('shipments', 'shipments.id', 'shipment_lines.shipment_id')
      .select([
        'shipment_lines.shipment_id',
        'shipment_lines.order_line_number',
        'shipment_lines.sku',
        'shipment_lines.quantity',
      ])
      .where('shipments.order_id', '=', orderId)
      .execute(),
  ]);
  return shipments.map((s) => ({
    id: s.id,
    poId: s.purchase_order_id,
    supplierId: s.supplier_id,
    carrier: s.carrier,
    trackingNumber: s.tracking_number,
    state: s.state,
    shippedAt: new Date(s.shipped_at).toISOString(),
    lines: shipmentLines
      .filter((l) => l.shipment_id === s.id)
      .map((l) => ({ orderLineNumber: l.order_line_number, sku: l.sku, quantity: l.quantity })),
  }));
}

/** One entry of an order's timeline: what happened, to what, and when. */
export interface TimelineEntry {
  seq: number;
  at: string;
  type: string;
  subject: { type: string; id: string };
  data: unknown;
}

/** The order's whole timeline, in the order it was recorded. */
export async function listOrderTimeline(db: Db, orderId: string): Promise<TimelineEntry[]> {
  const events = await db
    .selectFrom('events')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('seq')
    .execute();
  return events.map((e) => ({
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    type: e.type,
    subject: { type: e.subject_type, id: e.subject_id },
    data: JSON.parse(e.data) as unknown,
  }));
}
