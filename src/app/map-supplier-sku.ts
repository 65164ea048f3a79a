import type { Db } from '../store/schema.ts';
import { findSupplierRow } from '../store/setup.repo.ts';
import { refreshSupply } from '../store/stock.repo.ts';
import {
  deleteFeedItems,
  findFeedItem,
  findOffersOf,
  listUnmatchedFeedItems,
  setFeedItemSku,
  upsertOffers,
  upsertSkuMappings,
  variantExists,
} from '../store/feeds.repo.ts';
import { recordEvents } from '../store/events.repo.ts';
import type { FeedItem } from '../domain/feed-diff.ts';
import type { AppContext } from './context.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { mergeOffer, storedItem } from './apply-feed.ts';
import { wakeBackorderFill } from './fill-backorders.ts';
import { repriceSkus } from './reprice.ts';
import { wakeStockSyncs } from './sync-channel-stock.ts';
import { findSkusTaken } from '../store/feeds.repo.ts';

/** What mapping a supplier SKU did: the offer its last feed row made (or why none), and the SKU now mapped. */
export interface MappingOutcome {
  supplierSku: string;
  sku: string;
  /** `applied`: the feed row's values are the offer now; `no_cost`: a new offer needs a cost the row lacks;
   * `no_feed_row`: the supplier's feed has not listed it yet (the mapping waits for it). */
  offer: 'applied' | 'no_cost' | 'no_feed_row';
}

/**
 * An operator says a supplier SKU is one of Waybill's SKUs. The mapping holds for every later feed; the row the last
 * feed gave for it applies now (its offer, stock and price go to the channels like any feed change).
 */
export async function mapSupplierSku(
  ctx: AppContext,
  supplierId: string,
  supplierSku: string,
  sku: string,
): Promise<MappingOutcome> {
  if (!(await findSupplierRow(ctx.store.db, supplierId))) throw new NotFoundError(`supplier ${supplierId}`);
  if (!(await variantExists(ctx.store.db, sku))) throw new InputError('sku', `no product has SKU ${sku}`);
  return ctx.store.transact(async (tx) => {
    const now = ctx.clock.now();
    const row = await findFeedItem(tx, supplierId, supplierSku);
    if (row?.sku !== sku && (await findSkusTaken(tx, supplierId, [sku])).has(sku))
      throw new ConflictError(
        `${supplierId} already has another supplier SKU mapped to ${sku}: one product, one supplier SKU`,
      );
    await upsertSkuMappings(tx, supplierId, [{ supplierSku, sku }], 'operator', now.getTime());
    let offer: MappingOutcome['offer'] = 'no_feed_row';
    if (row) {
      offer = (await applyItem(ctx, tx, supplierId, sku, storedItem(row), now.getTime()))
        ? 'applied'
        : 'no_cost';
      // Applied, the row is its offer now (the feed's next change of it applies there); without a cost it waits,
      // mapped, for the row that brings one.
      if (offer === 'applied') await deleteFeedItems(tx, supplierId, [supplierSku]);
      else await setFeedItemSku(tx, supplierId, supplierSku, sku);
    }
    await recordEvents(tx, now, [
      {
        orderId: null,
        subjectType: 'supplier',
        subjectId: supplierId,
        type: 'feed.sku_mapped',
        data: { supplierSku, sku, offer },
      },
    ]);
    return { supplierSku, sku, offer };
  });
}

/** The feed row's values onto the SKU's offer, with supply and prices refreshed; false when it needs a cost. */
async function applyItem(
  ctx: AppContext,
  tx: Db,
  supplierId: string,
  sku: string,
  item: FeedItem,
  now: number,
): Promise<boolean> {
  const current = (await findOffersOf(tx, supplierId, [sku])).get(sku);
  const offer = mergeOffer(current, supplierId, sku, item, now);
  if (!offer) return false;
  await upsertOffers(tx, [offer]);
  await refreshSupply(tx, [sku], now);
  await wakeStockSyncs(tx, now);
  await wakeBackorderFill(tx, now);
  await repriceSkus(ctx, tx, [sku], now);
  return true;
}

/** A supplier's feed rows not matched to a SKU yet, a page at a time (`next`: the cursor for the page after). */
export async function listUnmatched(
  ctx: AppContext,
  supplierId: string,
  page: { after?: string | undefined; limit: number },
): Promise<{ items: (FeedItem & { updatedAt: string })[]; next: string | null }> {
  if (!(await findSupplierRow(ctx.store.db, supplierId))) throw new NotFoundError(`supplier ${supplierId}`);
  const rows = await listUnmatchedFeedItems(ctx.store.db, supplierId, page);
  return {
    items: rows.map((r) => ({
      ...storedItem({ supplier_sku: r.supplier_sku, sku: null, stock: null, item: r.item }),
      updatedAt: new Date(r.updated_at).toISOString(),
    })),
    next: rows.length === page.limit ? rows[rows.length - 1]!.supplier_sku : null,
  };
}
