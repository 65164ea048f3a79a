import type { Kysely } from 'kysely';

/**
 * The inbox of channel webhooks: every verified delivery is stored before it is answered, keyed by the channel's
 * delivery id, so a repeat is recognised and the work happens after the commit. Orders remember the channel's own
 * `updated_at`, so an older update arriving late cannot overwrite a newer one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('channel_deliveries')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('triggered_at', 'bigint')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('outcome', 'text')
    .addPrimaryKeyConstraint('channel_deliveries_pk', ['channel_id', 'delivery_id'])
    .execute();
  await db.schema.alterTable('orders').addColumn('source_updated_at', 'bigint').execute();
  // Non-secret settings of a channel kind (Shopify's shop domain, …) as JSON.
  await db.schema.alterTable('channels').addColumn('config', 'text').execute();
}
