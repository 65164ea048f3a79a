import { sql, type Selectable } from 'kysely';
import { dialectOf, keyChunks, oneOf } from './statement.ts';
import type { Database, Db } from './schema.ts';

// What importing a supplier's feed (app/diff-feed.ts, app/apply-feed.ts) reads and writes: the index of the last
// accepted feed, its unmatched rows, SKU mappings, and the offers a feed changes. Its history: feed-imports.repo.ts.

/** Rows per JSON document of a bulk write: one statement, one parameter, whatever the row count. */
const ROWS_PER_DOCUMENT = 5_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The supplier's last accepted feed as a FeedIndex's base and changes (domain/feed-index.ts), and its version (0: none). */
export async function loadFeedIndexBytes(
  db: Db,
  supplierId: string,
): Promise<{ base: Uint8Array | undefined; changes: Uint8Array | undefined; version: number }> {
  // One statement, so the base and the changes are of one version even while another import commits a new base.
  const kept = await db
    .selectFrom('feed_indexes as i')
    .leftJoin('feed_index_bases as b', 'b.supplier_id', 'i.supplier_id')
    .select(['i.changes', 'i.version', 'b.rows'])
    .where('i.supplier_id', '=', supplierId)
    .executeTakeFirst();
  if (!kept) return { base: undefined, changes: undefined, version: 0 };
  return { base: kept.rows ?? undefined, changes: kept.changes ?? undefined, version: kept.version };
}

/**
 * Keeps the supplier's last accepted feed as the next version of its index (its changes since the base, or a new
 * base), if the one kept is still `read` (the version the import diffed against); false when another import applied
 * in between (the caller diffs again). On PostgreSQL the second of two such writes waits for the first's commit and
 * then finds the version moved on.
 */
export async function saveFeedIndexBytes(
  tx: Db,
  supplierId: string,
  kept: { base: Uint8Array | undefined; changes: Uint8Array | undefined },
  read: number,
  now: number,
): Promise<boolean> {
  const changes = kept.changes ? asBuffer(kept.changes) : null;
  const result =
    read === 0
      ? await tx
          .insertInto('feed_indexes')
          .values({ supplier_id: supplierId, changes, version: 1, updated_at: now })
          .onConflict((oc) => oc.column('supplier_id').doNothing())
          .executeTakeFirst()
      : await tx
          .updateTable('feed_indexes')
          .set({ changes, version: read + 1, updated_at: now })
          .where('supplier_id', '=', supplierId)
          .where('version', '=', read)
          .executeTakeFirst();
  const written =
    'numInsertedOrUpdatedRows' in result ? result.numInsertedOrUpdatedRows : result.numUpdatedRows;
  if (Number(written ?? 0) !== 1) return false;
  if (kept.base) {
    const rows = asBuffer(kept.base);
    await tx
      .insertInto('feed_index_bases')
      .values({ supplier_id: supplierId, rows })
      .onConflict((oc) => oc.column('supplier_id').doUpdateSet({ rows }))
      .execute();
  }
  return true;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The supplier SKUs a feed of this supplier may have listed: its offers' and its unmatched rows'. */
export async function listSupplierSkus(db: Db, supplierId: string): Promise<string[]> {
  const offered = await db
    .selectFrom('offers')
    .select('supplier_sku')
    .where('supplier_id', '=', supplierId)
    .execute();
  const unmatched = await db
    .selectFrom('feed_items')
    .select('supplier_sku')
    .where('supplier_id', '=', supplierId)
    .execute();
  return [...offered, ...unmatched].map((r) => r.supplier_sku);
}

export type FeedItemRow = Pick<Selectable<Database['feed_items']>, 'supplier_sku' | 'sku' | 'stock' | 'item'>;

/**
 * What the last accepted feed made of these supplier SKUs: the offer each is (this supplier's offer naming it), or
 * the row kept unmatched. One read per 500 keys for both.
 */
export async function findAcceptedRows(
  db: Db,
  supplierId: string,
  supplierSkus: readonly string[],
): Promise<{ offers: Map<string, OfferRow>; unmatched: Map<string, { stock: number | null }> }> {
  const offers = new Map<string, OfferRow>();
  const unmatched = new Map<string, { stock: number | null }>();
  for (const keys of keyChunks(db, supplierSkus)) {
    for (const o of await selectOffers(db)
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'supplier_sku', keys))
      .execute())
      offers.set(o.supplier_sku, offerOf(o));
    const open = keys.filter((k) => !offers.has(k));
    if (open.length === 0) continue;
    for (const r of await db
      .selectFrom('feed_items')
      .select(['supplier_sku', 'stock'])
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'supplier_sku', open))
      .execute())
      unmatched.set(r.supplier_sku, { stock: r.stock });
  }
  return { offers, unmatched };
}

/**
 * The Waybill SKUs these supplier SKUs are already known as: a mapping made by an operator or by GTIN, else an offer
 * of the setup document naming the supplier SKU.
 */
export async function findMappedSkus(
  db: Db,
  supplierId: string,
  supplierSkus: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const keys of keyChunks(db, supplierSkus)) {
    const offered = await db
      .selectFrom('offers')
      .select(['supplier_sku', 'sku'])
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'supplier_sku', keys))
      .execute();
    for (const o of offered) found.set(o.supplier_sku, o.sku);
    // An explicit mapping wins over an offer's own supplier SKU.
    const mapped = await db
      .selectFrom('supplier_skus')
      .select(['supplier_sku', 'sku'])
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'supplier_sku', keys))
      .execute();
    for (const m of mapped) found.set(m.supplier_sku, m.sku);
  }
  return found;
}

/** The SKU of each of these GTIN-14s that exactly one variant carries (two variants with one GTIN match neither). */
export async function findSkusByGtin14(db: Db, gtins: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const shared = new Set<string>();
  for (const keys of keyChunks(db, gtins)) {
    const rows = await db
      .selectFrom('variants')
      .select(['gtin14', 'sku'])
      .where(oneOf(db, 'gtin14', keys))
      .execute();
    for (const r of rows) {
      if (found.has(r.gtin14!)) shared.add(r.gtin14!);
      found.set(r.gtin14!, r.sku);
    }
  }
  for (const g of shared) found.delete(g);
  return found;
}

/**
 * The supplier SKU that holds each of these SKUs for this supplier: its offer's, else a mapping's (made by an
 * operator or by GTIN).
 */
export async function findSkusTaken(
  db: Db,
  supplierId: string,
  skus: readonly string[],
): Promise<Map<string, string>> {
  const taken = new Map<string, string>();
  for (const keys of keyChunks(db, skus)) {
    const mapped = await db
      .selectFrom('supplier_skus')
      .select(['sku', 'supplier_sku'])
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'sku', keys))
      .execute();
    for (const r of mapped) taken.set(r.sku, r.supplier_sku);
    const offered = await db
      .selectFrom('offers')
      .select(['sku', 'supplier_sku'])
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'sku', keys))
      .execute();
    for (const r of offered) taken.set(r.sku, r.supplier_sku);
  }
  return taken;
}

/** Forgets the supplier's mappings to these SKUs (their supplier SKUs are gone: the SKUs are mapped anew). */
export async function deleteSkuMappingsTo(
  tx: Db,
  supplierId: string,
  skus: readonly string[],
): Promise<void> {
  for (const keys of keyChunks(tx, skus))
    await tx
      .deleteFrom('supplier_skus')
      .where('supplier_id', '=', supplierId)
      .where(oneOf(tx, 'sku', keys))
      .execute();
}

/** Whether the SKU exists in the catalog. */
export async function variantExists(db: Db, sku: string): Promise<boolean> {
  return (
    (await db.selectFrom('variants').select('sku').where('sku', '=', sku).executeTakeFirst()) !== undefined
  );
}

/** Records supplier SKU → SKU pairs; a pair already made is replaced (an operator's correction). */
export async function upsertSkuMappings(
  tx: Db,
  supplierId: string,
  pairs: readonly { supplierSku: string; sku: string }[],
  matchedBy: 'operator' | 'gtin',
  now: number,
): Promise<void> {
  for (const part of chunks(pairs, ROWS_PER_DOCUMENT)) {
    // Each value an array: `->> 0` reads its text on both databases (a JSON string cast to text keeps its quotes
    // on PostgreSQL).
    const doc = JSON.stringify(Object.fromEntries(part.map((p) => [p.supplierSku, [p.sku]])));
    await sql`insert into supplier_skus (supplier_id, supplier_sku, sku, matched_by, created_at)
      select ${supplierId}, t.key, t.value ->> 0, ${matchedBy}, ${now}
      from json_each(${doc}) as t where true
      on conflict (supplier_id, supplier_sku) do update set sku = excluded.sku, matched_by = excluded.matched_by,
        created_at = excluded.created_at`.execute(tx);
  }
}

/** A row of the accepted feed as stored. */
export interface NewFeedItem {
  supplierSku: string;
  sku: string | null;
  gtin: string | null;
  stock: number | null;
  digest: number;
  item: string;
}

/** Stores these rows as the supplier's accepted feed, replacing any with the same supplier SKU. */
export async function upsertFeedItems(
  tx: Db,
  supplierId: string,
  items: readonly NewFeedItem[],
  now: number,
): Promise<void> {
  for (const part of chunks(items, ROWS_PER_DOCUMENT)) {
    const doc = JSON.stringify(
      Object.fromEntries(
        part.map((i) => [i.supplierSku, [i.sku, i.gtin, i.stock, String(i.digest), i.item]]),
      ),
    );
    // Values go as one JSON document (json_each on both databases): five bound parameters a row would pass what
    // SQLite binds in one statement long before 5,000 rows.
    await sql`insert into feed_items (supplier_id, supplier_sku, sku, gtin, stock, digest, item, updated_at)
      select ${supplierId}, t.key, t.value ->> 0, t.value ->> 1, cast(t.value ->> 2 as bigint),
        cast(t.value ->> 3 as bigint), t.value ->> 4, ${now}
      from json_each(${doc}) as t where true
      on conflict (supplier_id, supplier_sku) do update set sku = excluded.sku, gtin = excluded.gtin,
        stock = excluded.stock, digest = excluded.digest, item = excluded.item,
        updated_at = excluded.updated_at`.execute(tx);
  }
}

/** Sets the Waybill SKU of one row of the accepted feed (an operator mapped it). */
export async function setFeedItemSku(
  tx: Db,
  supplierId: string,
  supplierSku: string,
  sku: string,
): Promise<void> {
  await tx
    .updateTable('feed_items')
    .set({ sku })
    .where('supplier_id', '=', supplierId)
    .where('supplier_sku', '=', supplierSku)
    .execute();
}

/** Forgets these rows of the accepted feed: a full feed no longer lists them. */
export async function deleteFeedItems(
  tx: Db,
  supplierId: string,
  supplierSkus: readonly string[],
): Promise<void> {
  for (const keys of keyChunks(tx, supplierSkus))
    await tx
      .deleteFrom('feed_items')
      .where('supplier_id', '=', supplierId)
      .where(oneOf(tx, 'supplier_sku', keys))
      .execute();
}

/** The rows of the accepted feed not matched to a Waybill SKU, in supplier SKU order, after a cursor. */
export async function listUnmatchedFeedItems(
  db: Db,
  supplierId: string,
  options: { after?: string | undefined; limit: number },
): Promise<
  { supplier_sku: string; gtin: string | null; item: string; digest: number; updated_at: number }[]
> {
  let query = db
    .selectFrom('feed_items')
    .select(['supplier_sku', 'gtin', 'item', 'digest', 'updated_at'])
    .where('supplier_id', '=', supplierId)
    .where('sku', 'is', null);
  if (options.after !== undefined) query = query.where('supplier_sku', '>', options.after);
  return query.orderBy('supplier_sku').limit(options.limit).execute();
}

/** One row of the accepted feed, by supplier SKU. */
export async function findFeedItem(
  db: Db,
  supplierId: string,
  supplierSku: string,
): Promise<FeedItemRow | undefined> {
  return db
    .selectFrom('feed_items')
    .select(['supplier_sku', 'sku', 'stock', 'item'])
    .where('supplier_id', '=', supplierId)
    .where('supplier_sku', '=', supplierSku)
    .executeTakeFirst();
}

/**
 * An offer as a feed's import reads and writes it. On SQLite it carries where it is stored (its rowid) and the
 * supplier SKU it had: written back under the same supplier SKU, it is updated in place, with no index to look up
 * or rewrite (a feed's changes touch every page of the offers; this is a third of writing them).
 */
export type OfferRow = Selectable<Database['offers']> & { stored?: { rowid: number; supplierSku: string } };

/** The offers' columns, and on SQLite their rowid (null on PostgreSQL, whose rows have no stable address). */
function selectOffers(db: Db) {
  const rowid = dialectOf(db) === 'sqlite' ? sql<number | null>`offers.rowid` : sql<number | null>`null`;
  return db.selectFrom('offers').selectAll('offers').select(rowid.as('stored_rowid'));
}

function offerOf(row: Selectable<Database['offers']> & { stored_rowid: number | null }): OfferRow {
  const { stored_rowid: rowid, ...offer } = row;
  return rowid === null ? offer : { ...offer, stored: { rowid, supplierSku: offer.supplier_sku } };
}

/** This supplier's offers of these SKUs, by SKU. */
export async function findOffersOf(
  db: Db,
  supplierId: string,
  skus: readonly string[],
): Promise<Map<string, OfferRow>> {
  const found = new Map<string, OfferRow>();
  for (const keys of keyChunks(db, skus)) {
    const rows = await selectOffers(db)
      .where('supplier_id', '=', supplierId)
      .where(oneOf(db, 'sku', keys))
      .execute();
    for (const r of rows) found.set(r.sku, offerOf(r));
  }
  return found;
}

/** Writes these offers whole (a feed's values merged onto the stored ones), creating those that are new. */
export async function upsertOffers(tx: Db, offers: readonly OfferRow[]): Promise<void> {
  const inPlace = offers.filter((o) => o.stored?.supplierSku === o.supplier_sku);
  await updateOffersInPlace(tx, inPlace);
  const others =
    inPlace.length === 0 ? offers : offers.filter((o) => o.stored?.supplierSku !== o.supplier_sku);
  for (const part of chunks(others, ROWS_PER_DOCUMENT)) {
    const doc = JSON.stringify(
      Object.fromEntries(
        part.map((o) => [
          o.sku,
          [
            o.supplier_id,
            o.supplier_sku,
            o.cost_amount,
            o.cost_currency,
            o.priority,
            o.active,
            o.stock,
            o.lead_days,
            o.shipping_estimate,
            o.drop_ship_fee,
            o.min_quantity,
            o.pack_size,
            o.ship_from,
            o.map_amount,
            o.map_currency,
            o.discontinued,
            o.updated_at,
          ],
        ]),
      ),
    );
    const n = (i: number) => sql`cast(t.value ->> ${sql.lit(i)} as bigint)`;
    const s = (i: number) => sql`t.value ->> ${sql.lit(i)}`;
    await sql`insert into offers (supplier_id, sku, supplier_sku, cost_amount, cost_currency, priority, active, stock,
        lead_days, shipping_estimate, drop_ship_fee, min_quantity, pack_size, ship_from, map_amount, map_currency,
        discontinued, updated_at)
      select ${s(0)}, t.key, ${s(1)}, ${n(2)}, ${s(3)}, ${n(4)}, ${n(5)}, ${n(6)}, ${n(7)}, ${n(8)}, ${n(9)},
        ${n(10)}, ${n(11)}, ${s(12)}, ${n(13)}, ${s(14)}, ${n(15)}, ${n(16)}
      from json_each(${doc}) as t where true
      on conflict (supplier_id, sku) do update set supplier_sku = excluded.supplier_sku,
        cost_amount = excluded.cost_amount, cost_currency = excluded.cost_currency, stock = excluded.stock,
        lead_days = excluded.lead_days, min_quantity = excluded.min_quantity, pack_size = excluded.pack_size,
        ship_from = excluded.ship_from, map_amount = excluded.map_amount, map_currency = excluded.map_currency,
        discontinued = excluded.discontinued, updated_at = excluded.updated_at`.execute(tx);
  }
}

/**
 * SQLite: offers read in this transaction, written back under the same supplier SKU, by their rowid (and only if
 * the row there is still that offer).
 */
async function updateOffersInPlace(tx: Db, offers: readonly OfferRow[]): Promise<void> {
  for (const part of chunks(offers, ROWS_PER_DOCUMENT)) {
    const doc = JSON.stringify(
      part.map((o) => [
        o.stored!.rowid,
        o.cost_amount,
        o.cost_currency,
        o.stock,
        o.lead_days,
        o.min_quantity,
        o.pack_size,
        o.ship_from,
        o.map_amount,
        o.map_currency,
        o.discontinued,
        o.updated_at,
        o.supplier_id,
        o.sku,
      ]),
    );
    const v = (i: number) => sql`t.value ->> ${sql.lit(i)}`;
    await sql`update offers set cost_amount = ${v(1)}, cost_currency = ${v(2)}, stock = ${v(3)},
        lead_days = ${v(4)}, min_quantity = ${v(5)}, pack_size = ${v(6)}, ship_from = ${v(7)},
        map_amount = ${v(8)}, map_currency = ${v(9)}, discontinued = ${v(10)}, updated_at = ${v(11)}
      from json_each(${doc}) as t
      where offers.rowid = ${v(0)} and offers.supplier_id = ${v(12)} and offers.sku = ${v(13)}`.execute(tx);
  }
}
