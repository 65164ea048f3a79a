/**
 * The stores of the six-channel stock fan-out (bench/fanout6.ts): one simulated store per channel kind, started in
 * the bench process, with the setup entry that points a Waybill channel at it, the plan it is given, the calls it
 * answered, and the floor the platform's published limits put under a change of N SKUs. A kind joins the bench by
 * an entry in STATIONS once its simulator has `seedCatalog` and `onStock`.
 */
import { randomBytes } from 'node:crypto';
import { createShopifySim } from '../sim/shopify.ts';
import { freePort } from '../sim/shared.ts';
import { createWooCommerceSim } from '../sim/woocommerce.ts';

/** What every channel simulator offers the bench. */
export interface SimulatedStore {
  seedCatalog(skus: readonly string[], available: number): void;
  onStock(listener: (sku: string, available: number) => void): () => void;
}

/** The least time the platform's published limits allow for a change of this many SKUs, and why. */
export interface Floor {
  seconds: number;
  why: string;
}

export interface Station {
  kind: string;
  store: SimulatedStore;
  /** The setup document's channel entry: id, kind, settings and secrets. */
  channel: Record<string, unknown>;
  /** The simulated plan, and its limits, in words. */
  plan: string;
  floor(skus: number): Floor;
  /** The calls the store answered so far, by operation or route. */
  calls(): Map<string, number>;
  close(): Promise<void>;
}

/** The webhooks are not part of the fan-out: orders are not sent, the address is never called. */
const NO_WEBHOOKS = 'http://127.0.0.1:9/unused';

/**
 * Shopify Plus, the largest plan with published bucket figures: 1,000 points a second
 * (shopify.dev, "GraphQL Admin API rate limits"), a bucket of 20,000 (the demo's Plus shop). Shopify for enterprise
 * sells 2,000 a second, whose bucket is not published.
 */
const SHOPIFY_PLUS = { restoreRate: 1_000, maximumAvailable: 20_000 };
/** inventorySetQuantities: at most 250 quantities (Shopify's input array limit), a mutation of 10 points. */
const SHOPIFY_SET = { quantities: 250, points: 10 };
/** WooCommerce's woocommerce_rest_batch_items_limit default. */
const WOO_BATCH = 100;

export const STATIONS: Readonly<Record<string, (channelId: string) => Promise<Station>>> = {
  shopify: async (channelId) => {
    const shopDomain = `${channelId}.myshopify.com`;
    const secret = randomBytes(16).toString('hex');
    const accessToken = `shpat_${randomBytes(16).toString('hex')}`;
    const shop = createShopifySim({ shopDomain, webhookUrl: NO_WEBHOOKS, secret });
    const admin = await shop.startAdmin({ accessToken, ...SHOPIFY_PLUS });
    return {
      kind: 'shopify',
      store: shop,
      channel: {
        id: channelId,
        kind: 'shopify',
        name: `Shopify ${channelId}`,
        currency: 'USD',
        shopDomain,
        adminUrl: admin.url,
        webhookSecret: secret,
        accessToken,
      },
      plan: `Shopify Plus: ${SHOPIFY_PLUS.restoreRate} points/s, bucket ${SHOPIFY_PLUS.maximumAvailable}`,
      floor: (skus) => {
        const points = Math.ceil(skus / SHOPIFY_SET.quantities) * SHOPIFY_SET.points;
        return {
          seconds: Math.max(0, points - SHOPIFY_PLUS.maximumAvailable) / SHOPIFY_PLUS.restoreRate,
          why: `${points} points of inventorySetQuantities (${SHOPIFY_SET.quantities} quantities, ${SHOPIFY_SET.points} points a call) against a bucket of ${SHOPIFY_PLUS.maximumAvailable} refilling ${SHOPIFY_PLUS.restoreRate}/s`,
        };
      },
      calls: () => tally(admin.calls.map((c) => c.operationName)),
      close: () => admin.close(),
    };
  },
  woocommerce: async (channelId) => {
    // The store's address is where its REST API answers: a loopback port chosen before the store opens.
    const port = await freePort();
    const webhookSecret = randomBytes(16).toString('hex');
    const keys = {
      consumerKey: `ck_${randomBytes(20).toString('hex')}`,
      consumerSecret: `cs_${randomBytes(20).toString('hex')}`,
    };
    const store = createWooCommerceSim({
      storeUrl: `http://127.0.0.1:${port}`,
      webhookUrl: NO_WEBHOOKS,
      secret: webhookSecret,
    });
    const rest = await store.startRest({ ...keys, port });
    return {
      kind: 'woocommerce',
      store,
      channel: {
        id: channelId,
        kind: 'woocommerce',
        name: `WooCommerce ${channelId}`,
        currency: 'USD',
        storeUrl: rest.url,
        webhookSecret,
        ...keys,
      },
      plan: 'WooCommerce: no rate limit of its own (hosts may set one; none simulated)',
      floor: (skus) => ({
        seconds: 0,
        why: `${Math.ceil(skus / WOO_BATCH)} batch calls of ${WOO_BATCH}, no published rate limit`,
      }),
      calls: () => tally(rest.calls.map((c) => `${c.route ?? c.path} ${c.outcome}`)),
      close: () => rest.close(),
    };
  },
};

function tally(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
