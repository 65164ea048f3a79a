import { insertDelivery } from '../store/deliveries.repo.ts';
import { createHash } from 'node:crypto';
import type {
  OrderMessage,
  OrderPage,
  RefundMessage,
  WebhookHealth,
} from '../connectors/channels/sales-channel.ts';
import { defineJob, jobKind } from '../jobs/job.ts';
import { wakeJobs } from '../jobs/queue.ts';
import { getSetting } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import { channelWebhookUrl, openSalesChannel } from './channel-access.ts';
import type { AppContext } from './context.ts';
import { POLLED_REFUND_TOPIC, POLLED_REFUSED_TOPIC, POLLED_TOPIC } from './polled-order.ts';
import { processChannelDeliveryJob } from './process-channel-delivery.ts';
import { recordEvents } from '../store/events.repo.ts';
import {
  findKnownOrderVersions,
  findPollState,
  setPolledUntil,
  setWebhookHealth,
} from '../store/channels.repo.ts';

/** How often each channel is asked for the orders changed since the last time. */
export const CATCH_UP_INTERVAL_MS = 5 * 60_000;
/** Each poll reads again a little before its watermark: an order saved as the last poll ran may carry an earlier time. */
const OVERLAP_MS = 10 * 60_000;
/** A channel polled for the first time is asked for the last day: orders from before Waybill was connected stay out. */
const FIRST_LOOK_BACK_MS = 24 * 60 * 60_000;
/** Pages per run; the rest is read by the next run, which starts at once. */
const PAGES_PER_RUN = 50;

/**
 * The catch-up poll: every few minutes, the orders the channel changed since the last poll, so that an order whose
 * webhook never came (Shopify gave up, WooCommerce disabled the hook) is still taken in. Each version Waybill does
 * not have yet goes into the same inbox as webhook deliveries and is processed the same way (deduplicated by order
 * id, newest version wins). The same run checks the channel's webhook subscriptions and tells the operator when one
 * is disabled or gone.
 */
export const catchUpChannelJob = {
  ...jobKind<{ channelId: string }>('channel.catch-up', (p) => `channel.catch-up:${p.channelId}`),
  bind: (ctx: AppContext) =>
    defineJob<{ channelId: string }>({
      kind: catchUpChannelJob.kind,
      maxAttempts: 10,
      timeoutMs: 5 * 60_000,
      backoff: { baseMs: 5_000, capMs: 10 * 60_000 },
      run: async ({ channelId }, job) => {
        const now = ctx.clock.now();
        const opened = await openSalesChannel(ctx, channelId);
        if (!opened) return;
        // A channel without the calls (no API credentials yet) is looked at again later: a setup change may add them.
        if (!opened.sales.pollOrders && !opened.sales.webhookHealth)
          return { rerunAt: new Date(now.getTime() + CATCH_UP_INTERVAL_MS) };
        const { channel, sales } = opened;
        const interval = sales.pollEveryMs ?? CATCH_UP_INTERVAL_MS;
        const options = { signal: job.signal, now };

        const found: OrderMessage[] = [];
        const refunds: RefundMessage[] = [];
        const refused: RefusedOrder[] = [];
        let more = false;
        const state = await findPollState(ctx.store.db, channelId);
        const updatedAfter = new Date(
          state.polledUntil === null ? now.getTime() - FIRST_LOOK_BACK_MS : state.polledUntil - OVERLAP_MS,
        );
        if (sales.pollOrders) {
          let cursor: string | null = null;
          for (let page = 0; page < PAGES_PER_RUN; page++) {
            const result = await sales.pollOrders({ updatedAfter, cursor }, options);
            found.push(...result.orders);
            refunds.push(...(result.refunds ?? []));
            refused.push(...(result.refused ?? []));
            cursor = result.next;
            if (!cursor) break;
            more = page === PAGES_PER_RUN - 1;
          }
        }
        const publicUrl = await getSetting(ctx.store.db, 'hub.publicUrl');
        const health =
          sales.webhookHealth && publicUrl
            ? await sales.webhookHealth({
                ...options,
                deliveryUrl: channelWebhookUrl(publicUrl, channel.kind, channelId),
              })
            : null;

        // One read of what Waybill has of the orders named, for both the versions found and the refunds.
        const known = await findKnownOrderVersions(ctx.store.db, channelId, [
          ...new Set([...found.map((m) => m.incoming.externalId), ...refunds.map((r) => r.externalOrderId)]),
        ]);
        const fresh = newerThanKnown(known, found);
        // A refund of an order the same poll found waits for a later poll: its processing could otherwise come before
        // the order's and find no order to refund, and a refund stored is never stored again. The poll reads back over
        // its overlap, so it finds the refund again once the order is in.
        const refundsOfKnown = refunds.filter((r) => known.has(r.externalOrderId));
        const seenUntil = Math.max(state.polledUntil ?? 0, ...found.map((m) => m.sourceUpdatedAt.getTime()));
        return {
          rerunAt: new Date(now.getTime() + (more ? 0 : interval)),
          commit: async (tx) => {
            await storeFound(ctx, tx, channelId, fresh, now.getTime());
            await storeRefundsAndRefusals(ctx, tx, channelId, refundsOfKnown, refused, now.getTime());
            await setPolledUntil(tx, channelId, seenUntil || now.getTime() - OVERLAP_MS);
            if (fresh.length) {
              await recordEvents(tx, now, [
                {
                  orderId: null,
                  subjectType: 'job',
                  subjectId: channelId,
                  type: 'channel.caught_up',
                  data: { channelId, found: fresh.map((m) => m.incoming.externalId) },
                },
              ]);
            }
            if (health) await recordHealth(tx, channelId, state.webhookHealthJson, health, now);
          },
        };
      },
    }),
};

/** Versions of orders newer than what Waybill has (or of orders it does not have at all). */
function newerThanKnown(
  known: ReadonlyMap<string, number | null>,
  found: readonly OrderMessage[],
): OrderMessage[] {
  // The newest version of each order is enough: an older one would be stale on arrival.
  const newest = new Map<string, OrderMessage>();
  for (const m of found) {
    const seen = newest.get(m.incoming.externalId);
    if (!seen || seen.sourceUpdatedAt < m.sourceUpdatedAt) newest.set(m.incoming.externalId, m);
  }
  return [...newest.values()].filter((m) => {
    if (!known.has(m.incoming.externalId)) return !m.cancelled;
    const at = known.get(m.incoming.externalId);
    return at === null || at === undefined || at < m.sourceUpdatedAt.getTime();
  });
}

/** Into the inbox with their processing jobs, keyed by order and version: a version found twice is stored once. */
async function storeFound(
  ctx: AppContext,
  tx: Db,
  channelId: string,
  found: readonly OrderMessage[],
  now: number,
): Promise<void> {
  for (const message of found) {
    const deliveryId = `poll:${message.incoming.externalId}:${message.sourceUpdatedAt.getTime()}`;
    const stored = {
      channelId,
      deliveryId,
      topic: POLLED_TOPIC,
      payload: JSON.stringify(message),
      triggeredAt: message.sourceUpdatedAt.getTime(),
      receivedAt: now,
    };
    if (!(await insertDelivery(tx, stored))) continue;
    await ctx.queue.add(tx, processChannelDeliveryJob, [{ channelId, deliveryId }]);
  }
}

type RefusedOrder = NonNullable<OrderPage['refused']>[number];

/**
 * Refunds the poll found go into the inbox keyed by their refund id (found again by the next poll, stored once), and
 * are applied as a refund webhook's would be. An order that can never be read goes in too, keyed by its id and the
 * reason, so that its processing is dead-lettered naming why, once, as an unreadable webhook's is: the operator sees
 * it, and the poll carries on with the channel's other orders.
 */
async function storeRefundsAndRefusals(
  ctx: AppContext,
  tx: Db,
  channelId: string,
  refunds: readonly RefundMessage[],
  refused: readonly RefusedOrder[],
  now: number,
): Promise<void> {
  const entries = [
    ...refunds.map((refund) => ({
      deliveryId: `poll-refund:${refund.refundId}`,
      topic: POLLED_REFUND_TOPIC,
      payload: refund,
      triggeredAt: refund.createdAt.getTime(),
    })),
    ...refused.map((order) => ({
      deliveryId: `poll-refused:${order.externalId}:${createHash('sha256').update(order.reason).digest('base64url').slice(0, 16)}`,
      topic: POLLED_REFUSED_TOPIC,
      payload: order,
      triggeredAt: now,
    })),
  ];
  for (const entry of entries) {
    const stored = { channelId, ...entry, payload: JSON.stringify(entry.payload), receivedAt: now };
    if (!(await insertDelivery(tx, stored))) continue;
    await ctx.queue.add(tx, processChannelDeliveryJob, [{ channelId, deliveryId: entry.deliveryId }]);
  }
}

/** Keeps the latest check on the channel and records an event when a subscription's status changes. */
async function recordHealth(
  tx: Db,
  channelId: string,
  previousJson: string | null,
  health: readonly WebhookHealth[],
  now: Date,
): Promise<void> {
  const previous = previousJson ? (JSON.parse(previousJson) as { webhooks: WebhookHealth[] }).webhooks : [];
  const before = new Map(previous.map((w) => [w.topic, w.status]));
  const changed = health.filter((w) => before.get(w.topic) !== w.status);
  await setWebhookHealth(tx, channelId, JSON.stringify({ checkedAt: now.toISOString(), webhooks: health }));
  const broken = changed.filter((w) => w.status !== 'active');
  const mended = changed.filter((w) => w.status === 'active' && before.has(w.topic));
  if (broken.length) {
    await recordEvents(tx, now, [
      {
        orderId: null,
        subjectType: 'job',
        subjectId: channelId,
        type: 'channel.webhooks_broken',
        data: {
          channelId,
          webhooks: broken,
          note: 'the catch-up poll takes in what these miss; re-enable them in the store',
        },
      },
    ]);
  }
  if (mended.length)
    await recordEvents(tx, now, [
      {
        orderId: null,
        subjectType: 'job',
        subjectId: channelId,
        type: 'channel.webhooks_mended',
        data: { channelId, webhooks: mended },
      },
    ]);
}

/**
 * Brings one channel's catch-up poll forward to now, in the caller's transaction: a platform's notification that an
 * order changed (Amazon's ORDER_CHANGE, BigCommerce's id-only hooks) carries no order to store, so it wakes the poll,
 * which reads the order as it is now. Coalesced: any number of notifications before the poll runs cost one run.
 */
export async function wakeCatchUp(tx: Db, now: number, channelId: string): Promise<boolean> {
  return (await wakeJobs(tx, { key: catchUpChannelJob.key({ channelId }) }, now)) > 0;
}

/** Makes sure every channel has its recurring catch-up poll queued (one job per channel, by key). */
export async function ensureCatchUp(ctx: AppContext, tx: Db, channelIds: readonly string[]): Promise<void> {
  if (channelIds.length === 0) return;
  await ctx.queue.add(
    tx,
    catchUpChannelJob,
    channelIds.map((channelId) => ({ channelId })),
  );
}
