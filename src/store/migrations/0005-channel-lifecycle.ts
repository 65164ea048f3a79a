import type { Kysely } from 'kysely';

/**
 * What the rest of a channel order's life needs: why a line was cancelled (a line cancelled for want of stock is
 * refunded at the channel), refunds made at or through the channel, the prices each channel sells at (and what it
 * was last told), the catch-up poll's watermark, what the channel's webhooks looked like when last checked, and an
 * optional allocation (a cap or a share of what can be promised).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('order_lines').addColumn('cancel_reason', 'text').execute();
  await db.schema
    .createTable('channel_refunds')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    /** The channel's id of the refund, or Waybill's own (rf_…) for a refund Waybill asked for. */
    .addColumn('refund_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    /** `channel`: made at the channel (its admin, a webhook told us); `waybill`: asked for by Waybill. */
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_refunds_pk', ['channel_id', 'refund_id'])
    .execute();
  await db.schema.createIndex('channel_refunds_by_order').on('channel_refunds').column('order_id').execute();
  await db.schema
    .createTable('channel_prices')
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('sku', 'text', (c) => c.notNull().references('variants.sku'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('compare_at_amount', 'bigint')
    .addColumn('currency', 'text', (c) => c.notNull())
    /** What the channel was last told, as `amount/compare_at` text; null until told. */
    .addColumn('told', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('channel_prices_pk', ['channel_id', 'sku'])
    .execute();
  await db.schema.alterTable('channels').addColumn('polled_until', 'bigint').execute();
  await db.schema.alterTable('channels').addColumn('webhook_health', 'text').execute();
  await db.schema.alterTable('channels').addColumn('allocation', 'text').execute();
}
