import { z } from 'zod';
import type { SetupProblem } from '../../shared/setup-fields.ts';

/** 127.0.0.0/8, ::1 and localhost: the only hosts the consumer secret may travel to over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * WooCommerce takes the consumer secret in clear (HTTP Basic), so it may only go out encrypted. A loopback address
 * is the exception: the traffic never leaves the machine (a simulator in tests, a local TLS-terminating proxy).
 */
function isSafeTransport(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

/**
 * How the REST API keys travel (WC_REST_Authentication::perform_basic_authentication, includes/class-wc-rest-authentication.php,
 * reads both only when is_ssl()): `basic`, HTTP Basic with the key as user and the secret as password; or
 * `query-string`, WooCommerce's documented fallback for a web server that strips the Authorization header (PHP as
 * CGI/FastCGI without the rewrite that passes it on), consumer_key and consumer_secret in the query (read first when
 * present). Both are in clear inside TLS, hence https only; the query string is kept out of every message.
 */
export const REST_AUTH_MODES = ['basic', 'query-string'] as const;
export type RestAuthMode = (typeof REST_AUTH_MODES)[number];

export const woocommerceConfig = z.object({
  /** The store's address (WordPress's home URL): WooCommerce names it in X-WC-Webhook-Source, the REST API lives under it. */
  storeUrl: z
    .url({ protocol: /^https?$/, error: "must be the store's https:// address" })
    .refine(isSafeTransport, "must be the store's https:// address (plain http only on a loopback host)"),
  /** Default basic. */
  restAuth: z.enum(REST_AUTH_MODES).optional(),
});
export type WooCommerceConfig = z.infer<typeof woocommerceConfig>;

/** Secrets: encrypted at rest, never returned, never logged. */
export const woocommerceSecrets = z.object({
  /** The secret set on the store's order webhooks (the same on each); WooCommerce signs every delivery with it. */
  webhookSecret: z.string().min(16, 'must be at least 16 characters'),
  /** REST API key pair (WooCommerce → Settings → Advanced → REST API, Read/Write), for what Waybill sends back. */
  consumerKey: z
    .string()
    .regex(/^ck_[0-9a-f]{40}$/, 'must be a WooCommerce consumer key (ck_ and 40 hex digits)')
    .optional(),
  consumerSecret: z
    .string()
    .regex(/^cs_[0-9a-f]{40}$/, 'must be a WooCommerce consumer secret (cs_ and 40 hex digits)')
    .optional(),
});
export type WooCommerceSecrets = z.infer<typeof woocommerceSecrets>;

export function checkWooCommerceSetup(entry: WooCommerceConfig & WooCommerceSecrets): SetupProblem | null {
  return !entry.consumerKey !== !entry.consumerSecret
    ? { field: 'consumerSecret', message: 'consumerKey and consumerSecret come as a pair' }
    : null;
}
