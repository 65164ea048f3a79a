import type { Db } from './schema.ts';

/** How many jobs the outbox holds of each kind in each state (pairs with none are absent). */
export async function countJobsByKindAndState(
  db: Db,
): Promise<{ kind: string; state: string; count: number }[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['kind', 'state'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .groupBy(['kind', 'state'])
    .execute();
  // PostgreSQL answers a count as a bigint string.
  return rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.n) }));
}

/** How many pending jobs are due at `now` (epoch ms): work no worker has claimed yet. */
export async function countJobsDue(db: Db, now: number): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'pending')
    .where('run_at', '<=', now)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
