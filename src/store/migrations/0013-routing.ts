import type { Kysely } from 'kysely';

/**
 * What routing weighs: each node's kind (a supplier, or the retailer's own warehouse), score, ship-from address and
 * working calendar (its SLA hours); each offer's lead time, shipping estimate, drop-ship fee, minimum, pack size and
 * ship-from; each variant's tags and category (rules match on them); and the retailer's routing rules, one row per
 * version (an order's routing names the version that decided it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('suppliers')
    .addColumn('node_kind', 'text', (c) => c.notNull().defaultTo('supplier'))
    .execute();
  await db.schema
    .alterTable('suppliers')
    .addColumn('score', 'integer', (c) => c.notNull().defaultTo(50))
    .execute();
  await db.schema.alterTable('suppliers').addColumn('ship_from', 'text').execute();
  await db.schema.alterTable('suppliers').addColumn('ship_within_minutes', 'integer').execute();
  await db.schema.alterTable('suppliers').addColumn('working_calendar', 'text').execute();
  for (const [column, fallback] of [
    ['lead_days', 0],
    ['min_quantity', 1],
    ['pack_size', 1],
  ] as const)
    await db.schema
      .alterTable('offers')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(fallback))
      .execute();
  for (const column of ['shipping_estimate', 'drop_ship_fee'])
    await db.schema
      .alterTable('offers')
      .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  await db.schema.alterTable('offers').addColumn('ship_from', 'text').execute();
  await db.schema.alterTable('variants').addColumn('tags', 'text').execute();
  await db.schema.alterTable('variants').addColumn('category', 'text').execute();
  await db.schema
    .createTable('routing_rules')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
