import { ZodError } from 'zod';
import type { ChannelId } from '../domain/ids.ts';
import type { ChannelMessage } from '../connectors/channels/sales-channel.ts';
import { parseWebhookJson, type ParsedJson } from '../infra/webhook-json.ts';
import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import {
  loadDelivery,
  markDeliveriesProcessed,
  markDeliveryProcessed,
  type StoredDelivery,
} from '../store/deliveries.repo.ts';
import type { Db } from '../store/schema.ts';
import { findOrderIdByExternalId } from '../store/orders.repo.ts';
import { findChannel, type ChannelRecord } from '../store/partners.repo.ts';
import { scopeToTransaction } from '../store/savepoint.ts';
import type { AppContext } from './context.ts';
import { applyChannelRefund } from './apply-channel-refund.ts';
import { applyChannelUpdate } from './apply-channel-update.ts';
import {
  POLLED_REFUND_TOPIC,
  POLLED_REFUSED_TOPIC,
  POLLED_TOPIC,
  readPolledOrder,
  readPolledRefund,
  refusedOrderReason,
} from './polled-order.ts';
import { takeOrder, takeOrdersIn, type OrderToTake, type TakeOrderOptions } from './take-order.ts';
import { fieldPath } from './validation.ts';

interface DeliveryJob {
  channelId: string;
  deliveryId: string;
}

/**
 * Works through one stored channel delivery: a new order is taken in (unknown SKUs held for the operator, not
 * dropped); an update of a known order is applied only if it is newer than what Waybill has (deliveries arrive out
 * of order, and twice). A payload that is not what the channel documents is a dead letter naming the field.
 */
export const processChannelDeliveryJob = {
  ...jobKind<DeliveryJob>('channel.delivery', (p) => `channel.delivery:${p.channelId}:${p.deliveryId}`),
  bind: (ctx: AppContext) =>
    defineJob<DeliveryJob>({
      kind: processChannelDeliveryJob.kind,
      maxAttempts: 8,
      backoff: { baseMs: 500, capMs: 5 * 60_000 },
      // All database work: a batch of deliveries is taken in within one transaction of the worker's.
      runInTransaction: async (tx, { channelId, deliveryId }) => {
        const delivery = await loadDelivery(tx, channelId, deliveryId);
        if (!delivery || delivery.processed_at !== null) return;
        await processStoredDelivery(ctx, tx, delivery);
      },
      // Several at once: their new orders together. Any failure sends each back to runInTransaction, alone.
      runAllInTransaction: async (tx, jobs) => {
        const rows: StoredDelivery[] = [];
        for (const { channelId, deliveryId } of jobs) {
          const delivery = await loadDelivery(tx, channelId, deliveryId);
          if (delivery && delivery.processed_at === null) rows.push(delivery);
        }
        await processStoredDeliveries(
          ctx,
          tx,
          rows.map((row) => ({ row })),
          ({ row }, read) => processStoredDelivery(ctx, tx, row, undefined, read),
        );
      },
    }),
};

/**
 * Takes in one delivery of the inbox, in the caller's transaction (the job's, or the intake's when the delivery is
 * processed as it arrives), and marks it processed with its outcome. Throws what the job would retry or
 * dead-letter: PermanentError for a payload that can never succeed.
 */
export async function processStoredDelivery(
  ctx: AppContext,
  tx: Db,
  delivery: StoredDelivery,
  parsed?: ParsedJson,
  read?: ChannelMessage,
): Promise<void> {
  const { channel_id: channelId, delivery_id: deliveryId } = delivery;
  const scoped: AppContext = { ...ctx, store: scopeToTransaction(ctx.store, tx) };
  const channel = await findChannel(tx, channelId);
  // `read`: what the caller already read of it with this channel (the intake's batch), not read again.
  const outcome = await permanentIfInvalid(() =>
    apply(scoped, channel!, read ?? readStoredDelivery(ctx, channel, delivery, parsed)),
  );
  await markDeliveryProcessed(tx, channelId, deliveryId, outcome, ctx.clock.now().getTime());
}

/** A stored delivery to take in, with its payload as the webhook route parsed it (if it did). */
export interface DeliveryToTakeIn {
  row: StoredDelivery;
  parsed?: ParsedJson | undefined;
}

/**
 * Takes a batch of stored deliveries in, in the caller's transaction: their new orders together (takeOrdersIn, a
 * statement per table for all of them), marked processed in one statement; then the rest (updates, refunds, a
 * second webhook of an order, a payload that does not read) one by one in the batch's order, through `alone`, handed
 * what was already read of it. `alone` decides what a failure costs: the intake rolls it back and queues its job,
 * the job's batch lets it throw.
 */
export async function processStoredDeliveries(
  ctx: AppContext,
  tx: Db,
  items: readonly DeliveryToTakeIn[],
  alone: (item: DeliveryToTakeIn, read: ChannelMessage | undefined) => Promise<void>,
): Promise<void> {
  const channels = new Map<string, ChannelRecord | null>();
  for (const { row } of items)
    if (!channels.has(row.channel_id)) channels.set(row.channel_id, await findChannel(tx, row.channel_id));
  const newOrders: { index: number; order: OrderToTake }[] = [];
  const later: number[] = [];
  const messages = new Map<number, ChannelMessage>();
  items.forEach((item, i) => {
    const channel = channels.get(item.row.channel_id) ?? null;
    const message = channel ? readQuietly(ctx, channel, item) : null;
    if (message) messages.set(i, message);
    const order = message && channel ? newOrderToTake(message, channel) : null;
    if (order) newOrders.push({ index: i, order });
    else later.push(i);
  });
  const taken = newOrders.length
    ? await takeOrdersIn(
        tx,
        ctx,
        newOrders.map((n) => n.order),
      )
    : [];
  const outcomes = new Map<string, { deliveryId: string; outcome: string }[]>();
  taken.forEach((result, n) => {
    const { index } = newOrders[n]!;
    // Waybill has it already (a second webhook for it, an earlier one in this batch): an update, applied alone.
    if (result.kind === 'duplicate') return later.push(index);
    const { row } = items[index]!;
    const list = outcomes.get(row.channel_id) ?? [];
    list.push({ deliveryId: row.delivery_id, outcome: `${result.kind} ${result.orderId}` });
    outcomes.set(row.channel_id, list);
  });
  const now = ctx.clock.now().getTime();
  for (const [channelId, list] of outcomes) await markDeliveriesProcessed(tx, channelId, list, now);
  for (const i of later.sort((a, b) => a - b)) await alone(items[i]!, messages.get(i));
}

/** What the delivery says, or null if it does not read: the one-by-one path reads it again, to name the fault. */
function readQuietly(
  ctx: AppContext,
  channel: ChannelRecord,
  { row, parsed }: DeliveryToTakeIn,
): ChannelMessage | null {
  try {
    return readStoredDelivery(ctx, channel, row, parsed);
  } catch {
    return null;
  }
}

/**
 * What a stored delivery says, as its channel's adapter reads it (a catch-up poll's order is stored already read).
 * Throws PermanentError for what can never be read: an unknown channel, a payload that is not what the channel
 * documents (naming the field).
 */
function readStoredDelivery(
  ctx: AppContext,
  channel: ChannelRecord | null,
  delivery: Pick<StoredDelivery, 'channel_id' | 'topic' | 'payload'>,
  parsed?: ParsedJson,
): ChannelMessage {
  const channelId = delivery.channel_id as ChannelId;
  const webhook = channel ? ctx.channels.get(channel.kind)?.webhook : undefined;
  const payload = parseWebhookJson(delivery.payload, parsed);
  // Orders and refunds the catch-up poll found are stored already read; webhooks are read by their channel's adapter.
  const read =
    delivery.topic === POLLED_TOPIC
      ? () => readPolledOrder(channelId, payload)
      : delivery.topic === POLLED_REFUND_TOPIC
        ? () => readPolledRefund(payload)
        : delivery.topic === POLLED_REFUSED_TOPIC
          ? () => {
              throw new PermanentError(refusedOrderReason(payload));
            }
          : webhook && channel
            ? () => webhook.interpret(channelId, delivery.topic, payload, channel.config)
            : null;
  if (!read) throw new PermanentError(`channel ${channelId} does not take webhooks`);
  return readMessage(read);
}

/** A new order that a batch of deliveries can take in with others (takeOrdersIn): anything else is applied alone. */
function newOrderToTake(message: ChannelMessage, channel: ChannelRecord): OrderToTake | null {
  if (message.kind !== 'order' || message.cancelled) return null;
  const { incoming, sourceUpdatedAt, awaitingPayment, hold } = message;
  return { incoming, options: takeOptions(channel, sourceUpdatedAt, awaitingPayment, hold) };
}

function takeOptions(
  channel: ChannelRecord,
  sourceUpdatedAt: Date,
  awaitingPayment: boolean,
  hold: string | undefined,
): TakeOrderOptions {
  return { unknownSkus: 'hold', sourceUpdatedAt, awaitingPayment, channel, ...(hold && { hold }) };
}

function readMessage(read: () => ChannelMessage): ChannelMessage {
  try {
    return read();
  } catch (error) {
    if (error instanceof ZodError) {
      const issue = error.issues[0]!;
      throw new PermanentError(`payload ${fieldPath(issue.path) || '(root)'}: ${issue.message}`);
    }
    if (error instanceof RangeError) throw new PermanentError(`payload: ${error.message}`);
    throw error;
  }
}

/** A figure the order cannot hold (money past the safe integer range, a currency mixed in) will never succeed: no retry. */
async function permanentIfInvalid<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RangeError) throw new PermanentError(`payload: ${error.message}`);
    throw error;
  }
}

async function apply(ctx: AppContext, channel: ChannelRecord, message: ChannelMessage): Promise<string> {
  if (message.kind === 'ignored') return `ignored: ${message.reason}`;
  if (message.kind === 'refund') return applyChannelRefund(ctx, channel.id, message);
  const { incoming, sourceUpdatedAt, cancelled, awaitingPayment, hold } = message;
  if (cancelled) {
    const existing = await findOrderIdByExternalId(ctx.store.db, incoming.channelId, incoming.externalId);
    return existing
      ? applyChannelUpdate(ctx, existing, message)
      : 'ignored: cancelled before Waybill took it in';
  }
  // take-order looks for the order first: one it already has is an update (two versions of a new order may also race).
  const taken = await takeOrder(ctx, incoming, takeOptions(channel, sourceUpdatedAt, awaitingPayment, hold));
  if (taken.kind === 'duplicate') return applyChannelUpdate(ctx, taken.orderId, message);
  return `${taken.kind} ${taken.orderId}`;
}
