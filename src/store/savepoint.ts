import { sql, type Kysely } from 'kysely';
import type { Db } from './schema.ts';
import type { Store } from './store.ts';

/** Savepoints open in each transaction: a nested one is named by its depth. */
const depths = new WeakMap<object, number>();

/**
 * Runs `fn` inside a savepoint of the caller's transaction: if it throws, what it wrote is rolled back and the
 * transaction goes on (on PostgreSQL a failed statement would otherwise poison the whole transaction).
 */
export async function inSavepoint<T, DB>(tx: Kysely<DB>, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  // Named by depth, so savepoints can nest (a job's, then a use case's inside it) and the few statements this makes
  // are prepared once (a name per call filled SQLite's statement cache with statements never used again).
  const depth = (depths.get(tx) ?? 0) + 1;
  depths.set(tx, depth);
  const name = sql.raw(`sp_${depth}`);
  try {
    await sql`savepoint ${name}`.execute(tx);
    try {
      const value = await fn();
      await sql`release savepoint ${name}`.execute(tx);
      return { ok: true, value };
    } catch (error) {
      await sql`rollback to savepoint ${name}`.execute(tx);
      await sql`release savepoint ${name}`.execute(tx);
      return { ok: false, error };
    }
  } finally {
    depths.set(tx, depth - 1);
  }
}

/**
 * The store seen from inside a transaction that is already open (a batch of database jobs): reads go through the
 * transaction, and a use case's own `transact` becomes a savepoint of it, so its writes commit with the batch and
 * roll back alone if it throws. It resolves before the batch commits: such a use case must not talk to the outside.
 */
export function scopeToTransaction(store: Store, tx: Db): Store {
  return {
    ...store,
    db: tx,
    transact: async (fn) => {
      const outcome = await inSavepoint(tx, () => fn(tx));
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },
  };
}
