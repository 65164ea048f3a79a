import { PermanentError } from '../../../jobs/job.ts';
import type { SalesChannelAdapter } from '../sales-channel.ts';
import { woocommerceConfig, woocommerceSecrets, type WooCommerceConfig, type WooCommerceSecrets } from './credentials.ts';
import { fromWooCommerceOrder, wooCommerceOrder } from './map.ts';

/**
 * A WooCommerce store. Orders come in through webhooks (http/routes/webhooks.ts, verified with ./webhook.ts, mapped
 * with ./map.ts). What goes back out (order notes and status, tracking) speaks the REST API and is not built yet:
 * telling WooCommerce of a shipment fails loudly instead of pretending.
 */
export const woocommerce: SalesChannelAdapter<WooCommerceConfig, WooCommerceSecrets> = {
  kind: 'woocommerce',
  config: woocommerceConfig,
  secrets: woocommerceSecrets,
  create: () => ({
    notifyFulfilment: async () => {
      throw new PermanentError('fulfilments to WooCommerce need the REST connector, which is not built yet');
    },
  }),
  interpretWebhook: (channelId, topic, payload) => {
    // The payload of order.deleted is only { id }; acting on it waits for cancellation in Waybill.
    if (topic === 'order.deleted') return { kind: 'ignored', reason: 'order.deleted is not acted on until cancellation is built' };
    if (topic !== 'order.created' && topic !== 'order.updated') return { kind: 'ignored', reason: `topic ${topic} is not handled yet` };
    const { incoming, sourceUpdatedAt, cancelled } = fromWooCommerceOrder(channelId, wooCommerceOrder.parse(payload));
    return { kind: 'order', incoming, sourceUpdatedAt, cancelled };
  },
};
