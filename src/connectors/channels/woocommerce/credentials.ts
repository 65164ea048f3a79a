import { z } from 'zod';

export const woocommerceConfig = z.object({
  /** The store's address (WordPress's home URL): WooCommerce names it in X-WC-Webhook-Source, the REST API lives under it. */
  storeUrl: z.url({ protocol: /^https$/ }),
});
export type WooCommerceConfig = z.infer<typeof woocommerceConfig>;

/** Secrets: encrypted at rest, never returned, never logged. */
export const woocommerceSecrets = z.object({
  /** The secret set on the store's webhooks; WooCommerce signs every delivery with it. */
  webhookSecret: z.string().min(16),
  /** REST API key pair (WooCommerce → Settings → Advanced → REST API), for what Waybill will send back. */
  consumerKey: z.string().optional(),
  consumerSecret: z.string().optional(),
});
export type WooCommerceSecrets = z.infer<typeof woocommerceSecrets>;
