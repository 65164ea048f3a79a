import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { bumpStockToldVersion, findStockSyncState } from '../store/channels.repo.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { recordStockTold } from '../store/stock.repo.ts';
import { openStore, type Store } from '../store/store.ts';
import { StockSyncMemory } from './stock-sync-memory.ts';

const OVERLAP_MS = 5_000;

describeEachDatabase('the stock syncs’ memory', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let now: number;
  let memory: StockSyncMemory;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.url);
    await migrateToLatest(store.db);
    now = 1_000_000;
    memory = new StockSyncMemory(store.db, () => now, OVERLAP_MS);
    await store.transact(async (tx) => {
      await tx.insertInto('products').values({ id: 'p', name: 'P', created_at: 0, updated_at: 0 }).execute();
      await tx
        .insertInto('variants')
        .values(
          ['A', 'B', 'C'].map((sku) => ({ sku, product_id: 'p', name: sku, created_at: 0, updated_at: 0 })),
        )
        .execute();
      await tx
        .insertInto('channels')
        .values({
          id: 'shop',
          kind: 'storefront',
          name: 'Shop',
          currency: 'USD',
          created_at: 0,
          updated_at: 0,
        })
        .execute();
    });
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  const setLevel = (sku: string, onHand: number, stampedAt: number, bounded = 1) =>
    store.transact((tx) =>
      tx
        .insertInto('stock_levels')
        .values({ sku, bounded, on_hand: onHand, reserved: 0, updated_at: stampedAt })
        .onConflict((oc) => oc.column('sku').doUpdateSet({ bounded, on_hand: onHand, updated_at: stampedAt }))
        .execute(),
    );
  const levelsOf = (read: { levels: readonly { sku: string; onHand: number }[] }) =>
    Object.fromEntries(read.levels.map((l) => [l.sku, l.onHand]));

  it('gives every change committed before the run began, and the time of the read it comes from', async () => {
    await setLevel('A', 5, now - 100);
    const first = await memory.changedSince(0, performance.now());
    expect(levelsOf(first)).toEqual({ A: 5 });
    expect(first.readAt).toBe(now);

    now += 1_000;
    await setLevel('B', 7, now - 10);
    const second = await memory.changedSince(0, performance.now());
    expect(levelsOf(second)).toEqual({ A: 5, B: 7 });
    expect(second.readAt).toBe(now);
    // Since a point: what changed from it on only.
    expect(levelsOf(await memory.changedSince(now - 500, performance.now()))).toEqual({ B: 7 });
  });

  it('serves runs that began before a read with that read, and reads again for a run that began after it', async () => {
    await setLevel('A', 5, now - 100);
    const began = performance.now();
    const [one, two] = await Promise.all([memory.changedSince(0, began), memory.changedSince(0, began)]);
    expect(one.readAt).toBe(two.readAt);
    await setLevel('A', 4, now - 50);
    now += 1;
    // The same run start: the read above is fresh enough for it (the change is left to the next run).
    expect(levelsOf(await memory.changedSince(0, began))).toEqual({ A: 5 });
    expect(levelsOf(await memory.changedSince(0, performance.now()))).toEqual({ A: 4 });
  });

  it('finds a change stamped before the previous read that committed after it (the overlap)', async () => {
    await setLevel('A', 5, now - 100);
    await memory.changedSince(0, performance.now());
    // A transaction stamped B before that read and committed only now.
    await setLevel('B', 3, now - 2_000);
    now += 1_000;
    expect(levelsOf(await memory.changedSince(0, performance.now()))).toEqual({ A: 5, B: 3 });
  });

  it('reads from further back when a run asks for more than it holds, and drops a SKU no longer bounded', async () => {
    await setLevel('A', 5, 10);
    await setLevel('B', 6, now - 100);
    expect(levelsOf(await memory.changedSince(now - 1_000, performance.now()))).toEqual({ B: 6 });
    // A new channel's first sync asks for everything.
    expect(levelsOf(await memory.changedSince(-OVERLAP_MS, performance.now()))).toEqual({ A: 5, B: 6 });
    await setLevel('B', 6, now + 1, 0);
    now += 10;
    expect(levelsOf(await memory.changedSince(-OVERLAP_MS, performance.now()))).toEqual({ A: 5 });
  });

  it('keeps what a channel was told while the database’s version is its own, and reads it again when not', async () => {
    const tell = (levels: { sku: string; available: number }[]) =>
      store.transact(async (tx) => {
        const previous = (await findStockSyncState(tx, 'shop')).toldVersion;
        await recordStockTold(tx, 'shop', levels, now);
        return { previous, version: await bumpStockToldVersion(tx, 'shop') };
      });
    const version = async () => (await findStockSyncState(store.db, 'shop')).toldVersion;

    const first = await tell([{ sku: 'A', available: 5 }]);
    expect(Object.fromEntries(await memory.toldOf('shop', await version()))).toEqual({ A: 5 });

    // This process's own change, remembered as committed: no read needed for it to show.
    const own = await tell([{ sku: 'B', available: 2 }]);
    expect(own.previous).toBe(first.version);
    memory.remember('shop', { ...own, told: [{ sku: 'B', available: 2 }], forgotten: ['A'] });
    // (The database still has A: the copy follows what this process said it did, read as of its version.)
    expect(Object.fromEntries(await memory.toldOf('shop', own.version))).toEqual({ B: 2 });

    // Another process's change: the version moved on without this copy, which is read again.
    await tell([{ sku: 'C', available: 9 }]);
    expect(Object.fromEntries(await memory.toldOf('shop', await version()))).toEqual({ A: 5, B: 2, C: 9 });
  });

  it('drops its copy when a change of it was not made on top of the copy’s version, or rolled back', async () => {
    await store.transact((tx) => recordStockTold(tx, 'shop', [{ sku: 'A', available: 5 }], now));
    const v0 = await bumpStockToldVersion(store.db, 'shop');
    await memory.toldOf('shop', v0);
    // Another process tells C (v1); this process's next transaction finds v1 and tells B on top of it (v2).
    await store.transact((tx) => recordStockTold(tx, 'shop', [{ sku: 'C', available: 9 }], now));
    const v1 = await bumpStockToldVersion(store.db, 'shop');
    await store.transact((tx) => recordStockTold(tx, 'shop', [{ sku: 'B', available: 2 }], now));
    const v2 = await bumpStockToldVersion(store.db, 'shop');
    // The copy (at v0) lacks C: patched with B only it would claim v2 without C. It is dropped and read again.
    memory.remember('shop', { previous: v1, version: v2, told: [{ sku: 'B', available: 2 }], forgotten: [] });
    expect(Object.fromEntries(await memory.toldOf('shop', v2))).toEqual({ A: 5, B: 2, C: 9 });

    // A change remembered in a transaction that then rolled back: the database never reaches its version, so the
    // copy at that version is never trusted again.
    let rolledBackVersion = 0;
    await expect(
      store.transact(async (tx) => {
        await recordStockTold(tx, 'shop', [{ sku: 'A', available: 3 }], now);
        rolledBackVersion = await bumpStockToldVersion(tx, 'shop');
        memory.remember('shop', {
          previous: v2,
          version: rolledBackVersion,
          told: [{ sku: 'A', available: 3 }],
          forgotten: [],
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const current = (await findStockSyncState(store.db, 'shop')).toldVersion;
    expect(current).toBe(v2);
    expect(current).not.toBe(rolledBackVersion);
    expect(Object.fromEntries(await memory.toldOf('shop', current))).toEqual({ A: 5, B: 2, C: 9 });
  });
});
