import { channelKind } from '../channel-adapter.ts';
import type { SalesChannel } from '../sales-channel.ts';
import { testEbayConnection } from './connection.ts';
import { ebayConfig, ebaySecrets, type EbayConfig, type EbaySecrets } from './credentials.ts';
import { ebayEndpoint } from './endpoint.ts';
import { notifyShipment } from './fulfilment.ts';
import { OfferIdMemory } from './offers.ts';
import { pollOrderPage } from './poll.ts';
import { PRICE_BATCH, pushEbayPrices } from './prices.ts';
import { refundOrder } from './refund.ts';
import { pushStockLevels, STOCK_BATCH } from './stock.ts';
import { renewAccessToken } from './token.ts';
import { ebayClient, type EbayCall } from './transport.ts';

/** eBay has no order webhook in these APIs: orders come only by the catch-up poll, so it runs every minute. */
export const EBAY_POLL_EVERY_MS = 60_000;
/**
 * Stock batches in flight at once. eBay limits Inventory API calls per app per day, not how many run side by side,
 * and a call takes a few hundred milliseconds: eight at a time send 100,000 SKUs (4,000 calls) in an eighth of the
 * time one at a time would, a small part of a day's calls. A 429 is sat out by ./transport.ts.
 */
export const EBAY_STOCK_PUSHES_IN_FLIGHT = 8;
/** Within one price push, getOffers and bulkUpdatePriceQuantity calls in flight at once (as stock batches). */
export const EBAY_PRICE_CALLS_IN_FLIGHT = 8;
/** The offer ids price pushes found, per channel: channels are created afresh for each job. */
const offerIds = new OfferIdMemory();

/**
 * An eBay seller account through the Sell APIs, as a sales channel. Every call carries a User access token minted
 * from the seller's refresh token (./token.ts) over ./transport.ts. Orders are polled (getOrders by last-modified
 * windows, ./poll.ts, each read by ./read-polled.ts and mapped by ./map.ts with the money exact, ./amount.ts, with
 * the refunds made at eBay that the orders list, ./refunds-found.ts); each shipment becomes a shipping
 * fulfilment with carrier and tracking (./fulfilment.ts); refunds go through issueRefund (./refund.ts); stock sets
 * the inventory items' quantities through bulkUpdatePriceQuantity (./stock.ts), and prices the SKUs' offers through
 * the same call, each offer found with getOffers and remembered a while (./prices.ts, ./offers.ts). The connection test mints a token
 * and reads one order (./connection.ts).
 */
export const ebay = channelKind({
  kind: 'ebay',
  label: 'eBay',
  config: ebayConfig,
  secrets: ebaySecrets,
  create: (config, secrets, { id: channelId }): SalesChannel => {
    const client = (signal: AbortSignal) => callFor(config, secrets, signal);
    return {
      pollEveryMs: EBAY_POLL_EVERY_MS,
      stockPushesInFlight: EBAY_STOCK_PUSHES_IN_FLIGHT,
      maxStockBatch: STOCK_BATCH,
      notifyFulfilment: (notice, { signal, now }) => notifyShipment(client(signal), notice, now),
      pushStock: (levels, { signal }) => pushStockLevels(client(signal), levels),
      maxPriceBatch: PRICE_BATCH,
      pushPrices: (prices, { signal, now }) =>
        pushEbayPrices(
          {
            call: client(signal),
            marketplaceId: config.marketplaceId,
            ids: offerIds.of(`${channelId} ${config.marketplaceId}`),
            now: now.getTime(),
            inFlight: EBAY_PRICE_CALLS_IN_FLIGHT,
          },
          prices,
        ),
      refund: (notice, { signal, now }) => refundOrder(client(signal), notice, now),
      pollOrders: (query, { signal, now }) => pollOrderPage(client(signal), channelId, query, now),
    };
  },
  test: (config, secrets, { signal }) => {
    const endpoint = ebayEndpoint(config, secrets);
    return testEbayConnection(
      () => renewAccessToken(endpoint, { signal, now: Date.now }),
      callFor(config, secrets, signal),
      config.marketplaceId,
    );
  },
});

function callFor(config: EbayConfig, secrets: EbaySecrets, signal: AbortSignal): EbayCall {
  return ebayClient(ebayEndpoint(config, secrets), { signal, now: Date.now });
}
