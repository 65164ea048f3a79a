import { createHash } from 'node:crypto';
import { failedConnection } from '../../shared/connection-test.ts';
import { channelKind } from '../channel-adapter.ts';
import type { StockUpdate } from '../sales-channel.ts';
import { checkStorefrontSetup, storefrontConfig, storefrontSecrets } from './credentials.ts';
import { toFulfillmentCreated, toInventoryUpdated, toPing } from './map.ts';
import { postEvent } from './transport.ts';

/**
 * Levels per `inventory.updated` event (docs/wire-formats.md): ~25 KB of JSON, one signed request. The storefront is
 * Waybill's own protocol, so the size is Waybill's choice: a large change (a feed of 100,000 SKUs) is 200 requests
 * per channel instead of 1,000, on both sides the per-request work (signing, TLS, parsing) is what dominates.
 */
export const STOREFRONT_STOCK_BATCH = 500;

/**
 * A storefront of the retailer's own: orders in through the operator API, events out as signed webhooks to its
 * notifyUrl (none without one: it only sends orders, and takes no stock).
 */
export const storefront = channelKind({
  kind: 'storefront',
  label: 'storefront',
  config: storefrontConfig,
  secrets: storefrontSecrets,
  check: checkStorefrontSetup,
  create: (config, secrets) => ({
    notifyFulfilment: (notice, options) => postEvent(config, secrets, toFulfillmentCreated(notice), options),
    ...(config.notifyUrl &&
      secrets.notifySecret && {
        maxStockBatch: STOREFRONT_STOCK_BATCH,
        // A storefront takes signed events as fast as it can answer them: eight batches side by side.
        stockPushesInFlight: 8,
        pushStock: (
          levels: readonly StockUpdate[],
          options: { signal: AbortSignal; now: Date; batchKey: string },
        ) =>
          postEvent(
            config,
            secrets,
            toInventoryUpdated(inventoryEventId(options.batchKey, levels), levels, options.now),
            options,
          ),
      }),
  }),
  test: async (config, secrets, options) => {
    if (!config.notifyUrl || !secrets.notifySecret)
      return {
        ok: true,
        detail: 'no notifyUrl: the storefront only sends orders in, Waybill has nothing to reach',
      };
    try {
      await postEvent(config, secrets, toPing(options.now), options);
      return { ok: true, detail: `${config.notifyUrl} took a signed ping event` };
    } catch (error) {
      return failedConnection(error);
    }
  },
});

/** A resend of the same batch is the same event; a later batch with equal numbers is a new one. */
function inventoryEventId(batchKey: string, levels: readonly StockUpdate[]): string {
  const digest = createHash('sha256')
    .update(batchKey)
    .update(JSON.stringify(levels))
    .digest('base64url')
    .slice(0, 22);
  return `inv_${digest}`;
}
