import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { migrateToLatest } from './migrate.ts';
import { statement } from './statement.ts';
import { openStore, type Store } from './store.ts';

const settingsInsert = statement((db, _: object, rows: readonly { key: string; value: string }[]) =>
  db
    .insertInto('settings')
    .values(rows.map((r) => ({ key: r.key, value: r.value })))
    .onConflict((oc) => oc.column('key').doNothing()),
);

// A constant ('x%') and a placeholder in a template, mixed with placeholders of the builder: bound in SQL order.
const settingsLike = statement(
  (db, p: { suffix: string; longerThan: number }, rows: readonly { key: string }[]) =>
    db
      .selectFrom('settings')
      .select(['key', 'value'])
      .where('key', 'like', 'x%')
      .where(sql<boolean>`length(value) > ${p.longerThan}`)
      .where('value', 'like', sql<string>`'%' || ${p.suffix}`)
      .$if(rows.length > 0, (q) =>
        q.where(
          'key',
          'in',
          rows.map((r) => r.key),
        ),
      )
      .orderBy('key'),
);

describeEachDatabase('a statement compiled once', (dialect) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    store = await openStore(database.url);
    await migrateToLatest(store.db);
  });

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('binds each run its own values, in every shape of rows, inside and outside a transaction', async () => {
    await store.transact((tx) =>
      settingsInsert.run(tx, {}, [
        { key: 'x1', value: 'a-end' },
        { key: 'x2', value: 'bb-end' },
        { key: 'y3', value: 'ccc-end' },
      ]),
    );
    await store.transact((tx) => settingsInsert.run(tx, {}, [{ key: 'x4', value: 'dddd-end' }]));
    // Run twice with other values: the second run must not see the first one's.
    expect(
      (await settingsLike.run(store.db, { suffix: 'end', longerThan: 5 })).rows.map((r) => r.key),
    ).toEqual(['x2', 'x4']);
    expect(
      (await settingsLike.run(store.db, { suffix: 'nd', longerThan: 0 })).rows.map((r) => r.key),
    ).toEqual(['x1', 'x2', 'x4']);
    expect(
      (
        await settingsLike.run(store.db, { suffix: 'end', longerThan: 0 }, [
          { key: 'x1' },
          { key: 'x4' },
          { key: 'y3' },
        ])
      ).rows.map((r) => r.key),
    ).toEqual(['x1', 'x4']);
    const inTransaction = await store.transact((tx) =>
      settingsLike.run(tx, { suffix: 'end', longerThan: 0 }, [{ key: 'x2' }]),
    );
    expect(inTransaction.rows).toEqual([{ key: 'x2', value: 'bb-end' }]);
  });

  it('runs on a transaction the store did not open, and with more rows than it compiles, as the builder would', async () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      key: `x${String(i).padStart(3, '0')}`,
      value: `v${i}-end`,
    }));
    await store.db.transaction().execute((tx) => settingsInsert.run(tx, {}, many));
    const found = await settingsLike.run(store.db, { suffix: 'end', longerThan: 5 }, many);
    expect(found.rows.map((r) => r.key)).toEqual(many.filter((m) => m.value.length > 5).map((m) => m.key));
  });

  it('still runs after a migration adds a column to what it reads (a newer Waybill migrating while this one runs)', async () => {
    const byKey = statement((db, p: { key: string }) =>
      db.selectFrom('settings').selectAll().where('key', '=', p.key),
    );
    const named = statement((db, p: { key: string }) =>
      db.selectFrom('settings').select(['key', 'value']).where('key', '=', p.key),
    );
    await store.transact((tx) => settingsInsert.run(tx, {}, [{ key: 'k', value: 'v' }]));
    // Run a few times so that every connection of the pool has them prepared.
    for (let i = 0; i < 12; i++)
      await Promise.all([byKey.run(store.db, { key: 'k' }), named.run(store.db, { key: 'k' })]);
    await sql`alter table settings add column note text`.execute(store.db);
    for (let i = 0; i < 12; i++) {
      const [all, two] = await Promise.all([
        byKey.run(store.db, { key: 'k' }),
        named.run(store.db, { key: 'k' }),
      ]);
      expect(all.rows).toEqual([{ key: 'k', value: 'v', note: null }]);
      expect(two.rows).toEqual([{ key: 'k', value: 'v' }]);
    }
  });
});
