import type { WebhookHealth } from '../sales-channel.ts';
import { webhooksOf, type WebhookView } from './rest.ts';
import type { RestApi } from './transport.ts';

/** The topics Waybill reads (http/routes/webhooks.ts): new and changed orders, and deletions. */
export const NEEDED_TOPICS = ['order.created', 'order.updated', 'order.deleted'] as const;

/** Several hooks of one topic to one address: the best of them tells whether deliveries come. */
const RANK: Record<WebhookHealth['status'], number> = { active: 3, paused: 2, disabled: 1, missing: 0 };

/**
 * The store's webhooks that deliver to Waybill (GET /webhooks, every status), one answer per topic Waybill needs:
 * active, paused (by the admin), disabled (by WooCommerce after repeated failed deliveries), or missing.
 */
export async function webhookHealth(rest: RestApi, deliveryUrl: string): Promise<WebhookHealth[]> {
  const target = comparableUrl(deliveryUrl);
  const ours = (await webhooksOf(rest.list)).filter((hook) => comparableUrl(hook.delivery_url) === target);
  return NEEDED_TOPICS.map((topic) => {
    const candidates = ours.filter((hook) => hook.topic === topic).map(health);
    return (
      candidates.sort((a, b) => RANK[b.status] - RANK[a.status])[0] ?? { topic, status: 'missing', id: null }
    );
  });
}

/** A status WooCommerce does not document (a plugin's) is taken as not delivering. */
function health(hook: WebhookView): WebhookHealth {
  const status = hook.status === 'active' || hook.status === 'paused' ? hook.status : 'disabled';
  return { topic: hook.topic, status, id: String(hook.id) };
}

/** The same address however it was typed into the store: host case, a default port, a trailing slash. */
function comparableUrl(url: string): string {
  try {
    return new URL(url.trim()).href.replace(/\/+$/, '');
  } catch {
    return url.trim();
  }
}
