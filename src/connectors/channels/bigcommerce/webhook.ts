import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChannelNotifications } from '../channel-adapter.ts';
import type { BigCommerceSecrets } from './credentials.ts';

/**
 * The custom header Waybill asks to be set on the store's hooks: BigCommerce sends the headers given when a hook is
 * created with every callback of it, and documents them as the way to authenticate callbacks (it signs nothing).
 * https://developer.bigcommerce.com/docs/integrations/webhooks#security
 */
export const WEBHOOK_TOKEN_HEADER = 'x-waybill-webhook-token';
/** Below the channel's webhook address: where the store's order hooks point. */
export const ORDER_HOOK_PATH = 'orders';

/**
 * BigCommerce's order hooks (store/order/created, store/order/updated, or store/order/* for every order event). Each
 * callback carries only the order's id (`{ scope, store_id, data: { type: 'order', id }, hash, created_at, producer }`),
 * so it is a nudge: once its header is verified it wakes the channel's catch-up poll, which reads the orders changed
 * since its last run (./poll.ts) and takes in each version Waybill does not have, newest wins.
 *
 * What identifies a delivery: nothing in the callback does. `hash` is the SHA-1 of the event's `data`, the same for
 * a retry of the callback and for every later update of the same order alike, so it cannot key an inbox without
 * losing updates. None is needed: a callback told twice wakes the poll twice (coalesced into one run when close),
 * and the poll keys what it finds by order and modification time, so each version is taken once.
 */
export const bigcommerceNotifications: ChannelNotifications<BigCommerceSecrets> = {
  signatureHeader: WEBHOOK_TOKEN_HEADER,
  signingSecrets: (secrets) =>
    [secrets.webhookToken, secrets.previousWebhookToken].filter((token): token is string => Boolean(token)),
  isSigned: (_raw, header, tokens) => carriesWebhookToken(header, tokens),
  nudges: [
    {
      path: ORDER_HOOK_PATH,
      summary: `BigCommerce order hooks (store/order/*), verified with the ${WEBHOOK_TOKEN_HEADER} header set on them`,
      description:
        "A callback of a store order hook wakes the channel's catch-up poll, which reads the orders changed since it last ran (the callback carries only the order's id). Answered at once; the same poll also runs on its own schedule, so a lost callback delays an order, never loses it.",
      accepts: isOrderCallback,
      invalid: 'body: must be a BigCommerce order callback (scope store/order/…, data.id the order id)',
      wakes: 'order-poll',
    },
  ],
};

/**
 * The header's value against each accepted token (two during a rotation), in constant time: both sides are hashed
 * first, so neither the length nor the position of a difference shows, and every token is tried.
 */
export function carriesWebhookToken(header: string | undefined, tokens: readonly string[]): boolean {
  if (!header) return false;
  const given = createHash('sha256').update(header, 'utf8').digest();
  let valid = false;
  for (const token of tokens) {
    const expected = createHash('sha256').update(token, 'utf8').digest();
    valid = timingSafeEqual(given, expected) || valid;
  }
  return valid;
}

/**
 * A callback of an order hook: scope store/order/… and the order's id in `data.id` (`data.order_id` for the
 * transaction events), as https://developer.bigcommerce.com/docs/integrations/webhooks/events#orders shows them.
 */
export function isOrderCallback(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { scope, data } = body as { scope?: unknown; data?: unknown };
  if (typeof scope !== 'string' || !scope.startsWith('store/order/')) return false;
  if (typeof data !== 'object' || data === null) return false;
  const { id, order_id: orderId } = data as { id?: unknown; order_id?: unknown };
  return Number.isSafeInteger(id) || Number.isSafeInteger(orderId);
}
