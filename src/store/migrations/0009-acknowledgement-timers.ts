import { sql, type Kysely } from 'kysely';

/**
 * The supplier's acknowledgement deadline is a due time on the purchase order, swept by one recurring job, instead of
 * a timer job per purchase order (a row that waited a day for every PO sent). `ack_overdue_at` records that the PO was
 * flagged, so it is flagged once. The index holds only the POs the sweep can still flag.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('purchase_orders').addColumn('ack_overdue_at', 'bigint').execute();
  await db.schema
    .createIndex('purchase_orders_ack_due')
    .on('purchase_orders')
    .column('ack_due_at')
    .where(sql.ref('ack_overdue_at'), 'is', null)
    .where(sql.ref('state'), 'in', sql`('pending', 'sent', 'send_failed')`)
    .execute();
  // Their POs carry the same due time; the sweep takes over.
  await sql`delete from jobs where kind = 'po.ack-due'`.execute(db);
}
