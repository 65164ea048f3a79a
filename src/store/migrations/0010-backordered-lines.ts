import { sql, type Kysely } from 'kysely';

/**
 * The backorder fill looks for backordered lines every few seconds: without an index of its own it read every order
 * line each time (a million orders, a million lines read every five seconds). The index holds the backordered ones
 * only, the few a run has to look at.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('order_lines_backordered')
    .on('order_lines')
    .columns(['sku', 'order_id'])
    .where(sql.ref('state'), '=', sql.lit('backordered'))
    .execute();
}
