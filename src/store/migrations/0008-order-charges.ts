import type { Kysely } from 'kysely';

/**
 * The order's money as the channel charged it. On the order: its shipping lines, fees, discounts, tax and the
 * channel's own totals (JSON, OrderCharges without the lines). On each line: the channel's line id (refunds and
 * edits name the line by it: a SKU can change with its product), its title, whether it needs shipping, and its own
 * charges (subtotal, discount, taxes, total; JSON). Orders taken in before keep null: their lines are the whole of it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('charges', 'text').execute();
  await db.schema.alterTable('order_lines').addColumn('channel_line_id', 'text').execute();
  await db.schema.alterTable('order_lines').addColumn('title', 'text').execute();
  await db.schema
    .alterTable('order_lines')
    .addColumn('requires_shipping', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('order_lines').addColumn('charges', 'text').execute();
}
