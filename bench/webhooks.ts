/**
 * Signed Shopify webhook intake: Shopify's `orders/create` deliveries to POST /webhooks/shopify/{channelId}, each
 * with its own X-Shopify-Webhook-Id and a correct X-Shopify-Hmac-Sha256, answered 200 once stored in the inbox with
 * its processing job. The hub runs without its worker, so nothing is processed while we measure.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createShopifySim, type ShopifyOrderItem } from '../sim/shopify.ts';
import { seededRandom } from '../sim/shared.ts';
import { PRODUCTS, setupYaml } from './catalog.ts';
import { startHub, waybill, type HubEnv } from './hub-process.ts';
import { drive, type NextRequest } from './load.ts';
import { CONNECTIONS, measureLoad, type MeasuredLoad } from './measure.ts';
import { SHOPIFY_WEBHOOK_ROUTE } from './metrics.ts';
import { SHOPIFY_API_VERSION } from '../src/connectors/channels/shopify/api-version.ts';

export const SHOPIFY_CHANNEL_ID = 'shop';
export const SHOP_DOMAIN = 'bench-shop.myshopify.com';
// The version Shopify names in webhook headers: the one the app pins.
export const API_VERSION = SHOPIFY_API_VERSION;
/**
 * Distinct signed order bodies, built before the run and used in turn: signing and serialising ~4.5 KB of order JSON
 * costs ~0.1 ms, which the load generator would otherwise take from the hub's cores. Each request still gets a
 * delivery id (and event id) of its own, so every request is a new delivery; the signature covers the body only.
 */
const POOL_SIZE = 8_192;

export interface ShopifyChannel {
  id: string;
  secret: string;
}

/** One client secret per bench run, so SQLite and PostgreSQL share one pool of signed bodies (built once). */
const CLIENT_SECRET = randomBytes(32).toString('hex');
let builtPool: { pool: SignedBody[]; buildMs: number } | null = null;

/** migrate and apply a setup file with a Shopify channel (the bench's catalogue, so the orders name real SKUs). */
export async function prepareShopify(
  env: HubEnv,
  dir: string,
  supplierUrl?: string,
): Promise<ShopifyChannel> {
  const secret = CLIENT_SECRET;
  await waybill(env, ['migrate']);
  const setupFile = join(dir, 'setup.yaml');
  const channel = {
    id: SHOPIFY_CHANNEL_ID,
    kind: 'shopify',
    name: 'Bench Shopify store',
    currency: 'USD',
    shopDomain: SHOP_DOMAIN,
    webhookSecret: secret,
  };
  writeFileSync(setupFile, setupYaml([channel], supplierUrl));
  await waybill(env, ['apply', setupFile]);
  return { id: SHOPIFY_CHANNEL_ID, secret };
}

interface SignedBody {
  body: Buffer;
  hmac: string;
  triggeredAt: string;
}

/** Realistic orders/create payloads from the Shopify simulator, 1–3 lines of the catalogue, signed as Shopify does. */
export function signedPool(secret: string, size = POOL_SIZE, seed = 7): SignedBody[] {
  const sim = createShopifySim({
    shopDomain: SHOP_DOMAIN,
    webhookUrl: 'http://127.0.0.1:9/unused',
    secret,
    seed,
  });
  const random = seededRandom(seed);
  const items: ShopifyOrderItem[] = PRODUCTS.map((p, i) => ({
    sku: p.sku,
    variantId: 44_000_000_000 + i,
    price: (p.unitPrice / 100).toFixed(2),
    title: `Product ${i}`,
  }));
  const start = Date.now();
  return Array.from({ length: size }, (_, i) => {
    const picked = new Set<ShopifyOrderItem>();
    const lines = 1 + Math.floor(random() * 3);
    while (picked.size < lines) picked.add(items[Math.floor(random() * items.length)]!);
    const quantities = [...picked].map(() => 1 + Math.floor(random() * 3));
    const body = Buffer.from(JSON.stringify(sim.makeOrder(i, [...picked], quantities)), 'utf8');
    return {
      body,
      hmac: createHmac('sha256', secret).update(body).digest('base64'),
      triggeredAt: new Date(start + i).toISOString(),
    };
  });
}

export interface WebhookOutcome extends MeasuredLoad {
  poolSize: number;
  meanBodyBytes: number;
}

export async function runShopifyWebhooks(
  env: HubEnv,
  channel: ShopifyChannel,
  label: string,
): Promise<WebhookOutcome> {
  if (channel.secret !== CLIENT_SECRET)
    throw new Error('the pool is signed with the secret prepareShopify applied');
  if (!builtPool) {
    const started = performance.now();
    builtPool = { pool: signedPool(CLIENT_SECRET), buildMs: performance.now() - started };
  }
  const { pool } = builtPool;
  const meanBodyBytes = pool.reduce((sum, p) => sum + p.body.length, 0) / pool.length;
  console.log(
    `${label} webhooks: ${pool.length} signed orders/create bodies (mean ${Math.round(meanBodyBytes)} B), built in ` +
      `${Math.round(builtPool.buildMs)} ms before the first run`,
  );
  let n = 0;
  const next = (): NextRequest => {
    const signed = pool[n % pool.length]!;
    n += 1;
    return {
      body: signed.body,
      headers: {
        'x-shopify-hmac-sha256': signed.hmac,
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-event-id': randomUUID(),
        'x-shopify-triggered-at': signed.triggeredAt,
      },
    };
  };
  const hub = await startHub(env);
  try {
    const outcome = await measureLoad(hub, `${label} webhooks`, SHOPIFY_WEBHOOK_ROUTE, (durationS) =>
      drive({
        url: hub.url,
        path: `/webhooks/shopify/${channel.id}`,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Shopify-Captain-Hook',
          'x-shopify-topic': 'orders/create',
          'x-shopify-shop-domain': SHOP_DOMAIN,
          'x-shopify-api-version': API_VERSION,
        },
        successStatus: 200,
        connections: CONNECTIONS,
        durationS,
        next,
      }),
    );
    return { ...outcome, poolSize: pool.length, meanBodyBytes };
  } finally {
    await hub.stop();
  }
}
