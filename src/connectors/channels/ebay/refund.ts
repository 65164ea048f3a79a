import { z } from 'zod';
import { money, toDecimalString, type Money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundMade, RefundNotice } from '../sales-channel.ts';
import { moneyOf } from './amount.ts';
import { EBAY_COLLECTED_TAX_PREFIX } from './map.ts';
import { ORDERS_PATH } from './poll.ts';
import { ebayFailureOf, type EbayCall } from './transport.ts';

const amount = z.object({ value: z.string(), currency: z.string() });
const refundedOrder = z.object({
  orderId: z.string(),
  pricingSummary: z.object({ total: amount }),
  lineItems: z.array(
    z.object({
      lineItemId: z.string(),
      sku: z.string().optional(),
      refunds: z
        .array(
          z.object({
            amount: amount.optional(),
            refundId: z.string().optional(),
            refundDate: z.string().optional(),
          }),
        )
        .optional(),
    }),
  ),
});
type RefundedOrder = z.infer<typeof refundedOrder>;

/** eBay's comment on a refund, shown to the buyer: at most 100 characters. */
const COMMENT_CHARS = 100;
/** A refund eBay lists on the same lines with the same amounts this recently is taken to be this one (see below). */
const SAME_REFUND_WITHIN_MS = 24 * 60 * 60_000;

/**
 * Refunds lines through the Fulfillment API's issueRefund: each line item by eBay's lineItemId, for what the buyer
 * paid for those units less the taxes eBay collected and remits (eBay gives those back itself, and lists line
 * refunds without them). The reason goes to the buyer as the comment; eBay tells the buyer.
 *
 * eBay keeps no key of the seller's on a refund, so Waybill looks before it writes: a line refund eBay lists on
 * every line of this notice, with exactly its amounts, made within the last day, is taken to be this refund made
 * by an earlier try whose answer was lost, and nothing is refunded twice (docs/ebay.md says what that costs).
 *
 * Answers eBay's refundId, which getOrders lists on the refunded lines: Waybill records its refund under it, so the
 * poll (./refunds-found.ts) finding the refund knows it as Waybill's own.
 */
export async function refundOrder(
  call: EbayCall,
  notice: RefundNotice,
  now: Date,
): Promise<RefundMade | void> {
  const base = `${ORDERS_PATH}/${encodeURIComponent(notice.externalId)}`;
  const order = refundedOrder.parse((await call({ method: 'GET', path: base })).body);
  const code = order.pricingSummary.total.currency;
  if (code !== notice.amount.currency)
    throw new PermanentError(
      `eBay order ${order.orderId} is in ${code}; refund ${notice.refundId} is in ${notice.amount.currency}`,
    );
  const items = notice.lines.map((line) => ({
    lineItemId: lineItemOf(order, line, notice).lineItemId,
    refundAmount: sellerShare(line.share),
  }));
  if (items.every((i) => i.refundAmount.amount === 0)) return;
  const earlier = madeAlready(order, items, now);
  if (earlier !== null) return earlier ? { channelRefundId: earlier } : undefined;
  return issue(call, notice, {
    path: `${ORDERS_PATH}/${encodeURIComponent(notice.externalId)}/issue_refund`,
    body: {
      reasonForRefund: 'OTHER',
      comment: notice.reason.slice(0, COMMENT_CHARS),
      refundItems: items
        .filter((i) => i.refundAmount.amount > 0)
        .map((i) => ({
          lineItemId: i.lineItemId,
          refundAmount: { value: toDecimalString(i.refundAmount), currency: i.refundAmount.currency },
        })),
    },
  });
}

/** eBay's refusals that pass: a refund of the order still processing (34922) is tried again later. */
const TRY_AGAIN_LATER = new Set([34922]);

const issued = z.object({ refundId: z.string().min(1).optional() });

async function issue(
  call: EbayCall,
  notice: RefundNotice,
  request: { path: string; body: unknown },
): Promise<RefundMade | void> {
  try {
    const { body } = await call({ method: 'POST', ...request });
    const refundId = issued.safeParse(body).data?.refundId;
    return refundId ? { channelRefundId: refundId } : undefined;
  } catch (error) {
    const failure = ebayFailureOf(error);
    if (failure?.errorIds.some((id) => TRY_AGAIN_LATER.has(id)))
      throw new Error(
        `refund ${notice.refundId}: eBay is still processing an earlier refund of the order; tried again later`,
        {
          cause: error,
        },
      );
    throw error;
  }
}

/** The share less the taxes eBay collected on it. */
export function sellerShare(share: RefundNotice['lines'][number]['share']): Money {
  const byEbay = share.taxes
    .filter((t) => t.id?.startsWith(EBAY_COLLECTED_TAX_PREFIX))
    .reduce((n, t) => n + t.amount.amount, 0);
  return money(share.total.amount - byEbay, share.total.currency);
}

function lineItemOf(order: RefundedOrder, line: RefundNotice['lines'][number], notice: RefundNotice) {
  const item = line.channelLineId
    ? order.lineItems.find((i) => i.lineItemId === line.channelLineId)
    : order.lineItems.filter((i) => (i.sku ?? '').trim() === line.sku).at(0);
  if (!item)
    throw new PermanentError(
      `refund ${notice.refundId}: eBay order ${order.orderId} has no line item ${line.channelLineId ?? `with SKU ${line.sku}`}`,
    );
  return item;
}

/** The earlier refund's eBay id ('' when eBay lists none), or null when this refund was not made yet. */
function madeAlready(
  order: RefundedOrder,
  items: { lineItemId: string; refundAmount: Money }[],
  now: Date,
): string | null {
  const recent = (date: string | undefined) =>
    date === undefined || now.getTime() - Date.parse(date) <= SAME_REFUND_WITHIN_MS;
  const found = items.map((item) => {
    const line = order.lineItems.find((i) => i.lineItemId === item.lineItemId);
    return (line?.refunds ?? []).find(
      (r) =>
        r.amount !== undefined &&
        recent(r.refundDate) &&
        moneyOf(r.amount, item.refundAmount.currency).amount === item.refundAmount.amount,
    );
  });
  if (found.some((r) => r === undefined)) return null;
  return found.find((r) => r?.refundId)?.refundId ?? '';
}
