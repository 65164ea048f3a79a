import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelWebhook } from '../channel-adapter.ts';
import type { WooCommerceConfig, WooCommerceSecrets } from './credentials.ts';
import { fromWooCommerceOrder, wooCommerceOrder } from './map.ts';

/**
 * WooCommerce's order webhooks (order.created, order.updated, order.deleted), each signed with the secret set on it
 * (WC_Webhook::deliver). WooCommerce sends no time of the event: the order's own date_modified_gmt orders updates.
 */
export const woocommerceWebhook: ChannelWebhook<WooCommerceConfig, WooCommerceSecrets> = {
  summary:
    'WooCommerce webhooks (order.created, order.updated, order.deleted), verified with X-WC-Webhook-Signature',
  description:
    'Deduplicated on X-WC-Webhook-Delivery-ID with a digest of the body (WooCommerce reuses a delivery id within one second); the work happens after the commit. The unsigned ping WooCommerce sends when a webhook is saved is answered 200 and stores nothing.',
  headers: {
    signature: 'x-wc-webhook-signature',
    deliveryId: 'x-wc-webhook-delivery-id',
    topic: 'x-wc-webhook-topic',
  },
  signingSecrets: (secrets) => [secrets.webhookSecret],
  isSigned: (raw, signature, secrets) => isSignedByWooCommerce(raw, signature, secrets[0] ?? ''),
  triggeredAt: () => null,
  inboxId: (deliveryId, raw) => wooCommerceInboxId(deliveryId, raw),
  ping: { contentType: 'application/x-www-form-urlencoded', is: isWooCommercePing },
  interpret: (channelId, topic, payload) => {
    // The payload of order.deleted is only { id }: no order to read. A cancellation comes as order.updated, and the
    // catch-up poll reads every status but trash.
    if (topic === 'order.deleted')
      return { kind: 'ignored', reason: "order.deleted: the catch-up poll reads the order's status" };
    if (topic !== 'order.created' && topic !== 'order.updated')
      return { kind: 'ignored', reason: `topic ${topic} is not handled yet` };
    if (isCheckoutDraft(payload))
      return {
        kind: 'ignored',
        reason: `${topic}: a checkout draft (the block checkout's cart) is not an order yet`,
      };
    return { kind: 'order', ...fromWooCommerceOrder(channelId, wooCommerceOrder.parse(payload)) };
  },
};

/**
 * WooCommerce signs each delivery with the base64 HMAC-SHA256 of the raw body, in `X-WC-Webhook-Signature`. The
 * key is not the secret as stored but `wp_specialchars_decode(secret, ENT_QUOTES)` (WC_Webhook::generate_signature,
 * includes/class-wc-webhook.php): a secret saved as `a&amp;b` signs with `a&b`. The operator may have copied either
 * form (the REST API and the database show the stored one), and both give the same key once decoded. Compared in
 * constant time, before the body is parsed.
 */
export function isSignedByWooCommerce(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const given = Buffer.from(header, 'base64');
  const expected = createHmac('sha256', wpSpecialcharsDecode(secret)).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What wp_specialchars_decode(text, ENT_QUOTES) turns back into a character (wp-includes/formatting.php). */
const ENTITIES: Readonly<Record<string, string>> = {
  '&#039;': "'",
  '&#x27;': "'",
  '&quot;': '"',
  '&#034;': '"',
  '&#x22;': '"',
  '&lt;': '<',
  '&#060;': '<',
  '&gt;': '>',
  '&#062;': '>',
  '&amp;': '&',
  '&#038;': '&',
  '&#x26;': '&',
};

/**
 * WordPress's wp_specialchars_decode with ENT_QUOTES: the five special characters' named and numeric entities
 * (zero padding allowed, hex in either case), in one pass, so `&amp;lt;` becomes `&lt;` and no further.
 */
export function wpSpecialcharsDecode(text: string): string {
  if (!text.includes('&')) return text;
  const padded = text
    .replace(/&#0*39;/g, '&#039;')
    .replace(/&#x0*27;/gi, '&#x27;')
    .replace(/&#0*34;/g, '&#034;')
    .replace(/&#x0*22;/gi, '&#x22;')
    .replace(/&#0*60;/g, '&#060;')
    .replace(/&#0*62;/g, '&#062;')
    .replace(/&#0*38;/g, '&#038;')
    .replace(/&#x0*26;/gi, '&#x26;');
  return padded.replace(
    /&(?:#039|#x27|quot|#034|#x22|lt|#060|gt|#062|amp|#038|#x26);/g,
    (entity) => ENTITIES[entity] ?? entity,
  );
}

/**
 * The block checkout keeps the customer's cart as an order in status `checkout-draft`, with its items, until payment
 * (WooCommerce Blocks registers the status; WC_Webhook::is_valid_resource skips only draft, auto-draft and new, so
 * its saves do reach order.created and order.updated, and `status=any` lists it). It is not an order yet: read
 * before the payload is mapped, so a half-filled draft is neither taken in nor a dead letter.
 */
export const CHECKOUT_DRAFT = 'checkout-draft';

export function isCheckoutDraft(payload: unknown): boolean {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { status?: unknown }).status === CHECKOUT_DRAFT
  );
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
