import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  const put = (key: string) => store.transact((tx) => tx.insertInto('settings').values({ key, value: 'v' }).execute());
  const keys = async () => (await store.db.selectFrom('settings').select('key').orderBy('key').execute()).map((r) => r.key);

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
