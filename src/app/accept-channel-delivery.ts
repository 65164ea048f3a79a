import type { ParsedJson } from '../infra/webhook-json.ts';
import { insertDelivery } from '../store/deliveries.repo.ts';
import { inSavepoint } from '../store/savepoint.ts';
import type { AppContext } from './context.ts';
import { processChannelDeliveryJob, processStoredDelivery } from './process-channel-delivery.ts';

export interface ChannelDelivery {
  channelId: string;
  /** The channel's id for this delivery (Shopify `X-Shopify-Webhook-Id`): the same on every retry. */
  deliveryId: string;
  topic: string;
  /** The raw body, already verified and known to be JSON. */
  payload: string;
  /** The payload as the webhook route parsed it (to know it is JSON), so that it is not parsed again. */
  parsed?: ParsedJson;
  triggeredAt: Date | null;
}

export type AcceptDeliveryResult = { kind: 'accepted' } | { kind: 'duplicate' };

export interface AcceptOptions {
  /**
   * Take the delivery in within the same transaction (this process runs the job that would): the order, its POs
   * and their sends commit with the inbox row, without a job in between. If taking it in fails, that is rolled back
   * alone and the job is queued instead, to retry it or name the fault in the dead-letter list.
   */
  processNow?: boolean;
}

/**
 * A channel's webhook, verified, goes into the inbox in one transaction with either what taking it in made (the
 * order, its POs and their sends: `processNow`) or the job that will take it in; then the channel gets its 200
 * (Shopify gives up after 5 s). A delivery id already in the inbox is a retry or a duplicate: answered 200 again,
 * stored nothing.
 */
export async function acceptChannelDelivery(ctx: AppContext, delivery: ChannelDelivery, options: AcceptOptions = {}): Promise<AcceptDeliveryResult> {
  const stored = { channelId: delivery.channelId, deliveryId: delivery.deliveryId, topic: delivery.topic, payload: delivery.payload, triggeredAt: delivery.triggeredAt?.getTime() ?? null, receivedAt: ctx.clock.now().getTime() };
  return ctx.store.transact(async (tx) => {
    if (!(await insertDelivery(tx, stored))) return { kind: 'duplicate' };
    if (options.processNow) {
      const row = { channel_id: stored.channelId, delivery_id: stored.deliveryId, topic: stored.topic, payload: stored.payload, triggered_at: stored.triggeredAt, received_at: stored.receivedAt, processed_at: null, outcome: null };
      const processed = await inSavepoint(tx, () => processStoredDelivery(ctx, tx, row, delivery.parsed));
      if (processed.ok) return { kind: 'accepted' };
    }
    const key = `${delivery.channelId}:${delivery.deliveryId}`;
    await ctx.queue.enqueue(tx, { kind: processChannelDeliveryJob.kind, key: `channel.delivery:${key}`, payload: { channelId: delivery.channelId, deliveryId: delivery.deliveryId } });
    return { kind: 'accepted' };
  });
}
