import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/support/until.ts';
import { openStore, type Store } from './store.ts';

describe('SQLite checkpoints on their own thread', () => {
  let dir: string;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The rows of `t` in the database file alone, as a copy without its log shows them: what was checkpointed. */
  const checkpointedRows = (path: string): number => {
    const copy = join(dir, `copy-${Math.random()}.db`);
    copyFileSync(path, copy);
    const db = new SQLite(copy, { readonly: true });
    try {
      return (db.prepare('select count(*) as n from t').get() as { n: number }).n;
    } catch {
      return -1; // copied half-way through a checkpoint's write, or before the table reached the file
    } finally {
      db.close();
    }
  };

  it('copies what commits write back into the database file while the store stays open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-checkpoints-'));
    const path = join(dir, 'hub.db');
    store = await openStore(`sqlite:${path}`);
    await store.transact((tx) => sql`create table t (x integer)`.execute(tx));
    // Small commits, far under the 1,000 pages after which a commit would have checkpointed by itself.
    for (let i = 0; i < 5; i++) await store.transact((tx) => sql`insert into t values (${i})`.execute(tx));
    await until('the rows in the database file', () => checkpointedRows(path) === 5);
    // Not by a commit: the store's own connection never checkpoints (it would hold the event loop while it did).
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]!.wal_autocheckpoint).toBe(0);
  });

  it('closes with its thread, the log folded into the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-checkpoints-'));
    const path = join(dir, 'hub.db');
    store = await openStore(`sqlite:${path}`);
    await store.transact((tx) => sql`create table t (x integer)`.execute(tx));
    await store.transact((tx) =>
      sql`insert into t select value from json_each(${JSON.stringify(Array.from({ length: 10_000 }, (_, i) => i))})`.execute(
        tx,
      ),
    );
    await store.close();
    store = undefined;
    expect(checkpointedRows(path)).toBe(10_000);
  });
});

describe('a process that closes its store', () => {
  it('ends by itself once the store is closed (the thread does not hold it, nor leave it unsettled)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'waybill-checkpoints-'));
    try {
      const path = join(dir, 'hub.db');
      const script = `
        import { sql } from 'kysely';
        import { openStore } from ${JSON.stringify(new URL('./store.ts', import.meta.url).href)};
        const store = await openStore(${JSON.stringify(`sqlite:${path}`)});
        await store.transact((tx) => sql\`create table t (x integer)\`.execute(tx));
        await store.transact((tx) => sql\`insert into t values (1)\`.execute(tx));
        await store.close();
      `;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const db = new SQLite(path, { readonly: true });
      expect((db.prepare('select count(*) as n from t').get() as { n: number }).n).toBe(1);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
