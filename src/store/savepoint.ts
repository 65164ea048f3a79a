import { CompiledQuery, type Kysely } from 'kysely';
import type { Db } from './schema.ts';
import type { Store } from './store.ts';

/** Savepoints open in each transaction: a nested one is named by its depth. */
const depths = new WeakMap<object, number>();

/**
 * Runs `fn` inside a savepoint of the caller's transaction: if it throws, what it wrote is rolled back and the
 * transaction goes on (on PostgreSQL a failed statement would otherwise poison the whole transaction).
 */
export async function inSavepoint<T, DB>(
  tx: Kysely<DB>,
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  // Named by depth, so savepoints can nest (a job's, then a use case's inside it) and the few statements this makes
  // are prepared once (a name per call filled SQLite's statement cache with statements never used again).
  const depth = (depths.get(tx) ?? 0) + 1;
  depths.set(tx, depth);
  const { open, release, rollback } = savepointCommands(depth);
  try {
    await tx.executeQuery(open);
    try {
      const value = await fn();
      await tx.executeQuery(release);
      return { ok: true, value };
    } catch (error) {
      await tx.executeQuery(rollback);
      await tx.executeQuery(release);
      return { ok: false, error };
    }
  } finally {
    depths.set(tx, depth - 1);
  }
}

const commandsByDepth: { open: CompiledQuery; release: CompiledQuery; rollback: CompiledQuery }[] = [];

/** The three commands of the savepoint at this depth, made once (they run several times per job). */
function savepointCommands(depth: number) {
  return (commandsByDepth[depth] ??= {
    open: CompiledQuery.raw(`savepoint sp_${depth}`),
    release: CompiledQuery.raw(`release savepoint sp_${depth}`),
    rollback: CompiledQuery.raw(`rollback to savepoint sp_${depth}`),
  });
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
    transact: within,
    autocommit: within,
  };
  async function within<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const outcome = await inSavepoint(tx, () => fn(tx));
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
