import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ChannelNotifications } from '../channel-adapter.ts';
import type { WebhookHealth } from '../sales-channel.ts';
import type { AmazonSecrets } from './credentials.ts';
import type { SpApiCall } from './transport.ts';

/**
 * ORDER_CHANGE notifications (schemas/notifications/OrderChangeNotification.json): Amazon sends them to an SQS queue
 * or to the seller's EventBridge event bus, never to a URL of ours. The seller's path to Waybill is an EventBridge
 * rule on that bus with an API destination whose connection authorises by API key: EventBridge then POSTs each
 * event (the notification in `detail`, or the notification itself where an input transformer passes `$.detail`)
 * with the key in an x-api-key header. EventBridge cannot sign a body, so the key is what authenticates it, compared
 * in constant time. A notification carries no order (no address, no money): it only wakes the order poll, which
 * reads the order as it is now and takes each version in once.
 */
const notification = z.object({
  NotificationType: z.literal('ORDER_CHANGE'),
  Payload: z.object({ OrderChangeNotification: z.object({ AmazonOrderId: z.string().min(1) }) }),
  NotificationMetadata: z.object({ NotificationId: z.string().min(1) }).optional(),
});
const eventBridgeEvent = z.object({ 'detail-type': z.string().optional(), detail: notification });

/** The notification in what EventBridge sent, whether wrapped in its event or passed on alone. */
export function orderChangeOf(payload: unknown): z.infer<typeof notification> | null {
  return eventBridgeEvent.safeParse(payload).data?.detail ?? notification.safeParse(payload).data ?? null;
}

/** Compares digests of the same length, so neither the key's length nor where it differs shows in the timing. */
export function sameKey(given: string | undefined, keys: readonly string[]): boolean {
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const candidate = digest(given);
  let matched = false;
  for (const key of keys) if (key && timingSafeEqual(candidate, digest(key))) matched = true;
  return matched;
}

export const amazonNotifications: ChannelNotifications<AmazonSecrets> = {
  signatureHeader: 'x-api-key',
  signingSecrets: (secrets) => (secrets.notificationApiKey ? [secrets.notificationApiKey] : []),
  isSigned: (_raw, given, keys) => sameKey(given, keys),
  nudges: [
    {
      path: 'order-change',
      summary: 'Amazon ORDER_CHANGE notifications through an EventBridge API destination (x-api-key)',
      description:
        "Point the seller's EventBridge API destination at /webhooks/amazon/{channelId}/order-change, its connection authorised by API key (header x-api-key, the channel's notificationApiKey). The body is an EventBridge event whose detail is an ORDER_CHANGE notification, or the notification alone. Each wakes the channel's order poll.",
      accepts: (payload) => orderChangeOf(payload) !== null,
      invalid:
        'body: not an ORDER_CHANGE notification (detail.Payload.OrderChangeNotification.AmazonOrderId)',
      wakes: 'order-poll',
    },
  ],
};

const subscription = z.object({ payload: z.object({ subscriptionId: z.string() }).optional() });

/**
 * The ORDER_CHANGE subscription of the seller and app (getSubscription): active when Amazon has one, missing when
 * it answers 404. Where it delivers (which event bus, which rule) is the seller's AWS setup, not visible here.
 */
export async function orderChangeHealth(call: SpApiCall): Promise<WebhookHealth[]> {
  const answer = await call({
    operation: 'getSubscription',
    method: 'GET',
    path: '/notifications/v1/subscriptions/ORDER_CHANGE',
    accept: [404],
  });
  const id = answer.status === 404 ? null : (subscription.parse(answer.body).payload?.subscriptionId ?? null);
  return [{ topic: 'ORDER_CHANGE', status: id ? 'active' : 'missing', id }];
}
