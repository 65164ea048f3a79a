import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { gtin14 } from '../../domain/gtin.ts';

/**
 * Supplier feeds: each supplier's feed settings and pull state; what its offers say besides cost and stock (MAP,
 * discontinued); its SKUs mapped to Waybill's (by an operator, by GTIN); its last accepted feed, as an index to diff
 * the next one against and the rows no SKU matched; and the history of its imports, a quarantined one with its file.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One column to a statement: SQLite's ALTER TABLE adds one at a time.
  for (const column of [
    // JSON: the mapping, full or delta, what a missing SKU means, the thresholds, where the feed is pulled from.
    'feed_config',
    // Sealed like the transport's secrets: the pull's password, key or Authorization header.
    'feed_secrets',
    // What the last pull saw, so an unchanged file is not read again.
    'feed_etag',
    'feed_last_modified',
  ])
    await db.schema.alterTable('suppliers').addColumn(column, 'text').execute();
  await db.schema.alterTable('offers').addColumn('map_amount', 'bigint').execute();
  await db.schema.alterTable('offers').addColumn('map_currency', 'text').execute();
  await db.schema
    .alterTable('offers')
    .addColumn('discontinued', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // A feed names its rows by the supplier's SKU: each import looks its new rows up by it.
  await db.schema
    .createIndex('offers_by_supplier_sku')
    .on('offers')
    .columns(['supplier_id', 'supplier_sku'])
    .execute();

  // GTINs are matched as GTIN-14: a UPC-A and the same product's EAN-13 are one product.
  await db.schema.alterTable('variants').addColumn('gtin14', 'text').execute();
  const variants = await sql<{
    sku: string;
    gtin: string;
  }>`select sku, gtin from variants where gtin is not null`.execute(db);
  for (const v of variants.rows)
    await sql`update variants set gtin14 = ${gtin14(v.gtin)} where sku = ${v.sku}`.execute(db);
  await db.schema.createIndex('variants_by_gtin14').on('variants').column('gtin14').execute();

  await db.schema
    .createTable('supplier_skus')
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('supplier_sku', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull().references('variants.sku'))
    // 'operator', 'gtin' or 'setup': how the pair was made.
    .addColumn('matched_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('supplier_skus_pk', ['supplier_id', 'supplier_sku'])
    .execute();
  await db.schema
    .createIndex('supplier_skus_by_sku')
    .on('supplier_skus')
    .columns(['supplier_id', 'sku'])
    .unique()
    .execute();

  // The rows of a supplier's accepted feed that no SKU matched yet (a matched row is its offer): listed for an
  // operator, applied when mapped.
  await db.schema
    .createTable('feed_items')
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    .addColumn('supplier_sku', 'text', (c) => c.notNull())
    // null: not matched to a Waybill SKU yet (listed for an operator to map).
    .addColumn('sku', 'text')
    .addColumn('gtin', 'text')
    .addColumn('stock', 'bigint')
    // A 53-bit hash of `item`: the next feed's row is compared with it without reading the row back.
    .addColumn('digest', 'bigint', (c) => c.notNull())
    // JSON: the row's values as the feed gave them, applied when the row is mapped later.
    .addColumn('item', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_items_pk', ['supplier_id', 'supplier_sku'])
    .execute();
  // The last accepted feed's rows as the next import compares with them (domain/feed-index.ts), one value a supplier.
  await db.schema
    .createTable('feed_indexes')
    .addColumn('supplier_id', 'text', (c) => c.primaryKey().references('suppliers.id'))
    .addColumn('rows', db.getExecutor().adapter instanceof SqliteAdapter ? 'blob' : 'bytea', (c) =>
      c.notNull(),
    )
    // Bumped by each applied import: one that read an older version is diffed again, never written over it.
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('feed_imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('supplier_id', 'text', (c) => c.notNull().references('suppliers.id'))
    // 'upload', 'cli', 'http', 'sftp', 'push'
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text')
    // 'full' or 'delta'
    .addColumn('kind', 'text', (c) => c.notNull())
    // 'applied', 'quarantined', 'approved', 'rejected', 'refused'
    .addColumn('status', 'text', (c) => c.notNull())
    // JSON: counts, changes, the first errors and their total, why it was quarantined or refused.
    .addColumn('report', 'text', (c) => c.notNull())
    // Kept while quarantined, so that an approval applies exactly what was received; dropped on a decision.
    .addColumn('file', db.getExecutor().adapter instanceof SqliteAdapter ? 'blob' : 'bytea')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .execute();
  await db.schema
    .createIndex('feed_imports_by_supplier')
    .on('feed_imports')
    .columns(['supplier_id', 'received_at'])
    .execute();
}
