import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ChannelWebhook } from '../channel-adapter.ts';
import type { ShopifyConfig, ShopifySecrets } from './credentials.ts';
import {
  fromShopifyOrder,
  fromShopifyRefund,
  shopifyOrder,
  shopifyOrderMessage,
  shopifyRefund,
} from './map.ts';

/**
 * Shopify's webhooks (https://shopify.dev/docs/apps/build/webhooks): orders/create, orders/updated, orders/cancelled
 * and refunds/create, each signed with the app's client secret. One event reaches Waybill once per subscription to
 * its topic, each with its own webhook id and the same event id ("Ignore duplicate webhooks"); a retry repeats both:
 * the inbox is keyed on the event id per topic, else on the webhook id.
 */
export const shopifyWebhook: ChannelWebhook<ShopifyConfig, ShopifySecrets> = {
  summary:
    'Shopify webhooks (orders/create, orders/updated, orders/cancelled, refunds/create), verified with X-Shopify-Hmac-Sha256',
  description:
    'Deduplicated on X-Shopify-Event-Id per topic (one event told to several subscriptions) and X-Shopify-Webhook-Id (retries); the work happens after the commit.',
  headers: {
    signature: 'x-shopify-hmac-sha256',
    deliveryId: 'x-shopify-webhook-id',
    topic: 'x-shopify-topic',
  },
  signingSecrets: (secrets) => [
    secrets.webhookSecret,
    ...(secrets.previousWebhookSecret ? [secrets.previousWebhookSecret] : []),
  ],
  isSigned: isSignedByShopify,
  triggeredAt: (headers) => {
    const triggered = header(headers, 'x-shopify-triggered-at');
    return triggered && !Number.isNaN(Date.parse(triggered)) ? new Date(triggered) : null;
  },
  inboxId: (deliveryId, _raw, topic, headers) => {
    const eventId = header(headers, 'x-shopify-event-id');
    return eventId ? `event:${topic}:${eventId}` : deliveryId;
  },
  nudges: [
    {
      path: 'fulfillment_order_notification',
      summary:
        'Shopify fulfillment-service notifications (kind FULFILLMENT_REQUEST or CANCELLATION_REQUEST), verified with X-Shopify-Hmac-Sha256',
      description:
        "Shopify's callback when Waybill is the shop's fulfillment service: a nudge to look at the fulfillment orders assigned to Waybill. They are read and answered (accepted or rejected with Shopify's reason) after the answer; the same look also runs every minute, so a lost nudge delays nothing long.",
      accepts: (payload) => fulfillmentOrderNotificationKind(payload) !== null,
      invalid: 'body.kind: must be FULFILLMENT_REQUEST or CANCELLATION_REQUEST',
      wakes: 'fulfilment-requests',
    },
  ],
  interpret: (channelId, topic, payload, config) => {
    if (topic === 'refunds/create') {
      const refund = shopifyRefund.parse(payload);
      // Waybill's own refund told back: recorded when it was made (its note carries Waybill's marker).
      if (refund.note?.includes('[waybill '))
        return { kind: 'ignored', reason: `refund ${refund.id} is Waybill's own (${refund.note})` };
      return fromShopifyRefund(refund);
    }
    if (topic !== 'orders/create' && topic !== 'orders/updated' && topic !== 'orders/cancelled') {
      return { kind: 'ignored', reason: `topic ${topic} is not handled yet` };
    }
    return shopifyOrderMessage(
      fromShopifyOrder(channelId, shopifyOrder.parse(payload)),
      config.releaseWhen ?? 'authorized',
    );
  },
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Shopify signs each HTTPS delivery with a base64 HMAC-SHA256 of the raw body under the app's client secret, in
 * `X-Shopify-Hmac-Sha256` (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries). Compared in constant
 * time against each accepted secret (two during a rotation), before the body is parsed.
 */
export function isSignedByShopify(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
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
export function fulfillmentOrderNotificationKind(
  body: unknown,
): 'FULFILLMENT_REQUEST' | 'CANCELLATION_REQUEST' | null {
  if (typeof body !== 'object' || body === null || !('kind' in body)) return null;
  const { kind } = body;
  return kind === 'FULFILLMENT_REQUEST' || kind === 'CANCELLATION_REQUEST' ? kind : null;
}
