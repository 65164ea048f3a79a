import type { Kysely } from 'kysely';

/**
 * A version of what each channel was told (its channel_stock rows), moved on by every change of them: a process
 * keeping a copy of those rows in memory (app/stock-sync-memory.ts) knows from it whether the copy is still the
 * database's, so a stock sync compares a change of 100,000 SKUs with what was told without reading it all again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('channels')
    .addColumn('stock_told_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
