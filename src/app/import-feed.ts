import {
  encodeFeedItem,
  feedItemDigest,
  quarantineReasons,
  decodeFeedItem,
  type FeedItem,
} from '../domain/feed-diff.ts';
import { gtin14 } from '../domain/gtin.ts';
import { FeedIndex, feedKey, feedKeyInto, type FeedKey } from '../domain/feed-index.ts';
import { readFeed, FeedRefused, type FeedMapping, type FeedRowError } from '../feeds/read-feed.ts';
import type { Db } from '../store/schema.ts';
import { findSupplierRow } from '../store/setup.repo.ts';
import { refreshSupply } from '../store/stock.repo.ts';
import { recordEvents } from '../store/events.repo.ts';
import {
  appliedSince,
  decideFeedImport,
  deleteFeedItems,
  findFeedImport,
  findAcceptedRows,
  findMappedSkus,
  findOffersOf,
  findSkusByGtin14,
  findSkusTaken,
  deleteSkuMappingsTo,
  insertFeedImport,
  listSupplierSkus,
  loadFeedIndexBytes,
  saveFeedIndexBytes,
  upsertFeedItems,
  upsertOffers,
  upsertSkuMappings,
  type FeedItemRow,
  type NewFeedItem,
  type OfferRow,
} from '../store/feeds.repo.ts';
import type { AppContext } from './context.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import type { FeedSettings } from './feed-settings.ts';
import { wakeBackorderFill } from './fill-backorders.ts';
import { repriceSkus } from './reprice.ts';
import { wakeStockSyncs } from './sync-channel-stock.ts';

/** Where a feed came from: the import's record says so. */
export type FeedSource = 'upload' | 'cli' | 'http' | 'sftp' | 'push';

/** An import's report: what the feed held, what it changed, what failed, and why it was held or refused. */
export interface FeedImportReport {
  id: string;
  supplierId: string;
  status: 'applied' | 'quarantined' | 'approved' | 'rejected' | 'refused';
  kind: 'full' | 'delta';
  source: FeedSource;
  fileName: string | null;
  receivedAt: string;
  /** Rows read (good and failed), and of the good: unchanged since the last accepted feed, changed, new. */
  rows: number;
  failed: number;
  unchanged: number;
  changed: number;
  added: number;
  /** Rows of the last accepted feed this full feed no longer lists, and those of them set to zero stock. */
  missing: number;
  zeroed: number;
  /** Changed or new rows whose supplier SKU is not (yet) one of Waybill's: listed for an operator to map. */
  unmatched: number;
  /** Rows matched to a SKU by their GTIN in this import (the pairing is kept). */
  matchedByGtin: number;
  stock: { before: number; after: number };
  skus: { before: number; after: number | null };
  /** The first errors (at most MAX_REPORTED_ERRORS), each with its row, field, column and reason. */
  errors: FeedRowError[];
  errorsTotal: number;
  /** Why nothing of it applied until an operator decides; empty when it applied. */
  quarantine: string[];
  /** Why the file could not be read at all (a PDF named .csv, an HTML page). */
  refused?: string;
  /** The mapping it was read with when not the supplier's (a push): an approval reads the kept file with it. */
  mapping?: FeedMapping;
}

/** A report keeps this many row errors; the total says how many there were. */
const MAX_REPORTED_ERRORS = 1_000;

export interface FeedFile {
  supplierId: string;
  source: FeedSource;
  fileName?: string | undefined;
  bytes: Uint8Array;
  /** Overrides the supplier's setting: a push through the supplier API is a delta. */
  kind?: 'full' | 'delta' | undefined;
  /** Overrides the supplier's mapping: a push has a mapping of its own. */
  mapping?: FeedMapping | undefined;
}

/**
 * Imports one file of a supplier's feed: reads it with the supplier's mapping, diffs it against the last accepted
 * feed, and applies only what changed (offers, stock, prices; the channels hear only those) in one transaction.
 * Every failing row is reported and the good rows still apply, unless the feed looks broken by the supplier's
 * thresholds: then it is quarantined, file and all, and nothing applies until an operator approves or rejects it.
 */
export async function importFeed(ctx: AppContext, file: FeedFile): Promise<FeedImportReport> {
  const supplier = await findSupplierRow(ctx.store.db, file.supplierId);
  if (!supplier) throw new NotFoundError(`supplier ${file.supplierId}`);
  const settings = feedSettingsOf(supplier.feed_config);
  const mapping = file.mapping ?? settings?.mapping;
  if (!mapping)
    throw new InputError(
      'supplierId',
      `supplier ${file.supplierId} has no feed mapping: give it a \`feed:\` in the setup document`,
    );
  const kind = file.kind ?? settings?.kind ?? 'full';
  const id = ctx.ids.next('feed');
  const missingSkus = settings?.missingSkus ?? 'zero';
  for (let attempt = 1; ; attempt++) {
    const now = ctx.clock.now();
    const report = emptyReport(id, file, kind, now);
    // Kept with the import: an approval reads the kept file as it was read when it came.
    report.mapping = mapping;
    const diff = await diffFeed(ctx.store.db, file, mapping, { kind, missingSkus }, report);
    if (diff === undefined) {
      await ctx.store.transact((tx) => record(tx, report, null, now));
      return report;
    }
    report.quarantine = quarantineReasons(
      {
        rows: report.rows,
        failed: report.failed,
        stockBefore: report.stock.before,
        stockAfter: report.stock.after,
        skusBefore: report.skus.before,
        skusAfter: report.skus.after ?? undefined,
      },
      settings?.quarantine ?? DEFAULT_THRESHOLDS,
    );
    if (report.quarantine.length) {
      report.status = 'quarantined';
      await ctx.store.transact((tx) => record(tx, report, Buffer.from(file.bytes), now));
      ctx.log.warn('feed quarantined', {
        supplierId: file.supplierId,
        feedImport: id,
        reasons: report.quarantine,
      });
      return report;
    }
    try {
      await ctx.store.transact(async (tx) => {
        await applyDiff(ctx, tx, file.supplierId, diff, missingSkus, report, now.getTime());
        await record(tx, report, null, now);
      });
      return report;
    } catch (error) {
      // Another import of this supplier applied between the diff and the write: diffed again against it.
      if (!(error instanceof FeedChangedMeanwhile) || attempt === MAX_DIFFS) throw error;
    }
  }
}

/** How often an import is diffed again when other imports of the same supplier keep applying first. */
const MAX_DIFFS = 3;

/** Another import of the supplier's feed applied between this one's diff and its write. */
class FeedChangedMeanwhile extends ConflictError {
  constructor() {
    super("another import of this supplier's feed applied meanwhile; send it again");
  }
}

/**
 * An operator's decision on a quarantined import. Approving applies exactly the file that was received, diffed
 * against the feed accepted now; it is refused when a later feed has applied since (it would undo that one).
 */
export async function decideQuarantinedFeed(
  ctx: AppContext,
  importId: string,
  decision: 'approve' | 'reject',
  by: string,
): Promise<FeedImportReport> {
  const held = await findFeedImport(ctx.store.db, importId);
  if (!held) throw new NotFoundError(`feed import ${importId}`);
  if (held.status !== 'quarantined')
    throw new ConflictError(`feed import ${importId} is ${held.status}, not quarantined`);
  const now = ctx.clock.now();
  const earlier = JSON.parse(held.report) as FeedImportReport;
  if (decision === 'reject') {
    const report: FeedImportReport = { ...earlier, status: 'rejected' };
    await ctx.store.transact(async (tx) => {
      if (!(await decideFeedImport(tx, importId, { status: 'rejected', by, at: now.getTime() })))
        throw new ConflictError(`feed import ${importId} was decided meanwhile`);
      await recordEvents(tx, now, [feedEvent(report, 'feed.rejected', { by })]);
    });
    return report;
  }
  if (await appliedSince(ctx.store.db, held.supplier_id, importId))
    throw new ConflictError(
      `a later feed of supplier ${held.supplier_id} has applied since import ${importId}: approving this one would undo it; reject it`,
    );
  const supplier = await findSupplierRow(ctx.store.db, held.supplier_id);
  const settings = feedSettingsOf(supplier?.feed_config ?? null);
  const mapping = earlier.mapping ?? settings?.mapping;
  if (!mapping) throw new ConflictError(`supplier ${held.supplier_id} no longer has a feed mapping`);
  const missingSkus = settings?.missingSkus ?? 'zero';
  const report: FeedImportReport = {
    ...emptyReport(importId, earlier, earlier.kind, now),
    status: 'approved',
  };
  report.receivedAt = earlier.receivedAt;
  report.quarantine = earlier.quarantine;
  if (earlier.mapping) report.mapping = earlier.mapping;
  const file = { supplierId: held.supplier_id, fileName: held.file_name ?? undefined, bytes: held.file! };
  const diff = await diffFeed(ctx.store.db, file, mapping, { kind: earlier.kind, missingSkus }, report);
  if (!diff) throw new ConflictError(`feed import ${importId} can no longer be read: ${report.refused}`);
  await ctx.store.transact(async (tx) => {
    if (
      !(await decideFeedImport(tx, importId, {
        status: 'approved',
        report: JSON.stringify(report),
        by,
        at: now.getTime(),
      }))
    )
      throw new ConflictError(`feed import ${importId} was decided meanwhile`);
    await applyDiff(ctx, tx, held.supplier_id, diff, missingSkus, report, now.getTime());
    await recordEvents(tx, now, [feedEvent(report, 'feed.approved', { by })]);
  });
  return report;
}

/** A pull that brought no file to read (a 404, an HTML page, a refused login): in the feed history all the same. */
export async function recordPullFailure(
  ctx: AppContext,
  supplierId: string,
  source: 'http' | 'sftp',
  reason: string,
): Promise<FeedImportReport> {
  const now = ctx.clock.now();
  const report = emptyReport(ctx.ids.next('feed'), { supplierId, source }, 'full', now);
  report.status = 'refused';
  report.refused = `the pull failed: ${reason}`;
  await ctx.store.transact((tx) => record(tx, report, null, now));
  return report;
}

const DEFAULT_THRESHOLDS = { errorPercent: 20, stockDropPercent: 90, skuDropPercent: 50 };

export function feedSettingsOf(config: string | null): FeedSettings | undefined {
  return config === null ? undefined : (JSON.parse(config) as FeedSettings);
}

function emptyReport(
  id: string,
  file: { supplierId: string; source: FeedSource; fileName?: string | null | undefined },
  kind: 'full' | 'delta',
  now: Date,
): FeedImportReport {
  return {
    id,
    supplierId: file.supplierId,
    status: 'applied',
    kind,
    source: file.source,
    fileName: file.fileName ?? null,
    receivedAt: now.toISOString(),
    rows: 0,
    failed: 0,
    unchanged: 0,
    changed: 0,
    added: 0,
    missing: 0,
    zeroed: 0,
    unmatched: 0,
    matchedByGtin: 0,
    stock: { before: 0, after: 0 },
    skus: { before: 0, after: null },
    errors: [],
    errorsTotal: 0,
    quarantine: [],
  };
}

/** A row that differs from the last accepted feed's (or is new), with what is kept of it. */
interface ChangedRow {
  row: number;
  item: FeedItem;
  digest: number;
}

interface FeedDiff {
  changed: ChangedRow[];
  /** Supplier SKUs of the last accepted feed this full feed does not list. */
  missing: string[];
  /** The last accepted feed, and the row number each of its rows was seen at in this one (0: not listed). */
  index: FeedIndex;
  /** The version of the index diffed against: the import applies only if it is still the one kept. */
  version: number;
  seenAt: Int32Array;
  kind: 'full' | 'delta';
}

/**
 * Reads the file and compares each row with the last accepted feed's digest of it, by the row's key in the index
 * of that feed. What the index leaves unseen is missing; a row listed twice is caught by its first sighting.
 * Fills the report's counts; undefined when the file was refused.
 */
async function diffFeed(
  db: Db,
  file: { supplierId: string; fileName?: string | undefined; bytes: Uint8Array },
  mapping: FeedMapping,
  { kind, missingSkus }: { kind: 'full' | 'delta'; missingSkus: 'zero' | 'keep' },
  report: FeedImportReport,
): Promise<FeedDiff | undefined> {
  const { supplierId } = file;
  const { index, version } = await lastAcceptedFeed(db, supplierId);
  const seenAt = new Int32Array(index.capacity);
  const added = new Map<string, number>();
  const changed: ChangedRow[] = [];
  let stockAfter = index.totalStock();
  const scratch = { hi: 0, lo: 0 };
  try {
    for await (const batch of readFeed(
      file.bytes,
      mapping,
      file.fileName ? { fileName: file.fileName } : {},
    )) {
      reportErrors(report, batch.errors);
      // A row that failed is still listed: its SKU is not missing (it keeps what the last feed said), only unread.
      for (const e of batch.errors) {
        const slot = e.supplierSku === undefined ? -1 : index.find(feedKey(e.supplierSku));
        if (slot >= 0 && seenAt[slot] === 0) seenAt[slot] = e.row;
      }
      for (const row of batch.rows) {
        const sku = row.supplierSku;
        const slot = index.find(feedKeyInto(sku, scratch));
        const first = slot < 0 ? added.get(sku) : seenAt[slot] || undefined;
        if (first !== undefined) {
          reportErrors(report, [
            { row: row.row, field: 'supplierSku', reason: `${sku} is listed again (first at row ${first})` },
          ]);
          continue;
        }
        const digest = feedItemDigest(row);
        if (slot < 0) {
          added.set(sku, row.row);
          stockAfter += row.stock ?? 0;
        } else {
          seenAt[slot] = row.row;
          const old = index.stockAt(slot) ?? 0;
          stockAfter += (row.stock ?? old) - old;
        }
        if (slot >= 0 && index.digestAt(slot) === digest) report.unchanged++;
        else changed.push({ row: row.row, item: row, digest });
      }
    }
  } catch (error) {
    if (!(error instanceof FeedRefused)) throw error;
    report.status = 'refused';
    report.refused = error.message;
    return undefined;
  }
  report.added = added.size;
  report.changed = changed.length - added.size;
  report.rows = report.unchanged + changed.length + report.failed;
  let missingCount = 0;
  if (kind === 'full')
    for (let slot = 0; slot < index.capacity; slot++)
      if (index.isUsed(slot) && seenAt[slot] === 0) {
        missingCount++;
        // What a full feed leaves out goes to zero, unless the supplier keeps it (then the catalog's stock stays).
        if (missingSkus === 'zero') stockAfter -= index.stockAt(slot) ?? 0;
      }
  const missing = missingCount === 0 ? [] : await namesOfUnseen(db, supplierId, index, seenAt);
  report.missing = missing.length;
  report.stock = { before: index.totalStock(), after: stockAfter };
  report.skus = {
    before: index.size,
    after: kind === 'full' ? index.size - missing.length + added.size : null,
  };
  return { changed, missing, index, version, seenAt, kind };
}

/** The supplier's last accepted feed as an index (empty before its first feed) and the version kept. */
async function lastAcceptedFeed(db: Db, supplierId: string): Promise<{ index: FeedIndex; version: number }> {
  const kept = await loadFeedIndexBytes(db, supplierId);
  const index = kept.rows && FeedIndex.fromBytes(kept.rows);
  return { index: index ?? FeedIndex.withRoomFor(0), version: kept.version };
}

/**
 * The supplier SKUs of the index's rows this feed did not list. The index keeps keys; the names are in the offers
 * (a matched row is its offer) and the unmatched rows.
 */
async function namesOfUnseen(
  db: Db,
  supplierId: string,
  index: FeedIndex,
  seenAt: Int32Array,
): Promise<string[]> {
  const names: string[] = [];
  for (const supplierSku of await listSupplierSkus(db, supplierId)) {
    const slot = index.find(feedKey(supplierSku));
    if (slot >= 0 && seenAt[slot] === 0) names.push(supplierSku);
  }
  return names;
}

/** Applies the diff: SKUs matched, offers merged and written, missing ones zeroed, supply and prices refreshed. */
async function applyDiff(
  ctx: AppContext,
  tx: Db,
  supplierId: string,
  diff: FeedDiff,
  missingSkus: 'zero' | 'keep',
  report: FeedImportReport,
  now: number,
): Promise<void> {
  // Read in the transaction: an operator may have mapped a row since the diff.
  const before = await findAcceptedRows(tx, supplierId, [
    ...diff.changed.map((c) => c.item.supplierSku),
    ...diff.missing,
  ]);
  const skuOf = await matchSkus(tx, supplierId, diff, before.offers, report, now);
  const offers = new Map<string, OfferRow>();
  for (const offer of before.offers.values()) offers.set(offer.sku, offer);
  // Rows matched in this import (new, or matched at last) may name SKUs this supplier already offers.
  const unread = [...skuOf.values()].filter((sku) => !offers.has(sku));
  for (const [sku, offer] of await findOffersOf(tx, supplierId, unread)) offers.set(sku, offer);
  const written: OfferRow[] = [];
  const unmatched: NewFeedItem[] = [];
  // The rows this import accepts, as the index keeps them; and rows kept unmatched until now that are matched now.
  const accepted: { key: FeedKey; digest: number; stock: number | null }[] = [];
  const matchedAtLast: string[] = [];
  const supplyChanged: string[] = [];
  const priceChanged: string[] = [];
  for (const c of diff.changed) {
    const key = c.item.supplierSku;
    const sku = skuOf.get(key);
    if (sku === undefined) {
      const stock = c.item.stock ?? before.unmatched.get(key)?.stock ?? null;
      report.unmatched++;
      unmatched.push({
        supplierSku: key,
        sku: null,
        gtin: c.item.gtin ?? null,
        stock,
        digest: c.digest,
        item: encodeFeedItem(c.item),
      });
      accepted.push({ key: feedKey(key), digest: c.digest, stock });
      continue;
    }
    const current = offers.get(sku);
    const offer = mergeOffer(current, supplierId, sku, c.item, now);
    if (!offer) {
      // Not accepted: the row is read as new again next time, when the supplier may have added the cost.
      reportErrors(report, [
        {
          row: c.row,
          field: 'cost',
          reason: `a new offer needs a cost: ${supplierId} does not offer ${sku} yet`,
        },
      ]);
      continue;
    }
    if (before.unmatched.has(key)) matchedAtLast.push(key);
    written.push(offer);
    offers.set(sku, offer);
    accepted.push({ key: feedKey(key), digest: c.digest, stock: offer.stock });
    if (!current || current.stock !== offer.stock || current.discontinued !== offer.discontinued)
      supplyChanged.push(sku);
    if (
      !current ||
      // Pricing prefers an offer in stock: one that runs out or comes back may change which offer prices the SKU.
      inStock(current) !== inStock(offer) ||
      current.cost_amount !== offer.cost_amount ||
      current.cost_currency !== offer.cost_currency ||
      current.map_amount !== offer.map_amount ||
      current.discontinued !== offer.discontinued
    )
      priceChanged.push(sku);
  }
  const matched = new Set(written.map((o) => o.sku));
  if (missingSkus === 'zero')
    for (const key of diff.missing) {
      const current = before.offers.get(key);
      // A SKU this feed lists under another supplier SKU (renamed, matched by GTIN) has its new row's values.
      if (!current || current.stock === 0 || matched.has(current.sku)) continue;
      written.push({ ...current, stock: 0, updated_at: now });
      supplyChanged.push(current.sku);
      priceChanged.push(current.sku);
      report.zeroed++;
    }
  // Missing rows are no longer in the accepted feed either way: the next feed is compared with this one, and a row
  // that comes back is new again (and applies). Unmatched ones are forgotten; matched ones are their offers.
  await deleteFeedItems(tx, supplierId, [...diff.missing, ...matchedAtLast]);
  await upsertFeedItems(tx, supplierId, unmatched, now);
  const { index, seenAt } = diff;
  const next = index.toBytes((slot) => diff.kind === 'delta' || seenAt[slot] !== 0, accepted);
  if (!(await saveFeedIndexBytes(tx, supplierId, next, diff.version, now))) throw new FeedChangedMeanwhile();
  await upsertOffers(tx, written);
  if (supplyChanged.length) {
    await refreshSupply(tx, supplyChanged, now);
    // Only what changed goes on: the channels' syncs read the levels this wrote, at once rather than at their turn.
    await wakeStockSyncs(tx, now);
    await wakeBackorderFill(tx, now);
  }
  if (priceChanged.length) await repriceSkus(ctx, tx, priceChanged, now);
}

function inStock(offer: OfferRow): boolean {
  return offer.stock === null || offer.stock > 0;
}

/** Counts the failed rows (one per row, however many of its fields failed) and keeps the first errors. */
function reportErrors(report: FeedImportReport, list: readonly FeedRowError[]): void {
  if (list.length === 0) return;
  report.failed += new Set(list.map((e) => e.row)).size;
  report.errorsTotal += list.length;
  for (const e of list) if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(e);
}

/**
 * The Waybill SKU of each changed row: the SKU of this supplier's offer that names its supplier SKU, else an
 * operator's mapping, else its GTIN when exactly one product carries it and no other supplier SKU of this supplier
 * holds that product. A GTIN match is recorded, so it holds from then on. Rows without one stay unmatched.
 */
async function matchSkus(
  tx: Db,
  supplierId: string,
  diff: FeedDiff,
  offered: ReadonlyMap<string, OfferRow>,
  report: FeedImportReport,
  now: number,
): Promise<Map<string, string>> {
  const skuOf = new Map<string, string>();
  const open: string[] = [];
  for (const c of diff.changed) {
    const known = offered.get(c.item.supplierSku)?.sku;
    if (known) skuOf.set(c.item.supplierSku, known);
    else open.push(c.item.supplierSku);
  }
  if (open.length === 0) return skuOf;
  const mapped = await findMappedSkus(tx, supplierId, open);
  const byGtin = new Map<string, string>();
  for (const c of diff.changed) {
    const key = c.item.supplierSku;
    const sku = mapped.get(key);
    if (sku) skuOf.set(key, sku);
    else if (!skuOf.has(key) && c.item.gtin) byGtin.set(key, gtin14(c.item.gtin));
  }
  if (byGtin.size === 0) return skuOf;
  const found = await findSkusByGtin14(tx, [...new Set(byGtin.values())]);
  const candidates = [...byGtin].flatMap(([key, gtin]) => {
    const sku = found.get(gtin);
    return sku ? [{ supplierSku: key, sku }] : [];
  });
  // A SKU another supplier SKU holds is not taken from it, unless that one is gone from this full feed (the supplier
  // renamed its SKU: the product's GTIN says the new one is the same product).
  const gone = new Set(diff.missing);
  const holders = await findSkusTaken(
    tx,
    supplierId,
    candidates.map((c) => c.sku),
  );
  const taken = new Set([...holders].filter(([, from]) => !gone.has(from)).map(([sku]) => sku));
  for (const sku of skuOf.values()) taken.add(sku);
  const pairs = candidates.filter((c) => {
    if (taken.has(c.sku)) return false;
    taken.add(c.sku);
    return true;
  });
  for (const p of pairs) skuOf.set(p.supplierSku, p.sku);
  await deleteSkuMappingsTo(
    tx,
    supplierId,
    pairs.filter((p) => holders.has(p.sku)).map((p) => p.sku),
  );
  await upsertSkuMappings(tx, supplierId, pairs, 'gtin', now);
  report.matchedByGtin = pairs.length;
  return skuOf;
}

/** The offer with the row's values over the stored ones; undefined for a new offer the row gives no cost for. */
export function mergeOffer(
  current: OfferRow | undefined,
  supplierId: string,
  sku: string,
  item: FeedItem,
  now: number,
): OfferRow | undefined {
  if (!current && !item.cost) return undefined;
  const base: OfferRow = current ?? {
    supplier_id: supplierId,
    sku,
    supplier_sku: item.supplierSku,
    cost_amount: item.cost!.amount,
    cost_currency: item.cost!.currency,
    priority: 1,
    active: 1,
    stock: null,
    lead_days: 0,
    shipping_estimate: 0,
    drop_ship_fee: 0,
    min_quantity: 1,
    pack_size: 1,
    ship_from: null,
    map_amount: null,
    map_currency: null,
    discontinued: 0,
    updated_at: now,
  };
  return {
    ...base,
    supplier_sku: item.supplierSku,
    cost_amount: item.cost?.amount ?? base.cost_amount,
    cost_currency: item.cost?.currency ?? base.cost_currency,
    stock: item.stock ?? base.stock,
    lead_days: item.leadDays ?? base.lead_days,
    min_quantity: item.minQuantity ?? base.min_quantity,
    pack_size: item.packSize ?? base.pack_size,
    ship_from: item.shipFrom
      ? JSON.stringify(item.shipFrom.region ? item.shipFrom : { country: item.shipFrom.country })
      : base.ship_from,
    map_amount: item.map?.amount ?? base.map_amount,
    map_currency: item.map?.currency ?? base.map_currency,
    discontinued: item.discontinued === undefined ? base.discontinued : item.discontinued ? 1 : 0,
    updated_at: now,
  };
}

/** Stores the import's record and its event (with the file only while it is quarantined). */
async function record(tx: Db, report: FeedImportReport, file: Buffer | null, now: Date): Promise<void> {
  await insertFeedImport(tx, {
    id: report.id,
    supplier_id: report.supplierId,
    source: report.source,
    file_name: report.fileName,
    kind: report.kind,
    status: report.status,
    report: JSON.stringify(report),
    file,
    received_at: now.getTime(),
    decided_at: null,
    decided_by: null,
  });
  await recordEvents(tx, now, [feedEvent(report, `feed.${report.status}`, {})]);
}

function feedEvent(report: FeedImportReport, type: string, extra: Record<string, unknown>) {
  return {
    orderId: null,
    subjectType: 'supplier' as const,
    subjectId: report.supplierId,
    type,
    data: {
      feedImport: report.id,
      rows: report.rows,
      failed: report.failed,
      changed: report.changed,
      added: report.added,
      zeroed: report.zeroed,
      unmatched: report.unmatched,
      quarantine: report.quarantine,
      ...(report.refused ? { refused: report.refused } : {}),
      ...extra,
    },
  };
}

/** The values of one stored row of the accepted feed (an operator maps it later). */
export function storedItem(row: FeedItemRow): FeedItem {
  return decodeFeedItem(row.supplier_sku, row.item);
}

/** A column as the reader names it: a header's name, or already "column 3" for a position. */
function columnLabel(column: string): string {
  return /^column \d+$/.test(column) ? column : `column ${JSON.stringify(column)}`;
}

/** The report in a few lines, for the command line and the log. */
export function describeFeedImport(r: FeedImportReport): string {
  const lines = [`feed import ${r.id} (${r.supplierId}, ${r.kind}): ${r.status}`];
  if (r.refused) lines.push(`refused: ${r.refused}`);
  else {
    lines.push(
      `rows ${r.rows}: ${r.unchanged} unchanged, ${r.changed} changed, ${r.added} new, ${r.failed} failed; ` +
        `${r.missing} missing (${r.zeroed} set to zero), ${r.unmatched} unmatched, ${r.matchedByGtin} matched by GTIN`,
    );
    lines.push(
      `stock ${r.stock.before} → ${r.stock.after}; SKUs ${r.skus.before} → ${r.skus.after ?? '(delta)'}`,
    );
  }
  for (const reason of r.quarantine) lines.push(`quarantined: ${reason}`);
  for (const e of r.errors.slice(0, 20))
    lines.push(`row ${e.row} ${e.field}${e.column ? ` (${columnLabel(e.column)})` : ''}: ${e.reason}`);
  if (r.errorsTotal > 20) lines.push(`… and ${r.errorsTotal - 20} more errors (GET /api/v1/feeds/${r.id})`);
  return lines.join('\n');
}
