import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { until } from '../../test/support/until.ts';
import { due } from './maintenance.ts';
import { migrateToLatest } from './migrate.ts';
import { openStore, type Store } from './store.ts';

describe('which tables want housekeeping (autovacuum default thresholds)', () => {
  it('analyzes a table a tenth of which changed, vacuums one whose dead rows pass a fifth of the live', () => {
    const tables = [
      { table: 'jobs', live: 100, dead: 9_000, changedSinceAnalyze: 30 },
      { table: 'orders', live: 100_000, dead: 0, changedSinceAnalyze: 10_051 },
      { table: 'events', live: 100_000, dead: 19_000, changedSinceAnalyze: 9_000 },
      { table: 'channels', live: 0, dead: 0, changedSinceAnalyze: 50 },
    ];
    expect(due(tables)).toEqual({ analyze: ['orders'], vacuum: ['jobs'] });
  });
});

describeEachDatabase('the database housekeeping', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  afterEach(async () => {
    await store?.close();
    await database?.drop();
  });

  it('analyzes and vacuums what changed much, and leaves the rest (SQLite: pragma optimize)', async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.url);
    await migrateToLatest(store.db);
    const now = Date.now();
    // A queue's life: 2,000 jobs written, then finished (deleted): dead rows and a table changed past all thresholds.
    await store.transact(async (tx) => {
      await tx
        .insertInto('jobs')
        .values(
          Array.from({ length: 2_000 }, (_, i) => ({
            id: `j${i}`,
            kind: 'test',
            key: `k${i}`,
            payload: '{}',
            state: 'pending',
            attempts: 0,
            max_attempts: 1,
            run_at: now,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await tx.deleteFrom('jobs').execute();
      // PostgreSQL counts a backend's changes when it reports them; this one now, not when it next idles.
      if (store.caps.rowLocks) await sql`select pg_stat_force_next_flush()`.execute(tx);
    });
    if (!store.caps.rowLocks) {
      expect(await store.maintain()).toEqual({ analyzed: [], vacuumed: [] });
      return;
    }
    let done = await store.maintain();
    await until(
      'the jobs table is vacuumed',
      async () =>
        done.vacuumed.includes('jobs')
          ? true
          : ((done = await store.maintain()), done.vacuumed.includes('jobs')),
      10_000,
    );
    expect(done.analyzed).toContain('jobs');
    expect(done.analyzed).not.toContain('channels');
    const { rows } = await sql<{
      vacuumed: unknown;
      analyzed: unknown;
    }>`select last_vacuum as vacuumed, last_analyze as analyzed from pg_stat_user_tables where relname = 'jobs'`.execute(
      store.db,
    );
    expect(rows[0]?.vacuumed).not.toBeNull();
    // Done: the next round finds nothing more to do for it.
    await until(
      'the vacuum is counted',
      async () => !(await store.maintain()).vacuumed.includes('jobs'),
      10_000,
    );
  });
});
