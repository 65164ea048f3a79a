import type { Kysely } from 'kysely';

/** A supplier (a fulfilment node) may be paused: orders stop going to it, its stock counts as none, its POs go on. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('suppliers')
    .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
