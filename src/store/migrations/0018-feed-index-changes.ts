import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * A supplier's last accepted feed kept as a base and the changes since it (domain/feed-index.ts): an import writes
 * its changes, not a million rows again. The base lives in a table of its own: SQLite rewrites a whole row when any
 * of its values changes, and the small row (version, changes) changes at every import.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const binary = db.getExecutor().adapter instanceof SqliteAdapter ? 'blob' : 'bytea';
  await db.schema
    .createTable('feed_index_bases')
    .addColumn('supplier_id', 'text', (c) => c.primaryKey().references('suppliers.id'))
    .addColumn('rows', binary, (c) => c.notNull())
    .execute();
  await sql`insert into feed_index_bases (supplier_id, rows) select supplier_id, rows from feed_indexes`.execute(
    db,
  );
  await db.schema.alterTable('feed_indexes').dropColumn('rows').execute();
  await db.schema.alterTable('feed_indexes').addColumn('changes', binary).execute();
}
