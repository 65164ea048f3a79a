/**
 * The demo's eBay seller account: buyers check out on eBay, which keeps the orders until Waybill's catch-up poll
 * reads them (eBay's Sell APIs have no order webhook); Waybill answers through the Sell APIs the simulator serves: a
 * shipping fulfilment with carrier and tracking per parcel, and every listing's quantity.
 */
import { startEbaySim, type EbayItem } from '../sim/ebay.ts';
import type { ChannelKind } from '../src/connectors/channels/channel-adapter.ts';
import { salesChannels } from '../src/connectors/channels/registry.ts';
import { decimal, pickProducts, type DemoChannel, type DemoProduct } from './demo-channels.ts';

const SELLER = {
  clientId: 'WaybillD-demo-PRD-0000000000-00000000',
  clientSecret: 'PRD-demo-ebay-client-secret-0001',
  refreshToken: 'v^1.1#i^1#p^3#r^1#demo-ebay-refresh-token-0001',
};
const SEED = 41;
/**
 * How often the demo's hub polls eBay. eBay's own cadence in Waybill is a minute (it has no order webhook to bring a
 * poll forward), which would make a slow demo; the demo looks every half second, as it looks in the EDI folder.
 */
export const DEMO_EBAY_POLL_EVERY_MS = 500;

/** Waybill's eBay channel kind, polling as often as the demo wants. */
export function quickPollingEbay(): ChannelKind {
  const ebay = salesChannels.get('ebay');
  if (!ebay) throw new Error('this Waybill has no eBay channel kind');
  return {
    ...ebay,
    open: (channelId, config, secrets, hooks) => ({
      ...ebay.open(channelId, config, secrets, hooks),
      pollEveryMs: DEMO_EBAY_POLL_EVERY_MS,
    }),
  };
}

export async function ebayChannel(catalog: readonly DemoProduct[]): Promise<DemoChannel> {
  const sim = await startEbaySim({ ...SELLER, seed: SEED });
  // The seller lists the whole catalogue, nothing in stock until Waybill tells eBay what it can promise.
  sim.seedCatalog(
    catalog.map((p) => p.sku),
    0,
  );
  const items: EbayItem[] = catalog.map((p) => ({ sku: p.sku, price: decimal(p.price), title: p.name }));
  return {
    id: 'ebay',
    label: 'eBay',
    setup: () => ({
      id: 'ebay',
      kind: 'ebay',
      name: 'Demo eBay seller',
      currency: 'USD',
      apiUrl: sim.url,
      marketplaceId: 'EBAY_US',
      ...SELLER,
    }),
    async place(i) {
      const order = sim.makeOrder(i, pickProducts(SEED, i, items));
      // Checked out now: the simulator dates order i i seconds after it started, and a poll reads up to its start.
      const now = new Date().toISOString();
      return sim.keep({ ...order, creationDate: now, lastModifiedDate: now }).orderId;
    },
    missing(externalId, parcels) {
      const tracked = new Set(sim.fulfillments(externalId).map((f) => f.shipmentTrackingNumber));
      const untold = parcels.filter((p) => !tracked.has(p.trackingNumber));
      return untold.length === 0
        ? null
        : `no shipping fulfilment with tracking ${untold.map((p) => p.trackingNumber).join(', ')}`;
    },
    stock: (sku) => sim.stock(sku),
    deliveries: () =>
      `${sim.calls.filter((c) => c.operationId === 'getOrders').length} order polls; ${sim.violations.length} requests off eBay's contract`,
    deliveriesOk: () => sim.violations.length === 0,
    close: () => sim.close(),
  };
}
