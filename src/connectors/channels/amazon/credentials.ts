import { z } from 'zod';

/**
 * The Selling Partner API's regional endpoints (https://developer-docs.amazon.com/sp-api/docs/sp-api-endpoints): a
 * seller's marketplaces all live in one region, and its calls go there.
 */
export const SP_API_ENDPOINTS = {
  NA: 'https://sellingpartnerapi-na.amazon.com',
  EU: 'https://sellingpartnerapi-eu.amazon.com',
  FE: 'https://sellingpartnerapi-fe.amazon.com',
} as const;
export type AmazonRegion = keyof typeof SP_API_ENDPOINTS;

/** Login with Amazon's token endpoint, the same for every region. */
export const LWA_TOKEN_URL = 'https://api.amazon.com/auth/o2/token';

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** An address a secret may travel to: https, or plain http on a loopback host (a simulator, a local proxy). */
const secureUrl = z.url({ protocol: /^https?$/, error: 'must be an https:// address' }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}, 'must be an https:// address (plain http only on a loopback host)');

/** Amazon's marketplace ids and seller ids: upper-case letters and digits (ATVPDKIKX0DER, A3TH9S8BH6GOGM). */
const amazonId = (what: string) =>
  z.string().regex(/^[A-Z0-9]{8,20}$/, `must be an Amazon ${what} (upper-case letters and digits)`);

export const amazonConfig = z.object({
  /** NA, EU or FE: the region of the seller's marketplaces. */
  region: z.enum(['NA', 'EU', 'FE']),
  /** The marketplaces whose orders Waybill takes and whose listings it keeps in stock (ATVPDKIKX0DER: amazon.com). */
  marketplaceIds: z.array(amazonId('marketplace id')).min(1).max(25),
  /** The seller's merchant token (Seller Central → Settings → Account Info → Merchant Token): the listings' owner. */
  sellerId: amazonId('merchant token'),
  /** The product type stock patches name; Amazon takes PRODUCT for offer-only data such as fulfillment_availability. */
  productType: z
    .string()
    .regex(/^[A-Z0-9_]{1,64}$/, 'must be an Amazon product type like PRODUCT')
    .optional(),
  /** Overrides the region's endpoint (Amazon's sandbox, a proxy, a simulator in tests). */
  endpoint: secureUrl.optional(),
  /** Overrides Login with Amazon's token endpoint, for the same reasons. */
  lwaUrl: secureUrl.optional(),
});
export type AmazonConfig = z.infer<typeof amazonConfig>;

/** Secrets: encrypted at rest, never returned, never logged. */
export const amazonSecrets = z.object({
  /** The app's LWA client identifier (Developer Central → the app → View → LWA credentials). */
  clientId: z
    .string()
    .regex(
      /^amzn1\.application-oa2-client\.[0-9a-z]+$/,
      'must be an LWA client id (amzn1.application-oa2-client.…)',
    ),
  clientSecret: z.string().min(16, 'must be the LWA client secret (amzn1.oa2-cs.v1.…)'),
  /** The refresh token the seller's authorisation gave (Atzr|…): what Waybill exchanges for access tokens. */
  refreshToken: z.string().regex(/^Atzr\|\S{16,}$/, 'must be an LWA refresh token (Atzr|…)'),
  /**
   * The API key the seller's EventBridge API destination sends in the x-api-key header with each ORDER_CHANGE
   * notification it forwards to Waybill; without it Waybill only polls.
   */
  notificationApiKey: z.string().min(24, 'must be at least 24 characters').optional(),
});
export type AmazonSecrets = z.infer<typeof amazonSecrets>;

/** Where and as whom Waybill calls one seller's SP-API. */
export interface AmazonEndpoint {
  /** The SP-API root, without a trailing slash. */
  base: string;
  lwaUrl: string;
  sellerId: string;
  marketplaceIds: readonly string[];
  productType: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Names the seller and app for the per-operation usage plans and the cached access token. */
  key: string;
}

export function amazonEndpoint(config: AmazonConfig, secrets: AmazonSecrets): AmazonEndpoint {
  const base = (config.endpoint ?? SP_API_ENDPOINTS[config.region]).replace(/\/+$/, '');
  return {
    base,
    lwaUrl: config.lwaUrl ?? LWA_TOKEN_URL,
    sellerId: config.sellerId,
    marketplaceIds: config.marketplaceIds,
    productType: config.productType ?? 'PRODUCT',
    clientId: secrets.clientId,
    clientSecret: secrets.clientSecret,
    refreshToken: secrets.refreshToken,
    key: `${base} ${secrets.clientId} ${config.sellerId}`,
  };
}
