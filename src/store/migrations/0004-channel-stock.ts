import type { Kysely } from 'kysely';

/**
 * What each channel was last told about each SKU's stock, and how far each channel's sync has read the changes
 * (a watermark on stock_levels.updated_at), so only changes go out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('channel_stock')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('told', 'bigint', (c) => c.notNull())
    .addColumn('told_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_stock_pk', ['channel_id', 'sku'])
    .execute();
  await db.schema
    .alterTable('channels')
    .addColumn('stock_synced_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('stock_levels_by_change').on('stock_levels').column('updated_at').execute();
}
