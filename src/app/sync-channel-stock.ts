import { allocatedToChannel, availableToPromise, type Allocation } from '../domain/stock.ts';
import { defineJob, jobKind } from '../jobs/job.ts';
import { findChannel } from '../store/partners.repo.ts';
import {
  changedLevels,
  duePendingStockReports,
  recordPendingStockReports,
  recordStockTold,
  settleStockReports,
  type ChangedLevel,
  type PendingStockReport,
} from '../store/stock.repo.ts';
import { wakeJobs } from '../jobs/queue.ts';
import {
  advanceStockSyncedUntil,
  bumpStockToldVersion,
  findStockSyncState,
  listChannelIds,
} from '../store/channels.repo.ts';
import type { Db } from '../store/schema.ts';
import type { SalesChannel, SkippedStock, StockUpdate } from '../connectors/channels/sales-channel.ts';
import type { AppContext } from './context.ts';
import { openChannel } from './channel-access.ts';
import { throttleWaitOf } from '../connectors/shared/http-failure.ts';
import { recordEvents } from '../store/events.repo.ts';
import { StockSyncMemory, type KnownLevel } from './stock-sync-memory.ts';

/** How often a channel hears about changes: "a SKU at zero, every channel within seconds". */
export const STOCK_SYNC_INTERVAL_MS = 1_000;
/** How often the sync compares every SKU instead of only the changed ones, correcting whatever drifted. */
export const STOCK_RECONCILE_INTERVAL_MS = 5 * 60_000;
/**
 * Changes are read from a little before the watermark (the time the previous run read them): a transaction stamps
 * its rows before it commits, so a row stamped before that read may only have become visible after it. Re-reading
 * the overlap costs little (unchanged values are not sent again) and ends once the overlap has passed, whereas a
 * watermark on the rows' own stamps stays put while nothing changes and has every run re-read the last change.
 */
const OVERLAP_MS = 5_000;

/**
 * Keeps one channel's stock in step: every second, the SKUs whose level changed since the last run, coalesced to
 * their current value, and only those that differ from what the channel was last told, in the channel's batch size.
 * A full pass (`full: true`) compares every SKU, correcting any drift, and records how many it corrected.
 */
const STOCK_SYNC_JOB_KIND = 'channel.stock-sync';

/**
 * Brings every channel's next stock sync forward to now, in the caller's transaction, so a change of supply (a feed
 * of many SKUs) goes out at once instead of at the sync's next turn (up to a second later). Coalesced: a sync already
 * due is left alone, so any number of changes before it runs cost one run. A sync running at that moment runs again
 * as soon as it finishes (wakeJobs), not a second later. Orders do not call this: they change a few SKUs each, the
 * next turn is soon enough, and on PostgreSQL concurrent orders would queue on the job rows' locks.
 */
export async function wakeStockSyncs(tx: Db, now: number): Promise<void> {
  await wakeJobs(tx, { kind: STOCK_SYNC_JOB_KIND }, now);
}

/** One channel's sync; `full` compares every SKU, not only those changed since the last. */
interface StockSyncJob {
  channelId: string;
  full?: boolean;
}

export const syncChannelStockJob = {
  ...jobKind<StockSyncJob>(STOCK_SYNC_JOB_KIND, (p) => `${STOCK_SYNC_JOB_KIND}:${p.channelId}`),
  bind: (ctx: AppContext) =>
    defineJob<StockSyncJob>({
      kind: syncChannelStockJob.kind,
      maxAttempts: 10,
      timeoutMs: 60_000,
      backoff: { baseMs: 1_000, capMs: 60_000 },
      run: async ({ channelId, full: asked }, job) => {
        const began = performance.now();
        const now = ctx.clock.now();
        const full = asked || crossedReconcileBoundary(now.getTime());
        // Read before the channel's settings: a settings change after this point is seen at the commit.
        const { watermark, settingsAt, toldVersion } = await findStockSyncState(ctx.store.db, channelId);
        const channel = await findChannel(ctx.store.db, channelId);
        const sales = channel && openChannel(ctx, channel);
        if (!channel || !sales) return;
        if (!sales.pushStock) return { rerunAt: new Date(now.getTime() + 60_000) };

        const since = full ? 0 : watermark - OVERLAP_MS;
        const inFlight = Math.max(1, sales.stockPushesInFlight ?? 1);
        const sent: StockUpdate[] = [];
        const skipped: SkippedStock[] = [];
        const pending: PendingStockReport[] = [];
        // A slow platform (or a first push of a large catalogue) may not take everything within one run: no new batch
        // starts after this, what was sent is recorded, and the next run starts at once with the rest.
        const stopStartingAt = performance.now() + STOCK_RUN_BUDGET_MS;
        const mayStart = () => performance.now() < stopStartingAt;
        let complete = true;
        let throttledForMs: number | null = null;
        const size = sales.maxStockBatch ?? 100;
        let waiting: StockUpdate[] = [];
        let offered = 0;
        /** Pushes `updates` in batches; false when the run has to stop (its time is up, or the platform said wait). */
        const push = async (updates: StockUpdate[]): Promise<boolean> => {
          const outcome = await pushInBatches(
            sales,
            updates,
            { signal: job.signal, now, batchKey: `${channelId}:${since}`, first: offered, mayStart },
            inFlight,
          );
          offered += updates.length;
          append(skipped, outcome.skipped);
          append(pending, outcome.pending);
          append(sent, outcome.sent);
          throttledForMs = outcome.throttledForMs;
          return outcome.sent.length === updates.length;
        };
        let readAt: number;
        /** How far the memory's levels were compared (incremental runs only). */
        let comparedThrough: number | null = null;
        let pages: AsyncIterable<StockUpdate[]> | Iterable<StockUpdate[]>;
        if (full) {
          // The reconciling pass compares with the database itself, not with this process's copy of it.
          readAt = ctx.clock.now().getTime();
          pages = updatesOfPages(
            // Told with an allocation, a channel's value is not on_hand - reserved: no rows may be left out by it.
            changedLevels(ctx.store.db, channelId, since, { toldIsAvailable: channel.allocation === null }),
            channel.allocation,
          );
        } else {
          // Read once for every channel's sync (the memory's shared read), compared in memory with what was told.
          const changed = await memoryOf(ctx).changesFor(channelId, since, began, toldVersion);
          readAt = changed.readAt;
          comparedThrough = changed.through;
          pages = [knownUpdates(changed.levels, changed.told, channel.allocation)];
        }
        for await (const updates of pages) {
          // Whole batches across the pages read: a platform with large batches (Amazon's feeds of 10,000) gets them
          // full, not a page's worth each.
          append(waiting, updates);
          const whole = waiting.length - (waiting.length % size);
          if (whole === 0) continue;
          const ready = waiting.slice(0, whole);
          waiting = waiting.slice(whole);
          if (!(await push(ready))) {
            complete = false;
            break;
          }
        }
        if (complete && waiting.length > 0 && !(await push(waiting))) complete = false;
        const reports = await readStockReports(ctx, sales, channelId, job.signal, now);
        // A skipped SKU is not recorded as told, so a later pass (the reconciling one at the latest) tries it again.
        const skippedSkus = new Set(skipped.map((s) => s.sku));
        const told = skippedSkus.size ? sent.filter((u) => !skippedSkus.has(u.sku)) : sent;
        return {
          // Cut short: the rest at once. The watermark stays where it was, so the next run reads the same changes
          // again and sends only what this one did not (what was sent is recorded as told).
          rerunAt: complete
            ? nextTurn(ctx.clock.now().getTime())
            : new Date(ctx.clock.now().getTime() + (throttledForMs ?? 0)),
          commit: async (tx) => {
            // The channel's settings changed while this run pushed (a new allocation forgot what it was told): what
            // this run sent is not recorded, so the next run compares every SKU again.
            // Locked (PostgreSQL): a settings change commits wholly before this check or waits until this commit is done.
            const state = await findStockSyncState(tx, channelId, ctx.store.caps.rowLocks);
            if (state.settingsAt !== settingsAt) return;
            await recordTold(tx, channelId, told, now.getTime());
            await recordPendingStockReports(tx, channelId, pending, now.getTime());
            if (complete) await advanceStockSyncedUntil(tx, channelId, readAt);
            if (reports) await settleStockReports(tx, channelId, reports, now.getTime());
            const forgotten = reports?.rejectedSkus ?? [];
            let version = state.toldVersion;
            if (told.length || forgotten.length) {
              version = await bumpStockToldVersion(tx, channelId);
              memoryOf(ctx).remember(channelId, { previous: state.toldVersion, version, told, forgotten });
            }
            // Everything found was sent and taken: the next run compares only what changes after it.
            if (comparedThrough !== null && complete && skipped.length === 0)
              memoryOf(ctx).compared(channelId, version, comparedThrough);
            if (full && told.length) {
              await recordEvents(tx, now, [
                {
                  orderId: null,
                  subjectType: 'job',
                  subjectId: channelId,
                  type: 'stock.reconciled',
                  data: { channelId, corrected: told.length },
                },
              ]);
            }
            const rejected = reports ? [...skipped, ...reports.skipped] : skipped;
            if (rejected.length)
              await recordEvents(tx, now, [
                {
                  orderId: null,
                  subjectType: 'job',
                  subjectId: channelId,
                  type: 'stock.skipped',
                  data: { channelId, skipped: rejected },
                },
              ]);
          },
        };
      },
    }),
};

/** The update of one SKU: what the channel may promise (its allocation of ATP) when it differs from what it was told. */
function updateOf(
  sku: string,
  onHand: number,
  reserved: number,
  told: number | null,
  allocation: Allocation | null,
): StockUpdate | null {
  // The levels read are bounded SKUs only: unbounded ones are not managed on channels.
  const atp = availableToPromise({ bounded: true, onHand, reserved });
  if (atp === null) return null;
  const available = allocatedToChannel(atp, allocation);
  return told === available ? null : { sku, available, told };
}

async function* updatesOfPages(
  pages: AsyncIterable<ChangedLevel[]>,
  allocation: Allocation | null,
): AsyncGenerator<StockUpdate[]> {
  for await (const levels of pages) {
    const updates: StockUpdate[] = [];
    for (const l of levels) {
      const update = updateOf(l.sku, l.on_hand, l.reserved, l.told, allocation);
      if (update) updates.push(update);
    }
    yield updates;
  }
}

function knownUpdates(
  levels: readonly KnownLevel[],
  told: ReadonlyMap<string, number>,
  allocation: Allocation | null,
): StockUpdate[] {
  const updates: StockUpdate[] = [];
  for (const l of levels) {
    const update = updateOf(l.sku, l.onHand, l.reserved, told.get(l.sku) ?? null, allocation);
    if (update) updates.push(update);
  }
  return updates;
}

/** This process's copy of the levels and of what each channel was told, one per store (app/stock-sync-memory.ts). */
const memories = new WeakMap<object, StockSyncMemory>();

function memoryOf(ctx: AppContext): StockSyncMemory {
  let memory = memories.get(ctx.store);
  if (!memory) {
    memory = new StockSyncMemory(ctx.store.db, () => ctx.clock.now().getTime(), OVERLAP_MS);
    memories.set(ctx.store, memory);
  }
  return memory;
}

/**
 * When a sync that is up to date runs next: on a boundary of the interval, at least half of it away, so that every
 * channel's sync turns at the same moment and one read of the changes serves them all (stock-sync-memory.ts).
 */
function nextTurn(now: number): Date {
  const interval = STOCK_SYNC_INTERVAL_MS;
  return new Date(Math.ceil((now + interval / 2) / interval) * interval);
}

/** `to.push(...items)` for any number of items (a spread of 100,000 arguments overflows the stack). */
function append<T>(to: T[], items: readonly T[]): void {
  for (const item of items) to.push(item);
}

/**
 * How long a run may go on starting batches: under the job's 60 s timeout, with room for the batches in flight to
 * end and for the commit.
 */
export const STOCK_RUN_BUDGET_MS = 40_000;

/** SKUs recorded per statement: a large change is written in a few statements rather than one huge one. */
const TOLD_PER_STATEMENT = 10_000;

/**
 * Sends the updates in the channel's batch size, up to `inFlight` batches at a time, while `mayStart` allows new
 * ones; returns the updates sent and what the channel skipped or will report on later. A batch the platform's rate
 * limit refused stops new ones and says how long to wait; any other failure stops new batches and fails the run (the
 * batches are safe to repeat).
 */
export async function pushInBatches(
  sales: SalesChannel,
  updates: readonly StockUpdate[],
  options: { signal: AbortSignal; now: Date; batchKey: string; first: number; mayStart: () => boolean },
  inFlight: number,
): Promise<BatchesOutcome> {
  const size = sales.maxStockBatch ?? 100;
  const outcome: BatchesOutcome = { sent: [], skipped: [], pending: [], throttledForMs: null };
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && outcome.throttledForMs === null && next < updates.length && options.mayStart()) {
      const from = next;
      next += size;
      const batch = updates.slice(from, from + size);
      try {
        const told = await sales.pushStock?.(batch, {
          signal: options.signal,
          now: options.now,
          batchKey: `${options.batchKey}:${options.first + from}`,
        });
        outcome.sent.push(...batch);
        if (told) {
          outcome.skipped.push(...told.skipped);
          outcome.pending.push(...(told.pending ?? []));
        }
      } catch (error) {
        // The platform's limit, not a failure: what was sent stays sent, the rest waits until it allows more.
        const wait = throttleWaitOf(error);
        if (wait !== undefined) {
          outcome.throttledForMs = Math.max(outcome.throttledForMs ?? 0, wait);
          continue;
        }
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(inFlight, Math.ceil(updates.length / size))) }, lane),
  );
  return outcome;
}

/** What a run's batches did: the updates sent (batches end in any order), and whether the platform said wait. */
interface BatchesOutcome {
  sent: StockUpdate[];
  skipped: SkippedStock[];
  pending: PendingStockReport[];
  /** The platform's rate limit refused a batch: no new one was started, and this is how long it asked to wait. */
  throttledForMs: number | null;
}

/** How often a pending push's report is asked for: a platform takes minutes over a feed; its report calls are rate-limited. */
export const STOCK_REPORT_INTERVAL_MS = 10_000;
/** Reports asked for per run, oldest first: the rest wait for the next run. */
const REPORTS_PER_RUN = 20;

/**
 * What became of the channel's pending pushes that were last asked about long enough ago: the done ones with the
 * SKUs they rejected (to report, and to forget as told), the others to ask about again later. Null when there is
 * nothing to ask.
 */
async function readStockReports(
  ctx: AppContext,
  sales: SalesChannel,
  channelId: string,
  signal: AbortSignal,
  now: Date,
): Promise<{ done: string[]; pending: string[]; rejectedSkus: string[]; skipped: SkippedStock[] } | null> {
  if (!sales.stockReports) return null;
  const due = await duePendingStockReports(
    ctx.store.db,
    channelId,
    now.getTime() - STOCK_REPORT_INTERVAL_MS + 1,
    REPORTS_PER_RUN,
  );
  if (due.length === 0) return null;
  const answers = await sales.stockReports(due, { signal, now });
  const byId = new Map(answers.map((a) => [a.reportId, a]));
  const done: string[] = [];
  const pending: string[] = [];
  const skipped: SkippedStock[] = [];
  for (const report of due) {
    const answer = byId.get(report.reportId);
    if (answer?.status === 'done') {
      done.push(report.reportId);
      skipped.push(...answer.skipped);
    } else pending.push(report.reportId);
  }
  return { done, pending, rejectedSkus: [...new Set(skipped.map((s) => s.sku))], skipped };
}

async function recordTold(
  tx: Db,
  channelId: string,
  updates: readonly StockUpdate[],
  now: number,
): Promise<void> {
  for (let i = 0; i < updates.length; i += TOLD_PER_STATEMENT)
    await recordStockTold(tx, channelId, updates.slice(i, i + TOLD_PER_STATEMENT), now);
}

/** Makes sure every channel has its recurring stock sync queued (idempotent: one job per channel, by key). */
export async function ensureStockSync(ctx: AppContext): Promise<void> {
  const channels = await listChannelIds(ctx.store.db);
  if (channels.length === 0) return;
  await ctx.store.transact((tx) =>
    ctx.queue.add(
      tx,
      syncChannelStockJob,
      channels.map((channelId) => ({ channelId })),
    ),
  );
}

/** True for the first run after each reconcile boundary (runs are a second apart; a late one still crosses it). */
function crossedReconcileBoundary(now: number): boolean {
  return (
    Math.floor(now / STOCK_RECONCILE_INTERVAL_MS) !==
    Math.floor((now - STOCK_SYNC_INTERVAL_MS) / STOCK_RECONCILE_INTERVAL_MS)
  );
}
