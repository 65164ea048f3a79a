import { z } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import { fromWooCommerceOrder, wooCommerceOrder } from './map.ts';
import { readPage } from './rest.ts';
import type { RestApi, RestRequest } from './transport.ts';
import { isCheckoutDraft } from './webhook.ts';

/**
 * The catch-up poll's read: GET /orders?modified_after=…&dates_are_gmt=true&orderby=modified&order=asc&status=any,
 * 100 a page (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders). modified_after and
 * dates_are_gmt came with WooCommerce 5.8; an older store ignores them, which is noticed and refused below.
 *
 * The cursor is not a bare page number. Paging by number over a list sorted by modification date skips an order
 * whenever one already read is modified meanwhile (it moves to the end and the rest shift back by one). So each
 * page restarts from the last modification second it saw (re-reading that second, since WooCommerce's dates have
 * whole seconds and modified_after is exclusive), and counts pages only while a whole page shares one second.
 */
interface Cursor {
  /** modified_after as sent: GMT, whole seconds, no offset (2025-11-03T14:05:09). */
  after: string;
  page: number;
}

const PER_PAGE = 100;
/** Only what is needed to follow the list; each order is then read with the webhook's schema, one by one. */
const listed = z
  .object({
    id: z.number().int(),
    status: z.string().optional(),
    date_modified_gmt: z.string(),
    line_items: z.array(z.unknown()).default([]),
  })
  .loose();

/**
 * One page of the orders WooCommerce changed after `updatedAfter`, oldest change first, every status but trash.
 * A checkout draft (the block checkout's cart, items and all: ./webhook.ts) and an order without line items are not
 * orders to take and are left out; one that does not read as WooCommerce documents is refused for good, naming it,
 * as its webhook would be.
 */
export async function pollOrderPage(
  rest: RestApi,
  channelId: ChannelId,
  query: { updatedAfter: Date; cursor: string | null },
): Promise<OrderPage> {
  const cursor =
    query.cursor === null ? { after: anchorBefore(query.updatedAfter), page: 1 } : readCursor(query.cursor);
  const request: RestRequest = {
    method: 'GET',
    path: '/orders',
    query: {
      modified_after: cursor.after,
      dates_are_gmt: 'true',
      orderby: 'modified',
      order: 'asc',
      status: 'any',
      per_page: String(PER_PAGE),
      page: String(cursor.page),
    },
  };
  const { items, more } = await readPage(rest.list, request, listed, 'a list of orders');
  const stale = items.find((item) => !(item.date_modified_gmt.slice(0, 19) > cursor.after));
  if (stale) {
    throw new PermanentError(
      `WooCommerce listed order ${stale.id}, modified ${stale.date_modified_gmt}, for modified_after=${cursor.after}: the store ignores modified_after (it needs WooCommerce 5.8 or later)`,
    );
  }
  const orders = items
    .filter((item) => item.line_items.length > 0 && !isCheckoutDraft(item))
    .map((item) => toMessage(channelId, item));
  return { orders, next: more ? writeCursor(nextCursor(cursor, items)) : null };
}

function toMessage(channelId: ChannelId, item: z.infer<typeof listed>): OrderMessage {
  const parsed = wooCommerceOrder.safeParse(item);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentError(
      `WooCommerce order ${item.id} does not read as a REST API v3 order${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'unreadable'}`,
    );
  }
  return { kind: 'order', ...fromWooCommerceOrder(channelId, parsed.data) };
}

/** From the last second this page reached; page by page only while a whole page stays within one second. */
function nextCursor(cursor: Cursor, items: readonly { date_modified_gmt: string }[]): Cursor {
  const last = items.reduce(
    (max, item) => (item.date_modified_gmt.slice(0, 19) > max ? item.date_modified_gmt.slice(0, 19) : max),
    cursor.after,
  );
  const after = secondBefore(last);
  return after > cursor.after ? { after, page: 1 } : { after: cursor.after, page: cursor.page + 1 };
}

/** A second before, on whole seconds: modified_after is exclusive, and the order changed in that very second is wanted. */
function anchorBefore(at: Date): string {
  return gmtSeconds(Math.floor(at.getTime() / 1000) * 1000 - 1000);
}

function secondBefore(gmt: string): string {
  return gmtSeconds(Date.parse(`${gmt}Z`) - 1000);
}

function gmtSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function writeCursor(cursor: Cursor): string {
  return `${cursor.after}~${cursor.page}`;
}

function readCursor(text: string): Cursor {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})~(\d{1,6})$/.exec(text);
  if (!match || Number.isNaN(Date.parse(`${match[1]}Z`)))
    throw new PermanentError(`not a WooCommerce poll cursor: ${text}`);
  return { after: match[1]!, page: Number(match[2]) };
}
