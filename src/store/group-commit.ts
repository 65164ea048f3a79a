import { CompiledQuery, type Kysely } from 'kysely';
import { inSavepoint } from './savepoint.ts';

type Unit<DB, T> = (tx: Kysely<DB>) => Promise<T>;
interface Pending<DB> {
  unit: Unit<DB, unknown>;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/**
 * Group commit for SQLite: every unit of work submitted while a batch is being written joins the next batch, and the
 * whole batch commits together. Each unit runs inside its own savepoint, so a unit that throws is rolled back alone
 * and the others still commit. No promise resolves before its batch is durable: after its COMMIT and then `sync`
 * (the store's fsync of the log, run off the event loop), so an answer given after `run()` resolves means the data
 * is on disk. The next batch is written while the last one's sync is under way.
 *
 * @example
 * const commits = new GroupCommit(db);
 * await commits.run(async (tx) => insertOrders(tx, [{ order }], now));
 */
export class GroupCommit<DB> {
  readonly #queue: Pending<DB>[] = [];
  #draining = false;
  /** Batches committed and units in them, for /metrics. */
  readonly stats = { batches: 0, units: 0 };

  readonly #syncs: Syncs;

  constructor(
    private readonly db: Kysely<DB>,
    /** Told of each batch's connection before its units run on it. */
    private readonly onConnection: (conn: Kysely<DB>) => void = () => undefined,
    /** Makes what was committed so far durable; nothing to do where COMMIT is durable by itself. */
    sync: () => Promise<void> = () => Promise.resolve(),
    private readonly maxBatch = 512,
  ) {
    this.#syncs = new Syncs(sync);
  }

  run<T>(unit: Unit<DB, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ unit: unit as Unit<DB, unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        // Let the requests that are already readable join this batch before it starts.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        await this.#commit(batch);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #commit(batch: Pending<DB>[]): Promise<void> {
    const outcomes: Awaited<ReturnType<typeof inSavepoint<unknown, DB>>>[] = [];
    try {
      await this.db.connection().execute(async (conn) => {
        this.onConnection(conn);
        // IMMEDIATE takes the write lock up front, so a second process (a separate worker) waits on busy_timeout
        // instead of failing to upgrade a read lock half-way through.
        await conn.executeQuery(BEGIN_IMMEDIATE);
        try {
          // A unit alone needs no savepoint: if it throws, the whole transaction is rolled back, which is the same.
          if (batch.length === 1) outcomes.push(await settle(() => batch[0]!.unit(conn)));
          else for (const item of batch) outcomes.push(await inSavepoint(conn, () => item.unit(conn)));
          if (outcomes.every((o) => !o.ok)) await conn.executeQuery(ROLLBACK);
          else await conn.executeQuery(COMMIT);
        } catch (error) {
          await conn.executeQuery(ROLLBACK).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    this.stats.batches += 1;
    this.stats.units += batch.length;
    // Not awaited: the next batch is written meanwhile. A unit that failed has nothing to wait for.
    const durable = outcomes.some((o) => o.ok) ? this.#syncs.after() : Promise.resolve();
    void durable.then(
      () =>
        batch.forEach((item, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        }),
      // Committed but perhaps not on disk: no one is told it is (a webhook is refused, and sent again).
      (error: unknown) =>
        batch.forEach((item, i) =>
          item.reject(outcomes[i]!.ok ? error : (outcomes[i] as { error: unknown }).error),
        ),
    );
  }
}

/**
 * Syncs run one at a time, each covering every commit before it started: `after()` resolves once a sync that began
 * after the call has completed. Calls while one runs share the next.
 */
class Syncs {
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(private readonly sync: () => Promise<void>) {}

  after(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#running) return this.#start();
    this.#next = this.#running.then(noop, noop).then(() => {
      this.#next = null;
      return this.#start();
    });
    return this.#next;
  }

  #start(): Promise<void> {
    const running = this.sync().finally(() => {
      if (this.#running === running) this.#running = null;
    });
    this.#running = running;
    return running;
  }
}

function noop(): void {}

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

async function settle<T>(
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
