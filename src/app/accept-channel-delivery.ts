import type { AppContext } from './context.ts';
import { processChannelDeliveryJob } from './process-channel-delivery.ts';

export interface ChannelDelivery {
  channelId: string;
  /** The channel's id for this delivery (Shopify `X-Shopify-Webhook-Id`): the same on every retry. */
  deliveryId: string;
  topic: string;
  /** The raw body, already verified and known to be JSON. */
  payload: string;
  triggeredAt: Date | null;
}

export type AcceptDeliveryResult = { kind: 'accepted' } | { kind: 'duplicate' };

/**
 * A channel's webhook, verified, goes into the inbox with the job that will process it, in one transaction; then the
 * channel gets its 200 at once (Shopify gives up after 5 s). A delivery id already in the inbox is a retry or a
 * duplicate: answered 200 again, stored nothing.
 */
export async function acceptChannelDelivery(ctx: AppContext, delivery: ChannelDelivery): Promise<AcceptDeliveryResult> {
  return ctx.store.transact(async (tx) => {
    const inserted = await tx
      .insertInto('channel_deliveries')
      .values({
        channel_id: delivery.channelId,
        delivery_id: delivery.deliveryId,
        topic: delivery.topic,
        payload: delivery.payload,
        triggered_at: delivery.triggeredAt?.getTime() ?? null,
        received_at: ctx.clock.now().getTime(),
        processed_at: null,
        outcome: null,
      })
      .onConflict((oc) => oc.columns(['channel_id', 'delivery_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return { kind: 'duplicate' };
    const key = `${delivery.channelId}:${delivery.deliveryId}`;
    await ctx.queue.enqueue(tx, { kind: processChannelDeliveryJob.kind, key: `channel.delivery:${key}`, payload: { channelId: delivery.channelId, deliveryId: delivery.deliveryId } });
    return { kind: 'accepted' };
  });
}
