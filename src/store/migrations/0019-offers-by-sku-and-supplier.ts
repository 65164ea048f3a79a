import type { Kysely } from 'kysely';

/**
 * Offers by SKU and supplier, in place of by SKU alone: a feed's import refreshes the supply of the SKUs it changed
 * from the offers it just wrote and the other suppliers' offers, which this index finds without reading the rows of
 * the supplier whose feed it is. Look-ups by SKU alone use it as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('offers_by_sku_supplier')
    .on('offers')
    .columns(['sku', 'supplier_id'])
    .execute();
  await db.schema.dropIndex('offers_by_sku').execute();
}
