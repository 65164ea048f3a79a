import type {
  FulfilmentAnswer,
  FulfilmentRequest,
  FulfilmentService,
  SalesChannel,
} from '../connectors/channels/sales-channel.ts';
import { decideFulfilmentRequest, type FulfilmentDecision } from '../domain/fulfilment-request.ts';
import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { findOrderIdByExternalId, loadOrder } from '../store/orders.repo.ts';
import { getSetting, putSetting } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import { cancelAtChannelRequest, CancellationOvertaken } from './cancel-order-lines.ts';
import { channelWebhookUrl, openSalesChannel } from './channel-access.ts';
import type { AppContext } from './context.ts';
import { recordEvents, type TimelineEvent } from '../store/events.repo.ts';
import { wakeJobs } from '../jobs/queue.ts';

/**
 * How often each channel's open fulfilment requests are looked at without a nudge. Shopify's notification is only a
 * nudge (sent at most about once a minute, never retried), so this timer is what makes a lost one harmless.
 */
export const FULFILMENT_REQUESTS_INTERVAL_MS = 60_000;
/** A request for an order Waybill does not have yet is looked at again this soon: the order is usually on its way. */
const WAITING_INTERVAL_MS = 5_000;
/** A channel that does not use Waybill as its fulfilment service is looked at again this rarely (a setup change may). */
const IDLE_INTERVAL_MS = 5 * 60_000;

const JOB_KIND = 'channel.fulfilment-requests';

/**
 * Waybill as a channel's fulfilment service: makes sure it is registered with the channel (at the hub's public
 * URL), then answers every open request. A request to ship is accepted when Waybill holds any of its lines and
 * rejected, with the channel's reason, when it holds none (decideFulfilmentRequest). A request to cancel is
 * accepted only when nothing of it reached a supplier: the lines are cancelled and their stock released first, in
 * one transaction, and the channel told after the commit; otherwise it is rejected naming what is in the way. A
 * request for an order Waybill has not taken in yet waits for the next run (the webhook or the catch-up poll
 * brings the order). Every answer goes on the order's timeline.
 */
export const answerFulfilmentRequestsJob = {
  ...jobKind<{ channelId: string }>(JOB_KIND, (p) => `${JOB_KIND}:${p.channelId}`),
  bind: (ctx: AppContext) =>
    defineJob<{ channelId: string }>({
      kind: answerFulfilmentRequestsJob.kind,
      maxAttempts: 10,
      timeoutMs: 2 * 60_000,
      backoff: { baseMs: 5_000, capMs: 5 * 60_000 },
      run: async ({ channelId }, job) => {
        const now = ctx.clock.now();
        const opened = await openSalesChannel(ctx, channelId);
        if (!opened) return;
        const { sales } = opened;
        if (!sales.fulfilmentRequests || !sales.answerFulfilmentRequest)
          return { rerunAt: new Date(now.getTime() + IDLE_INTERVAL_MS) };
        const options = { signal: job.signal, now };
        await ensureRegistered(ctx, channelId, opened.channel.kind, sales, options);
        let waiting = false;
        for (const request of await sales.fulfilmentRequests(options)) {
          if ((await answerOne(ctx, channelId, sales, request, options)) === 'waiting') waiting = true;
        }
        // An order whose webhook is on its way is looked for again soon, not at the next turn.
        return {
          rerunAt: new Date(
            now.getTime() + (waiting ? WAITING_INTERVAL_MS : FULFILMENT_REQUESTS_INTERVAL_MS),
          ),
        };
      },
    }),
};

type Outcome = 'answered' | 'waiting' | 'failed';
type Options = { signal: AbortSignal; now: Date };

async function answerOne(
  ctx: AppContext,
  channelId: string,
  sales: SalesChannel,
  request: FulfilmentRequest,
  options: Options,
): Promise<Outcome> {
  const orderId = await findOrderIdByExternalId(ctx.store.db, channelId, request.externalOrderId);
  if (!orderId) return 'waiting';
  try {
    if (request.kind === 'fulfilment') await answerFulfilment(ctx, sales, orderId, request, options);
    else await answerCancellation(ctx, sales, orderId, request, options);
    return 'answered';
  } catch (error) {
    // The channel refused this answer for good (the request was withdrawn or answered meanwhile): the others go on.
    if (!(error instanceof PermanentError)) throw error;
    await ctx.store.transact((tx) =>
      record(tx, ctx.clock.now(), orderId, 'order.fulfilment_request_failed', {
        request: request.id,
        kind: request.kind,
        error: error.message,
      }),
    );
    return 'failed';
  }
}

async function answerFulfilment(
  ctx: AppContext,
  sales: SalesChannel,
  orderId: string,
  request: FulfilmentRequest,
  options: Options,
): Promise<void> {
  const order = await loadOrder(ctx.store.db, orderId);
  if (!order) throw new Error(`order ${orderId} vanished`);
  const decision = decideFulfilmentRequest(order, request);
  await sales.answerFulfilmentRequest!(request, answerOf(decision), options);
  const type =
    decision.kind === 'accept' ? 'order.fulfilment_request_accepted' : 'order.fulfilment_request_rejected';
  await ctx.store.transact((tx) =>
    record(tx, ctx.clock.now(), orderId, type, { request: request.id, ...decision }),
  );
}

function answerOf(decision: FulfilmentDecision): FulfilmentAnswer {
  if (decision.kind === 'accept') return { accept: true, message: decision.message };
  return {
    accept: false,
    reason: decision.reason,
    message: decision.message,
    lines: decision.lines.map((l) => ({ id: l.id, message: l.message })),
  };
}

async function answerCancellation(
  ctx: AppContext,
  sales: SalesChannel,
  orderId: string,
  request: FulfilmentRequest,
  options: Options,
): Promise<void> {
  const why = `the channel asked to cancel (fulfilment request ${request.id})`;
  let decision;
  try {
    decision = await ctx.store.transact(async (tx) => {
      const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
      if (!order) throw new Error(`order ${orderId} vanished`);
      const decided = await cancelAtChannelRequest(ctx, tx, order, request, why);
      if (decided.kind === 'accept')
        await record(tx, ctx.clock.now(), orderId, 'order.cancellation_request_accepted', {
          request: request.id,
          cancelled: decided.cancelLines,
        });
      return decided;
    });
  } catch (error) {
    if (!(error instanceof CancellationOvertaken)) throw error;
    decision = { kind: 'reject' as const, message: `Waybill cannot cancel this any more: ${error.message}` };
  }
  // Told after the commit: a lost answer leaves the request listed, and the next run finds the lines cancelled already.
  await sales.answerFulfilmentRequest!(
    request,
    decision.kind === 'accept'
      ? { accept: true, message: decision.message }
      : { accept: false, reason: 'cancelled', message: decision.message, lines: [] },
    options,
  );
  if (decision.kind === 'reject')
    await ctx.store.transact((tx) =>
      record(tx, ctx.clock.now(), orderId, 'order.cancellation_request_rejected', {
        request: request.id,
        message: decision.message,
      }),
    );
}

/**
 * Registers the fulfilment service when it is not registered at the hub's current address yet. The channel needs
 * somewhere to send its nudges, so without `publicUrl` nothing is registered (requests made by hand are still
 * answered on the timer) and the operator is told once.
 */
async function ensureRegistered(
  ctx: AppContext,
  channelId: string,
  kind: string,
  sales: SalesChannel,
  options: Options,
): Promise<void> {
  if (!sales.registerFulfilmentService) return;
  const publicUrl = await getSetting(ctx.store.db, 'hub.publicUrl');
  const key = registrationKey(channelId);
  const known = await readRegistration(ctx.store.db, channelId);
  if (!publicUrl) {
    if (known !== UNREGISTERED) {
      await ctx.store.transact(async (tx) => {
        await putSetting(tx, key, UNREGISTERED);
        await recordEvents(tx, options.now, [
          channelEvent(channelId, 'channel.fulfilment_service_unregistered', {
            note: 'set publicUrl in the setup document so the channel can reach Waybill',
          }),
        ]);
      });
    }
    return;
  }
  // The prefix Shopify's fulfillment-service endpoints hang from (it appends /fulfillment_order_notification).
  const callbackUrl = channelWebhookUrl(publicUrl, kind, channelId);
  if (known && known !== UNREGISTERED && known.callbackUrl === callbackUrl) return;
  const service = await sales.registerFulfilmentService({ ...options, callbackUrl });
  await ctx.store.transact(async (tx) => {
    await putSetting(tx, key, JSON.stringify(service));
    await recordEvents(tx, options.now, [
      channelEvent(channelId, 'channel.fulfilment_service_registered', { ...service }),
    ]);
  });
}

/** Kept instead of a registration when there is no public address: the operator was told once. */
const UNREGISTERED = 'unregistered';
const registrationKey = (channelId: string) => `channel.${channelId}.fulfilmentService`;

async function readRegistration(
  db: Db,
  channelId: string,
): Promise<FulfilmentService | typeof UNREGISTERED | null> {
  const known = await getSetting(db, registrationKey(channelId));
  return known === null || known === UNREGISTERED ? known : (JSON.parse(known) as FulfilmentService);
}

/** What the channel registered (ids of the service and its location), or null when it is not registered. */
export async function registeredFulfilmentService(
  db: Db,
  channelId: string,
): Promise<FulfilmentService | null> {
  const known = await readRegistration(db, channelId);
  return known === UNREGISTERED ? null : known;
}

/** Makes sure every channel has its recurring look at fulfilment requests queued (one job per channel, by key). */
export async function ensureFulfilmentRequests(
  ctx: AppContext,
  tx: Db,
  channelIds: readonly string[],
): Promise<void> {
  if (channelIds.length === 0) return;
  await ctx.queue.add(
    tx,
    answerFulfilmentRequestsJob,
    channelIds.map((channelId) => ({ channelId })),
  );
}

/**
 * The channel's nudge (or, without a channel, a setup change): its fulfilment requests are looked at now instead of
 * at the next turn (coalesced; a run under way runs again when it ends).
 */
export async function wakeFulfilmentRequests(tx: Db, now: number, channelId?: string): Promise<boolean> {
  return (
    (await wakeJobs(
      tx,
      channelId ? { key: answerFulfilmentRequestsJob.key({ channelId }) } : { kind: JOB_KIND },
      now,
    )) > 0
  );
}

async function record(tx: Db, now: Date, orderId: string, type: string, data: object): Promise<void> {
  await recordEvents(tx, now, [{ orderId, subjectType: 'order', subjectId: orderId, type, data }]);
}

function channelEvent(channelId: string, type: string, data: object): TimelineEvent {
  return { orderId: null, subjectType: 'job', subjectId: channelId, type, data: { channelId, ...data } };
}
