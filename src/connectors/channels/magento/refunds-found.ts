import { numberToMinorUnits } from '../../../domain/decimal.ts';
import { currency, money } from '../../../domain/money.ts';
import type { RefundMessage } from '../sales-channel.ts';
import { MAGENTO_AMOUNTS } from './decimal.ts';
import { issueOf, type Refused } from './read-polled.ts';
import { refundMarker } from './refund.ts';
import {
  listCreditmemos,
  magentoDate,
  polledCreditmemo,
  type MagentoOrder,
  type PolledCreditmemo,
} from './rest.ts';
import type { SearchCriteria } from './search-criteria.ts';
import type { MagentoCall } from './transport.ts';

/** Memos per page, and pages at most per poll page (50 orders): a store refunds an order a few times at most. */
const MEMOS_PER_PAGE = 100;
const MEMO_PAGES = 10;

/**
 * The credit memos of the orders on a poll page that have something refunded, as Waybill hears of refunds made at
 * a channel: GET /V1/creditmemos with `order_id in (…)`. A memo saves its order (totals and items refunded), so an
 * order with a memo made since the last poll is on the page; every poll that reads it again finds its memos again,
 * and the app keeps each once, by the memo's entity id.
 *
 * A memo Waybill made (./refund.ts: its comment carries `Waybill refund {id}`) is left out: Waybill recorded it when
 * it made it, under its own id. A memo that does not read is refused under its order's id, naming the memo and the
 * field; the order itself still comes in.
 */
export async function refundsOfPage(
  call: MagentoCall,
  orders: readonly MagentoOrder[],
): Promise<{ refunds: RefundMessage[]; refused: Refused[] }> {
  const refunded = orders.filter(
    (o) => (o.total_refunded ?? 0) > 0 || o.items.some((i) => (i.qty_refunded ?? 0) > 0),
  );
  const found = { refunds: [] as RefundMessage[], refused: [] as Refused[] };
  if (refunded.length === 0) return found;
  const byId = new Map(refunded.map((o) => [o.entity_id, o]));
  for (const raw of await memosOf(call, [...byId.keys()])) {
    const order = byId.get(Number(raw.order_id));
    if (!order) continue;
    const externalId = String(order.entity_id);
    const parsed = polledCreditmemo.safeParse(raw);
    if (!parsed.success) {
      found.refused.push({
        externalId,
        reason: `credit memo ${String(raw.entity_id)}: ${issueOf(parsed.error)}`,
      });
      continue;
    }
    const memo = parsed.data;
    if (memo.comments.some((c) => c.comment.includes(refundMarker('')))) continue;
    try {
      found.refunds.push(refundOf(memo, order));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      found.refused.push({ externalId, reason: `credit memo ${memo.entity_id}: ${error.message}` });
    }
  }
  return found;
}

async function memosOf(call: MagentoCall, orderIds: readonly number[]): Promise<Record<string, unknown>[]> {
  const memos: Record<string, unknown>[] = [];
  for (let page = 1; page <= MEMO_PAGES; page++) {
    const criteria: SearchCriteria = {
      groups: [[{ field: 'order_id', value: orderIds.join(','), condition: 'in' }]],
      sort: [{ field: 'entity_id', direction: 'ASC' }],
      pageSize: MEMOS_PER_PAGE,
      currentPage: page,
    };
    const { items, total_count } = await listCreditmemos(call, criteria);
    memos.push(...items);
    // Magento answers a page past the last with the last one again: stop by the count.
    if (memos.length >= total_count || items.length < MEMOS_PER_PAGE) break;
  }
  return memos;
}

/**
 * A memo as a refund: its entity id, its items by the order's item id (the items Waybill has as lines: a
 * configurable product's child item is part of its parent's line), the units Magento refunded, and grand_total (what
 * went back, shipping and adjustments included) in the order currency, exactly.
 */
function refundOf(memo: PolledCreditmemo, order: MagentoOrder): RefundMessage {
  const code = currency(order.order_currency_code);
  if (memo.order_currency_code !== undefined && memo.order_currency_code !== code)
    throw new RangeError(`order_currency_code: ${memo.order_currency_code} on an order in ${code}`);
  const lines = memo.items.flatMap((item) => {
    const line = order.items.find((i) => i.item_id === item.order_item_id && !i.parent_item_id);
    const quantity = Math.round(item.qty);
    return line && quantity > 0
      ? [{ channelLineId: String(line.item_id), sku: line.sku.trim(), quantity }]
      : [];
  });
  const total = numberToMinorUnits(memo.grand_total ?? 0, code, { ...MAGENTO_AMOUNTS, field: 'grand_total' });
  return {
    kind: 'refund',
    externalOrderId: String(order.entity_id),
    refundId: String(memo.entity_id),
    createdAt: magentoDate(memo.created_at ?? order.updated_at),
    lines,
    amount: money(total, code),
  };
}
