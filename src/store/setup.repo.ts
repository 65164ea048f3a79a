import type { Selectable } from 'kysely';
import type { Database, Db } from './schema.ts';

// What applying a setup document (app/apply-setup.ts) reads and writes of settings, channels and suppliers, and the
// references it checks first; its products, offers and prices are in setup-catalog.repo.ts.

export type ChannelRow = Selectable<Database['channels']>;
export type SupplierRow = Selectable<Database['suppliers']>;

/** A channel's columns as a setup document sets them. */
export interface ChannelColumns {
  kind: string;
  name: string;
  currency: string;
  config: string | null;
  backorder_policy: string;
  allocation: string | null;
  secrets: string | null;
}

/** A supplier's columns as a setup document sets them. */
export interface SupplierColumns {
  name: string;
  currency: string;
  transport_kind: string;
  transport_config: string;
  api_token_hash: string | null;
  ack_within_minutes: number;
  safety_buffer: number;
  paused: number;
  secrets: string | null;
  node_kind: string;
  score: number;
  ship_from: string | null;
  ship_within_minutes: number | null;
  working_calendar: string | null;
  po_boxes: number;
  feed_config: string | null;
  feed_secrets: string | null;
}

/** Every stored channel's currency. */
export async function listChannelCurrencies(tx: Db): Promise<{ id: string; currency: string }[]> {
  return tx.selectFrom('channels').select(['id', 'currency']).execute();
}

/** Every stored node's (supplier's or warehouse's) currency and kind. */
export async function listSupplierCurrencies(
  tx: Db,
): Promise<{ id: string; currency: string; node_kind: string }[]> {
  return tx.selectFrom('suppliers').select(['id', 'currency', 'node_kind']).execute();
}

/** The GTINs in use, with the SKU that holds each. */
export async function listTakenGtins(tx: Db): Promise<{ sku: string; gtin: string }[]> {
  const rows = await tx
    .selectFrom('variants')
    .select(['sku', 'gtin'])
    .where('gtin', 'is not', null)
    .execute();
  return rows.map((v) => ({ sku: v.sku, gtin: v.gtin! }));
}

/** The suppliers' API token hashes in use, with the supplier that holds each. */
export async function listSupplierTokenHashes(tx: Db): Promise<{ id: string; hash: string }[]> {
  const rows = await tx
    .selectFrom('suppliers')
    .select(['id', 'api_token_hash'])
    .where('api_token_hash', 'is not', null)
    .execute();
  return rows.map((s) => ({ id: s.id, hash: s.api_token_hash! }));
}

/** The channel's row as stored, or undefined. */
export async function findChannelRow(tx: Db, id: string): Promise<ChannelRow | undefined> {
  return tx.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Stores a new channel. */
export async function insertChannel(tx: Db, id: string, columns: ChannelColumns, now: number): Promise<void> {
  await tx
    .insertInto('channels')
    .values({ id, ...columns, created_at: now, updated_at: now })
    .execute();
}

/** Replaces a channel's settings (marking when they changed: a running stock sync looks at it). */
export async function updateChannelSettings(
  tx: Db,
  id: string,
  columns: ChannelColumns,
  now: number,
): Promise<void> {
  await tx
    .updateTable('channels')
    .set({ ...columns, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** The supplier's row as stored, or undefined. */
export async function findSupplierRow(tx: Db, id: string): Promise<SupplierRow | undefined> {
  return tx.selectFrom('suppliers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Stores a new supplier. */
export async function insertSupplier(
  tx: Db,
  id: string,
  columns: SupplierColumns,
  now: number,
): Promise<void> {
  await tx
    .insertInto('suppliers')
    .values({ id, ...columns, created_at: now, updated_at: now })
    .execute();
}

/** Replaces a supplier's settings. */
export async function updateSupplierSettings(
  tx: Db,
  id: string,
  columns: SupplierColumns,
  now: number,
): Promise<void> {
  await tx
    .updateTable('suppliers')
    .set({ ...columns, updated_at: now })
    .where('id', '=', id)
    .execute();
}
