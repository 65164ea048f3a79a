import { z } from 'zod';
import { money } from '../../../domain/money.ts';
import type { RefundMessage } from '../sales-channel.ts';
import { moneyOf } from './amount.ts';

/**
 * The refunds an order tells of, as getOrders lists them (the Fulfillment API's Order, sim/contracts/ebay/): refunds
 * of line items in `lineItems[].refunds` (LineItemRefund) and refunds of the order as a whole in
 * `paymentSummary.refunds` (OrderRefund, which "does not include line item level refunds"). Each amount is the
 * seller's net: eBay gives the tax it collected back itself and leaves it out.
 * https://developer.ebay.com/api-docs/sell/fulfillment/types/sel:LineItemRefund
 */
const amount = z.object({ value: z.string(), currency: z.string() });
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time');
const lineRefund = z.object({
  refundId: z.string().min(1).optional(),
  refundReferenceId: z.string().min(1).optional(),
  refundDate: isoDate.optional(),
  amount: amount.optional(),
});
export const ebayRefunds = z.object({
  orderId: z.string().min(1),
  lastModifiedDate: isoDate,
  pricingSummary: z.object({ total: amount }),
  paymentSummary: z
    .object({ refunds: z.array(lineRefund.extend({ refundStatus: z.string().optional() })).optional() })
    .optional(),
  lineItems: z.array(
    z.object({
      lineItemId: z.string().min(1),
      sku: z.string().optional(),
      quantity: z.number().int().positive(),
      lineItemCost: amount,
      discountedLineItemCost: amount.optional(),
      refunds: z.array(lineRefund).optional(),
    }),
  ),
});
export type EbayRefunds = z.infer<typeof ebayRefunds>;
type Line = EbayRefunds['lineItems'][number];

interface Found {
  createdAt: number;
  lines: RefundMessage['lines'];
  amount: number;
}

/**
 * The order's refunds as Waybill hears of refunds made at a channel, each once by eBay's id of it: `refundId` (a
 * refund made through issueRefund lists it on every line it refunded: one refund of those lines), else
 * `refundReferenceId`, else the line and the refund's date. A refund with neither id nor date is not issued yet and
 * waits for a later poll; a FAILED one moved no money. eBay tells a line refund's amount, not its units: the units
 * are the whole ones the amount covers at the line's price after discounts (a line refunded in full counts whole;
 * a smaller sum, a price adjustment, is recorded as money only). A refund Waybill made is among them, under the id
 * eBay answered, which Waybill recorded it by (./refund.ts).
 *
 * @throws RangeError when an amount is not exact in the order's currency (./amount.ts).
 */
export function refundsOf(order: EbayRefunds): RefundMessage[] {
  const code = order.pricingSummary.total.currency;
  const found = new Map<string, Found>();
  const entry = (id: string, date: string | undefined) => {
    const at = Date.parse(date ?? order.lastModifiedDate);
    const known = found.get(id) ?? { createdAt: at, lines: [], amount: 0 };
    known.createdAt = Math.min(known.createdAt, at);
    found.set(id, known);
    return known;
  };
  for (const line of order.lineItems)
    for (const refund of line.refunds ?? []) {
      const id =
        refund.refundId ??
        refund.refundReferenceId ??
        (refund.refundDate ? `${line.lineItemId}@${refund.refundDate}` : null);
      if (!id || !refund.amount) continue;
      const paid = moneyOf(refund.amount, code).amount;
      const known = entry(id, refund.refundDate);
      known.amount += paid;
      const units = unitsCovered(line, paid, code);
      if (units > 0)
        known.lines.push({ channelLineId: line.lineItemId, sku: (line.sku ?? '').trim(), quantity: units });
    }
  const byLine = new Set(found.keys());
  for (const refund of order.paymentSummary?.refunds ?? []) {
    const id = refund.refundId ?? refund.refundReferenceId;
    if (!id || byLine.has(id) || !refund.amount || refund.refundStatus === 'FAILED') continue;
    entry(id, refund.refundDate).amount += moneyOf(refund.amount, code).amount;
  }
  return [...found]
    .filter(([, f]) => f.amount !== 0 || f.lines.length > 0)
    .map(([refundId, f]) => ({
      kind: 'refund',
      externalOrderId: order.orderId,
      refundId,
      createdAt: new Date(f.createdAt),
      lines: f.lines,
      amount: money(f.amount, code),
    }));
}

/** The whole units of the line that `paid` (minor units) covers at what the buyer paid for the line's items. */
function unitsCovered(line: Line, paid: number, code: string): number {
  const price = moneyOf(line.discountedLineItemCost ?? line.lineItemCost, code).amount;
  if (price <= 0 || paid <= 0) return 0;
  return Math.min(line.quantity, Math.floor((paid * line.quantity) / price));
}
