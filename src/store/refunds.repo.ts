import type { Money } from '../domain/money.ts';
import type { Db } from './schema.ts';

/** A refund made at a channel, by the channel's merchant (`channel`) or by Waybill (`waybill`). */
export interface RecordedRefund {
  channelId: string;
  refundId: string;
  orderId: string;
  origin: 'channel' | 'waybill';
  amount: Money;
  /** The units refunded per order line. */
  lines: readonly { lineNumber: number; sku: string; quantity: number }[];
  createdAt: Date;
}

/** Records a refund once, by the channel's refund id: false when it was recorded already (told twice). */
export async function recordRefund(tx: Db, refund: RecordedRefund): Promise<boolean> {
  const inserted = await tx
    .insertInto('channel_refunds')
    .values({
      channel_id: refund.channelId,
      refund_id: refund.refundId,
      order_id: refund.orderId,
      origin: refund.origin,
      amount: refund.amount.amount,
      currency: refund.amount.currency,
      lines: JSON.stringify(refund.lines),
      created_at: refund.createdAt.getTime(),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
}
