import { defineJob, jobKind } from '../jobs/job.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';

/** How often the database's housekeeping looks at the tables (autovacuum's own default naptime). */
export const MAINTAIN_INTERVAL_MS = 60_000;

/**
 * The database's housekeeping (store.maintain: analyses and vacuums the tables that need them), once a minute: a
 * PostgreSQL whose autovacuum is off or falls behind would otherwise plan against the statistics of empty tables and
 * let the job queue's dead rows pile up, and the hub would slow down as its tables grow.
 */
export const maintainDatabaseJob = {
  ...jobKind<Record<string, never>>('database.maintain', () => 'database.maintain'),
  bind: (ctx: AppContext) =>
    defineJob<Record<string, never>>({
      kind: maintainDatabaseJob.kind,
      maxAttempts: 10,
      // A first vacuum of a table that bloated for long can take a while; it holds no lock that writers wait on.
      timeoutMs: 10 * 60_000,
      backoff: { baseMs: 5_000, capMs: MAINTAIN_INTERVAL_MS },
      run: async () => {
        const done = await ctx.store.maintain();
        if (done.analyzed.length)
          ctx.log.info('database maintained', { analyzed: done.analyzed, vacuumed: done.vacuumed });
        return { rerunAt: new Date(ctx.clock.now().getTime() + MAINTAIN_INTERVAL_MS) };
      },
    }),
};

/** Makes sure the housekeeping is queued (one recurring job, by key). */
export async function ensureDatabaseMaintenance(ctx: AppContext, tx: Db): Promise<void> {
  await ctx.queue.add(tx, maintainDatabaseJob, [{}]);
}
