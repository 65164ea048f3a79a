import { z } from 'zod';
import { isCurrencyCode } from '../domain/money.ts';
import { isValidGtin } from '../domain/gtin.ts';
import { BACKORDER_POLICIES } from '../domain/stock.ts';
import { isLoopbackHost, REST_AUTH_MODES } from '../connectors/channels/woocommerce/credentials.ts';

function isSafeStoreUrl(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes');
const currencyCode = z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code');
const secret = z.string().min(16, 'must be at least 16 characters');
/** When stock cannot be reserved: `accept` takes the order and waits for stock; `cancel` cancels the line. */
const backorderPolicy = z.enum(BACKORDER_POLICIES).default('accept');
/**
 * How much of what can be promised this channel is told: at most `cap` units of each SKU, or `sharePercent` of
 * it (rounded down). Without one the channel is told everything. Reservations still take from the one pool.
 */
const allocation = z
  .strictObject({ cap: z.number().int().nonnegative().optional(), sharePercent: z.number().int().min(0).max(100).optional() })
  .refine((a) => (a.cap === undefined) !== (a.sharePercent === undefined), { message: 'give either cap or sharePercent', path: ['cap'] })
  .optional();

const storefrontChannel = z
  .strictObject({
    id,
    kind: z.literal('storefront'),
    backorderPolicy,
    allocation,
    name: z.string().min(1),
    currency: currencyCode,
    notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
    notifySecret: secret.optional(),
  })
  .refine((c) => !c.notifyUrl || c.notifySecret, { message: 'is required with notifyUrl', path: ['notifySecret'] });

/** A Shopify store: webhooks in (signed with the app's client secret), Admin GraphQL out. */
const shopifyChannel = z.strictObject({
  id,
  kind: z.literal('shopify'),
  backorderPolicy,
  allocation,
  name: z.string().min(1),
  currency: currencyCode,
  shopDomain: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'must be the shop\'s *.myshopify.com domain'),
  /** The app's client secret: Shopify signs webhooks with it. */
  webhookSecret: secret,
  /** The secret before a rotation: accepted too while Shopify switches over (up to an hour). */
  previousWebhookSecret: secret.optional(),
  /** Admin API access token, for what Waybill sends back (fulfilments, stock, prices). */
  accessToken: secret.optional(),
  /** Where the shop's Admin API answers instead of https://{shopDomain} (a simulator, an egress proxy). */
  adminUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The Shopify location whose stock Waybill sets; the shop's primary location when absent. */
  locationId: z.string().regex(/^gid:\/\/shopify\/Location\/\d+$/, 'must be a Shopify location id (gid://shopify/Location/…)').optional(),
  /**
   * Waybill registers itself as the shop's fulfillment service of this name (needs accessToken and publicUrl):
   * lines stocked at its location come as fulfillment requests, accepted or rejected with Shopify's reasons.
   */
  fulfillmentService: z.strictObject({ name: z.string().trim().min(1).max(100) }).optional(),
  /** When purchase orders may go: once the payment is `authorized` (default) or only once `paid` (captured). */
  releaseWhen: z.enum(['authorized', 'paid']).optional(),
}).refine((c) => !c.fulfillmentService || c.accessToken, { message: 'a fulfillment service needs the Admin API accessToken', path: ['fulfillmentService'] });

/** A WooCommerce store: webhooks in (each signed with the secret set on it), the REST API out. */
const woocommerceChannel = z
  .strictObject({
    id,
    kind: z.literal('woocommerce'),
    backorderPolicy,
    allocation,
    name: z.string().min(1),
    currency: currencyCode,
    // The consumer secret travels in clear (HTTP Basic): https, or plain http on this machine only (a simulator, a local proxy).
    storeUrl: z.url({ protocol: /^https?$/, error: "must be the store's https:// address" }).refine(isSafeStoreUrl, "must be the store's https:// address (plain http only on a loopback host)"),
    /** The secret set on the store's order webhooks (the same on each): WooCommerce signs deliveries with it. */
    webhookSecret: secret,
    /** REST API keys, for what Waybill sends back (order status, tracking). */
    consumerKey: z.string().regex(/^ck_[0-9a-f]{40}$/, 'must be a WooCommerce consumer key (ck_ and 40 hex digits)').optional(),
    consumerSecret: z.string().regex(/^cs_[0-9a-f]{40}$/, 'must be a WooCommerce consumer secret (cs_ and 40 hex digits)').optional(),
    /** basic (default), or query-string for a server that strips the Authorization header (woocommerce/credentials.ts). */
    restAuth: z.enum(REST_AUTH_MODES).optional(),
  })
  .refine((c) => !c.consumerKey === !c.consumerSecret, { message: 'consumerKey and consumerSecret come as a pair', path: ['consumerSecret'] });

const channel = z.discriminatedUnion('kind', [storefrontChannel, shopifyChannel, woocommerceChannel]);

const supplier = z.strictObject({
  id,
  name: z.string().min(1),
  currency: currencyCode,
  apiToken: z.string().min(24, 'must be at least 24 characters').optional(),
  ackWithinMinutes: z.number().int().positive().default(24 * 60),
  /** Units held back from what this supplier reports: its feeds are late and optimistic. */
  safetyBuffer: z.number().int().nonnegative().default(0),
  transport: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('rest-json'),
      url: z.url({ protocol: /^https?$/ }),
      signingSecret: secret,
      timeoutMs: z.number().int().min(100).max(120_000).optional(),
    }),
  ]),
});

const offer = z.strictObject({
  supplier: id,
  supplierSku: z.string().min(1),
  cost: z.strictObject({ amount: z.number().int().nonnegative(), currency: currencyCode }),
  priority: z.number().int().default(1),
  active: z.boolean().default(true),
  stock: z.number().int().nonnegative().optional(),
});

/** The selling price on one channel, in the channel's currency; `compareAtAmount` is the "was" price shown struck through. */
const price = z
  .strictObject({
    channel: id,
    amount: z.number().int().nonnegative(),
    currency: currencyCode,
    compareAtAmount: z.number().int().positive().optional(),
  })
  .refine((p) => p.compareAtAmount === undefined || p.compareAtAmount > p.amount, { message: 'must be more than amount', path: ['compareAtAmount'] });

const product = z.strictObject({
  sku: z.string().min(1).max(64),
  name: z.string().min(1),
  gtin: z.string().refine(isValidGtin, 'must be a GTIN-8/12/13/14 with a valid check digit').optional(),
  offers: z.array(offer).default([]),
  /** Selling prices per channel; when given they replace the SKU's prices, when absent they are left as they are. */
  prices: z.array(price).optional(),
});

/** The setup document of docs/setup-file.md, as YAML (`waybill apply`) or JSON (`POST /api/v1/setup`). */
export const setupDocument = z.strictObject({
  apiVersion: z.literal('waybill/v1'),
  retailer: z.strictObject({ name: z.string().min(1) }).optional(),
  /**
   * Where the stores reach this hub (https://hub.example.com): the address their webhooks point at, so that the
   * catch-up poll can check those subscriptions are still active.
   */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  channels: z.array(channel).default([]),
  suppliers: z.array(supplier).default([]),
  products: z.array(product).default([]),
});
export type SetupDocument = z.infer<typeof setupDocument>;

/** Replaces `${NAME}` in every string with the environment variable; a missing one is an error naming the field. */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) throw new EnvMissingError(path || '(root)', name);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

export class EnvMissingError extends Error {
  constructor(
    readonly field: string,
    readonly variable: string,
  ) {
    super(`${field}: environment variable ${variable} is not set`);
  }
}
