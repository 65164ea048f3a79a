import { PermanentError } from '../../../jobs/job.ts';
import type { SalesChannelAdapter } from '../sales-channel.ts';
import { fromShopifyOrder, shopifyOrder } from './map.ts';
import { shopifyConfig, shopifySecrets, type ShopifyConfig, type ShopifySecrets } from './credentials.ts';

/**
 * A Shopify store. Orders come in through webhooks (http/routes/webhooks.ts, verified with ./webhook.ts, mapped with
 * ./map.ts). What goes back out (fulfilments through fulfillment orders, inventory, prices, refunds) speaks the Admin
 * GraphQL API and is not built yet: telling Shopify of a shipment fails loudly instead of pretending.
 */
export const shopify: SalesChannelAdapter<ShopifyConfig, ShopifySecrets> = {
  kind: 'shopify',
  config: shopifyConfig,
  secrets: shopifySecrets,
  create: () => ({
    notifyFulfilment: async () => {
      throw new PermanentError('fulfilments to Shopify need the Admin GraphQL connector, which is not built yet');
    },
  }),
  interpretWebhook: (channelId, topic, payload) => {
    if (topic !== 'orders/create' && topic !== 'orders/updated' && topic !== 'orders/cancelled') {
      return { kind: 'ignored', reason: `topic ${topic} is not handled yet` };
    }
    const { incoming, sourceUpdatedAt, cancelled } = fromShopifyOrder(channelId, shopifyOrder.parse(payload));
    return { kind: 'order', incoming, sourceUpdatedAt, cancelled };
  },
};
