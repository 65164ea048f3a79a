import type { SalesChannelAdapter } from './sales-channel.ts';
import { shopify } from './shopify/index.ts';
import { storefront } from './storefront/index.ts';
import { woocommerce } from './woocommerce/index.ts';

export type ChannelRegistry = Readonly<Record<string, SalesChannelAdapter>>;

/** Every sales channel kind Waybill knows. Adding one: its folder, and one line here. */
export const salesChannels: ChannelRegistry = {
  storefront: storefront as SalesChannelAdapter,
  shopify: shopify as SalesChannelAdapter,
  woocommerce: woocommerce as SalesChannelAdapter,
};
