import { KindRegistry } from '../shared/kind-registry.ts';
import type { ChannelKind } from './channel-adapter.ts';
import { amazon } from './amazon/index.ts';
import { bigcommerce } from './bigcommerce/index.ts';
import { ebay } from './ebay/index.ts';
import { magento } from './magento/index.ts';
import { shopify } from './shopify/index.ts';
import { storefront } from './storefront/index.ts';
import { woocommerce } from './woocommerce/index.ts';

export type ChannelKinds = KindRegistry<ChannelKind>;

/** Every sales channel kind Waybill knows. Adding one: its folder, and one line here. */
export const salesChannels: ChannelKinds = new KindRegistry('channel', [
  storefront,
  shopify,
  woocommerce,
  ebay,
  amazon,
  magento,
  bigcommerce,
]);
