import { z } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import { ordersModifiedSince, orderProducts, shippingAddresses, type BigCommerceOrder } from './api.ts';
import { fromBigCommerceOrder } from './map.ts';
import type { ApiCall } from './transport.ts';

/**
 * The catch-up poll's read, and the way a BigCommerce order reaches Waybill at all: its webhooks carry only the
 * order's id, and a webhook wakes this poll (./webhook.ts). GET /v2/orders?min_date_modified=…&sort=date_modified,
 * PER_PAGE a page, then each order's products and shipping addresses.
 *
 * The cursor is not a bare page number. Paging by number over a list sorted by modification date skips an order
 * whenever one already read is modified meanwhile (it moves to the end and the rest shift back by one). So each
 * page restarts from the last modification second it saw (min_date_modified is inclusive, and BigCommerce's dates
 * have whole seconds: that second is read again), and counts pages only while a whole page shares one second.
 */
interface Cursor {
  /** min_date_modified as sent: UTC, whole seconds (2025-11-03T14:05:09). */
  since: string;
  page: number;
}

/** Each order listed costs two more reads: a page of 50 is about 100 calls, a third of a Standard plan's window. */
const PER_PAGE = 50;
/** Orders whose products and addresses are read at once: the transport keeps to the store's quota. */
const READS_IN_FLIGHT = 4;

export async function pollOrderPage(
  call: ApiCall,
  channelId: ChannelId,
  storeKey: string,
  query: { updatedAfter: Date; cursor: string | null },
): Promise<OrderPage> {
  const cursor =
    query.cursor === null ? { since: wholeSecond(query.updatedAfter), page: 1 } : readCursor(query.cursor);
  const listed = await ordersModifiedSince(call, new Date(`${cursor.since}Z`), cursor.page, PER_PAGE);
  const stale = listed.find((order) => wholeSecond(new Date(Date.parse(order.date_modified))) < cursor.since);
  if (stale) {
    throw new PermanentError(
      `BigCommerce listed order ${stale.id}, modified ${stale.date_modified}, for min_date_modified=${cursor.since}: the store ignores the filter`,
    );
  }
  // An archived order is not one to take (archiving one already taken changes nothing about its shipping).
  const live = listed.filter((order) => !order.is_deleted);
  const orders = await mapInFlight(live, READS_IN_FLIGHT, (order) =>
    messageOf(call, channelId, storeKey, order),
  );
  return { orders, next: listed.length < PER_PAGE ? null : writeCursor(nextCursor(cursor, listed)) };
}

/**
 * The order with its products and addresses. A version already read in this process (the same order at the same
 * date_modified) is not read again: the catch-up poll re-reads a ten-minute overlap on every run.
 */
async function messageOf(
  call: ApiCall,
  channelId: ChannelId,
  storeKey: string,
  order: BigCommerceOrder,
): Promise<OrderMessage> {
  const key = `${storeKey} ${channelId} ${order.id} ${order.date_modified}`;
  const known = recent.get(key);
  if (known) return known;
  const [products, addresses] = await Promise.all([
    orderProducts(call, order.id),
    shippingAddresses(call, order.id),
  ]);
  let message: OrderMessage;
  try {
    message = fromBigCommerceOrder(channelId, { order, products, addresses });
  } catch (error) {
    const reason = error instanceof z.ZodError ? error.issues[0]?.message : (error as Error).message;
    throw new PermanentError(`BigCommerce order ${order.id} cannot be read: ${reason}`, { cause: error });
  }
  remember(key, message);
  return message;
}

const RECENT_LIMIT = 5_000;
const recent = new Map<string, OrderMessage>();

function remember(key: string, message: OrderMessage): void {
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(key, message);
}

/** `work` over the items, at most `limit` at a time, results in the items' order. */
async function mapInFlight<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** From the last second this page reached; page by page only while a whole page stays within one second. */
function nextCursor(cursor: Cursor, orders: readonly BigCommerceOrder[]): Cursor {
  const last = orders.reduce((max, order) => {
    const at = wholeSecond(new Date(Date.parse(order.date_modified)));
    return at > max ? at : max;
  }, cursor.since);
  return last > cursor.since ? { since: last, page: 1 } : { since: cursor.since, page: cursor.page + 1 };
}

/** UTC, whole seconds, rounded down: BigCommerce keeps whole seconds, and the filter is inclusive. */
function wholeSecond(at: Date): string {
  return at.toISOString().slice(0, 19);
}

function writeCursor(cursor: Cursor): string {
  return `${cursor.since}~${cursor.page}`;
}

function readCursor(text: string): Cursor {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})~(\d{1,6})$/.exec(text);
  if (!match || Number.isNaN(Date.parse(`${match[1]}Z`)))
    throw new PermanentError(`not a BigCommerce poll cursor: ${text}`);
  return { since: match[1]!, page: Number(match[2]) };
}
