import { z } from 'zod';
import type { SetupProblem } from '../../shared/setup-fields.ts';
import { isLoopbackHost } from '../woocommerce/credentials.ts';

/**
 * How Waybill proves to Magento that it is the store's integration (System → Extensions → Integrations).
 *
 * `oauth` (the default): every request signed with OAuth 1.0a (HMAC-SHA256) from the integration's four values, as
 * Magento 2.4.4 and later require by default. `bearer`: the access token alone as `Authorization: Bearer …`, which
 * Magento accepts only when the store allows it (Stores → Configuration → Services → OAuth → Consumer Settings →
 * "Allow OAuth Access Tokens to be used as standalone Bearer tokens", `oauth/consumer/enable_integration_as_bearer`).
 */
export const MAGENTO_AUTH_MODES = ['oauth', 'bearer'] as const;
export type MagentoAuthMode = (typeof MAGENTO_AUTH_MODES)[number];

/** A credit memo made offline (POST /V1/order/{id}/refund) or through the payment gateway (the invoice's refund). */
export const MAGENTO_REFUND_MODES = ['offline', 'online'] as const;
export type MagentoRefundMode = (typeof MAGENTO_REFUND_MODES)[number];

/** Payment methods whose orders are shipped before they are paid (cash on delivery, a purchase order on account). */
export const DEFAULT_PAY_LATER_METHODS = ['cashondelivery', 'purchaseorder', 'companycredit'] as const;

/** The secret travels in every signature (and the bearer token in clear): https only, except on this machine. */
function isSafeTransport(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

export const magentoConfig = z.object({
  /** The store's base URL (Magento's web/secure/base_url): the REST API is at {baseUrl}/rest/{storeCode}/V1. */
  baseUrl: z
    .url({ protocol: /^https?$/, error: "must be the store's https:// address" })
    .refine(isSafeTransport, "must be the store's https:// address (plain http only on a loopback host)"),
  /** The store view code in the REST path; default `default`. */
  storeCode: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a Magento store view code (lower case letters, digits, _)')
    .optional(),
  /** Default `oauth`. */
  auth: z.enum(MAGENTO_AUTH_MODES).optional(),
  /** The Inventory (MSI) source whose quantities Waybill sets; default `default` (the single-source store's). */
  sourceCode: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^\s/]+$/, 'must be a Magento source code (no spaces or slashes)')
    .optional(),
  /** Default `offline`. */
  refunds: z.enum(MAGENTO_REFUND_MODES).optional(),
  /** Source items per POST /V1/inventory/source-items; default 500. A store with Web API input limits on takes 20. */
  stockBatchSize: z.number().int().min(1).max(5000).optional(),
  /** Payment method codes of orders Waybill ships while still unpaid; default cashondelivery, purchaseorder, companycredit. */
  payLaterMethods: z.array(z.string().min(1)).optional(),
});
export type MagentoConfig = z.infer<typeof magentoConfig>;

/** An integration's values are 32 lower-case letters and digits each (Magento\Framework\Oauth\Helper\Oauth). */
const integrationValue = (what: string) =>
  z.string().regex(/^[a-z0-9]{32}$/, `must be the integration's ${what} (32 lower-case letters and digits)`);

/** Secrets: encrypted at rest, never returned, never logged. */
export const magentoSecrets = z.object({
  accessToken: integrationValue('access token'),
  /** The other three are needed for OAuth 1.0a signing (auth: oauth). */
  accessTokenSecret: integrationValue('access token secret').optional(),
  consumerKey: integrationValue('consumer key').optional(),
  consumerSecret: integrationValue('consumer secret').optional(),
});
export type MagentoSecrets = z.infer<typeof magentoSecrets>;

export function checkMagentoSetup(entry: MagentoConfig & MagentoSecrets): SetupProblem | null {
  if ((entry.auth ?? 'oauth') !== 'oauth') return null;
  const missing = (['consumerKey', 'consumerSecret', 'accessTokenSecret'] as const).find(
    (key) => !entry[key],
  );
  return missing
    ? {
        field: missing,
        message:
          "auth: oauth signs every request with the integration's consumer key and secret and its access token and secret; give all four (or auth: bearer, if the store allows integration tokens as bearer tokens)",
      }
    : null;
}
