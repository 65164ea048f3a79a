import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { until } from '../../test/support/until.ts';
import { GroupCommit } from './group-commit.ts';
import { migrateToLatest } from './migrate.ts';
import { openStore, type Store } from './store.ts';

describe('group commit (SQLite)', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-group-commit-'));
    store = await openStore(`sqlite:${join(dir, 'w.db')}`);
    await migrateToLatest(store.db);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (key: string) =>
    store.transact((tx) => tx.insertInto('settings').values({ key, value: 'v' }).execute());
  const keys = async () =>
    (await store.db.selectFrom('settings').select('key').orderBy('key').execute()).map((r) => r.key);

  it('a unit alone that throws after writing leaves nothing behind, and the next commits', async () => {
    await expect(
      store.transact(async (tx) => {
        await tx.insertInto('settings').values({ key: 'lost', value: 'v' }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await put('kept');
    expect(await keys()).toEqual(['kept']);
  });

  it('in a batch, the unit that throws is rolled back alone and the others commit together', async () => {
    const before = store.commitStats.batches;
    const outcomes = await Promise.allSettled([
      put('a'),
      store.transact(async (tx) => {
        await tx.insertInto('settings').values({ key: 'lost', value: 'v' }).execute();
        throw new Error('boom');
      }),
      put('c'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.commitStats.batches - before).toBe(1);
    expect(await keys()).toEqual(['a', 'c']);
  });
});

describe('group commit: durable before answered', () => {
  /** A sync the test finishes by hand, so what resolves before and after it can be seen. */
  function manualSync() {
    const started: { done: () => void; fail: (error: Error) => void }[] = [];
    const sync = () => new Promise<void>((done, fail) => started.push({ done, fail }));
    return { started, sync };
  }

  const open = (sync: () => Promise<void>) => {
    const db = new Kysely<{ t: { k: string } }>({
      dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
    });
    return { db, commits: new GroupCommit(db, undefined, sync) };
  };

  const settled = async <T>(p: Promise<T>) => {
    let state = 'pending';
    p.then(
      () => (state = 'resolved'),
      () => (state = 'rejected'),
    );
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    return state;
  };

  it('a unit resolves only after a sync that began after its commit, and the next batch is written meanwhile', async () => {
    const { started, sync } = manualSync();
    const { db, commits } = open(sync);
    await sql`create table t (k text)`.execute(db);
    const insert = (k: string) => commits.run((tx) => tx.insertInto('t').values({ k }).execute());
    const first = insert('a');
    await until('the first sync started', () => started.length === 1);
    expect(await settled(first)).toBe('pending');
    // Written while the first batch's sync runs (its row is there), but its own sync waits for that one to end.
    const second = insert('b');
    const third = insert('c');
    await until(
      'b and c are written',
      async () => (await db.selectFrom('t').select('k').execute()).length === 3,
    );
    expect(started).toHaveLength(1);
    started[0]!.done();
    expect(await settled(first)).toBe('resolved');
    expect(await settled(second)).toBe('pending');
    // One sync, begun after both commits, serves both.
    await until('the second sync started', () => started.length === 2);
    started[1]!.done();
    expect([await settled(second), await settled(third)]).toEqual(['resolved', 'resolved']);
    expect(started).toHaveLength(2);
    await db.destroy();
  });

  it('a sync that fails fails the units that waited for it: none of them is told its write is durable', async () => {
    const { started, sync } = manualSync();
    const { db, commits } = open(sync);
    await sql`create table t (k text)`.execute(db);
    const write = commits.run((tx) => tx.insertInto('t').values({ k: 'a' }).execute());
    await until('the sync started', () => started.length === 1);
    started[0]!.fail(new Error('EIO: the disk went away'));
    await expect(write).rejects.toThrow('EIO');
    await db.destroy();
  });
});
