import { z } from 'zod';
import type { WebhookHealth } from '../sales-channel.ts';
import type { AdminClient, Operation } from './graphql.ts';

/**
 * Whether Shopify still delivers what Waybill needs. Shopify removes a subscription whose deliveries keep failing
 * (after its retries run out), and says so only by e-mail to the app's developer; this lists the app's
 * subscriptions (https://shopify.dev/docs/api/admin-graphql/2026-10/queries/webhookSubscriptions, `uri` being the
 * 2026-10 field for where deliveries go; `endpoint`/`callbackUrl` are deprecated) and reports, per topic Waybill
 * takes, the one that points at Waybill, or `missing`. Subscriptions declared in the app's shopify.app.toml are
 * not listed by the API: a channel set up that way shows every topic as missing.
 */
export const WEBHOOK_TOPICS = {
  ORDERS_CREATE: 'orders/create',
  ORDERS_UPDATED: 'orders/updated',
  ORDERS_CANCELLED: 'orders/cancelled',
  REFUNDS_CREATE: 'refunds/create',
} as const;

const PAGE = 100;
const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const subscription = z.object({ id: z.string().min(1), topic: z.string(), uri: z.string() });
type Subscription = z.infer<typeof subscription>;

export const webhookSubscriptionsQuery: Operation<{
  webhookSubscriptions: { pageInfo: z.infer<typeof pageInfo>; nodes: Subscription[] };
}> = {
  name: 'WaybillWebhookSubscriptions',
  query: `query WaybillWebhookSubscriptions($first: Int!, $after: String, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: $first, after: $after, topics: $topics) { pageInfo { hasNextPage endCursor } nodes { id topic uri } }
}`,
  data: z.object({ webhookSubscriptions: z.object({ pageInfo, nodes: z.array(subscription) }) }),
};

/** One entry per topic Waybill takes, in the order of WEBHOOK_TOPICS. */
export async function shopifyWebhookHealth(
  client: AdminClient,
  deliveryUrl: string,
): Promise<WebhookHealth[]> {
  const subscriptions: Subscription[] = [];
  let after: string | null = null;
  for (;;) {
    const variables: Record<string, unknown> = { first: PAGE, after, topics: Object.keys(WEBHOOK_TOPICS) };
    const { webhookSubscriptions: page } = await client(webhookSubscriptionsQuery, variables);
    subscriptions.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    after = page.pageInfo.endCursor;
  }
  return Object.entries(WEBHOOK_TOPICS).map(([topic, name]) => {
    const ours = subscriptions.find((s) => s.topic === topic && sameUrl(s.uri, deliveryUrl));
    return ours
      ? { topic: name, status: 'active', id: ours.id }
      : { topic: name, status: 'missing', id: null };
  });
}

/** Compared as URLs, so that a trailing slash or the host's letter case does not make a subscription missing. */
function sameUrl(a: string, b: string): boolean {
  const normal = (text: string) => {
    try {
      return new URL(text).href.replace(/\/$/, '');
    } catch {
      return text;
    }
  };
  return normal(a) === normal(b);
}
