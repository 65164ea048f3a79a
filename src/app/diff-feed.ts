import { feedItemDigest, type FeedItem } from '../domain/feed-diff.ts';
import { FeedIndex, feedKey, feedKeyInto } from '../domain/feed-index.ts';
import { readFeed, FeedRefused, type FeedMapping } from '../feeds/read-feed.ts';
import type { Db } from '../store/schema.ts';
import { listSupplierSkus, loadFeedIndexBytes } from '../store/feeds.repo.ts';
import { reportErrors, type FeedImportReport } from './feed-report.ts';

// The diff of a supplier's feed file against its last accepted feed: read once, row by row, against the index.

/** A row that differs from the last accepted feed's (or is new), with what is kept of it. */
export interface ChangedRow {
  row: number;
  item: FeedItem;
  digest: number;
}

export interface FeedDiff {
  changed: ChangedRow[];
  /** Supplier SKUs of the last accepted feed this full feed does not list. */
  missing: string[];
  /** The last accepted feed, each row with the row number it was seen at in this one (0: not listed). */
  index: FeedIndex;
  /** The version of the index diffed against: the import applies only if it is still the one kept. */
  version: number;
  kind: 'full' | 'delta';
}

/**
 * Reads the file and compares each row with the last accepted feed's digest of it, by the row's key in the index
 * of that feed. What the index leaves unseen is missing; a row listed twice is caught by its first sighting.
 * Fills the report's counts; undefined when the file was refused.
 */
export async function diffFeed(
  db: Db,
  file: { supplierId: string; fileName?: string | undefined; bytes: Uint8Array },
  mapping: FeedMapping,
  { kind, missingSkus }: { kind: 'full' | 'delta'; missingSkus: 'zero' | 'keep' },
  report: FeedImportReport,
): Promise<FeedDiff | undefined> {
  const { supplierId } = file;
  const { index, version } = await lastAcceptedFeed(db, supplierId);

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
        if (slot >= 0 && index.seenAt(slot) === 0) index.see(slot, e.row);
      }
      for (const row of batch.rows) {
        const sku = row.supplierSku;
        const slot = index.find(feedKeyInto(sku, scratch));
        const first = slot < 0 ? added.get(sku) : index.seenAt(slot) || undefined;
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
          index.see(slot, row.row);
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
      if (index.isUsed(slot) && index.seenAt(slot) === 0) {
        missingCount++;
        // What a full feed leaves out goes to zero, unless the supplier keeps it (then the catalog's stock stays).
        if (missingSkus === 'zero') stockAfter -= index.stockAt(slot) ?? 0;
      }
  const missing = missingCount === 0 ? [] : await namesOfUnseen(db, supplierId, index);
  report.missing = missing.length;
  report.stock = { before: index.totalStock(), after: stockAfter };
  report.skus = {
    before: index.size,
    after: kind === 'full' ? index.size - missing.length + added.size : null,
  };
  return { changed, missing, index, version, kind };
}

/** The supplier's last accepted feed as an index (empty before its first feed) and the version kept. */
async function lastAcceptedFeed(db: Db, supplierId: string): Promise<{ index: FeedIndex; version: number }> {
  const kept = await loadFeedIndexBytes(db, supplierId);
  return { index: FeedIndex.load(kept) ?? FeedIndex.withRoomFor(0), version: kept.version };
}

/**
 * The supplier SKUs of the index's rows this feed did not list. The index keeps keys; the names are in the offers
 * (a matched row is its offer) and the unmatched rows.
 */
async function namesOfUnseen(db: Db, supplierId: string, index: FeedIndex): Promise<string[]> {
  const names: string[] = [];
  for (const supplierSku of await listSupplierSkus(db, supplierId)) {
    const slot = index.find(feedKey(supplierSku));
    if (slot >= 0 && index.seenAt(slot) === 0) names.push(supplierSku);
  }
  return names;
}
