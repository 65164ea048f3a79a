import type { Kysely } from 'kysely';

/**
 * Prices from rules: the retailer's pricing rules, one row per version (as routing_rules); the exchange rates they
 * convert with, one per pair and source (the operator's own, and later a configured source's); and on each channel
 * price what decided it, so an operator can read why a SKU sells at what it does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('price_rules')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('exchange_rates')
    .addColumn('from_currency', 'text', (c) => c.notNull())
    .addColumn('to_currency', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // A decimal string: no float ever holds a rate.
    .addColumn('rate', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('set_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('exchange_rates_pk', ['from_currency', 'to_currency', 'source'])
    .execute();
  // Prices from before rules were set by hand (the setup document's products[].prices).
  await db.schema
    .alterTable('channel_prices')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
    .execute();
  for (const column of ['rule', 'rate', 'floor'])
    await db.schema.alterTable('channel_prices').addColumn(column, 'text').execute();
}
