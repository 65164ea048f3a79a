import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * An order may have more than one purchase order to the same supplier: lines backordered at intake and filled when
 * stock came back go in a later PO (`…-2`), because the first one may be with the supplier already. The PO number
 * stays unique; the (order, supplier) pair no longer is.
 *
 * SQLite cannot drop a table constraint, so the table is rebuilt as SQLite documents (https://www.sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"): foreign keys off, copy into a new table, swap, check, foreign keys on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    await sql`alter table purchase_orders drop constraint purchase_orders_order_supplier`.execute(db);
    await db.schema
      .createIndex('purchase_orders_by_order')
      .on('purchase_orders')
      .columns(['order_id', 'supplier_id'])
      .execute();
    return;
  }
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.schema
      .createTable('purchase_orders_new')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('po_number', 'text', (c) => c.notNull().unique())
      .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
      .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('total_amount', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .addColumn('acknowledged_at', 'bigint')
      .addColumn('ack_due_at', 'bigint')
      .execute();
    await sql`insert into purchase_orders_new (id, po_number, order_id, supplier_id, state, currency, total_amount, created_at, updated_at, sent_at, acknowledged_at, ack_due_at)
      select id, po_number, order_id, supplier_id, state, currency, total_amount, created_at, updated_at, sent_at, acknowledged_at, ack_due_at from purchase_orders`.execute(
      db,
    );
    await sql`drop table purchase_orders`.execute(db);
    await sql`alter table purchase_orders_new rename to purchase_orders`.execute(db);
    await db.schema
      .createIndex('purchase_orders_by_supplier')
      .on('purchase_orders')
      .columns(['supplier_id', 'state', 'created_at'])
      .execute();
    await db.schema
      .createIndex('purchase_orders_by_order')
      .on('purchase_orders')
      .columns(['order_id', 'supplier_id'])
      .execute();
    const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(db);
    if (broken.rows.length > 0)
      throw new Error(
        `foreign keys broken by the rebuild of purchase_orders: ${JSON.stringify(broken.rows.slice(0, 5))}`,
      );
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
