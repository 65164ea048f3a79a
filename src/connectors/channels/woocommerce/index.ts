import { channelKind } from '../channel-adapter.ts';
import type { SalesChannel } from '../sales-channel.ts';
import { testWooCommerceConnection } from './connection.ts';
import {
  checkWooCommerceSetup,
  woocommerceConfig,
  woocommerceSecrets,
  type WooCommerceSecrets,
} from './credentials.ts';
import { notifyShipment } from './fulfilment.ts';
import { BATCH_LIMIT } from './rest.ts';
import { pollOrderPage } from './poll.ts';
import { pushPriceLevels } from './prices.ts';
import { refundOrder } from './refund.ts';
import { pushStockLevels } from './stock.ts';
import { restApi, restClient, restEndpoint } from './transport.ts';
import { woocommerceWebhook } from './webhook.ts';
import { webhookHealth } from './webhooks.ts';

/**
 * A WooCommerce store. Orders come in through webhooks (./webhook.ts: verified, keyed, and mapped with ./map.ts). What goes back out speaks the REST API v3 with the channel's consumer key pair (./rest.ts over
 * ./transport.ts): each shipment becomes a customer note with its tracking, recorded in the order's meta_data, and
 * completes the order once nothing is left to ship (./fulfilment.ts); stock levels set the products' and
 * variations' managed stock (./stock.ts) and prices their regular and sale prices (./prices.ts), both through one
 * SKU → id catalog (./catalog.ts); refunds go back through the payment gateway (./refund.ts); the catch-up poll
 * reads the orders modified since (./poll.ts) and the store's webhooks are checked (./webhooks.ts). The connection
 * test reads the store's system status (./connection.ts).
 */
export const woocommerce = channelKind({
  kind: 'woocommerce',
  label: 'WooCommerce',
  config: woocommerceConfig,
  secrets: woocommerceSecrets,
  check: checkWooCommerceSetup,
  create: (config, secrets, { id: channelId }) => {
    const channel: SalesChannel = {
      notifyFulfilment: async (notice, { signal }) =>
        notifyShipment(restClient(restEndpoint(config, secrets), signal), notice),
    };
    // Without a key pair the store only sends orders: the stock sync leaves it alone instead of failing every second.
    if (!secrets.consumerKey || !secrets.consumerSecret) return channel;
    return {
      ...channel,
      maxStockBatch: BATCH_LIMIT,
      // WooCommerce sets no rate limit of its own; four batches side by side keep a large change to seconds
      // without crowding a small store's PHP workers.
      stockPushesInFlight: 4,
      pushStock: async (levels, { signal, now }) => {
        const endpoint = restEndpoint(config, secrets);
        return pushStockLevels(restClient(endpoint, signal), storeKey(endpoint.base, secrets), levels, now);
      },
      maxPriceBatch: BATCH_LIMIT,
      pushPrices: async (prices, { signal, now }) => {
        const endpoint = restEndpoint(config, secrets);
        return pushPriceLevels(restClient(endpoint, signal), storeKey(endpoint.base, secrets), prices, now);
      },
      refund: async (notice, { signal }) =>
        refundOrder(restApi(restEndpoint(config, secrets), signal), notice),
      pollOrders: async (query, { signal }) =>
        pollOrderPage(restApi(restEndpoint(config, secrets), signal), channelId, query),
      webhookHealth: async ({ signal, deliveryUrl }) =>
        webhookHealth(restApi(restEndpoint(config, secrets), signal), deliveryUrl),
    };
  },
  test: (config, secrets, { signal }) =>
    testWooCommerceConnection(
      secrets.consumerKey && secrets.consumerSecret
        ? () => restClient(restEndpoint(config, secrets), signal)
        : null,
    ),
  webhook: woocommerceWebhook,
});

/** Product ids are per store; the key pair is part of the name so that a store replaced at the same address starts afresh. */
function storeKey(base: string, secrets: WooCommerceSecrets): string {
  return `${base} ${secrets.consumerKey}`;
}
