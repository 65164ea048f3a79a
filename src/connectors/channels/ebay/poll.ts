import { z } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderPage } from '../sales-channel.ts';
import { readPolledOrder } from './read-polled.ts';
import type { EbayCall } from './transport.ts';

export const ORDERS_PATH = '/sell/fulfillment/v1/order';
/** getOrders' largest page. */
export const PAGE_LIMIT = 200;
/** Halvings one page may take to find a window of at most PAGE_LIMIT orders (a day in milliseconds takes 27). */
const MAX_HALVINGS = 40;

/**
 * The catch-up poll's read: getOrders filtered by `lastmodifieddate:[from..to]` (both ends inclusive, ISO 8601 UTC),
 * with fieldGroups=TAX_BREAKDOWN so that totals include the taxes eBay collects. eBay documents no sort order for
 * getOrders, and paging a changing list by offset skips an order whenever one already read changes and leaves it.
 * So the cursor walks time windows instead, oldest first: a window is narrowed (halved) until it holds at most one
 * page, read whole, and the next window starts a millisecond after it. An order modified while the poll runs moves
 * to a later time, into a window still ahead (or the next poll's), so nothing is skipped; it may be read twice,
 * and Waybill keeps the newest version. Only a single millisecond holding more than a page is paged by offset; when
 * orders left it between two pages, the page is read again that many places back.
 *
 * A page carries the orders, the refunds made at eBay that they list (eBay has no refund notification in these
 * APIs: a refund changes the order's lastModifiedDate, and the poll finds it), and the orders it cannot read, each
 * named with why (./read-polled.ts). An answer that is not an order collection at all is refused for good.
 */
interface Cursor {
  /** The window starts here (epoch ms, inclusive). */
  from: number;
  /** The poll ends here: when it started. */
  end: number;
  /** How wide a window to try first. */
  width: number;
  /** Within a one-millisecond window of more than a page: how far in, and how many it held then. */
  offset: number;
  total: number;
}

const collection = z.object({
  total: z.number().int().nonnegative(),
  // Each order is read on its own (./read-polled.ts): one that does not read is refused, the others come in.
  orders: z.array(z.unknown()).default([]),
});

export async function pollOrderPage(
  call: EbayCall,
  channelId: ChannelId,
  query: { updatedAfter: Date; cursor: string | null },
  now: Date,
): Promise<OrderPage> {
  const cursor = query.cursor === null ? firstCursor(query.updatedAfter, now) : readCursor(query.cursor);
  let width = cursor.width;
  for (let halvings = 0; ; halvings++) {
    const to = Math.min(cursor.from + width - 1, cursor.end);
    let offset = cursor.offset;
    let page = await getOrders(call, cursor.from, to, offset);
    if (offset > 0 && page.total < cursor.total) {
      // Orders left the crowded millisecond since the last page: as many unread ones moved up past this offset.
      offset = Math.max(0, offset - (cursor.total - page.total));
      page = await getOrders(call, cursor.from, to, offset);
    }
    const fits = page.total <= PAGE_LIMIT;
    if (!fits && to > cursor.from && halvings < MAX_HALVINGS) {
      width = Math.max(1, Math.floor(width / 2));
      continue;
    }
    const read = page.orders.map((order, i) => readPolledOrder(channelId, order, offset + i));
    const orders = read
      .flatMap((r) => (r.order ? [r.order] : []))
      .sort((a, b) => a.sourceUpdatedAt.getTime() - b.sourceUpdatedAt.getTime());
    return {
      orders,
      refunds: read.flatMap((r) => r.refunds),
      refused: read.flatMap((r) => r.refused),
      next: nextCursor({ ...cursor, offset }, to, width, page.total, fits),
    };
  }
}

function firstCursor(updatedAfter: Date, now: Date): Cursor {
  const from = updatedAfter.getTime();
  const end = Math.max(from, now.getTime());
  return { from, end, width: end - from + 1, offset: 0, total: 0 };
}

function nextCursor(cursor: Cursor, to: number, width: number, total: number, fits: boolean): string | null {
  if (!fits && cursor.offset + PAGE_LIMIT < total) {
    // One crowded millisecond: its next page, and how many it held, to notice orders leaving it meanwhile.
    return writeCursor({ ...cursor, width: 1, offset: cursor.offset + PAGE_LIMIT, total });
  }
  if (to >= cursor.end) return null;
  return writeCursor({ from: to + 1, end: cursor.end, width: width * 2, offset: 0, total: 0 });
}

async function getOrders(call: EbayCall, from: number, to: number, offset: number) {
  const { body } = await call({
    method: 'GET',
    path: ORDERS_PATH,
    query: {
      filter: `lastmodifieddate:[${new Date(from).toISOString()}..${new Date(to).toISOString()}]`,
      fieldGroups: 'TAX_BREAKDOWN',
      limit: String(PAGE_LIMIT),
      offset: String(offset),
    },
  });
  const parsed = collection.safeParse(body);
  if (!parsed.success)
    throw new PermanentError(`eBay's getOrders answered something that is not an order collection`);
  return parsed.data;
}

function writeCursor(c: Cursor): string {
  return [c.from, c.end, c.width, c.offset, c.total].join('~');
}

function readCursor(text: string): Cursor {
  const parts = text.split('~');
  const numbers = parts.map((p) => (/^\d{1,16}$/.test(p) ? Number(p) : Number.NaN));
  if (numbers.length !== 5 || numbers.some((n) => Number.isNaN(n)))
    throw new PermanentError(`not an eBay poll cursor: ${text}`);
  const [from, end, width, offset, total] = numbers as [number, number, number, number, number];
  return { from, end, width: Math.max(1, width), offset, total };
}
