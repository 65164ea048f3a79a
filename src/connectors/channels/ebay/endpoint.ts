import { createHash } from 'node:crypto';
import { EBAY_API_URL, type EbayConfig, type EbaySecrets } from './credentials.ts';

/** Where and as whom Waybill calls one seller's eBay APIs. */
export interface EbayEndpoint {
  /** https://api.ebay.com (or the sandbox, or a simulator), without a trailing slash. */
  root: string;
  /** Names eBay in messages. */
  host: string;
  marketplaceId: string;
  /** HTTP Basic of client id and client secret, for the token endpoint only. */
  clientBasic: string;
  refreshToken: string;
  /** The access tokens of this app, seller and host are cached under this key (the refresh token hashed). */
  cacheKey: string;
  /** What must never reach a message: the secrets (json-http adds the forms they travel in). */
  redact: readonly string[];
}

export function ebayEndpoint(config: EbayConfig, secrets: EbaySecrets): EbayEndpoint {
  const url = new URL(config.apiUrl ?? EBAY_API_URL);
  const clientBasic = Buffer.from(`${config.clientId}:${secrets.clientSecret}`, 'utf8').toString('base64');
  const refreshHash = createHash('sha256').update(secrets.refreshToken).digest('hex');
  return {
    root: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    host: url.host,
    marketplaceId: config.marketplaceId,
    clientBasic,
    refreshToken: secrets.refreshToken,
    cacheKey: `${url.origin} ${config.clientId} ${refreshHash}`,
    // json-http's redact adds the URL-encoded forms and takes the longest first.
    redact: [secrets.refreshToken, clientBasic, secrets.clientSecret],
  };
}
