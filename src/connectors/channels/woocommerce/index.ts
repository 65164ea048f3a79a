import type { ChannelId } from '../../../domain/ids.ts';
import type { SalesChannel, SalesChannelAdapter } from '../sales-channel.ts';
import { woocommerceConfig, woocommerceSecrets, type WooCommerceConfig, type WooCommerceSecrets } from './credentials.ts';
import { notifyShipment } from './fulfilment.ts';
import { fromWooCommerceOrder, wooCommerceOrder } from './map.ts';
import { BATCH_LIMIT } from './rest.ts';
import { pollOrderPage } from './poll.ts';
import { pushPriceLevels } from './prices.ts';
import { refundOrder } from './refund.ts';
import { pushStockLevels } from './stock.ts';
import { restApi, restClient, restEndpoint } from './transport.ts';
import { isCheckoutDraft } from './webhook.ts';
import { webhookHealth } from './webhooks.ts';

/**
 * A WooCommerce store. Orders come in through webhooks (http/routes/webhooks.ts, verified with ./webhook.ts, mapped
 * with ./map.ts). What goes back out speaks the REST API v3 with the channel's consumer key pair (./rest.ts over
 * ./transport.ts): each shipment becomes a customer note with its tracking, recorded in the order's meta_data, and
 * completes the order once nothing is left to ship (./fulfilment.ts); stock levels set the products' and
 * variations' managed stock (./stock.ts) and prices their regular and sale prices (./prices.ts), both through one
 * SKU → id catalog (./catalog.ts); refunds go back through the payment gateway (./refund.ts); the catch-up poll
 * reads the orders modified since (./poll.ts) and the store's webhooks are checked (./webhooks.ts).
 */
export const woocommerce: SalesChannelAdapter<WooCommerceConfig, WooCommerceSecrets> = {
  kind: 'woocommerce',
  config: woocommerceConfig,
  secrets: woocommerceSecrets,
  create: (config, secrets) => {
    const channel: SalesChannel = {
      notifyFulfilment: async (notice, { signal }) => notifyShipment(restClient(restEndpoint(config, secrets), signal), notice),
    };
    // Without a key pair the store only sends orders: the stock sync leaves it alone instead of failing every second.
    if (!secrets.consumerKey || !secrets.consumerSecret) return channel;
    return {
      ...channel,
      maxStockBatch: BATCH_LIMIT,
      pushStock: async (levels, { signal, now }) => {
        const endpoint = restEndpoint(config, secrets);
        return pushStockLevels(restClient(endpoint, signal), storeKey(endpoint.base, secrets), levels, now);
      },
      maxPriceBatch: BATCH_LIMIT,
      pushPrices: async (prices, { signal, now }) => {
        const endpoint = restEndpoint(config, secrets);
        return pushPriceLevels(restClient(endpoint, signal), storeKey(endpoint.base, secrets), prices, now);
      },
      refund: async (notice, { signal }) => refundOrder(restApi(restEndpoint(config, secrets), signal), notice),
      // The adapter is not told its channel's id; the catch-up poll sets it on what it stores (app/polled-order.ts).
      pollOrders: async (query, { signal }) => pollOrderPage(restApi(restEndpoint(config, secrets), signal), UNKNOWN_CHANNEL, query),
      webhookHealth: async ({ signal, deliveryUrl }) => webhookHealth(restApi(restEndpoint(config, secrets), signal), deliveryUrl),
    };
  },
  interpretWebhook: (channelId, topic, payload) => {
    // The payload of order.deleted is only { id }: no order to read. A cancellation comes as order.updated, and the
    // catch-up poll reads every status but trash.
    if (topic === 'order.deleted') return { kind: 'ignored', reason: "order.deleted: the catch-up poll reads the order's status" };
    if (topic !== 'order.created' && topic !== 'order.updated') return { kind: 'ignored', reason: `topic ${topic} is not handled yet` };
    if (isCheckoutDraft(payload)) return { kind: 'ignored', reason: `${topic}: a checkout draft (the block checkout's cart) is not an order yet` };
    return { kind: 'order', ...fromWooCommerceOrder(channelId, wooCommerceOrder.parse(payload)) };
  },
};

const UNKNOWN_CHANNEL = '' as ChannelId;

/** Product ids are per store; the key pair is part of the name so that a store replaced at the same address starts afresh. */
function storeKey(base: string, secrets: WooCommerceSecrets): string {
  return `${base} ${secrets.consumerKey}`;
}
