import { sql, type Kysely } from 'kysely';

/**
 * The supplier's shipping deadline, like its acknowledgement deadline (0009): a due time on the purchase order, set
 * when the supplier acknowledges it, swept by the same recurring job; `ship_overdue_at` records that it was flagged.
 * The index holds only the POs the sweep can still flag.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('purchase_orders').addColumn('ship_due_at', 'bigint').execute();
  await db.schema.alterTable('purchase_orders').addColumn('ship_overdue_at', 'bigint').execute();
  await db.schema
    .createIndex('purchase_orders_ship_due')
    .on('purchase_orders')
    .column('ship_due_at')
    .where(sql.ref('ship_overdue_at'), 'is', null)
    .where(sql.ref('state'), 'in', sql`('accepted', 'partially_accepted', 'partially_shipped')`)
    .execute();
}
