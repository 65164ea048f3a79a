/**
 * The demo's sales channels behind one small shape, so the demo can split its orders across them, follow them to
 * the end and check what each channel was told without knowing which kind it is. Each channel places orders
 * through its real path (the operator API, signed Shopify or WooCommerce webhooks) and answers from its simulator's
 * own records, never from Waybill's.
 */
import { deriveSeed, seededRandom } from '../sim/shared.ts';
import type { StorefrontSim } from '../sim/storefront.ts';

/** A product of the demo catalogue as a channel sells it: the price in minor units. */
export interface DemoProduct {
  sku: string;
  name: string;
  price: number;
}

/** A parcel Waybill recorded for an order: what its channel must have been told of. */
export interface DemoParcel {
  carrier: string;
  trackingNumber: string;
}

export interface DemoChannel {
  /** The channel id in the setup document and in Waybill's orders. */
  id: string;
  /** How the summary names it. */
  label: string;
  /** The setup document's entry for the channel. */
  setup(): Record<string, unknown>;
  /** Places order `i` through the channel's own path; the external id when Waybill accepted it, else null. */
  place(i: number): Promise<string | null>;
  /**
   * What the channel is missing of an order Waybill fulfilled with these parcels, in words; null when the channel
   * has heard everything.
   */
  missing(externalId: string, parcels: readonly DemoParcel[]): string | null;
  /** Units the channel's store shows for the SKU, when it keeps stock. */
  stock?(sku: string): number | undefined;
  /** One line for the summary about the channel's own deliveries (e.g. webhooks recognised as duplicates). */
  deliveries?(): string;
  /** False when something the channel showed went wrong (e.g. a repeated webhook taken as new). */
  deliveriesOk?(): boolean;
  close(): Promise<void>;
}

export const STOREFRONT_NOTIFY_SECRET = 'demo-storefront-notify-secret';

/** The generic storefront: orders through the operator API, fulfilments back as signed events. */
export function storefrontChannel(sim: StorefrontSim, catalog: readonly DemoProduct[]): DemoChannel {
  const skus = catalog.map((p) => ({ sku: p.sku, unitPrice: p.price }));
  return {
    id: 'storefront',
    label: 'storefront',
    setup: () => ({
      id: 'storefront',
      kind: 'storefront',
      name: 'Demo storefront',
      currency: 'USD',
      notifyUrl: sim.notifyUrl,
      notifySecret: STOREFRONT_NOTIFY_SECRET,
    }),
    async place(i) {
      const order = sim.makeOrder(i, skus);
      const answer = await sim.placeOrder(order);
      return answer.status === 201 || answer.status === 200 ? order.externalId : null;
    },
    missing: (externalId) => (sim.fulfilledOrders.has(externalId) ? null : 'no "fulfilled" event received'),
    close: () => sim.close(),
  };
}

/** 1–3 distinct products for order `i`, the same for the same seed and i. */
export function pickProducts<T>(seed: number, i: number, products: readonly T[]): T[] {
  const random = seededRandom(deriveSeed(seed, `demo-items:${i}`));
  const pool = [...products];
  const count = Math.min(pool.length, 1 + Math.floor(random() * 3));
  return Array.from({ length: count }, () => pool.splice(Math.floor(random() * pool.length), 1)[0]!);
}

/** A decimal string of minor units in a two-digit currency: 1299 → "12.99". */
export function decimal(minor: number): string {
  return (minor / 100).toFixed(2);
}
