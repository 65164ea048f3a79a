import { sql } from 'kysely';
import type { Db } from './schema.ts';
import type { Store } from './store.ts';

let savepoints = 0;

/**
 * Runs `fn` inside a savepoint of the caller's transaction: if it throws, what it wrote is rolled back and the
 * transaction goes on (on PostgreSQL a failed statement would otherwise poison the whole transaction).
 */
export async function inSavepoint<T>(tx: Db, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  // A name of its own, so savepoints can nest (a job's, then a use case's inside it).
  const name = sql.raw(`sp_${(savepoints = (savepoints + 1) % 1_000_000)}`);
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
