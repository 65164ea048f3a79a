import { sql, type Kysely } from 'kysely';

/**
 * Stock: what each SKU can promise (`stock_levels`, kept from the offers) and what open orders hold
 * (`reservations`). A reservation is one conditional UPDATE of the SKU's row, so two orders can never take the same
 * unit, whichever process or database takes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('suppliers')
    .addColumn('safety_buffer', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('channels')
    .addColumn('backorder_policy', 'text', (c) => c.notNull().defaultTo('accept'))
    .execute();
  await db.schema
    .createTable('stock_levels')
    .addColumn('sku', 'text', (c) => c.primaryKey().references('variants.sku'))
    .addColumn('bounded', 'integer', (c) => c.notNull())
    .addColumn('on_hand', 'bigint', (c) => c.notNull())
    .addColumn('reserved', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('reservations')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('line_number', 'integer', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    /** Units still held: shipped units leave the reservation (and the supplier's count). */
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('reservations_pk', ['order_id', 'line_number'])
    .execute();
  await db.schema
    .createIndex('reservations_open_by_sku')
    .on('reservations')
    .columns(['sku', 'state'])
    .execute();
  // Every SKU already in the catalog gets its level (as src/domain/stock.ts computes it): unbounded when an active
  // offer does not report stock, else reported stock less each supplier's buffer.
  await sql`
    insert into stock_levels (sku, bounded, on_hand, reserved, updated_at)
    select v.sku,
      case when exists (select 1 from offers o where o.sku = v.sku and o.active = 1 and o.stock is null) then 0 else 1 end,
      coalesce((select sum(case when o.stock > s.safety_buffer then o.stock - s.safety_buffer else 0 end)
                from offers o join suppliers s on s.id = o.supplier_id
                where o.sku = v.sku and o.active = 1 and o.stock is not null), 0),
      0, 0
    from variants v`.execute(db);
}
