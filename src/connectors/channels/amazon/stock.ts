import type { StockPushOutcome, StockUpdate } from '../sales-channel.ts';
import type { AmazonEndpoint } from './credentials.ts';
import { submitStockFeed } from './feeds.ts';
import { patchEach } from './listings.ts';
import type { SpApiCall } from './transport.ts';

/**
 * Up to this many listing patches (SKUs × marketplaces) a push sends one by one through patchListingsItem (5 a
 * second, burst 5: about five seconds); a larger push goes as one JSON_LISTINGS_FEED, which Amazon applies within
 * minutes and reports on (./feeds.ts).
 */
export const PATCHES_AT_MOST = 25;

/** Sets the listings' merchant-fulfilled quantity, few SKUs at once by patch, many by feed. */
export async function pushStockLevels(
  call: SpApiCall,
  endpoint: AmazonEndpoint,
  levels: readonly StockUpdate[],
  signal: AbortSignal,
  /** Waits for the JSON_LISTINGS_FEED type's own limit (./transport.ts, awaitFeedTypeLimit). */
  feedSlot: () => Promise<void>,
): Promise<StockPushOutcome> {
  if (levels.length === 0) return { skipped: [] };
  if (levels.length * endpoint.marketplaceIds.length <= PATCHES_AT_MOST)
    return patchEach(call, endpoint, levels);
  return submitStockFeed(call, endpoint, levels, signal, feedSlot);
}
