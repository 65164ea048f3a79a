import type { ShipmentId } from '../domain/ids.ts';
import { shipmentMachine } from '../domain/purchase-order.machine.ts';
import type { Db } from './schema.ts';

/** A shipment as a supplier reported it, with the lines it carries. */
export interface NewShipment {
  id: ShipmentId;
  purchaseOrderId: string;
  orderId: string;
  supplierId: string;
  carrier: string;
  trackingNumber: string;
  shippedAt: Date;
  lines: { poLineNumber: number; orderLineNumber: number; sku: string; quantity: number }[];
}

/** Records a shipment and its lines, in the shipment machine's first state. */
export async function insertShipment(tx: Db, shipment: NewShipment, now: Date): Promise<void> {
  await tx
    .insertInto('shipments')
    .values({
      id: shipment.id,
      purchase_order_id: shipment.purchaseOrderId,
      order_id: shipment.orderId,
      supplier_id: shipment.supplierId,
      carrier: shipment.carrier,
      tracking_number: shipment.trackingNumber,
      state: shipmentMachine.initial,
      shipped_at: shipment.shippedAt.getTime(),
      created_at: now.getTime(),
    })
    .execute();
  await tx
    .insertInto('shipment_lines')
    .values(
      shipment.lines.map((l) => ({
        shipment_id: shipment.id,
        po_line_number: l.poLineNumber,
        order_line_number: l.orderLineNumber,
        sku: l.sku,
        quantity: l.quantity,
      })),
    )
    .execute();
}

/** When the order's latest shipment was recorded (0 if none). */
export async function lastShipmentAt(db: Db, orderId: string): Promise<number> {
  const row = await db
    .selectFrom('shipments')
    .select((eb) => eb.fn.max<number | null>('created_at').as('at'))
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  return Number(row?.at ?? 0);
}

/** The shipment a PO already has under this tracking number (a report sent again), or null. */
export async function findShipmentByTracking(
  db: Db,
  purchaseOrderId: string,
  trackingNumber: string,
): Promise<ShipmentId | null> {
  const row = await db
    .selectFrom('shipments')
    .select('id')
    .where('purchase_order_id', '=', purchaseOrderId)
    .where('tracking_number', '=', trackingNumber)
    .executeTakeFirst();
  return (row?.id as ShipmentId | undefined) ?? null;
}

/** What the channel is told of a shipment: the shipment, its order's ids and state, and its lines in PO order. */
export interface ShipmentNoticeParts {
  shipment: { id: string; carrier: string; trackingNumber: string; createdAt: number };
  order: { id: string; channelId: string; externalId: string; state: string };
  lines: { sku: string; quantity: number }[];
}

/** The parts of a shipment's notice to its channel; null when there is no such shipment. */
export async function loadShipmentNotice(db: Db, shipmentId: string): Promise<ShipmentNoticeParts | null> {
  const shipment = await db
    .selectFrom('shipments')
    .selectAll()
    .where('id', '=', shipmentId)
    .executeTakeFirst();
  if (!shipment) return null;
  const order = await db
    .selectFrom('orders')
    .select(['id', 'channel_id', 'external_id', 'state'])
    .where('id', '=', shipment.order_id)
    .executeTakeFirstOrThrow();
  const lines = await db
    .selectFrom('shipment_lines')
    .select(['sku', 'quantity'])
    .where('shipment_id', '=', shipmentId)
    .orderBy('po_line_number')
    .execute();
  return {
    shipment: {
      id: shipment.id,
      carrier: shipment.carrier,
      trackingNumber: shipment.tracking_number,
      createdAt: shipment.created_at,
    },
    order: { id: order.id, channelId: order.channel_id, externalId: order.external_id, state: order.state },
    lines,
  };
}
