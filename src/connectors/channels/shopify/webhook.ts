import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopify signs each HTTPS delivery with a base64 HMAC-SHA256 of the raw body under the app's client secret, in
 * `X-Shopify-Hmac-Sha256` (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries). Compared in constant
 * time against each accepted secret (two during a rotation), before the body is parsed.
 */
export function isSignedByShopify(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'base64');
  if (given.length !== 32) return false;
  let valid = false;
  // Every secret is tried, so the time taken does not tell which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    valid = timingSafeEqual(given, expected) || valid;
  }
  return valid;
}

/**
 * What Shopify POSTs to `<callbackUrl>/fulfillment_order_notification` when the merchant asks Waybill, as the
 * shop's fulfillment service, to fulfil or to cancel: only the kind. The fulfillment orders are read from the Admin
 * API (./fulfillment-service.ts). Signed like webhooks; null when the body is not such a notification.
 */
export function fulfillmentOrderNotificationKind(body: unknown): 'FULFILLMENT_REQUEST' | 'CANCELLATION_REQUEST' | null {
  if (typeof body !== 'object' || body === null || !('kind' in body)) return null;
  const { kind } = body;
  return kind === 'FULFILLMENT_REQUEST' || kind === 'CANCELLATION_REQUEST' ? kind : null;
}
