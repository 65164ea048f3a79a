import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** Every channel's id. */
export async function listChannelIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('channels').select('id').execute()).map((c) => c.id);
}

/** The channels that have at least one selling price. */
export async function listChannelIdsWithPrices(db: Db): Promise<string[]> {
  return (await db.selectFrom('channel_prices').select('channel_id').distinct().execute()).map(
    (r) => r.channel_id,
  );
}

/**
 * How far the channel's stock sync has read the changes, and when its settings last changed; `lock` reads the row
 * FOR UPDATE (pass the store's rowLocks capability: SQLite has no row locks).
 */
export async function findStockSyncState(
  db: Db,
  channelId: string,
  lock = false,
): Promise<{ watermark: number; settingsAt: number; toldVersion: number }> {
  let query = db
    .selectFrom('channels')
    .select(['stock_synced_until', 'updated_at', 'stock_told_version'])
    .where('id', '=', channelId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return {
    watermark: row?.stock_synced_until ?? 0,
    settingsAt: row?.updated_at ?? 0,
    toldVersion: Number(row?.stock_told_version ?? 0),
  };
}

/**
 * Gives what the channel was told a new version, in the transaction that changes its channel_stock rows (every such
 * change must: a copy of them in memory trusts the version); returns it. Random, not counted: a copy updated in a
 * transaction that then rolled back carries a version the database never reaches, so it is read again.
 */
export async function bumpStockToldVersion(tx: Db, channelId: string): Promise<number> {
  const version = randomInt(1, 2 ** 47);
  await tx.updateTable('channels').set({ stock_told_version: version }).where('id', '=', channelId).execute();
  return version;
}

/** Moves the channel's stock sync watermark forward to `readAt` (never back). */
export async function advanceStockSyncedUntil(tx: Db, channelId: string, readAt: number): Promise<void> {
  await tx
    .updateTable('channels')
    .set({ stock_synced_until: readAt })
    .where('id', '=', channelId)
    .where('stock_synced_until', '<', readAt)
    .execute();
}

/** Forgets what the channel was told of every SKU and restarts its stock sync from the beginning. */
export async function forgetChannelStock(tx: Db, channelId: string): Promise<void> {
  await tx.deleteFrom('channel_stock').where('channel_id', '=', channelId).execute();
  await tx.deleteFrom('channel_stock_reports').where('channel_id', '=', channelId).execute();
  await tx.updateTable('channels').set({ stock_synced_until: 0 }).where('id', '=', channelId).execute();
  await bumpStockToldVersion(tx, channelId);
}

/** Where the channel's catch-up poll stands: how far it has read, and its webhooks as last checked (JSON). */
export async function findPollState(
  db: Db,
  channelId: string,
): Promise<{ polledUntil: number | null; webhookHealthJson: string | null }> {
  const row = await db
    .selectFrom('channels')
    .select(['polled_until', 'webhook_health'])
    .where('id', '=', channelId)
    .executeTakeFirstOrThrow();
  return { polledUntil: row.polled_until, webhookHealthJson: row.webhook_health };
}

/** Records how far the catch-up poll has read the channel's orders. */
export async function setPolledUntil(tx: Db, channelId: string, polledUntil: number): Promise<void> {
  await tx.updateTable('channels').set({ polled_until: polledUntil }).where('id', '=', channelId).execute();
}

/** Keeps the latest check of the channel's webhook subscriptions (JSON). */
export async function setWebhookHealth(tx: Db, channelId: string, webhookHealthJson: string): Promise<void> {
  await tx
    .updateTable('channels')
    .set({ webhook_health: webhookHealthJson })
    .where('id', '=', channelId)
    .execute();
}

/** External ids looked up per statement: a long poll is read in a few statements rather than one huge one. */
const EXTERNAL_IDS_PER_STATEMENT = 500;

/** The source version (the channel's last-modified time, null when it sent none) of each of these orders Waybill has. */
export async function findKnownOrderVersions(
  db: Db,
  channelId: string,
  externalIds: readonly string[],
): Promise<Map<string, number | null>> {
  const known = new Map<string, number | null>();
  for (let i = 0; i < externalIds.length; i += EXTERNAL_IDS_PER_STATEMENT) {
    const rows = await db
      .selectFrom('orders')
      .select(['external_id', 'source_updated_at'])
      .where('channel_id', '=', channelId)
      .where('external_id', 'in', externalIds.slice(i, i + EXTERNAL_IDS_PER_STATEMENT))
      .execute();
    for (const r of rows) known.set(r.external_id, r.source_updated_at);
  }
  return known;
}

/** A selling price the channel has not been told yet, in minor units of `currency`. */
export interface UntoldPrice {
  sku: string;
  amount: number;
  compareAtAmount: number | null;
  currency: string;
}

/**
 * The channel's prices whose current value is not what it was last told (or that it was never told), by SKU, at
 * most `limit`. `told` holds the value as toldText writes it; the SQL below spells the current value the same way.
 */
export async function findUntoldPrices(db: Db, channelId: string, limit: number): Promise<UntoldPrice[]> {
  const current = sql<string>`cast(amount as text) || '/' || coalesce(cast(compare_at_amount as text), '')`;
  const rows = await db
    .selectFrom('channel_prices')
    .selectAll()
    .where('channel_id', '=', channelId)
    .where((eb) => eb.or([eb('told', 'is', null), eb('told', '!=', current)]))
    .orderBy('sku')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    sku: r.sku,
    amount: r.amount,
    compareAtAmount: r.compare_at_amount,
    currency: r.currency,
  }));
}

/** Records the price the channel was told of a SKU, so the next sync sends it only if it changes. */
export async function recordPriceTold(
  tx: Db,
  channelId: string,
  sku: string,
  amount: number,
  compareAtAmount: number | null,
): Promise<void> {
  await tx
    .updateTable('channel_prices')
    .set({ told: toldText(amount, compareAtAmount) })
    .where('channel_id', '=', channelId)
    .where('sku', '=', sku)
    .execute();
}

function toldText(amount: number, compareAt: number | null): string {
  return `${amount}/${compareAt ?? ''}`;
}
