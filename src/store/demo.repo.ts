import type { Db } from './schema.ts';

// Counts come back from PostgreSQL as bigint strings; each is made a number here.

/** How many purchase orders have gone out to their suppliers. */
export async function countSentPurchaseOrders(db: Db): Promise<number> {
  const row = await db
    .selectFrom('purchase_orders')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sent_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every order's id, where it came from and the state it is in. */
export async function listOrderStates(
  db: Db,
): Promise<{ id: string; channelId: string; externalId: string; state: string }[]> {
  const rows = await db.selectFrom('orders').select(['id', 'channel_id', 'external_id', 'state']).execute();
  return rows.map((o) => ({ id: o.id, channelId: o.channel_id, externalId: o.external_id, state: o.state }));
}

/** Every shipment's carrier and tracking number, by the id of the order it ships. */
export async function listParcelsByOrder(
  db: Db,
): Promise<Map<string, { carrier: string; trackingNumber: string }[]>> {
  const shipments = await db
    .selectFrom('shipments')
    .select(['order_id', 'carrier', 'tracking_number'])
    .execute();
  const parcels = new Map<string, { carrier: string; trackingNumber: string }[]>();
  for (const s of shipments)
    parcels.set(s.order_id, [
      ...(parcels.get(s.order_id) ?? []),
      { carrier: s.carrier, trackingNumber: s.tracking_number },
    ]);
  return parcels;
}

/** How many orders are in each state, by state. */
export async function countOrdersByState(db: Db): Promise<{ state: string; count: number }[]> {
  const rows = await db
    .selectFrom('orders')
    .select(['state'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .groupBy('state')
    .orderBy('state')
    .execute();
  return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
}

/** How many purchase orders each supplier has in each state, by supplier. */
export async function countPurchaseOrdersBySupplierAndState(
  db: Db,
): Promise<{ supplierId: string; state: string; count: number }[]> {
  const rows = await db
    .selectFrom('purchase_orders')
    .select(['supplier_id', 'state'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .groupBy(['supplier_id', 'state'])
    .orderBy('supplier_id')
    .execute();
  return rows.map((r) => ({ supplierId: r.supplier_id, state: r.state, count: Number(r.n) }));
}

/** How many jobs ran out of attempts (the dead letters). */
export async function countDeadJobs(db: Db): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'dead')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
