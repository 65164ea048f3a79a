import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import { readPolledOrder, type Refused } from './read-polled.ts';
import { refundsOfPage } from './refunds-found.ts';
import { listOrders, magentoDateTime, type MagentoOrder } from './rest.ts';
import type { SearchCriteria } from './search-criteria.ts';
import type { MagentoCall } from './transport.ts';

/** Orders per page: each comes whole (items, addresses, payment), so a page stays well under a megabyte. */
export const POLL_PAGE_SIZE = 50;

/**
 * The catch-up poll, which for Magento is the intake (its REST API has no webhooks): GET /V1/orders with
 * searchCriteria, oldest change first.
 *
 * Paging by page number over a list sorted by updated_at skips an order whenever one already read is saved again
 * meanwhile (it moves to the end and the rest shift back by one). So the cursor is the last order read, (updated_at,
 * entity_id), and each page asks for what sorts after it, always page 1:
 *   updated_at ≥ T  AND  (updated_at > T  OR  entity_id > I),  sorted by updated_at, entity_id.
 * Magento ANDs filter groups and ORs the filters of a group, which expresses exactly that. An order saved while the
 * walk goes on gets a later updated_at and is met again further on, never skipped; one saved in the cursor's own
 * second with a smaller id is met by the next run, which starts ten minutes back (app/catch-up-channel.ts).
 *
 * Each order is read on its own (./read-polled.ts): one that does not read is passed over, named with why, and the
 * page carries on. The credit memos of the page's refunded orders come with it (./refunds-found.ts). An answer that
 * is not a list of orders, or a refused login, still fails the poll.
 */
export async function pollMagentoOrders(
  call: MagentoCall,
  channelId: ChannelId,
  query: { updatedAfter: Date; cursor: string | null },
  options: { payLaterMethods?: readonly string[] | undefined } = {},
): Promise<OrderPage> {
  const after =
    query.cursor === null ? { at: magentoSeconds(query.updatedAfter), id: 0 } : readCursor(query.cursor);
  const criteria: SearchCriteria = {
    groups: [
      [{ field: 'updated_at', value: after.at, condition: 'gteq' }],
      [
        { field: 'updated_at', value: after.at, condition: 'gt' },
        { field: 'entity_id', value: String(after.id), condition: 'gt' },
      ],
    ],
    sort: [
      { field: 'updated_at', direction: 'ASC' },
      { field: 'entity_id', direction: 'ASC' },
    ],
    pageSize: POLL_PAGE_SIZE,
    currentPage: 1,
  };
  const { items, total_count } = await listOrders(call, criteria);
  const orders: OrderMessage[] = [];
  const read: MagentoOrder[] = [];
  const refused: Refused[] = [];
  for (const item of items) {
    const polled = readPolledOrder(channelId, item, options);
    if ('refused' in polled) refused.push(polled.refused);
    else {
      orders.push(polled.message);
      read.push(polled.order);
    }
  }
  const refunds = await refundsOfPage(call, read);
  const more = total_count > items.length && items.length > 0;
  return {
    orders,
    refunds: refunds.refunds,
    refused: [...refused, ...refunds.refused],
    next: more ? writeCursor(lastPlace(items)) : null,
  };
}

/**
 * Where the page ended: the last order whose place reads (an order passed over may not have one; Magento sorted it
 * by the same columns, so the next page, after the last readable place, meets it again and passes it over again).
 */
function lastPlace(items: readonly Record<string, unknown>[]): Cursor {
  for (const item of [...items].reverse()) {
    const at = magentoDateTime.safeParse(item.updated_at);
    if (at.success && Number.isSafeInteger(item.entity_id) && Number(item.entity_id) > 0)
      return { at: at.data, id: Number(item.entity_id) };
  }
  throw new PermanentError(
    'Magento answered a page of orders none of which has a readable updated_at and entity_id',
  );
}

interface Cursor {
  /** updated_at as Magento writes it: UTC, whole seconds, no zone. */
  at: string;
  id: number;
}

/** "2025-11-03 14:05:09", the instant's UTC second. */
export function magentoSeconds(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

function writeCursor(cursor: Cursor): string {
  return `${cursor.at}~${cursor.id}`;
}

function readCursor(text: string): Cursor {
  const match = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})~(\d{1,12})$/.exec(text);
  if (!match) throw new PermanentError(`not a Magento poll cursor: ${text}`);
  return { at: match[1]!, id: Number(match[2]) };
}
