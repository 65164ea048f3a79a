import type { Selectable } from 'kysely';
import type { Database, Db } from './schema.ts';

// The history of a supplier's feed imports (app/import-feed.ts), and the feed settings and pull state on suppliers
// (app/pull-feed.ts).

export type FeedImportRow = Selectable<Database['feed_imports']>;
export type FeedImportSummary = Omit<FeedImportRow, 'file'>;

export async function insertFeedImport(tx: Db, row: FeedImportRow): Promise<void> {
  await tx.insertInto('feed_imports').values(row).execute();
}

/** The import with its file (kept while quarantined). */
export async function findFeedImport(db: Db, id: string): Promise<FeedImportRow | undefined> {
  return db.selectFrom('feed_imports').selectAll().where('id', '=', id).executeTakeFirst();
}

const SUMMARY_COLUMNS = [
  'id',
  'supplier_id',
  'source',
  'file_name',
  'kind',
  'status',
  'report',
  'received_at',
  'decided_at',
  'decided_by',
] as const;

/** A supplier's imports, newest first, before a cursor (an import id). */
export async function listFeedImports(
  db: Db,
  supplierId: string,
  options: { before?: string | undefined; limit: number },
): Promise<FeedImportSummary[]> {
  let query = db.selectFrom('feed_imports').select(SUMMARY_COLUMNS).where('supplier_id', '=', supplierId);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  return query.orderBy('id', 'desc').limit(options.limit).execute();
}

/** Records an operator's decision on a quarantined import, dropping its file; false if it was decided already. */
export async function decideFeedImport(
  tx: Db,
  id: string,
  decision: { status: 'approved' | 'rejected'; report?: string; by: string; at: number },
): Promise<boolean> {
  const result = await tx
    .updateTable('feed_imports')
    .set({
      status: decision.status,
      decided_at: decision.at,
      decided_by: decision.by,
      file: null,
      ...(decision.report === undefined ? {} : { report: decision.report }),
    })
    .where('id', '=', id)
    .where('status', '=', 'quarantined')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Whether an import of this supplier newer than this one has applied (approving the older would undo it). */
export async function appliedSince(db: Db, supplierId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('feed_imports')
    .select('id')
    .where('supplier_id', '=', supplierId)
    .where('id', '>', id)
    .where('status', 'in', ['applied', 'approved'])
    .executeTakeFirst();
  return row !== undefined;
}

/** The suppliers that have feed settings, with them. */
export async function listSuppliersWithFeeds(db: Db): Promise<{ id: string; feed_config: string }[]> {
  const rows = await db
    .selectFrom('suppliers')
    .select(['id', 'feed_config'])
    .where('feed_config', 'is not', null)
    .execute();
  return rows.map((r) => ({ id: r.id, feed_config: r.feed_config! }));
}

/** What the last pull of the supplier's feed saw, so the next asks only for a newer file. */
export async function recordFeedPulled(
  tx: Db,
  supplierId: string,
  seen: { etag: string | null; lastModified: string | null },
): Promise<void> {
  await tx
    .updateTable('suppliers')
    .set({ feed_etag: seen.etag, feed_last_modified: seen.lastModified })
    .where('id', '=', supplierId)
    .execute();
}

/** Forgets what the last pull saw (its settings changed): the next pull downloads and reads the file whole. */
export async function forgetFeedPull(tx: Db, supplierId: string): Promise<void> {
  await tx
    .updateTable('suppliers')
    .set({ feed_etag: null, feed_last_modified: null })
    .where('id', '=', supplierId)
    .execute();
}
