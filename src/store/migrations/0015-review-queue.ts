import type { Kysely } from 'kysely';

/**
 * The review queue: each reason an order is held, by check (`address.postal_code`, `fraud.order_value`,
 * `sla.ack_missed`, …), until an operator deals with it; and the fingerprints the velocity checks count (an
 * email, address or phone key per order, written only while a velocity or first-order check is on).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A node whose carriers cannot deliver to PO boxes is not routed an order shipping to one.
  await db.schema
    .alterTable('suppliers')
    .addColumn('po_boxes', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createTable('order_holds')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('check', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  await db.schema.createIndex('order_holds_by_order').on('order_holds').column('order_id').execute();
  await db.schema
    .createIndex('order_holds_open')
    .on('order_holds')
    .columns(['resolved_at', 'created_at'])
    .execute();
  await db.schema
    .createTable('order_fingerprints')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('order_fingerprints_by_key')
    .on('order_fingerprints')
    .columns(['kind', 'key', 'at'])
    .execute();
}
