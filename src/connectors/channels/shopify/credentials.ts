import { z } from 'zod';
import type { SetupProblem } from '../../shared/setup-fields.ts';

/** A Shopify store's settings (not secret: stored and shown as they are). */
export const shopifyConfig = z.object({
  shopDomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be the shop's *.myshopify.com domain"),
  /**
   * Where the Admin API answers, instead of https://{shopDomain}: a simulator in tests, or an egress proxy.
   * /admin/api/{version}/graphql.json is appended to it.
   */
  adminUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The location whose `available` quantities Waybill sets (a gid); absent: the shop's primary location. */
  locationId: z
    .string()
    .regex(/^gid:\/\/shopify\/Location\/\d+$/, 'must be a Shopify location id (gid://shopify/Location/…)')
    .optional(),
  /**
   * Registers Waybill as a fulfillment service of this name (the location Shopify makes for it takes the name too;
   * needs accessToken and the hub's publicUrl): lines stocked there come to Waybill as fulfillment requests, which
   * it accepts or rejects with Shopify's reasons.
   */
  fulfillmentService: z.strictObject({ name: z.string().trim().min(1).max(100) }).optional(),
  /**
   * When an order's purchase orders may go to suppliers: `authorized` (payment secured; stores that capture at
   * fulfilment stay authorised until they ship) or `paid` (captured). Pending payments always wait; expired and
   * voided ones are held for a person.
   */
  releaseWhen: z.enum(['authorized', 'paid']).optional(),
});
export type ShopifyConfig = z.infer<typeof shopifyConfig>;

const secret = z.string().min(16, 'must be at least 16 characters');

/** Secrets: encrypted at rest, never returned, never logged. */
export const shopifySecrets = z.object({
  /** The app's client secret; Shopify signs every webhook with it. */
  webhookSecret: secret,
  /** The previous client secret, accepted during a rotation (Shopify may sign with it for up to an hour). */
  previousWebhookSecret: secret.optional(),
  /** Admin API access token, for what Waybill sends back (fulfilments, stock, prices, refunds). */
  accessToken: secret.optional(),
});
export type ShopifySecrets = z.infer<typeof shopifySecrets>;

export function checkShopifySetup(entry: ShopifyConfig & ShopifySecrets): SetupProblem | null {
  return entry.fulfillmentService && !entry.accessToken
    ? { field: 'fulfillmentService', message: 'a fulfillment service needs the Admin API accessToken' }
    : null;
}
