import { z } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import type { AdminClient, Operation } from './graphql.ts';
import {
  fromGraphqlOrder,
  graphqlLineItems,
  graphqlOrder,
  LINE_FIELDS,
  ORDER_FIELDS,
  type GraphqlLineItem,
  type GraphqlLineItems,
  type GraphqlOrder,
} from './map-graphql.ts';
import { shopifyOrderMessage, type ReleaseWhen } from './map.ts';

/**
 * The catch-up poll: orders changed at Shopify since a time, oldest change first, one page per call, so that an
 * order whose webhooks never came (Shopify gave up, the hub was down for longer than Shopify retries) is still
 * taken. The `orders` query with `sortKey: UPDATED_AT` and the search filter `updated_at:>'…'`
 * (https://shopify.dev/docs/api/admin-graphql/2026-10/queries/orders). Without the read_all_orders scope Shopify
 * shows only the last 60 days of orders.
 */
export const POLL_PAGE = {
  /** Orders per page, each with its first `lines` line items (~700 points requested). */
  orders: 10,
  lines: 20,
  /** Further line items of one order. */
  moreLines: 100,
} as const;

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

export const ordersUpdatedSinceQuery: Operation<{
  orders: { pageInfo: z.infer<typeof pageInfo>; nodes: GraphqlOrder[] };
}> = {
  name: 'WaybillOrdersUpdatedSince',
  query: `query WaybillOrdersUpdatedSince($first: Int!, $after: String, $query: String!, $linesFirst: Int!) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { ${ORDER_FIELDS} }
  }
}`,
  data: z.object({ orders: z.object({ pageInfo, nodes: z.array(graphqlOrder) }) }),
};

export const orderLineItemsQuery: Operation<{ order: { lineItems: GraphqlLineItems } | null }> = {
  name: 'WaybillOrderLineItems',
  query: `query WaybillOrderLineItems($orderId: ID!, $first: Int!, $after: String) {
  order(id: $orderId) { id lineItems(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${LINE_FIELDS} } } }
}`,
  data: z.object({ order: z.object({ lineItems: graphqlLineItems }).nullable() }),
};

/** One page of orders changed after `updatedAfter`; `cursor` continues the same walk. */
export async function pollShopifyOrders(
  client: AdminClient,
  channelId: ChannelId,
  query: { updatedAfter: Date; cursor: string | null },
  releaseWhen: ReleaseWhen,
): Promise<OrderPage> {
  const variables = {
    first: POLL_PAGE.orders,
    after: query.cursor,
    query: `updated_at:>'${query.updatedAfter.toISOString()}'`,
    linesFirst: POLL_PAGE.lines,
  };
  const { orders } = await client(ordersUpdatedSinceQuery, variables);
  const messages: OrderMessage[] = [];
  for (const order of orders.nodes) {
    messages.push(
      shopifyOrderMessage(fromGraphqlOrder(channelId, order, await allLines(client, order)), releaseWhen),
    );
  }
  return { orders: messages, next: orders.pageInfo.hasNextPage ? orders.pageInfo.endCursor : null };
}

/** The line items of the first page, and the rest when an order has more. */
async function allLines(client: AdminClient, order: GraphqlOrder): Promise<GraphqlLineItem[]> {
  const lines = [...order.lineItems.nodes];
  let page = order.lineItems.pageInfo;
  while (page.hasNextPage) {
    if (!page.endCursor)
      throw new Error(`Shopify said order ${order.legacyResourceId} has more line items but gave no cursor`);
    const answer = await client(orderLineItemsQuery, {
      orderId: order.id,
      first: POLL_PAGE.moreLines,
      after: page.endCursor,
    });
    if (!answer.order)
      throw new PermanentError(
        `Shopify order ${order.legacyResourceId} disappeared while its line items were read`,
      );
    lines.push(...answer.order.lineItems.nodes);
    page = answer.order.lineItems.pageInfo;
  }
  return lines;
}
