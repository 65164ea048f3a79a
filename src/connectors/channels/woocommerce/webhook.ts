import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * WooCommerce signs each delivery with the base64 HMAC-SHA256 of the raw body under the webhook's secret, in
 * `X-WC-Webhook-Signature` (WC_Webhook::generate_signature). Compared in constant time, before the body is parsed.
 */
export function isSignedByWooCommerce(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'base64');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * When a webhook is saved as active, WooCommerce checks the delivery URL with a form-encoded `webhook_id=<n>` POST:
 * no signature, no X-WC-* headers, and it wants exactly 200 back. It carries nothing to store.
 */
export function isWooCommercePing(rawBody: Buffer): boolean {
  return /^webhook_id=\d+$/.test(rawBody.toString('utf8'));
}

/**
 * The inbox key of a delivery. `X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the current second
 * (WC_Webhook::get_new_delivery_id), so two different deliveries of one webhook within a second share it: a bulk
 * status change sends many order.updated in the same second. Keyed on the id alone, all but the first would be
 * dropped as duplicates. With a digest of the body the same delivery sent twice (same bytes) is still one entry.
 */
export function wooCommerceInboxId(deliveryId: string, rawBody: Buffer): string {
  return `${deliveryId}:${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
}
