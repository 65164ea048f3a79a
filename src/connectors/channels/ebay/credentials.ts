import { z } from 'zod';

/**
 * The eBay marketplaces a seller lists on (eBay's MarketplaceIdEnum, the ones with a site of their own). The Sell
 * APIs take it in X-EBAY-C-MARKETPLACE-ID where a call is marketplace-specific.
 */
export const EBAY_MARKETPLACES = [
  'EBAY_US',
  'EBAY_MOTORS_US',
  'EBAY_CA',
  'EBAY_GB',
  'EBAY_AU',
  'EBAY_AT',
  'EBAY_BE',
  'EBAY_FR',
  'EBAY_DE',
  'EBAY_IT',
  'EBAY_NL',
  'EBAY_ES',
  'EBAY_CH',
  'EBAY_IE',
  'EBAY_PL',
  'EBAY_HK',
  'EBAY_SG',
  'EBAY_MY',
  'EBAY_PH',
  'EBAY_TW',
] as const;

export type EbayMarketplace = (typeof EBAY_MARKETPLACES)[number];

/**
 * Each marketplace's listing currency: an offer's price is in it (eBay's MarketplaceIdEnum and its sites; Waybill
 * does not convert).
 */
export const EBAY_MARKETPLACE_CURRENCY: Readonly<Record<EbayMarketplace, string>> = {
  EBAY_US: 'USD',
  EBAY_MOTORS_US: 'USD',
  EBAY_CA: 'CAD',
  EBAY_GB: 'GBP',
  EBAY_AU: 'AUD',
  EBAY_AT: 'EUR',
  EBAY_BE: 'EUR',
  EBAY_FR: 'EUR',
  EBAY_DE: 'EUR',
  EBAY_IT: 'EUR',
  EBAY_NL: 'EUR',
  EBAY_ES: 'EUR',
  EBAY_CH: 'CHF',
  EBAY_IE: 'EUR',
  EBAY_PL: 'PLN',
  EBAY_HK: 'HKD',
  EBAY_SG: 'SGD',
  EBAY_MY: 'MYR',
  EBAY_PH: 'PHP',
  EBAY_TW: 'TWD',
};

/** eBay's production API root; the sandbox's is https://api.sandbox.ebay.com. */
export const EBAY_API_URL = 'https://api.ebay.com';

/** The refresh token and the access token go only over TLS, or to this machine (a simulator, a local proxy). */
function isSafeTransport(value: string): boolean {
  const { protocol, hostname } = new URL(value);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
  return protocol === 'https:' || loopback;
}

/** An eBay seller account's settings (not secret: stored and shown as they are). */
export const ebayConfig = z.object({
  /**
   * Where the Sell APIs and the OAuth token endpoint answer: eBay's production root unless given
   * (https://api.sandbox.ebay.com for the sandbox; a simulator in tests).
   */
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'must be an https:// address' })
    .refine(isSafeTransport, 'must be an https:// address (plain http only on a loopback host)')
    .optional(),
  /** The app's client id (App ID) from the eBay developer portal's keyset. */
  clientId: z.string().trim().min(1, "must be the eBay app's client id"),
  /** The marketplace the seller lists on: its listings' stock is set there. */
  marketplaceId: z.enum(EBAY_MARKETPLACES, { error: 'must be an eBay marketplace id such as EBAY_US' }),
});
export type EbayConfig = z.infer<typeof ebayConfig>;

/** Secrets: encrypted at rest, never returned, never logged. */
export const ebaySecrets = z.object({
  /** The app's client secret (Cert ID), sent with the client id as HTTP Basic to eBay's token endpoint only. */
  clientSecret: z.string().min(8, 'must be the eBay app client secret (Cert ID)'),
  /**
   * The seller's refresh token from the authorization-code grant (valid about 18 months). Waybill mints two-hour
   * access tokens with it; when eBay refuses it, the seller must consent again.
   */
  refreshToken: z.string().min(16, 'must be the seller refresh token from the consent flow'),
});
export type EbaySecrets = z.infer<typeof ebaySecrets>;

/**
 * The scopes Waybill asks for with each refresh (eBay's OpenAPI documents name them per operation): orders and their
 * shipping fulfilments, refunds (issueRefund needs sell.finances), and the inventory items' quantities. The seller
 * must have granted all three at consent.
 */
export const EBAY_SCOPES = [
  'https://api.ebay.com/oauth/api_scope/sell.fulfillment',
  'https://api.ebay.com/oauth/api_scope/sell.finances',
  'https://api.ebay.com/oauth/api_scope/sell.inventory',
] as const;
