import type { SalesChannelAdapter } from '../sales-channel.ts';
import { storefrontConfig, storefrontSecrets, type StorefrontConfig, type StorefrontSecrets } from './credentials.ts';
import { createHash } from 'node:crypto';
import type { StockUpdate } from '../sales-channel.ts';
import { toFulfillmentCreated, toInventoryUpdated } from './map.ts';
import { postEvent } from './transport.ts';

/** A storefront of the retailer's own: orders in through the operator API, events out as signed webhooks. */
export const storefront: SalesChannelAdapter<StorefrontConfig, StorefrontSecrets> = {
  kind: 'storefront',
  config: storefrontConfig,
  secrets: storefrontSecrets,
  create: (config, secrets) => ({
    notifyFulfilment: (notice, options) => postEvent(config, secrets, toFulfillmentCreated(notice), options),
    maxStockBatch: 100,
    pushStock: (levels, options) => postEvent(config, secrets, toInventoryUpdated(inventoryEventId(options.batchKey, levels), levels, options.now), options),
  }),
};

/** A resend of the same batch is the same event; a later batch with equal numbers is a new one. */
function inventoryEventId(batchKey: string, levels: readonly StockUpdate[]): string {
  const digest = createHash('sha256').update(batchKey).update(JSON.stringify(levels)).digest('base64url').slice(0, 22);
  return `inv_${digest}`;
}
