import type { SalesChannelAdapter } from '../sales-channel.ts';
import { storefrontConfig, storefrontSecrets, type StorefrontConfig, type StorefrontSecrets } from './credentials.ts';
import { createHash } from 'node:crypto';
import type { StockUpdate } from '../sales-channel.ts';
import { toFulfillmentCreated, toInventoryUpdated } from './map.ts';
import { postEvent } from './transport.ts';

/**
 * Levels per `inventory.updated` event (docs/wire-formats.md): ~25 KB of JSON, one signed request. The storefront is
 * Waybill's own protocol, so the size is Waybill's choice: a large change (a feed of 100,000 SKUs) is 200 requests
 * per channel instead of 1,000, on both sides the per-request work (signing, TLS, parsing) is what dominates.
 */
export const STOREFRONT_STOCK_BATCH = 500;

/** A storefront of the retailer's own: orders in through the operator API, events out as signed webhooks. */
export const storefront: SalesChannelAdapter<StorefrontConfig, StorefrontSecrets> = {
  kind: 'storefront',
  config: storefrontConfig,
  secrets: storefrontSecrets,
  create: (config, secrets) => ({
    notifyFulfilment: (notice, options) => postEvent(config, secrets, toFulfillmentCreated(notice), options),
    maxStockBatch: STOREFRONT_STOCK_BATCH,
    pushStock: (levels, options) => postEvent(config, secrets, toInventoryUpdated(inventoryEventId(options.batchKey, levels), levels, options.now), options),
  }),
};

/** A resend of the same batch is the same event; a later batch with equal numbers is a new one. */
function inventoryEventId(batchKey: string, levels: readonly StockUpdate[]): string {
  const digest = createHash('sha256').update(batchKey).update(JSON.stringify(levels)).digest('base64url').slice(0, 22);
  return `inv_${digest}`;
}
