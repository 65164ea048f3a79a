import { channelKind } from '../channel-adapter.ts';
import { VARIANT_BATCH_LIMIT } from './api.ts';
import { testBigCommerceConnection } from './connection.ts';
import { bigcommerceConfig, bigcommerceSecrets } from './credentials.ts';
import { notifyShipment } from './fulfilment.ts';
import { pollOrderPage } from './poll.ts';
import { refundOrder } from './refund.ts';
import { pushStockLevels, variantIndexOf } from './stock.ts';
import { apiClient, apiEndpoint } from './transport.ts';
import { bigcommerceNotifications } from './webhook.ts';
import { webhookHealth } from './webhook-health.ts';

/** Without order hooks the poll is how orders come: every minute. With them, the usual five as a safety net. */
const POLL_WITHOUT_HOOKS_MS = 60_000;
/**
 * Batches of 50 variants in flight at once: BigCommerce welcomes parallel requests within the quota, and the
 * transport holds them all to it (./throttle.ts).
 */
const STOCK_PUSHES_IN_FLIGHT = 4;

/**
 * A BigCommerce store, through its REST API with a store-level API account's token (X-Auth-Token). Orders: the
 * store's order hooks carry only an order id, so each callback wakes the catch-up poll (./webhook.ts), which reads
 * the orders modified since and each one's products and addresses (./poll.ts, mapped by ./map.ts), and the refunds
 * made at the store meanwhile, in the control panel or by another app (./poll-refunds.ts). Shipments become
 * BigCommerce shipments with tracking (./fulfilment.ts); refunds go through the payment actions, quote then refund
 * (./refund.ts); stock sets the variants' inventory levels in batches of 50 (./stock.ts); the store's hooks are
 * checked for deactivation (./webhook-health.ts). Every call keeps to the store's rate limit (./transport.ts).
 */
export const bigcommerce = channelKind({
  kind: 'bigcommerce',
  label: 'BigCommerce',
  config: bigcommerceConfig,
  secrets: bigcommerceSecrets,
  create: (config, secrets, { id: channelId }) => {
    const endpoint = apiEndpoint(config, secrets);
    return {
      notifyFulfilment: async (notice, { signal }) => notifyShipment(apiClient(endpoint, signal), notice),
      ...(secrets.webhookToken ? {} : { pollEveryMs: POLL_WITHOUT_HOOKS_MS }),
      pollOrders: async (query, { signal }) =>
        pollOrderPage(apiClient(endpoint, signal), channelId, endpoint.key, query),
      maxStockBatch: VARIANT_BATCH_LIMIT,
      stockPushesInFlight: STOCK_PUSHES_IN_FLIGHT,
      pushStock: async (levels, { signal, now }) =>
        pushStockLevels(apiClient(endpoint, signal), variantIndexOf(endpoint.key), levels, now.getTime()),
      refund: async (notice, { signal }) => refundOrder(apiClient(endpoint, signal), notice),
      webhookHealth: async ({ signal, deliveryUrl }) =>
        webhookHealth(apiClient(endpoint, signal), deliveryUrl),
    };
  },
  test: (config, secrets, { signal }) =>
    testBigCommerceConnection(apiClient(apiEndpoint(config, secrets), signal), Boolean(secrets.webhookToken)),
  notifications: bigcommerceNotifications,
});
