import type { SalesChannelAdapter } from '../sales-channel.ts';
import { storefrontConfig, storefrontSecrets, type StorefrontConfig, type StorefrontSecrets } from './credentials.ts';
import { toFulfillmentCreated } from './map.ts';
import { postEvent } from './transport.ts';

/** A storefront of the retailer's own: orders in through the operator API, events out as signed webhooks. */
export const storefront: SalesChannelAdapter<StorefrontConfig, StorefrontSecrets> = {
  kind: 'storefront',
  config: storefrontConfig,
  secrets: storefrontSecrets,
  create: (config, secrets) => ({
    notifyFulfilment: (notice, options) => postEvent(config, secrets, toFulfillmentCreated(notice), options),
  }),
};
