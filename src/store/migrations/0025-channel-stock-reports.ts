import type { Kysely } from 'kysely';

/**
 * Stock pushes a channel took to process later (Amazon's listings feeds): the platform's id of each submission and
 * the SKUs it carried, until the platform's report on it has been read. Their levels are recorded as told when sent;
 * a SKU the report rejects is forgotten as told, so a later pass sends it again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('channel_stock_reports')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('report_id', 'text', (c) => c.notNull())
    .addColumn('skus', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_stock_reports_pk', ['channel_id', 'report_id'])
    .execute();
}
