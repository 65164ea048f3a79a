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
  const version = async () => (await findStockSyncState(store.db, 'shop')).toldVersion;
  const changes = async (since: number, began = performance.now()) =>
    memory.changesFor('shop', since, began, await version());
  const levelsOf = (read: { levels: readonly { sku: string; onHand: number }[] }) =>
    Object.fromEntries(read.levels.map((l) => [l.sku, l.onHand]));
  const toldOf = (read: { levels: readonly { sku: string }[]; told: ReadonlyMap<string, number> }) =>
    Object.fromEntries(read.levels.map((l) => [l.sku, read.told.get(l.sku) ?? null]));
  /** Tells the channel these levels in one transaction, as a sync's commit does; what it found and made. */
  const tell = (levels: { sku: string; available: number }[]) =>
    store.transact(async (tx) => {
      const previous = (await findStockSyncState(tx, 'shop')).toldVersion;
      await recordStockTold(tx, 'shop', levels, now);
      return { previous, version: await bumpStockToldVersion(tx, 'shop') };
    });

  it('gives every change committed before the run began, and the time of the read it comes from', async () => {
    await setLevel('A', 5, now - 100);
    const first = await changes(0);
    expect(levelsOf(first)).toEqual({ A: 5 });
    expect(first.readAt).toBe(now);

    now += 1_000;
    await setLevel('B', 7, now - 10);
    const second = await changes(0);
    expect(levelsOf(second)).toEqual({ A: 5, B: 7 });
    expect(second.readAt).toBe(now);
    // Since a point: what changed from it on only.
    expect(levelsOf(await changes(now - 500))).toEqual({ B: 7 });
  });

  it('serves runs that began before a read with that read, and reads again for a run that began after it', async () => {
    await setLevel('A', 5, now - 100);
    const began = performance.now();
    const [one, two] = await Promise.all([changes(0, began), changes(0, began)]);
    expect(one.readAt).toBe(two.readAt);
    await setLevel('A', 4, now - 50);
    now += 1;
    // The same run start: the read above is fresh enough for it (the change is left to the next run).
    expect(levelsOf(await changes(0, began))).toEqual({ A: 5 });
    expect(levelsOf(await changes(0))).toEqual({ A: 4 });
  });

  it('finds what committed after a read though stamped before it (late commits), and only that', async () => {
    await setLevel('A', 5, now - 100);
    await setLevel('B', 6, now - 100);
    await changes(0);
    // Transactions that stamped their rows before that read and committed only after it: a SKU under a time the
    // copy has not seen, and a SKU under the very time the copy has, with another level.
    await setLevel('C', 3, now - 2_000);
    await setLevel('B', 2, now - 100);
    now += 1_000;
    const later = await changes(0);
    expect(levelsOf(later)).toEqual({ A: 5, B: 2, C: 3 });
    // What the copy had and did not change keeps its number: a channel that compared it does not again.
    const after = later.levels.find((l) => l.sku === 'A')!.seq;
    expect(after).toBeLessThan(later.levels.find((l) => l.sku === 'B')!.seq);
  });

  it('reads from further back when a run asks for more than it holds, and drops a SKU no longer bounded', async () => {
    await setLevel('A', 5, 10);
    await setLevel('B', 6, now - 100);
    expect(levelsOf(await changes(now - 1_000))).toEqual({ B: 6 });
    // A new channel's first sync asks for everything.
    expect(levelsOf(await changes(-OVERLAP_MS))).toEqual({ A: 5, B: 6 });
    await setLevel('B', 6, now + 1, 0);
    now += 10;
    expect(levelsOf(await changes(-OVERLAP_MS))).toEqual({ A: 5 });
  });

  it('gives a channel only what changed since its last complete compare, and a SKU forgotten as told again', async () => {
    await setLevel('A', 5, now - 100);
    await setLevel('B', 6, now - 100);
    const first = await changes(0);
    const told = await tell([
      { sku: 'A', available: 5 },
      { sku: 'B', available: 6 },
    ]);
    memory.remember('shop', {
      ...told,
      told: [
        { sku: 'A', available: 5 },
        { sku: 'B', available: 6 },
      ],
      forgotten: [],
    });
    memory.compared('shop', told.version, first.through);
    now += 1_000;
    expect(levelsOf(await changes(0))).toEqual({});
    await setLevel('A', 4, now - 10);
    now += 1_000;
    const second = await changes(0);
    expect(toldOf(second)).toEqual({ A: 5 });
    // A report rejected B: forgotten as told, so compared (and sent) again though its level did not change.
    const forgot = await tell([{ sku: 'A', available: 4 }]);
    memory.remember('shop', { ...forgot, told: [{ sku: 'A', available: 4 }], forgotten: ['B'] });
    memory.compared('shop', forgot.version, second.through);
    now += 1_000;
    expect(toldOf(await changes(0))).toEqual({ B: null });
  });

  it('keeps what a channel was told while the database’s version is its own, and reads it again when not', async () => {
    for (const sku of ['A', 'B', 'C']) await setLevel(sku, 1, now - 100);
    const first = await tell([{ sku: 'A', available: 5 }]);
    expect(toldOf(await changes(0))).toEqual({ A: 5, B: null, C: null });

    // This process's own change, remembered as committed: no read needed for it to show.
    const own = await tell([{ sku: 'B', available: 2 }]);
    expect(own.previous).toBe(first.version);
    memory.remember('shop', { ...own, told: [{ sku: 'B', available: 2 }], forgotten: ['A'] });
    // (The database still has A: the copy follows what this process said it did, read as of its version.)
    expect(toldOf(await changes(0))).toEqual({ A: null, B: 2, C: null });

    // Another process's change: the version moved on without this copy, which is read again.
    await tell([{ sku: 'C', available: 9 }]);
    expect(toldOf(await changes(0))).toEqual({ A: 5, B: 2, C: 9 });
  });

  it('drops its copy when a change of it was not made on top of the copy’s version, or rolled back', async () => {
    for (const sku of ['A', 'B', 'C']) await setLevel(sku, 1, now - 100);
    const v0 = (await tell([{ sku: 'A', available: 5 }])).version;
    await changes(0);
    // Another process tells C (v1); this process's next transaction finds v1 and tells B on top of it (v2).
    const v1 = await tell([{ sku: 'C', available: 9 }]);
    expect(v1.previous).toBe(v0);
    const v2 = await tell([{ sku: 'B', available: 2 }]);
    // The copy (at v0) lacks C: patched with B only it would claim v2 without C. It is dropped and read again.
    memory.remember('shop', { ...v2, told: [{ sku: 'B', available: 2 }], forgotten: [] });
    expect(toldOf(await changes(0))).toEqual({ A: 5, B: 2, C: 9 });

    // A change remembered in a transaction that then rolled back: the database never reaches its version, so the
    // copy at that version is never trusted again.
    let rolledBackVersion = 0;
    await expect(
      store.transact(async (tx) => {
        const previous = (await findStockSyncState(tx, 'shop')).toldVersion;
        await recordStockTold(tx, 'shop', [{ sku: 'A', available: 3 }], now);
        rolledBackVersion = await bumpStockToldVersion(tx, 'shop');
        memory.remember('shop', {
          previous,
          version: rolledBackVersion,
          told: [{ sku: 'A', available: 3 }],
          forgotten: [],
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await version()).toBe(v2.version);
    expect(toldOf(await changes(0))).toEqual({ A: 5, B: 2, C: 9 });
  });
});
