import type { ChannelId } from '../../../domain/ids.ts';
import type { CurrencyCode } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import {
  ordersModifiedSince,
  orderProducts,
  shippingAddresses,
  UnreadableAnswer,
  type BigCommerceOrder,
} from './api.ts';
import { fromBigCommerceOrder, transactionalCurrency } from './map.ts';
import { refundsMadeAtStore } from './poll-refunds.ts';
import type { ApiCall } from './transport.ts';

/**
 * The catch-up poll's read, and the way a BigCommerce order reaches Waybill at all: its webhooks carry only the
 * order's id, and a webhook wakes this poll (./webhook.ts). GET /v2/orders?min_date_modified=…&sort=date_modified,
 * PER_PAGE a page, then each order's products and shipping addresses; and the refunds made at the store meanwhile
 * (./poll-refunds.ts).
 *
 * The cursor is not a bare page number. Paging by number over a list sorted by modification date skips an order
 * whenever one already read is modified meanwhile (it moves to the end and the rest shift back by one). So each
 * page restarts from the last modification second it saw (min_date_modified is inclusive, and BigCommerce's dates
 * have whole seconds: that second is read again), and counts pages only while a whole page shares one second.
 *
 * Refunds are read page by page too, by creation time: each page reads those created from where the last page's
 * stopped up to the last modification second this page reached (both inclusive: the second where one window meets
 * the next is read twice, and the refund found twice is stored once), the last page up to now. So whatever the
 * pages, refunds are read as far as the orders: the next poll starts its orders (and refunds) a while before the
 * latest modification it was given, and no refund made before that was left unread, nor is one read again after.
 */
interface Cursor {
  /** min_date_modified as sent: UTC, whole seconds (2025-11-03T14:05:09). */
  since: string;
  page: number;
  /** created:min of this page's refunds: where the last page's stopped (the poll's start, on the first). */
  refundsFrom: string;
}

type Refused = NonNullable<OrderPage['refused']>[number];

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
  const start = wholeSecond(query.updatedAfter);
  const cursor =
    query.cursor === null ? { since: start, page: 1, refundsFrom: start } : readCursor(query.cursor);
  const listed = await ordersModifiedSince(call, at(cursor.since), cursor.page, PER_PAGE);
  const readable = listed.flatMap((item) => (item.ok ? [item.value] : []));
  const refused: Refused[] = listed.flatMap((item) =>
    item.ok ? [] : [{ externalId: item.id ?? '(no id)', reason: `${item.field}: ${item.message}` }],
  );
  const stale = readable.find(
    (order) => wholeSecond(new Date(Date.parse(order.date_modified))) < cursor.since,
  );
  if (stale) {
    throw new PermanentError(
      `BigCommerce listed order ${stale.id}, modified ${stale.date_modified}, for min_date_modified=${cursor.since}: the store ignores the filter`,
    );
  }
  // An archived order is not one to take (archiving one already taken changes nothing about its shipping).
  const live = readable.filter((order) => !order.is_deleted);
  const read = await mapInFlight(live, READS_IN_FLIGHT, (order) =>
    messageOf(call, channelId, storeKey, order),
  );
  const orders = read.flatMap((r) => ('kind' in r ? [r] : []));
  refused.push(...read.flatMap((r) => ('kind' in r ? [] : [r])));

  const next = listed.length < PER_PAGE ? null : nextCursor(cursor, readable);
  const made = await refundsMadeAtStore(
    call,
    storeKey,
    { from: at(cursor.refundsFrom), to: next ? at(next.since) : null },
    currenciesOf(live),
  );
  return {
    orders,
    refunds: made.refunds,
    refused: [...refused, ...made.refused],
    next: next ? writeCursor(next) : null,
  };
}

/**
 * The order with its products and addresses, or why it cannot be read (a field of its own, its products' or its
 * addresses', named): passed over, reported, the rest of the page taken. A version already read in this process
 * (the same order at the same date_modified) is not read again: the catch-up poll re-reads a ten-minute overlap on
 * every run.
 */
async function messageOf(
  call: ApiCall,
  channelId: ChannelId,
  storeKey: string,
  order: BigCommerceOrder,
): Promise<OrderMessage | Refused> {
  const key = `${storeKey} ${channelId} ${order.id} ${order.date_modified}`;
  const known = recent.get(key);
  if (known) return known;
  const refuse = (reason: string): Refused => remember(key, { externalId: String(order.id), reason });
  const [products, addresses] = await Promise.all([
    orderProducts(call, order.id).catch(unreadable('products')),
    shippingAddresses(call, order.id).catch(unreadable('shipping_addresses')),
  ]);
  if (typeof products === 'string') return refuse(products);
  if (typeof addresses === 'string') return refuse(addresses);
  try {
    return remember(key, fromBigCommerceOrder(channelId, { order, products, addresses }));
  } catch (error) {
    // The mapping is pure: what it throws is about the order's figures, and names the field.
    return refuse((error as Error).message);
  }
}

/** A sub-resource's answer that does not read, as the reason its order is refused; anything else is thrown. */
function unreadable(what: string): (error: unknown) => string {
  return (error) => {
    if (!(error instanceof UnreadableAnswer)) throw error;
    return `${what}${error.field ? `.${error.field}` : ''}: ${error.issue}`;
  };
}

/** The transactional currency of each order read, for its refunds. */
function currenciesOf(orders: readonly BigCommerceOrder[]): Map<number, CurrencyCode> {
  const codes = new Map<number, CurrencyCode>();
  for (const order of orders) {
    try {
      codes.set(order.id, transactionalCurrency(order));
    } catch {
      // Refused with the order; its refunds' currency is asked for on its own.
    }
  }
  return codes;
}

const RECENT_LIMIT = 5_000;
const recent = new Map<string, OrderMessage | Refused>();

function remember<T extends OrderMessage | Refused>(key: string, read: T): T {
  if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  recent.set(key, read);
  return read;
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

/**
 * From the last second this page reached; page by page only while a whole page stays within one second. The next
 * page's refunds start where this page's stop. An order that cannot be read moves nothing: its second is read again.
 */
function nextCursor(cursor: Cursor, orders: readonly BigCommerceOrder[]): Cursor {
  const last = orders.reduce((max, order) => {
    const modified = wholeSecond(new Date(Date.parse(order.date_modified)));
    return modified > max ? modified : max;
  }, cursor.since);
  return last > cursor.since
    ? { since: last, page: 1, refundsFrom: last }
    : { since: cursor.since, page: cursor.page + 1, refundsFrom: cursor.since };
}

/** UTC, whole seconds, rounded down: BigCommerce keeps whole seconds, and the filter is inclusive. */
function wholeSecond(at: Date): string {
  return at.toISOString().slice(0, 19);
}

/** A cursor second as a date: UTC. */
function at(second: string): Date {
  return new Date(`${second}Z`);
}

function writeCursor(cursor: Cursor): string {
  return `${cursor.since}~${cursor.page}~${cursor.refundsFrom}`;
}

const SECOND = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`;
const CURSOR = new RegExp(`^(${SECOND})~(\\d{1,6})~(${SECOND})$`);

function readCursor(text: string): Cursor {
  const match = CURSOR.exec(text);
  if (!match || Number.isNaN(at(match[1]!).getTime()) || Number.isNaN(at(match[3]!).getTime()))
    throw new PermanentError(`not a BigCommerce poll cursor: ${text}`);
  return { since: match[1]!, page: Number(match[2]), refundsFrom: match[3]! };
}
