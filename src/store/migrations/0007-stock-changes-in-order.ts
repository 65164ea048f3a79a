import type { Kysely } from 'kysely';

/**
 * The stock sync reads a large change in pages in the order of the change, (updated_at, sku), each page one range
 * of this index. Read in SKU order with a filter on updated_at, PostgreSQL with statistics from before a feed that
 * changed every SKU (it expects one changed row) walked the whole change and sorted it again for every page.
 * It carries what the sync reads of each row (bounded, on_hand, reserved), so SQLite reads the page from the index
 * alone; it replaces the index on updated_at alone, which it also serves.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('stock_levels_by_change_sku')
    .on('stock_levels')
    .columns(['updated_at', 'sku', 'bounded', 'on_hand', 'reserved'])
    .execute();
  await db.schema.dropIndex('stock_levels_by_change').execute();
}
