import { money } from '../domain/money.ts';
import { defineJob, jobKind } from '../jobs/job.ts';
import type { PriceUpdate, SkippedStock } from '../connectors/channels/sales-channel.ts';
import type { Db } from '../store/schema.ts';
import { openSalesChannel } from './channel-access.ts';
import type { AppContext } from './context.ts';
import { recordEvents } from '../store/events.repo.ts';
import { findUntoldPrices, recordPriceTold } from '../store/channels.repo.ts';

/** A sync reads at most this many changed prices; what is left is taken by the next run, queued at once. */
const PRICES_PER_RUN = 10_000;

/**
 * Sends one channel the selling prices that differ from what it was last told, in the channel's batch size, and
 * records what it was told in the job's commit. Queued when a setup change reprices SKUs (and once at start, for
 * anything left over); a price the channel refused is reported and tried again by the next sync.
 */
/** One channel's price sync, asked for at `requestedAt` (older payloads have none; only the channel is read). */
interface PriceSyncJob {
  channelId: string;
  requestedAt: number;
}

export const syncChannelPricesJob = {
  // A fresh key for each request (its time): a finished sync does not block the next.
  ...jobKind<PriceSyncJob>('channel.price-sync', (p) => `channel.price-sync:${p.channelId}:${p.requestedAt}`),
  bind: (ctx: AppContext) =>
    defineJob<PriceSyncJob>({
      kind: syncChannelPricesJob.kind,
      maxAttempts: 10,
      timeoutMs: 5 * 60_000,
      backoff: { baseMs: 1_000, capMs: 5 * 60_000 },
      run: async ({ channelId }, job) => {
        const opened = await openSalesChannel(ctx, channelId);
        if (!opened?.sales.pushPrices) return;
        const { sales } = opened;
        const now = ctx.clock.now();
        const pending = await untold(ctx.store.db, channelId);
        const batch = sales.maxPriceBatch ?? 100;
        const skipped: SkippedStock[] = [];
        for (let i = 0; i < pending.length; i += batch) {
          const outcome = await sales.pushPrices!(pending.slice(i, i + batch), {
            signal: job.signal,
            now,
            batchKey: `${channelId}:prices:${job.jobId}:${i}`,
          });
          if (outcome) skipped.push(...outcome.skipped);
        }
        const refused = new Set(skipped.map((s) => s.sku));
        const told = pending.filter((p) => !refused.has(p.sku));
        return {
          commit: async (tx) => {
            for (const p of told)
              await recordPriceTold(tx, channelId, p.sku, p.price.amount, p.compareAtPrice?.amount ?? null);
            const events = [];
            if (told.length)
              events.push({
                orderId: null,
                subjectType: 'job' as const,
                subjectId: channelId,
                type: 'prices.synced',
                data: { channelId, sent: told.length },
              });
            if (skipped.length)
              events.push({
                orderId: null,
                subjectType: 'job' as const,
                subjectId: channelId,
                type: 'prices.skipped',
                data: { channelId, skipped },
              });
            await recordEvents(tx, now, events);
            if (pending.length === PRICES_PER_RUN)
              await queuePriceSync(ctx, tx, [channelId], now.getTime() + 1);
          },
        };
      },
    }),
};

/** Queues one price sync for each of these channels (a fresh key each time: a finished sync does not block the next). */
export async function queuePriceSync(
  ctx: AppContext,
  tx: Db,
  channelIds: readonly string[],
  now: number,
): Promise<void> {
  if (channelIds.length === 0) return;
  await ctx.queue.add(
    tx,
    syncChannelPricesJob,
    channelIds.map((channelId) => ({ channelId, requestedAt: now })),
  );
}

/** Prices whose current value is not what the channel was last told (or that it was never told). */
async function untold(db: Db, channelId: string): Promise<PriceUpdate[]> {
  return (await findUntoldPrices(db, channelId, PRICES_PER_RUN)).map((r) => ({
    sku: r.sku,
    price: money(r.amount, r.currency),
    compareAtPrice: r.compareAtAmount === null ? null : money(r.compareAtAmount, r.currency),
  }));
}
