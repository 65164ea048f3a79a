import type { ChannelMessage } from '../connectors/channels/sales-channel.ts';
import type { ParsedJson } from '../infra/webhook-json.ts';
import { deliveryKey, insertDeliveries, insertDelivery, markDeliveriesProcessed, type NewDelivery, type StoredDelivery } from '../store/deliveries.repo.ts';
import { findChannel, type ChannelRecord } from '../store/partners.repo.ts';
import { inSavepoint } from '../store/savepoint.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { newOrderToTake, processChannelDeliveryJob, processStoredDelivery, readStoredDelivery } from './process-channel-delivery.ts';
import { takeOrdersIn, type OrderToTake } from './take-order.ts';

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
  readonly #waiting: { delivery: ChannelDelivery; resolve(result: AcceptDeliveryResult): void; reject(reason: unknown): void }[] = [];
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
          const results = await acceptChannelDeliveries(this.ctx, batch.map((b) => b.delivery), this.options);
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
export async function acceptChannelDelivery(ctx: AppContext, delivery: ChannelDelivery, options: AcceptOptions = {}): Promise<AcceptDeliveryResult> {
  return (await acceptChannelDeliveries(ctx, [delivery], options))[0]!;
}

/** A batch of deliveries in one transaction: as a set where it can be, else one by one; an answer for each. */
export async function acceptChannelDeliveries(ctx: AppContext, deliveries: readonly ChannelDelivery[], options: AcceptOptions = {}): Promise<AcceptDeliveryResult[]> {
  const receivedAt = ctx.clock.now().getTime();
  const stored = deliveries.map((d) => ({ channelId: d.channelId, deliveryId: d.deliveryId, topic: d.topic, payload: d.payload, triggeredAt: d.triggeredAt?.getTime() ?? null, receivedAt }));
  return ctx.store.transact(async (tx) => {
    const together = await inSavepoint(tx, () => acceptTogether(ctx, tx, deliveries, stored, options));
    if (together.ok) return together.value;
    const results: AcceptDeliveryResult[] = [];
    for (const [i, delivery] of deliveries.entries()) results.push(await acceptAlone(ctx, tx, delivery, stored[i]!, options));
    return results;
  });
}

async function acceptTogether(ctx: AppContext, tx: Db, deliveries: readonly ChannelDelivery[], stored: readonly NewDelivery[], options: AcceptOptions): Promise<AcceptDeliveryResult[]> {
  const results: AcceptDeliveryResult[] = deliveries.map(() => ({ kind: 'duplicate' }));
  // A second copy within the batch is a duplicate like one already in the inbox: only the first of each is stored.
  const firstOf = new Map<string, number>();
  stored.forEach((s, i) => {
    const key = deliveryKey(s.channelId, s.deliveryId);
    if (!firstOf.has(key)) firstOf.set(key, i);
  });
  const inserted = await insertDeliveries(tx, [...firstOf.values()].map((i) => stored[i]!));
  const fresh = [...firstOf].filter(([key]) => inserted.has(key)).map(([, i]) => i);
  for (const i of fresh) results[i] = { kind: 'accepted' };
  if (!options.processNow) {
    await queueDeliveryJobs(ctx, tx, fresh.map((i) => stored[i]!));
    return results;
  }

  const channels = new Map<string, ChannelRecord | null>();
  for (const i of fresh) {
    const id = deliveries[i]!.channelId;
    if (!channels.has(id)) channels.set(id, await findChannel(tx, id));
  }
  // New orders go in together; what is not one (an update, a refund, a payload that does not read) is applied alone.
  // What each says is read once: the one-by-one path is handed it, so an update is not read again there.
  const newOrders: { index: number; order: OrderToTake }[] = [];
  const alone: number[] = [];
  const messages = new Map<number, ChannelMessage>();
  for (const i of fresh) {
    const channel = channels.get(deliveries[i]!.channelId) ?? null;
    const message = channel ? readQuietly(ctx, channel, deliveries[i]!) : null;
    if (message) messages.set(i, message);
    const order = message && channel ? newOrderToTake(message, channel) : null;
    if (order) newOrders.push({ index: i, order });
    else alone.push(i);
  }
  const taken = newOrders.length ? await takeOrdersIn(tx, ctx, newOrders.map((n) => n.order)) : [];
  const outcomes = new Map<string, { deliveryId: string; outcome: string }[]>();
  taken.forEach((result, n) => {
    const { index } = newOrders[n]!;
    // Waybill has it already (a second webhook for it, an earlier one in this batch): an update, applied alone.
    if (result.kind === 'duplicate') return alone.push(index);
    const delivery = deliveries[index]!;
    const list = outcomes.get(delivery.channelId) ?? [];
    list.push({ deliveryId: delivery.deliveryId, outcome: `${result.kind} ${result.orderId}` });
    outcomes.set(delivery.channelId, list);
  });
  const now = ctx.clock.now().getTime();
  for (const [channelId, list] of outcomes) await markDeliveriesProcessed(tx, channelId, list, now);
  for (const i of alone.sort((a, b) => a - b)) await processOrQueue(ctx, tx, deliveries[i]!, stored[i]!, messages.get(i));
  return results;
}

/** What the delivery says, or null if it does not read: the one-by-one path reads it again, to name the fault. */
function readQuietly(ctx: AppContext, channel: ChannelRecord, delivery: ChannelDelivery): ChannelMessage | null {
  try {
    return readStoredDelivery(ctx, channel, { channel_id: delivery.channelId, topic: delivery.topic, payload: delivery.payload }, delivery.parsed);
  } catch {
    return null;
  }
}

async function acceptAlone(ctx: AppContext, tx: Db, delivery: ChannelDelivery, stored: NewDelivery, options: AcceptOptions): Promise<AcceptDeliveryResult> {
  if (!(await insertDelivery(tx, stored))) return { kind: 'duplicate' };
  if (options.processNow) await processOrQueue(ctx, tx, delivery, stored);
  else await queueDeliveryJobs(ctx, tx, [stored]);
  return { kind: 'accepted' };
}

/** Takes a stored delivery in, in a savepoint; if that fails, its job is queued to retry it or dead-letter it. */
async function processOrQueue(ctx: AppContext, tx: Db, delivery: ChannelDelivery, stored: NewDelivery, message?: ChannelMessage): Promise<void> {
  const row: StoredDelivery = { channel_id: stored.channelId, delivery_id: stored.deliveryId, topic: stored.topic, payload: stored.payload, triggered_at: stored.triggeredAt, received_at: stored.receivedAt, processed_at: null, outcome: null };
  const processed = await inSavepoint(tx, () => processStoredDelivery(ctx, tx, row, delivery.parsed, message));
  if (!processed.ok) await queueDeliveryJobs(ctx, tx, [stored]);
}

async function queueDeliveryJobs(ctx: AppContext, tx: Db, deliveries: readonly NewDelivery[]): Promise<void> {
  await ctx.queue.enqueue(
    tx,
    deliveries.map((d) => ({ kind: processChannelDeliveryJob.kind, key: `channel.delivery:${d.channelId}:${d.deliveryId}`, payload: { channelId: d.channelId, deliveryId: d.deliveryId } })),
  );
}
