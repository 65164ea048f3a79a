import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../store/schema.ts';
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
  const insert = inboxInsert(ctx.store.db);
  const values = [delivery.channelId, delivery.deliveryId, delivery.topic, delivery.payload, delivery.triggeredAt?.getTime() ?? null, ctx.clock.now().getTime()];
  return ctx.store.transact(async (tx) => {
    const inserted = await tx.executeQuery(CompiledQuery.raw(insert, values));
    if (Number(inserted.numAffectedRows ?? 0) === 0) return { kind: 'duplicate' };
    const key = `${delivery.channelId}:${delivery.deliveryId}`;
    await ctx.queue.enqueue(tx, { kind: processChannelDeliveryJob.kind, key: `channel.delivery:${key}`, payload: { channelId: delivery.channelId, deliveryId: delivery.deliveryId } });
    return { kind: 'accepted' };
  });
}

/**
 * The inbox INSERT, compiled once per database: it runs for every webhook delivery, and building and compiling it
 * each time cost more than executing it. Its parameters, in order: channel_id, delivery_id, topic, payload,
 * triggered_at, received_at.
 */
const inboxInserts = new WeakMap<Db, string>();

function inboxInsert(db: Db): string {
  let compiled = inboxInserts.get(db);
  if (!compiled) {
    const query = db
      .insertInto('channel_deliveries')
      .values({ channel_id: '', delivery_id: '', topic: '', payload: '', triggered_at: 0, received_at: 0, processed_at: sql`null`, outcome: sql`null` })
      .onConflict((oc) => oc.columns(['channel_id', 'delivery_id']).doNothing())
      .compile();
    if (query.parameters.length !== 6) throw new Error(`the inbox insert has ${query.parameters.length} parameters, not 6`);
    compiled = query.sql;
    inboxInserts.set(db, compiled);
  }
  return compiled;
}
