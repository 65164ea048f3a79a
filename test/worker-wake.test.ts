import { afterEach, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { TEST_SECRET_KEY } from './support/hub.ts';
import { until } from './support/until.ts';

describeEachDatabase('the local worker is woken by the commit that queued work', (dialect) => {
  let hub: Hub | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await hub?.close(1_000);
    await database?.drop();
  });

  it('even when a transaction that queued nothing commits while it is open (side by side on PostgreSQL)', async () => {
    database = await createTestDatabase(dialect);
    // A poll far longer than the test: only a wake-up can start the job in time.
    hub = await createHub({
      databaseUrl: database.url,
      secretKey: TEST_SECRET_KEY,
      migrate: true,
      worker: true,
      http: false,
      logLevel: 'silent',
      workerOptions: { pollMs: 600_000 },
    });
    const { store, ctx } = hub;
    const worker = hub.worker!;
    const busy = async () =>
      (
        await store.db
          .selectFrom('jobs')
          .select('id')
          .where((eb) =>
            eb.or([
              eb('state', '=', 'running'),
              eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', Date.now())]),
            ]),
          )
          .execute()
      ).length;
    await until('the worker is idle after its start', async () => (await busy()) === 0);
    const completed = worker.stats.completed;

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const queuing = store.transact(async (tx) => {
      await ctx.queue.enqueue(tx, { kind: 'po.ack-sweep', key: 'wake-test', payload: {} });
      await held;
    });
    const other = store.transact((tx) => tx.selectFrom('jobs').select('id').execute());
    // PostgreSQL commits the other transaction first; on SQLite it waits for the open one's group commit.
    if (store.caps.rowLocks) await other;
    // The worker looks (woken by that commit, or here) while the job is not yet committed, and finds nothing.
    const polls = worker.stats.polls;
    worker.wake();
    await until('the worker looked while the job was not committed', () => worker.stats.polls > polls);
    release();
    await Promise.all([queuing, other]);

    await until(
      'the queued job ran',
      () => worker.stats.completed > completed,
      5_000,
      () => `completed ${worker.stats.completed}`,
    );
    expect(worker.stats.completed).toBeGreaterThan(completed);
  });
});
