import { decodeFeedItem, encodeFeedItem, type FeedItem } from '../domain/feed-diff.ts';
import { feedKey, type FeedKey } from '../domain/feed-index.ts';
import { gtin14 } from '../domain/gtin.ts';
import type { Db } from '../store/schema.ts';
import { refreshSupply } from '../store/stock.repo.ts';
import {
  deleteFeedItems,
  deleteSkuMappingsTo,
  findAcceptedRows,
  findMappedSkus,
  findOffersOf,
  findSkusByGtin14,
  findSkusTaken,
  listUnmatchedFeedItems,
  saveFeedIndexBytes,
  upsertFeedItems,
  upsertOffers,
  upsertSkuMappings,
  type FeedItemRow,
  type NewFeedItem,
  type OfferRow,
} from '../store/feeds.repo.ts';
import type { AppContext } from './context.ts';
import type { ChangedRow, FeedDiff } from './diff-feed.ts';
import { ConflictError } from './errors.ts';
import { reportErrors, type FeedImportReport } from './feed-report.ts';
import { wakeBackorderFill } from './fill-backorders.ts';
import { repriceSkus } from './reprice.ts';
import { wakeStockSyncs } from './sync-channel-stock.ts';

// What an accepted feed changes, in the import's transaction: SKUs matched, offers written, supply and prices
// refreshed, the index of the accepted feed moved on.

/** Unmatched rows of earlier feeds an import tries to match again (a few statements' worth, whatever their number). */
const WAITING_PER_IMPORT = 5_000;

/**
 * Rows applied at a time: their offers read, merged and written, supply and prices refreshed, before the next are
 * read. What an import holds in memory is then a chunk's offers, whatever the number of changed rows.
 */
const ROWS_PER_CHUNK = 5_000;

/** Applies the diff: SKUs matched, offers merged and written, missing ones zeroed, supply and prices refreshed. */
export async function applyDiff(
  ctx: AppContext,
  tx: Db,
  supplierId: string,
  diff: FeedDiff,
  missingSkus: 'zero' | 'keep',
  report: FeedImportReport,
  now: number,
): Promise<void> {
  // Rows kept unmatched by earlier feeds and unchanged since: a product added to the catalog (its GTIN) or an
  // operator's mapping made meanwhile may match them now. A bounded number an import, the oldest kept first.
  // (Not the changed rows, read as they are now, nor the missing ones, which leave the accepted feed.)
  const listed = new Set([...diff.changed.map((c) => c.item.supplierSku), ...diff.missing]);
  const waiting: ChangedRow[] = (await listUnmatchedFeedItems(tx, supplierId, { limit: WAITING_PER_IMPORT }))
    .filter((r) => !listed.has(r.supplier_sku))
    .map((r) => ({ row: 0, item: decodeFeedItem(r.supplier_sku, r.item), digest: Number(r.digest) }));
  const applied: Applied = {
    accepted: [],
    matchedAtLast: [],
    claimed: new Set(),
    supplyChanged: false,
    priceChanged: [],
  };
  const rows = [...diff.changed, ...waiting];
  // Supplier SKUs this full feed no longer lists: the SKUs they held may move to a renamed one (by its GTIN).
  const gone = new Set(diff.missing);
  const isWaiting = new Set(waiting.map((w) => w.item.supplierSku));
  for (let at = 0; at < rows.length; at += ROWS_PER_CHUNK)
    await applyRows(
      tx,
      supplierId,
      rows.slice(at, at + ROWS_PER_CHUNK),
      isWaiting,
      gone,
      report,
      now,
      applied,
    );
  if (missingSkus === 'zero')
    for (let at = 0; at < diff.missing.length; at += ROWS_PER_CHUNK)
      await zeroMissing(tx, supplierId, diff.missing.slice(at, at + ROWS_PER_CHUNK), report, now, applied);
  // Missing rows are no longer in the accepted feed either way: the next feed is compared with this one, and a row
  // that comes back is new again (and applies). Unmatched ones are forgotten; matched ones are their offers.
  await deleteFeedItems(tx, supplierId, [...diff.missing, ...applied.matchedAtLast]);
  const { index } = diff;
  const next = index.advance((slot) => diff.kind === 'delta' || index.seenAt(slot) !== 0, applied.accepted);
  if (!(await saveFeedIndexBytes(tx, supplierId, next, diff.version, now))) throw new FeedChangedMeanwhile();
  if (applied.supplyChanged) {
    // Only what changed goes on: the channels' syncs read the levels this wrote, at once rather than at their turn.
    await wakeStockSyncs(tx, now);
    await wakeBackorderFill(tx, now);
  }
  if (applied.priceChanged.length) await repriceSkus(ctx, tx, applied.priceChanged, now);
}

/** What the chunks of one import have done so far. */
interface Applied {
  /** The rows this import accepts, as the index keeps them. */
  accepted: { key: FeedKey; digest: number; stock: number | null }[];
  /** Rows kept unmatched until now that are matched now. */
  matchedAtLast: string[];
  /** SKUs this import's rows are matched to: a later row's GTIN does not take them. */
  claimed: Set<string>;
  supplyChanged: boolean;
  /** SKUs whose offers changed what their prices depend on: repriced once, at the end. */
  priceChanged: string[];
}

/** One chunk of changed (or waiting) rows: matched, merged onto their offers and written, their supply refreshed. */
async function applyRows(
  tx: Db,
  supplierId: string,
  rows: readonly ChangedRow[],
  isWaiting: ReadonlySet<string>,
  gone: ReadonlySet<string>,
  report: FeedImportReport,
  now: number,
  applied: Applied,
): Promise<void> {
  // Read in the transaction: an operator may have mapped a row since the diff.
  const before = await findAcceptedRows(
    tx,
    supplierId,
    rows.map((c) => c.item.supplierSku),
  );
  const skuOf = await matchSkus(tx, supplierId, rows, gone, before.offers, applied.claimed, report, now);
  const offers = new Map<string, OfferRow>();
  for (const offer of before.offers.values()) offers.set(offer.sku, offer);
  // Rows matched in this import (new, or matched at last) may name SKUs this supplier already offers.
  const unread = [...skuOf.values()].filter((sku) => !offers.has(sku));
  for (const [sku, offer] of await findOffersOf(tx, supplierId, unread)) offers.set(sku, offer);
  const written: OfferRow[] = [];
  const unmatched: NewFeedItem[] = [];
  const supplyChanged: string[] = [];
  const priceChanged: string[] = [];
  for (const c of rows) {
    const key = c.item.supplierSku;
    const sku = skuOf.get(key);
    // A waiting row still unmatched, or without the cost a new offer needs, stays as it is.
    if (
      isWaiting.has(key) &&
      (sku === undefined || !mergeOffer(offers.get(sku), supplierId, sku, c.item, now))
    )
      continue;
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
      applied.accepted.push({ key: feedKey(key), digest: c.digest, stock });
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
    if (before.unmatched.has(key) || isWaiting.has(key)) applied.matchedAtLast.push(key);
    if (isWaiting.has(key)) report.matchedLater++;
    written.push(offer);
    offers.set(sku, offer);
    applied.accepted.push({ key: feedKey(key), digest: c.digest, stock: offer.stock });
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
  await upsertFeedItems(tx, supplierId, unmatched, now);
  await writeOffers(tx, supplierId, written, supplyChanged, priceChanged, now, applied);
}

/**
 * A full feed's missing supplier SKUs (the rows applied before, so a SKU this feed lists under another supplier SKU,
 * renamed or matched by GTIN, is under its new one now and not zeroed): their offers go to no stock.
 */
async function zeroMissing(
  tx: Db,
  supplierId: string,
  missing: readonly string[],
  report: FeedImportReport,
  now: number,
  applied: Applied,
): Promise<void> {
  const { offers } = await findAcceptedRows(tx, supplierId, missing);
  const zeroed = [...offers.values()]
    .filter((current) => current.stock !== 0)
    .map((current) => ({ ...current, stock: 0, updated_at: now }));
  report.zeroed += zeroed.length;
  const skus = zeroed.map((o) => o.sku);
  await writeOffers(tx, supplierId, zeroed, skus, skus, now, applied);
}

/**
 * The supplier's offers written, and the supply of the SKUs whose offers changed it refreshed from them and the other
 * suppliers' offers (their prices, at the end).
 */
async function writeOffers(
  tx: Db,
  supplierId: string,
  written: readonly OfferRow[],
  supplyChanged: readonly string[],
  priceChanged: readonly string[],
  now: number,
  applied: Applied,
): Promise<void> {
  await upsertOffers(tx, written);
  if (supplyChanged.length) {
    await refreshSupply(tx, supplyChanged, now, {
      supplierId,
      offers: new Map(written.map((o) => [o.sku, o])),
    });
    applied.supplyChanged = true;
  }
  for (const sku of priceChanged) applied.priceChanged.push(sku);
}

function inStock(offer: OfferRow): boolean {
  return offer.stock === null || offer.stock > 0;
}

/**
 * The Waybill SKU of each changed row: the SKU of this supplier's offer that names its supplier SKU, else an
 * operator's mapping, else its GTIN when exactly one product carries it and no other supplier SKU of this supplier
 * holds that product. A GTIN match is recorded, so it holds from then on. Rows without one stay unmatched.
 */
async function matchSkus(
  tx: Db,
  supplierId: string,
  rows: readonly ChangedRow[],
  gone: ReadonlySet<string>,
  offered: ReadonlyMap<string, OfferRow>,
  claimed: Set<string>,
  report: FeedImportReport,
  now: number,
): Promise<Map<string, string>> {
  const skuOf = new Map<string, string>();
  const open: string[] = [];
  for (const c of rows) {
    const known = offered.get(c.item.supplierSku)?.sku;
    if (known) skuOf.set(c.item.supplierSku, known);
    else open.push(c.item.supplierSku);
  }
  if (open.length === 0) return claim(skuOf, claimed);
  const mapped = await findMappedSkus(tx, supplierId, open);
  const byGtin = new Map<string, string>();
  for (const c of rows) {
    const key = c.item.supplierSku;
    const sku = mapped.get(key);
    if (sku) skuOf.set(key, sku);
    else if (!skuOf.has(key) && c.item.gtin) byGtin.set(key, gtin14(c.item.gtin));
  }
  if (byGtin.size === 0) return claim(skuOf, claimed);
  const found = await findSkusByGtin14(tx, [...new Set(byGtin.values())]);
  const candidates = [...byGtin].flatMap(([key, gtin]) => {
    const sku = found.get(gtin);
    return sku ? [{ supplierSku: key, sku }] : [];
  });
  // A SKU another supplier SKU holds is not taken from it, unless that one is gone from this full feed (the supplier
  // renamed its SKU: the product's GTIN says the new one is the same product).
  const holders = await findSkusTaken(
    tx,
    supplierId,
    candidates.map((c) => c.sku),
  );
  const taken = new Set([...holders].filter(([, from]) => !gone.has(from)).map(([sku]) => sku));
  for (const sku of skuOf.values()) taken.add(sku);
  const pairs = candidates.filter((c) => {
    if (taken.has(c.sku) || claimed.has(c.sku)) return false;
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
  report.matchedByGtin += pairs.length;
  return claim(skuOf, claimed);
}

/** The chunk's matches, claimed for the rest of the import. */
function claim(skuOf: Map<string, string>, claimed: Set<string>): Map<string, string> {
  for (const sku of skuOf.values()) claimed.add(sku);
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

/** Another import of the supplier's feed applied between this one's diff and its write. */
export class FeedChangedMeanwhile extends ConflictError {
  constructor() {
    super("another import of this supplier's feed applied meanwhile; send it again");
  }
}

/** The values of one stored row of the accepted feed (an operator maps it later). */
export function storedItem(row: FeedItemRow): FeedItem {
  return decodeFeedItem(row.supplier_sku, row.item);
}
