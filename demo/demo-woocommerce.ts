/**
 * The demo's WooCommerce store: orders arrive as signed `order.created` webhooks, and Waybill answers over the REST
 * API v3 the simulator serves: a customer note per parcel, the order `completed` once everything has shipped, and
 * the managed stock of every product and variation (the tees are variations of one variable product).
 */
import { randomBytes } from 'node:crypto';
import {
  createWooCommerceSim,
  type WooOrderItem,
  type WooProductSeed,
  type WooRest,
} from '../sim/woocommerce.ts';
import { decimal, pickProducts, type DemoChannel, type DemoProduct } from './demo-channels.ts';
import { freePort } from '../sim/shared.ts';

const WEBHOOK_SECRET = 'demo-woocommerce-webhook-secret-01';
const SEED = 31;
const FIRST_PRODUCT_ID = 5_100;
/** Variations of one variable product, whatever their size. */
const TEE_PRODUCT_ID = 5_090;
const isTee = (sku: string) => sku.startsWith('TEE-');

export async function wooCommerceChannel(
  hubUrl: string,
  catalog: readonly DemoProduct[],
): Promise<DemoChannel> {
  // The store's address is where its REST API answers: a loopback port chosen before the store opens.
  const port = await freePort();
  const storeUrl = `http://127.0.0.1:${port}`;
  const sim = createWooCommerceSim({
    storeUrl,
    webhookUrl: `${hubUrl}/webhooks/woocommerce/woo`,
    secret: WEBHOOK_SECRET,
    seed: SEED,
  });
  // A fresh key pair per run, as the store's admin would create for Waybill.
  const keys = {
    consumerKey: `ck_${randomBytes(20).toString('hex')}`,
    consumerSecret: `cs_${randomBytes(20).toString('hex')}`,
  };
  const rest: WooRest = await sim.startRest({ ...keys, products: productsOf(catalog), port });
  const items: WooOrderItem[] = catalog.map((p, n) =>
    isTee(p.sku)
      ? {
          sku: p.sku,
          productId: TEE_PRODUCT_ID,
          variationId: FIRST_PRODUCT_ID + n,
          price: decimal(p.price),
          name: p.name,
        }
      : { sku: p.sku, productId: FIRST_PRODUCT_ID + n, price: decimal(p.price), name: p.name },
  );

  return {
    id: 'woo',
    label: 'WooCommerce',
    setup: () => ({
      id: 'woo',
      kind: 'woocommerce',
      name: 'Demo WooCommerce store',
      currency: 'USD',
      storeUrl: rest.url,
      webhookSecret: WEBHOOK_SECRET,
      ...keys,
    }),
    async place(i) {
      const order = sim.makeOrder(i, pickProducts(SEED, i, items));
      const delivery = await sim.deliver('order.created', order);
      return delivery.sent && delivery.status === 200 ? String(order.id) : null;
    },
    missing(externalId, parcels) {
      const order = rest.order(Number(externalId));
      if (order?.status !== 'completed') return `status ${order?.status ?? 'unknown'}, not completed`;
      const notes = rest.notes(order.id).filter((n) => n.customer_note);
      const unnoted = parcels.filter(
        (p) => notes.filter((n) => n.note.includes(p.trackingNumber)).length !== 1,
      );
      return unnoted.length === 0
        ? null
        : `not one customer note for tracking ${unnoted.map((p) => p.trackingNumber).join(', ')}`;
    },
    stock: (sku) => rest.product(sku)?.stock_quantity ?? undefined,
    close: () => rest.close(),
  };
}

/** The store's catalogue before Waybill is connected: no stock managed yet. */
function productsOf(catalog: readonly DemoProduct[]): WooProductSeed[] {
  const simple = catalog.flatMap((p, n) =>
    isTee(p.sku)
      ? []
      : [{ id: FIRST_PRODUCT_ID + n, sku: p.sku, name: p.name, regularPrice: decimal(p.price) }],
  );
  const tees = catalog.flatMap((p, n) =>
    isTee(p.sku) ? [{ id: FIRST_PRODUCT_ID + n, sku: p.sku, regularPrice: decimal(p.price) }] : [],
  );
  return [...simple, { id: TEE_PRODUCT_ID, sku: '', name: 'Red tee', variations: tees }];
}
