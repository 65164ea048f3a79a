import { z } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import type { AmazonEndpoint } from './credentials.ts';
import { readPolledOrder } from './read-polled.ts';
import type { SpApiCall } from './transport.ts';

/** Orders API v2026-01-01 (pinned: docs/amazon.md says why). */
export const ORDERS_PATH = '/orders/2026-01-01/orders';
/** The datasets an order is read with: its items always come; these add who, where to, what was charged, and status. */
export const ORDER_DATASETS = ['BUYER', 'RECIPIENT', 'PROCEEDS', 'CANCELLATION', 'FULFILLMENT'] as const;
const PER_PAGE = 100;

const searchAnswer = z.object({
  orders: z.array(z.unknown()),
  pagination: z.object({ nextToken: z.string().min(1).optional() }).optional(),
});

/**
 * The catch-up poll's read: searchOrders with lastUpdatedAfter, merchant-fulfilled orders of the channel's
 * marketplaces, 100 a page, followed by paginationToken. Amazon fixes the search's window when it answers the first
 * page (the answer's lastUpdatedBefore) and pages over that window: an order changed while paging leaves the window
 * rather than shifting the pages, and the next poll (which starts from the newest change it saw, less the app's
 * overlap) finds it. The token carries the search, but Amazon wants the same parameters with it, so the cursor keeps
 * lastUpdatedAfter beside the token. Each page is returned oldest change first.
 *
 * Each order is read on its own (./read-polled.ts): one that does not read is passed over, named with why, and the
 * page carries on. An answer that is not a list of orders, or a refused token, still fails the poll. A page carries
 * no refunds: this version of the Orders API reports none (docs/amazon.md).
 */
export async function pollOrderPage(
  call: SpApiCall,
  endpoint: AmazonEndpoint,
  channelId: ChannelId,
  query: { updatedAfter: Date; cursor: string | null },
): Promise<OrderPage> {
  const cursor = query.cursor === null ? null : readCursor(query.cursor);
  const after = cursor?.after ?? query.updatedAfter.toISOString();
  const answer = await call({
    operation: 'searchOrders',
    method: 'GET',
    path: ORDERS_PATH,
    query: {
      lastUpdatedAfter: after,
      marketplaceIds: endpoint.marketplaceIds,
      fulfilledBy: ['MERCHANT'],
      maxResultsPerPage: String(PER_PAGE),
      includedData: ORDER_DATASETS,
      ...(cursor ? { paginationToken: cursor.token } : {}),
    },
  });
  const page = searchAnswer.safeParse(answer.body);
  if (!page.success)
    throw new PermanentError('Amazon answered searchOrders with something that is not a list of orders');
  const read = page.data.orders.map((raw, i) => readPolledOrder(channelId, raw, i));
  const orders = read
    .flatMap((r) => ('order' in r && r.order ? [r.order] : []))
    .sort((a: OrderMessage, b: OrderMessage) => a.sourceUpdatedAt.getTime() - b.sourceUpdatedAt.getTime());
  const refused = read.flatMap((r) => ('refused' in r ? [r.refused] : []));
  const token = page.data.pagination?.nextToken;
  return { orders, refused, next: token ? writeCursor({ after, token }) : null };
}

interface Cursor {
  after: string;
  token: string;
}

function writeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

const cursorShape = z.object({ after: z.iso.datetime(), token: z.string().min(1) });

function readCursor(text: string): Cursor {
  try {
    return cursorShape.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new PermanentError(`not an Amazon poll cursor: ${text.slice(0, 40)}`);
  }
}
