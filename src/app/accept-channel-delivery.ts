import { insertDelivery } from '../store/deliveries.repo.ts';
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
  const stored = { ...delivery, triggeredAt: delivery.triggeredAt?.getTime() ?? null, receivedAt: ctx.clock.now().getTime() };
  return ctx.store.transact(async (tx) => {
    if (!(await insertDelivery(tx, stored))) return { kind: 'duplicate' };
    const key = `${delivery.channelId}:${delivery.deliveryId}`;
    await ctx.queue.enqueue(tx, { kind: processChannelDeliveryJob.kind, key: `channel.delivery:${key}`, payload: { channelId: delivery.channelId, deliveryId: delivery.deliveryId } });
    return { kind: 'accepted' };
  });
}
