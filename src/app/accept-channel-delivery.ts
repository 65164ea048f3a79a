import type { ChannelMessage } from '../connectors/channels/sales-channel.ts';
import type { ParsedJson } from '../infra/webhook-json.ts';
import {
  deliveryKey,
  insertDeliveries,
  insertDelivery,
  type NewDelivery,
  type StoredDelivery,
} from '../store/deliveries.repo.ts';
import { inSavepoint } from '../store/savepoint.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import {
  processChannelDeliveryJob,
  processStoredDeliveries,
  processStoredDelivery,
  type DeliveryToTakeIn,
} from './process-channel-delivery.ts';

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

/** Transactions the intake committed, and the deliveries in them. */
export interface IntakeStats {
  transactions: number;
  deliveries: number;
}

/** Deliveries taken in by one transaction at most (each table's statement for them is compiled once up to 64 rows). */
const MAX_BATCH = 64;

/**
 * The webhooks' way in. A channel's webhook, verified, goes into the inbox in one transaction with either what
 * taking it in made (the order, its POs and their sends: `processNow`) or the job that will take it in; then the
 * channel gets its 200 (Shopify gives up after 5 s). A delivery id already in the inbox is a retry or a duplicate:
 * answered 200 again, stored nothing.
 *
 * The deliveries that arrive while a transaction is being written wait for the next one and go in together: new
 * orders are taken in as a batch (a statement per table for all of them, takeOrdersIn), the rest one by one in
 * arrival order. If the batch fails as a whole it is rolled back, and every delivery is taken in alone, so one bad
 * payload only costs the others a second try.
 */
export class DeliveryIntake {
  readonly stats: IntakeStats = { transactions: 0, deliveries: 0 };
  readonly #waiting: {
    delivery: ChannelDelivery;
    resolve(result: AcceptDeliveryResult): void;
    reject(reason: unknown): void;
  }[] = [];
  #draining = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: AcceptOptions = {},
  ) {}

  accept(delivery: ChannelDelivery): Promise<AcceptDeliveryResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ delivery, resolve, reject });
      if (this.#draining) return;
      this.#draining = true;
      // Let the requests that are already readable join this batch.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_BATCH);
        try {
          const results = await acceptChannelDeliveries(
            this.ctx,
            batch.map((b) => b.delivery),
            this.options,
          );
          this.stats.transactions += 1;
          this.stats.deliveries += batch.length;
          batch.forEach((b, i) => b.resolve(results[i]!));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}

/** One delivery, in a transaction of its own (see DeliveryIntake). */
export async function acceptChannelDelivery(
  ctx: AppContext,
  delivery: ChannelDelivery,
  options: AcceptOptions = {},
): Promise<AcceptDeliveryResult> {
  return (await acceptChannelDeliveries(ctx, [delivery], options))[0]!;
}

/** A batch of deliveries in one transaction: as a set where it can be, else one by one; an answer for each. */
export async function acceptChannelDeliveries(
  ctx: AppContext,
  deliveries: readonly ChannelDelivery[],
  options: AcceptOptions = {},
): Promise<AcceptDeliveryResult[]> {
  const receivedAt = ctx.clock.now().getTime();
  const stored = deliveries.map((d) => ({
    channelId: d.channelId,
    deliveryId: d.deliveryId,
    topic: d.topic,
    payload: d.payload,
    triggeredAt: d.triggeredAt?.getTime() ?? null,
    receivedAt,
  }));
  return ctx.store.transact(async (tx) => {
    const together = await inSavepoint(tx, () => acceptTogether(ctx, tx, deliveries, stored, options));
    if (together.ok) return together.value;
    const results: AcceptDeliveryResult[] = [];
    for (const [i, delivery] of deliveries.entries())
      results.push(await acceptAlone(ctx, tx, delivery, stored[i]!, options));
    return results;
  });
}

async function acceptTogether(
  ctx: AppContext,
  tx: Db,
  deliveries: readonly ChannelDelivery[],
  stored: readonly NewDelivery[],
  options: AcceptOptions,
): Promise<AcceptDeliveryResult[]> {
  const results: AcceptDeliveryResult[] = deliveries.map(() => ({ kind: 'duplicate' }));
  // A second copy within the batch is a duplicate like one already in the inbox: only the first of each is stored.
  const firstOf = new Map<string, number>();
  stored.forEach((s, i) => {
    const key = deliveryKey(s.channelId, s.deliveryId);
    if (!firstOf.has(key)) firstOf.set(key, i);
  });
  const inserted = await insertDeliveries(
    tx,
    [...firstOf.values()].map((i) => stored[i]!),
  );
  const fresh = [...firstOf].filter(([key]) => inserted.has(key)).map(([, i]) => i);
  for (const i of fresh) results[i] = { kind: 'accepted' };
  if (!options.processNow) {
    await queueDeliveryJobs(
      ctx,
      tx,
      fresh.map((i) => stored[i]!),
    );
    return results;
  }

  await processStoredDeliveries(
    ctx,
    tx,
    fresh.map((i) => ({ row: rowOf(stored[i]!), parsed: deliveries[i]!.parsed })),
    (item, read) => processOrQueue(ctx, tx, item, read),
  );
  return results;
}

async function acceptAlone(
  ctx: AppContext,
  tx: Db,
  delivery: ChannelDelivery,
  stored: NewDelivery,
  options: AcceptOptions,
): Promise<AcceptDeliveryResult> {
  if (!(await insertDelivery(tx, stored))) return { kind: 'duplicate' };
  if (options.processNow) await processOrQueue(ctx, tx, { row: rowOf(stored), parsed: delivery.parsed });
  else await queueDeliveryJobs(ctx, tx, [stored]);
  return { kind: 'accepted' };
}

/** Takes a stored delivery in, in a savepoint; if that fails, its job is queued to retry it or dead-letter it. */
async function processOrQueue(
  ctx: AppContext,
  tx: Db,
  item: DeliveryToTakeIn,
  read?: ChannelMessage,
): Promise<void> {
  const processed = await inSavepoint(tx, () => processStoredDelivery(ctx, tx, item.row, item.parsed, read));
  if (!processed.ok)
    await queueDeliveryJobs(ctx, tx, [{ channelId: item.row.channel_id, deliveryId: item.row.delivery_id }]);
}

/** The inbox row of a delivery just stored. */
function rowOf(stored: NewDelivery): StoredDelivery {
  return {
    channel_id: stored.channelId,
    delivery_id: stored.deliveryId,
    topic: stored.topic,
    payload: stored.payload,
    triggered_at: stored.triggeredAt,
    received_at: stored.receivedAt,
    processed_at: null,
    outcome: null,
  };
}

async function queueDeliveryJobs(
  ctx: AppContext,
  tx: Db,
  deliveries: readonly Pick<NewDelivery, 'channelId' | 'deliveryId'>[],
): Promise<void> {
  await ctx.queue.add(
    tx,
    processChannelDeliveryJob,
    deliveries.map((d) => ({ channelId: d.channelId, deliveryId: d.deliveryId })),
  );
}
