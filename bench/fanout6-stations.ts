/**
 * The stores of the six-channel stock fan-out (bench/fanout6.ts): one simulated store per channel kind, started in
 * the bench process, with the setup entry that points a Waybill channel at it, the plan it is given, the calls it
 * answered, and the floor the platform's published limits put under a change of N SKUs. A kind joins the bench by
 * an entry in STATIONS once its simulator has `seedCatalog` and `onStock`.
 */
import { randomBytes } from 'node:crypto';
import { startAmazonSim } from '../sim/amazon.ts';
import { startBigCommerceSim } from '../sim/bigcommerce.ts';
import { startEbaySim } from '../sim/ebay.ts';
import { startMagentoSim } from '../sim/magento.ts';
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
  /**
   * What the platform takes beyond its published limits that the simulator shortens (Amazon's feed queue): a figure
   * within the target is then the simulator's, not the platform's.
   */
  unpublished?: string;
}

export interface Station {
  kind: string;
  store: SimulatedStore;
  /** The setup document's channel entry: id, kind, settings and secrets. */
  channel: Record<string, unknown>;
  /** The simulated plan, and its limits, in words. */
  plan: string;
  /** The floor under a change of this many SKUs made now (the limits' state as it is at the call). */
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
/**
 * PUT /v3/catalog/variants takes 50 variants a call. BigCommerce's quotas (its "API rate limits" page): 150 requests
 * per 30 s on Standard and Plus, 450 on Pro, by contract on Enterprise, none on the Unlimited rate plan — the plan
 * the bench gives the store.
 */
const BIGCOMMERCE = { variantsPerCall: 50, proQuota: 450, windowS: 30 };
/** bulkUpdatePriceQuantity: 25 items a call; eBay limits calls per day, not per second. */
const EBAY_BATCH = 25;
/**
 * JSON_LISTINGS_FEED: five submissions per five minutes per region (SP-API changelog, May 2025; a bucket of five
 * refilling one a minute, as the simulator keeps it); 10,000 messages a feed by the feed schema the simulator
 * enforces (the same changelog says 25,000: four feeds, all within the five). Processing is queued, in a time Amazon
 * does not publish.
 */
const AMAZON_FEED = { items: 10_000, burst: 5 };
/** How long the simulated Amazon takes over a feed: its default. */
const AMAZON_FEED_PROCESSING_MS = 50;

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
  ebay: async (channelId) => {
    const seller = {
      clientId: `Bench-${channelId}-PRD`,
      clientSecret: `PRD-${randomBytes(12).toString('hex')}`,
      refreshToken: `v^1.1#i^1#${randomBytes(24).toString('hex')}`,
    };
    const sim = await startEbaySim(seller);
    return {
      kind: 'ebay',
      store: sim,
      channel: {
        id: channelId,
        kind: 'ebay',
        name: `eBay ${channelId}`,
        currency: 'USD',
        apiUrl: sim.url,
        marketplaceId: 'EBAY_US',
        ...seller,
      },
      plan: 'eBay: call limits per app and day (none reached here), no published per-second limit',
      floor: (skus) => ({
        seconds: 0,
        why: `${Math.ceil(skus / EBAY_BATCH)} bulkUpdatePriceQuantity calls of ${EBAY_BATCH}, no published per-second limit`,
      }),
      calls: () =>
        tally(
          sim.calls.map(
            (c) => `${c.operationId ?? `${c.method} ${c.path}`}${c.status === 429 ? ' 429' : ''}`,
          ),
        ),
      close: () => sim.close(),
    };
  },
  amazon: async (channelId) => {
    const credentials = {
      clientId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`,
      clientSecret: `amzn1.oa2-cs.v1.${randomBytes(16).toString('hex')}`,
      refreshToken: `Atzr|${randomBytes(24).toString('hex')}`,
    };
    const sim = await startAmazonSim({ ...credentials, feedProcessingMs: AMAZON_FEED_PROCESSING_MS });
    return {
      kind: 'amazon',
      store: sim,
      channel: {
        id: channelId,
        kind: 'amazon',
        name: `Amazon ${channelId}`,
        currency: 'USD',
        region: 'NA',
        marketplaceIds: [sim.marketplaceId],
        sellerId: sim.sellerId,
        endpoint: sim.url,
        lwaUrl: sim.lwaUrl,
        ...credentials,
      },
      plan: `Amazon: the models' default usage plans; a feed processed in ${AMAZON_FEED_PROCESSING_MS} ms`,
      floor: (skus) => {
        const feeds = Math.ceil(skus / AMAZON_FEED.items);
        // What the limits allow at this moment: the initial sync's feeds count against the same buckets. Each feed takes
        // a token of every bucket, so the last goes when the slowest bucket has given its `feeds`-th.
        const buckets = sim
          .listingsFeedQuota()
          .map((b) => ({ ...b, lastAt: Math.max(0, (feeds - b.tokens) / b.rate) }));
        const binding = buckets.reduce((a, b) => (b.lastAt > a.lastAt ? b : a));
        const held = buckets.map((b) => `${b.name} ${Math.floor(b.tokens)}`).join(', ');
        return {
          seconds: binding.lastAt,
          why: `${feeds} JSON_LISTINGS_FEEDs of ${AMAZON_FEED.items} messages; calls left when the change came (what the initial sync used counts): ${held}; the last feed waits for ${binding.name} (one every ${Math.round(1 / binding.rate)} s); then Amazon's processing`,
          unpublished: `Amazon queues each feed for a time it does not publish (its best practices: one feed of a type every 20 minutes); the simulator takes ${AMAZON_FEED_PROCESSING_MS} ms`,
        };
      },
      calls: () => tally(sim.calls.map(amazonCallName)),
      close: () => sim.close(),
    };
  },
  bigcommerce: async (channelId) => {
    const accessToken = randomBytes(20).toString('hex');
    const sim = await startBigCommerceSim({ accessToken, rateLimit: null });
    return {
      kind: 'bigcommerce',
      store: sim,
      channel: {
        id: channelId,
        kind: 'bigcommerce',
        name: `BigCommerce ${channelId}`,
        currency: 'USD',
        storeHash: sim.storeHash,
        apiUrl: sim.url,
        accessToken,
      },
      plan: 'BigCommerce on the Unlimited rate plan: no request quota (Pro: 450 requests per 30 s, Standard and Plus 150)',
      floor: (skus) => {
        const calls = Math.ceil(skus / BIGCOMMERCE.variantsPerCall);
        const onPro =
          Math.max(0, calls - BIGCOMMERCE.proQuota) / (BIGCOMMERCE.proQuota / BIGCOMMERCE.windowS);
        return {
          seconds: 0,
          why: `${calls} variant batch calls of ${BIGCOMMERCE.variantsPerCall}, no quota on the Unlimited rate plan (on Pro: ${Math.round(onPro)} s)`,
        };
      },
      calls: () =>
        tally(
          sim.calls.map(
            (c) => `${c.operationId ?? `${c.method} ${c.path}`}${c.status === 429 ? ' 429' : ''}`,
          ),
        ),
      close: () => sim.close(),
    };
  },
  magento: async (channelId) => {
    const integration = {
      consumerKey: randomBytes(16).toString('hex'),
      consumerSecret: randomBytes(16).toString('hex'),
      accessToken: randomBytes(16).toString('hex'),
      accessTokenSecret: randomBytes(16).toString('hex'),
    };
    const sim = await startMagentoSim({ integration });
    return {
      kind: 'magento',
      store: sim,
      channel: {
        id: channelId,
        kind: 'magento',
        name: `Magento ${channelId}`,
        currency: 'USD',
        baseUrl: sim.url,
        ...integration,
      },
      plan: 'Magento 2.4: no rate limit of its own; web API input limits off, as the simulator starts',
      floor: () => ({
        seconds: 0,
        why: 'POST /V1/inventory/source-items takes any number of items; no published rate limit',
      }),
      calls: () =>
        tally(
          sim.calls.map(
            (c) => `${c.operationId ?? `${c.method} ${c.path}`}${c.status === 429 ? ' 429' : ''}`,
          ),
        ),
      close: () => sim.close(),
    };
  },
};

/** A pre-signed feed document's URL carries its signature in the query: counted by operation, not by URL. */
function amazonCallName(call: {
  operation: string | null;
  method: string;
  path: string;
  status: number;
}): string {
  return `${call.operation ?? `${call.method} ${call.path}`}${call.status === 429 ? ' 429' : ''}`;
}

function tally(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
