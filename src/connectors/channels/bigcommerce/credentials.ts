import { z } from 'zod';
import { isLoopbackHost } from '../woocommerce/credentials.ts';

/** Where BigCommerce serves every store's REST API (https://api.bigcommerce.com/stores/{store_hash}/v2, /v3). */
export const BIGCOMMERCE_API_URL = 'https://api.bigcommerce.com';

/** The access token travels in a header: only over TLS, except to a loopback host (a simulator, a local proxy). */
function isSafeTransport(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

export const bigcommerceConfig = z.object({
  /** The store's permanent id, as in its API path (https://api.bigcommerce.com/stores/{store_hash}/v3). */
  storeHash: z
    .string()
    .regex(
      /^[a-z0-9]{1,64}$/,
      'must be the store hash (the part after /stores/ in the API path, e.g. "abc123de")',
    ),
  /** Default https://api.bigcommerce.com; another address only for a proxy or a simulator. */
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'must be an https:// address' })
    .refine(isSafeTransport, 'must be an https:// address (plain http only on a loopback host)')
    .optional(),
});
export type BigCommerceConfig = z.infer<typeof bigcommerceConfig>;

const token = z.string().regex(/^[\x21-\x7e]{8,512}$/, 'must be a token of 8 to 512 printable characters');

/** Secrets: encrypted at rest, never returned, never logged. */
export const bigcommerceSecrets = z.object({
  /**
   * The store API account's access token (Settings → API → Store-level API accounts), sent as X-Auth-Token. Its
   * OAuth scopes: Orders modify, Order Transactions modify (refunds), Products modify (stock), Information &
   * Settings read-only (the connection test and the webhooks' health).
   */
  accessToken: token,
  /**
   * The value of the X-Waybill-Webhook-Token header set on the store's order hooks (BigCommerce sends the custom
   * headers given when a hook is created with every callback). Without it the store's orders come only through the
   * catch-up poll.
   */
  webhookToken: z
    .string()
    .regex(/^[\x21-\x7e]{24,256}$/, 'must be 24 to 256 printable characters')
    .optional(),
  /** The token before a rotation, accepted until every hook carries the new one. */
  previousWebhookToken: z
    .string()
    .regex(/^[\x21-\x7e]{24,256}$/, 'must be 24 to 256 printable characters')
    .optional(),
});
export type BigCommerceSecrets = z.infer<typeof bigcommerceSecrets>;
