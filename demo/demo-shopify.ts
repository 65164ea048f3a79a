/**
 * The demo's Shopify store: orders arrive as signed `orders/create` webhooks (every tenth delivered twice with the
 * same webhook id, as Shopify's at-least-once delivery does), and Waybill answers over the Admin GraphQL API the
 * simulator serves: fulfillments with tracking numbers, and the stock of every variant.
 */
import { createShopifySim, type ShopifyAdmin, type ShopifyOrderItem } from '../sim/shopify.ts';
import { decimal, pickProducts, type DemoChannel, type DemoProduct } from './demo-channels.ts';

const SHOP_DOMAIN = 'demo-home-goods.myshopify.com';
const CLIENT_SECRET = 'demo-shopify-client-secret-0001';
const ACCESS_TOKEN = 'shpat_demo_admin_token_00000000000001';
const SEED = 21;
/** The numeric ids of the shop's variants: the order's variant_id and the variant's gid agree. */
const FIRST_VARIANT_ID = 46_100;
/** Every REDELIVER_EVERY-th order's webhook is delivered again with the same webhook id. */
const REDELIVER_EVERY = 10;

export async function shopifyChannel(hubUrl: string, catalog: readonly DemoProduct[]): Promise<DemoChannel> {
  const sim = createShopifySim({
    shopDomain: SHOP_DOMAIN,
    webhookUrl: `${hubUrl}/webhooks/shopify/shop`,
    secret: CLIENT_SECRET,
    seed: SEED,
  });
  const items: ShopifyOrderItem[] = catalog.map((p, n) => ({
    sku: p.sku,
    variantId: FIRST_VARIANT_ID + n,
    price: decimal(p.price),
    title: p.name,
  }));
  // The shop sells the whole catalogue and shows nothing in stock until Waybill tells it what it can promise.
  for (const item of items)
    sim.addVariant({ sku: item.sku, variantId: item.variantId, price: item.price, available: 0 });
  // A Shopify Plus shop: 1,000 query points a second. On the Standard plan (100) the demo's fulfilments would
  // wait out the throttle for most of a minute, correctly but slowly.
  const admin: ShopifyAdmin = await sim.startAdmin({
    accessToken: ACCESS_TOKEN,
    maximumAvailable: 20_000,
    restoreRate: 1_000,
  });
  const primary = sim.locationId('East warehouse');
  const repeats = { sent: 0, recognised: 0 };

  return {
    id: 'shop',
    label: 'Shopify',
    setup: () => ({
      id: 'shop',
      kind: 'shopify',
      name: 'Demo Shopify store',
      currency: 'USD',
      shopDomain: SHOP_DOMAIN,
      webhookSecret: CLIENT_SECRET,
      accessToken: ACCESS_TOKEN,
      adminUrl: admin.url,
      locationId: primary,
    }),
    async place(i) {
      const order = sim.makeOrder(i, pickProducts(SEED, i, items));
      const first = await sim.deliver('orders/create', order, { maxAttempts: 3 });
      if (first.status !== 200) return null;
      if (i % REDELIVER_EVERY === 1) {
        repeats.sent++;
        const again = await sim.redeliver(first);
        if (again.status === 200 && again.body.includes('duplicate')) repeats.recognised++;
      }
      return String(order.id);
    },
    missing(externalId, parcels) {
      const orderId = Number(externalId);
      const open = admin.fulfillmentOrders(orderId).filter((fo) => fo.status !== 'CLOSED');
      if (open.length > 0) return `${open.length} fulfillment order(s) not closed`;
      const tracked = new Set(admin.fulfillments(orderId).map((f) => f.trackingInfo.number));
      const untold = parcels.filter((p) => !tracked.has(p.trackingNumber));
      return untold.length === 0
        ? null
        : `no fulfillment with tracking ${untold.map((p) => p.trackingNumber).join(', ')}`;
    },
    stock: (sku) => admin.available(sku),
    deliveries: () =>
      `${repeats.sent} webhooks delivered twice with the same id, ${repeats.recognised} recognised as duplicates`,
    deliveriesOk: () => repeats.recognised === repeats.sent,
    close: () => admin.close(),
  };
}
