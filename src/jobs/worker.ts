import { sql, type SelectQueryBuilder } from 'kysely';
import type { Clock } from '../domain/ids.ts';
import { inSavepoint } from '../store/savepoint.ts';
import type { Database, Db } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import {
  backoffDelay,
  PermanentError,
  type AnyJobDefinition,
  type DatabaseJob,
  type JobSuccess,
} from './job.ts';

export interface WorkerOptions {
  /** Identifies this worker's claims (host:pid:random). */
  workerId: string;
  /** Jobs held by this process at once (running, or waiting to be finished in the next batch). */
  concurrency?: number;
  /** How long a claim holds before another worker may take the job over (a crashed worker's jobs come back). */
  leaseMs?: number;
  /** Idle poll interval; a local commit wakes the worker sooner. */
  pollMs?: number;
  /** Only these job kinds are claimed (a worker process dedicated to sending, say); default every kind. */
  kinds?: readonly string[];
  /**
   * How long a finished job stays in the queue as `done`, for a look (then it is pruned); 0, the default, deletes it
   * with its last attempt, so the queue holds only what is still to do.
   */
  keepDoneMs?: number;
  random?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface WorkerStats {
  completed: number;
  retried: number;
  dead: number;
  /** Jobs that did nothing and come back later with their attempt given back (a supplier's circuit open). */
  deferred: number;
  /** Looks for due jobs, the idle ones included (a poll, or a wake-up). */
  polls: number;
  /** Claims that took at least one job, and the milliseconds they took (idle polls not counted). */
  claims: number;
  claimMs: number;
  /** Transactions that finished jobs, and the jobs they finished (done, retried or dead). */
  batches: number;
  batchedJobs: number;
  /** Jobs of a batch that waited too long for a row another batch held, and were finished again alone (PostgreSQL). */
  contended: number;
}

interface Claimed {
  id: string;
  kind: string;
  payload: string;
  attempts: number;
  max_attempts: number;
  /** When this worker claimed it: a later run_at means it was woken while it ran (wakeJobs). */
  run_at: number;
}

/** How a piece of a finishing transaction ended (inSavepoint's answer). */
type Settled = Awaited<ReturnType<typeof inSavepoint<unknown, Database>>>;
/** The outcome of each job of a kind that was done together. */
const TOGETHER: Settled = { ok: true, value: undefined };

/** What is left to do for a claimed job in the next finishing transaction. */
type Finish =
  | { job: Claimed; how: 'run'; definition: DatabaseJob<unknown> }
  | { job: Claimed; how: 'commit'; success: JobSuccess<unknown> | void }
  | { job: Claimed; how: 'fail'; error: unknown };

type Finished =
  | { kind: 'done' }
  | { kind: 'rerun' }
  | { kind: 'deferred' }
  | { kind: 'lost' }
  | { kind: 'retry' | 'dead'; error: string }
  | { kind: 'again' };

/**
 * Jobs held at once by default. A job holds its place until its outcome is committed and synced, a few milliseconds
 * after its own work ended: with 64, a burst of orders piled up behind the PO sends (2,800 due at once in the bench);
 * with 192 the sends kept up with the intake.
 */
const DEFAULT_CONCURRENCY = 192;
/** How often, at most, a worker looks for jobs whose lease ran out (a quarter of the lease if that is shorter). */
const LEASE_CHECK_MS = 1_000;
/** How often a worker that keeps done jobs prunes those older than keepDoneMs. */
const PRUNE_EVERY_MS = 60_000;
/** Finishing transactions one PostgreSQL worker runs side by side (each on a connection of the pool). */
const PARALLEL_FINISHES = 4;
/** Jobs finished in one transaction at most: a bigger batch holds the write lock (SQLite) for longer. */
const FINISH_BATCH = 128;
/**
 * PostgreSQL: how long a job in a batch waits for a row another transaction holds (two batches reserving the same
 * SKUs in opposite orders would otherwise wait for the server's deadlock check, a second). The job that waited is
 * rolled back alone and finished again after the batch, alone and patient; its attempt is not counted.
 */
const LOCK_TIMEOUT = '100ms';

/**
 * Claims due jobs, runs them, records the outcome. Any number of workers may share one PostgreSQL database: claims
 * use `FOR UPDATE SKIP LOCKED`, so two workers never take the same job, and a claim is a lease, so the jobs of a
 * worker that died come back after `leaseMs`. On SQLite the single write lock serialises claims.
 *
 * Jobs are claimed many at a time and finished many at a time: every outcome waiting when a transaction starts
 * (the commits of outside jobs that ended, failures, and whole database jobs, each in a savepoint) goes into it, so
 * the queue costs a few statements per batch rather than per job. A finished job's row is deleted (or kept for
 * `keepDoneMs`): the hot table holds only what is still to do, and its outcome lives in the timeline of what it changed.
 */
export class Worker {
  readonly stats: WorkerStats = {
    completed: 0,
    retried: 0,
    dead: 0,
    deferred: 0,
    polls: 0,
    claims: 0,
    claimMs: 0,
    batches: 0,
    batchedJobs: 0,
    contended: 0,
  };
  readonly #inFlight = new Map<string, Promise<void>>();
  #finishing: { entry: Finish; settle: () => void }[] = [];
  /** Finishing transactions under way, and how many may be (one where writes serialise anyway: SQLite). */
  #flushes = 0;
  readonly #maxFlushes: number;
  readonly #finishBatchSize: number;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #wakeRequested = false;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #keepDoneMs: number;
  #prunedAt = 0;
  #leasesCheckedAt = Number.NEGATIVE_INFINITY;
  #lastClaimFull = false;
  readonly #random: () => number;
  readonly #log: NonNullable<WorkerOptions['log']>;

  constructor(
    private readonly store: Store,
    private readonly definitions: ReadonlyMap<string, AnyJobDefinition>,
    private readonly clock: Clock,
    private readonly options: WorkerOptions,
  ) {
    this.#concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 100;
    this.#keepDoneMs = options.keepDoneMs ?? 0;
    // PostgreSQL runs transactions side by side: while one batch waits on the network, another can be built.
    this.#maxFlushes = store.caps.rowLocks ? PARALLEL_FINISHES : 1;
    // Smaller there, so that the batches of a claim are spread over the parallel transactions.
    this.#finishBatchSize = store.caps.rowLocks ? FINISH_BATCH / PARALLEL_FINISHES : FINISH_BATCH;
    this.#random = options.random ?? Math.random;
    this.#log = options.log ?? (() => undefined);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ask the worker to look for due jobs now (after a local commit that enqueued some). */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#wakeRequested = true;
  }

  /**
   * Stop claiming, let running jobs finish for up to `graceMs`, then give back what is still running so another
   * worker can take it at once instead of waiting for the lease to expire.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#loop;
    const settled = Promise.allSettled([...this.#inFlight.values()]);
    const timedOut = await Promise.race([settled.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut && this.#inFlight.size > 0) await this.#release([...this.#inFlight.keys()]);
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const free = this.#concurrency - this.#inFlight.size;
      let claimed: Claimed[] = [];
      if (free > 0) {
        try {
          claimed = await this.#claim(free);
        } catch (error) {
          this.#log('job claim failed', { error: String(error) });
        }
      }
      for (const job of claimed) this.#start(job);
      // A full claim means more may be due: go again at once. Otherwise wait for a wake-up or the next poll.
      if (free === 0 || claimed.length < free) await this.#idle();
    }
  }

  #start(job: Claimed): void {
    const running = this.#execute(job).finally(() => {
      this.#inFlight.delete(job.id);
      this.wake();
    });
    this.#inFlight.set(job.id, running);
  }

  #idle(): Promise<void> {
    if (this.#wakeRequested) {
      this.#wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        this.#wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, this.#pollMs);
      this.#wake = done;
    });
  }

  async #claim(limit: number): Promise<Claimed[]> {
    this.stats.polls += 1;
    const now = this.clock.now().getTime();
    const kinds = this.options.kinds?.length ? this.options.kinds : null;
    const lateToo = now - this.#leasesCheckedAt >= Math.min(LEASE_CHECK_MS, this.#leaseMs / 4);
    // Two queries, each one range of its index in order: an OR of the two made the database sort every due job
    // for each claim, which under load cost more than the jobs.
    const pending = (db: Db) =>
      db
        .selectFrom('jobs')
        .select('id')
        .where('state', '=', 'pending')
        .where('run_at', '<=', now)
        .$if(kinds !== null, (q) => q.where('kind', 'in', kinds!))
        .orderBy('run_at');
    const leaseOver = (db: Db) =>
      db
        .selectFrom('jobs')
        .select('id')
        .where('state', '=', 'running')
        .where('locked_until', '<', now)
        .$if(kinds !== null, (q) => q.where('kind', 'in', kinds!));
    // An idle poll is a plain read: no write lock, no transaction, unless there is something to claim. After a full
    // claim more is likely due: no read first.
    if (!this.#lastClaimFull) {
      const anything =
        (await pending(this.store.db).limit(1).executeTakeFirst()) ??
        (lateToo ? await leaseOver(this.store.db).limit(1).executeTakeFirst() : undefined);
      if (!anything) {
        if (lateToo) this.#leasesCheckedAt = now;
        return [];
      }
    }
    const started = performance.now();
    // One statement each: the ids chosen and taken at once (on PostgreSQL the rows another worker is taking are
    // skipped), so a claim is a round trip, not a transaction.
    const take = (db: Db, ids: SelectQueryBuilder<Database, 'jobs', { id: string }>) =>
      db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running',
          // Stamped with the claim, so that a wake-up while it runs (a later run_at) can be told apart.
          run_at: now,
          locked_by: this.options.workerId,
          locked_until: now + this.#leaseMs,
          attempts: eb('attempts', '+', 1),
          updated_at: now,
        }))
        .where('id', 'in', this.store.caps.rowLocks ? ids.forUpdate().skipLocked() : ids)
        .returning(['id', 'kind', 'payload', 'attempts', 'max_attempts', 'run_at'])
        .execute();
    const claimed = await this.store.autocommit(async (db) => {
      const due = await take(db, pending(db).limit(limit));
      // Leases run out only when a worker died: looked for now and then, not at every claim.
      if (due.length === limit || !lateToo) return due;
      this.#leasesCheckedAt = now;
      // A job still running here whose lease ran out is not ours to start twice (another worker may take it over).
      const late =
        this.#inFlight.size > 0
          ? leaseOver(db).where('id', 'not in', [...this.#inFlight.keys()])
          : leaseOver(db);
      try {
        return [...due, ...(await take(db, late.limit(limit - due.length)))];
      } catch (error) {
        // On PostgreSQL the due jobs are already ours (committed): start them rather than leave them to their lease.
        this.#log('claim of jobs whose lease ran out failed', { error: String(error) });
        return due;
      }
    });
    this.#lastClaimFull = claimed.length === limit;
    // Started oldest first (ids are in the order jobs were queued): an update does not answer in any order.
    claimed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (claimed.length > 0) {
      this.stats.claims += 1;
      this.stats.claimMs += performance.now() - started;
    }
    return claimed;
  }

  /** Runs an outside job's I/O here; a database job is run by the finishing transaction itself. */
  async #execute(job: Claimed): Promise<void> {
    const definition = this.definitions.get(job.kind);
    if (!definition)
      return this.#finish({
        job,
        how: 'fail',
        error: new PermanentError(`no handler for job kind ${job.kind}`),
      });
    // A job whose attempts ran out while it was claimed by workers that died (it may be what kills them).
    if (job.attempts > job.max_attempts)
      return this.#finish({
        job,
        how: 'fail',
        error: new PermanentError('attempts exhausted by crashed workers'),
      });
    if (definition.runInTransaction) return this.#finish({ job, how: 'run', definition });
    // One timer per attempt, cleared when it ends (AbortSignal.timeout's timers cost more, and outlive the job).
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`the attempt took more than ${definition.timeoutMs} ms`)),
      definition.timeoutMs,
    ).unref();
    try {
      const payload: unknown = JSON.parse(job.payload);
      const success = await Promise.race([
        definition.run(payload, { jobId: job.id, attempt: job.attempts, signal: controller.signal }),
        abortion(controller.signal),
      ]);
      clearTimeout(timer);
      return await this.#finish({ job, how: 'commit', success });
    } catch (error) {
      clearTimeout(timer);
      return this.#finish({ job, how: 'fail', error });
    }
  }

  /** Resolves once the job's outcome is committed (or could not be, and its lease will bring it back). */
  #finish(entry: Finish): Promise<void> {
    return new Promise((settle) => {
      this.#finishing.push({ entry, settle });
      if (this.#flushes >= this.#maxFlushes) return;
      this.#flushes += 1;
      // Let the outcomes that are already on their way join this batch.
      setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#finishing.length > 0) {
        const batch = this.#finishing.splice(0, this.#finishBatchSize);
        await this.#finishBatch(batch.map((b) => b.entry));
        for (const b of batch) b.settle();
      }
    } finally {
      this.#flushes -= 1;
    }
  }

  async #finishBatch(batch: readonly Finish[], patient = false): Promise<void> {
    let results: Finished[];
    try {
      results = await this.store.transact((tx) => this.#finishIn(tx, batch, patient));
    } catch (error) {
      // The transaction itself failed (one job's hook broke it, the database went away): finish each alone, so
      // one bad job cannot hold the others back; a single one is recorded as failed on its own.
      if (batch.length > 1) {
        for (const entry of batch) await this.#finishBatch([entry], true);
        return;
      }
      const entry = batch[0]!;
      this.#log('job completion failed', { job: entry.job.id, kind: entry.job.kind, error: String(error) });
      await this.#failAlone(entry.job, error);
      return;
    }
    this.stats.batches += 1;
    this.stats.batchedJobs += batch.length;
    batch.forEach((entry, i) => this.#account(entry.job, results[i]!));
    for (const [i, entry] of batch.entries()) {
      if (results[i]!.kind !== 'again') continue;
      this.stats.contended += 1;
      await this.#finishBatch([entry], true);
    }
  }

  async #finishIn(tx: Db, batch: readonly Finish[], patient: boolean): Promise<Finished[]> {
    const now = this.clock.now().getTime();
    // Database jobs lock what they change (stock rows) in an order of their own; records lock their rows in id order.
    if (this.store.caps.rowLocks && !patient && batch.some((e) => e.how === 'run'))
      await sql`set local lock_timeout = ${sql.lit(LOCK_TIMEOUT)}`.execute(tx);
    let mine = tx
      .selectFrom('jobs')
      .select('id')
      .where(
        'id',
        'in',
        batch.map((e) => e.job.id),
      )
      .where('locked_by', '=', this.options.workerId)
      .where('state', '=', 'running');
    if (this.store.caps.rowLocks) mine = mine.forUpdate();
    // A job whose lease ran out was taken over by another worker: its result counts, not ours.
    const owned = new Set((await mine.execute()).map((r) => r.id));
    const together = await this.#runTogether(
      tx,
      batch.filter((e) => owned.has(e.job.id)),
    );
    const finished: string[] = [];
    const results: Finished[] = [];
    for (const entry of batch) {
      const { job } = entry;
      if (!owned.has(job.id)) {
        results.push({ kind: 'lost' });
        continue;
      }
      const outcome =
        entry.how === 'fail'
          ? { ok: false as const, error: entry.error }
          : (together.get(job.id) ?? (await inSavepoint(tx, () => this.#complete(tx, entry))));
      if (!outcome.ok) {
        if (isLockContention(outcome.error)) {
          // Not the job's fault: finished again alone after the batch, or, alone already, the whole transaction is
          // run again (store.transact retries a deadlock); its attempt is not counted either way.
          if (patient) throw outcome.error;
          results.push({ kind: 'again' });
          continue;
        }
        results.push(await this.#recordFailure(tx, job, outcome.error, now));
        continue;
      }
      const success = entry.how === 'commit' ? entry.success : undefined;
      const rerunAt = success?.rerunAt;
      if (success?.notBefore) {
        await this.#rerun(tx, job, success.notBefore, now, { sameAttempt: true });
        results.push({ kind: 'deferred' });
      } else if (rerunAt) {
        await this.#rerun(tx, job, rerunAt, now);
        results.push({ kind: 'rerun' });
      } else {
        finished.push(job.id);
        results.push({ kind: 'done' });
      }
    }
    if (finished.length > 0 && this.#keepDoneMs === 0)
      await tx.deleteFrom('jobs').where('id', 'in', finished).execute();
    if (finished.length > 0 && this.#keepDoneMs > 0)
      await tx
        .updateTable('jobs')
        .set({ state: 'done', locked_by: null, locked_until: null, last_error: null, updated_at: now })
        .where('id', 'in', finished)
        .execute();
    if (this.#keepDoneMs > 0 && now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      // run_at of a done job is when it was last claimed: the index jobs_due finds the old ones.
      await tx
        .deleteFrom('jobs')
        .where('state', '=', 'done')
        .where('run_at', '<', now - this.#keepDoneMs)
        .execute();
    }
    return results;
  }

  /**
   * What the batch's jobs of one kind can do together, done together: the records of outside jobs through their
   * definition's commitAll, database jobs through its runAllInTransaction. If that throws, so does the batch's
   * transaction, and #finishBatch finishes each job again alone (its failure is its own). A kind with one job in the
   * batch runs in a savepoint of its own. The outcome of each job so handled, by id.
   */
  async #runTogether(tx: Db, batch: readonly Finish[]): Promise<Map<string, Settled>> {
    const outcomes = new Map<string, Settled>();
    const byKind = new Map<string, { entry: Exclude<Finish, { how: 'fail' }>; item: unknown }[]>();
    for (const entry of batch) {
      if (entry.how === 'fail') continue;
      const item =
        entry.how === 'commit'
          ? entry.success?.record
          : entry.definition.runAllInTransaction
            ? JSON.parse(entry.job.payload)
            : undefined;
      if (item === undefined) continue;
      const list = byKind.get(entry.job.kind) ?? [];
      list.push({ entry, item });
      byKind.set(entry.job.kind, list);
    }
    for (const [kind, list] of byKind) {
      const definition = this.definitions.get(kind);
      const all = (items: readonly unknown[]) => () => {
        if (definition?.commitAll) return definition.commitAll(tx, items);
        if (definition?.runAllInTransaction) return definition.runAllInTransaction(tx, items);
        return Promise.reject(new Error(`${kind} returned a record but has no commitAll`));
      };
      if (list.length > 1) {
        // No savepoint (two round trips on PostgreSQL): if the lot throws, the whole batch is finished again, each alone.
        await all(list.map((l) => l.item))();
        for (const { entry } of list) outcomes.set(entry.job.id, TOGETHER);
        continue;
      }
      const [{ entry, item }] = list as [(typeof list)[number]];
      outcomes.set(
        entry.job.id,
        await inSavepoint(tx, entry.how === 'run' ? () => this.#complete(tx, entry) : all([item])),
      );
    }
    return outcomes;
  }

  async #complete(tx: Db, entry: Exclude<Finish, { how: 'fail' }>): Promise<void> {
    if (entry.how === 'commit') return entry.success?.commit?.(tx);
    return entry.definition.runInTransaction(tx, JSON.parse(entry.job.payload), {
      jobId: entry.job.id,
      attempt: entry.job.attempts,
    });
  }

  /**
   * Recurring work runs again at `rerunAt`, or at once if it was woken while it ran (what woke it came after its read).
   * A deferred job (`sameAttempt`) likewise, keeping its count of attempts as it was before this claim.
   */
  async #rerun(
    tx: Db,
    job: Claimed,
    rerunAt: Date,
    now: number,
    options: { sameAttempt?: boolean } = {},
  ): Promise<void> {
    const runAt = sql<number>`case when run_at > cast(${job.run_at} as bigint) then cast(${Math.min(now, rerunAt.getTime())} as bigint) else cast(${rerunAt.getTime()} as bigint) end`;
    await tx
      .updateTable('jobs')
      .set({
        state: 'pending',
        run_at: runAt,
        attempts: options.sameAttempt ? Math.max(0, job.attempts - 1) : 0,
        locked_by: null,
        locked_until: null,
        updated_at: now,
        ...(options.sameAttempt ? {} : { last_error: null }),
      })
      .where('id', '=', job.id)
      .execute();
  }

  async #recordFailure(tx: Db, job: Claimed, error: unknown, now: number): Promise<Finished> {
    const message = describe(error);
    const definition = this.definitions.get(job.kind);
    const dead = error instanceof PermanentError || !definition || job.attempts >= job.max_attempts;
    const runAt =
      dead || !definition ? now : now + backoffDelay(job.attempts, definition.backoff, this.#random);
    await tx
      .updateTable('jobs')
      .set({
        state: dead ? 'dead' : 'pending',
        run_at: runAt,
        locked_by: null,
        locked_until: null,
        last_error: message,
        updated_at: now,
      })
      .where('id', '=', job.id)
      .execute();
    if (dead) await definition?.onDead?.(tx, JSON.parse(job.payload), message);
    return { kind: dead ? 'dead' : 'retry', error: message };
  }

  /** The failure of a job whose finishing transaction failed, in a transaction of its own. */
  async #failAlone(job: Claimed, error: unknown): Promise<void> {
    try {
      const result = await this.store.transact(async (tx) => {
        const mine = await tx
          .selectFrom('jobs')
          .select('id')
          .where('id', '=', job.id)
          .where('locked_by', '=', this.options.workerId)
          .where('state', '=', 'running')
          .executeTakeFirst();
        return mine
          ? this.#recordFailure(tx, job, error, this.clock.now().getTime())
          : ({ kind: 'lost' } as const);
      });
      this.#account(job, result);
    } catch (recordError) {
      // The lease will expire and the job come back; nothing is lost.
      this.#log('could not record job failure', { job: job.id, error: String(recordError) });
    }
  }

  #account(job: Claimed, result: Finished): void {
    if (result.kind === 'done' || result.kind === 'rerun') this.stats.completed += 1;
    else if (result.kind === 'deferred') this.stats.deferred += 1;
    else if (result.kind === 'retry') this.stats.retried += 1;
    else if (result.kind === 'dead') this.stats.dead += 1;
    if (result.kind === 'retry' || result.kind === 'dead')
      this.#log(result.kind === 'dead' ? 'job dead-lettered' : 'job will retry', {
        job: job.id,
        kind: job.kind,
        attempt: job.attempts,
        error: result.error,
      });
  }

  async #release(ids: string[]): Promise<void> {
    const now = this.clock.now().getTime();
    await this.store.transact(async (tx) => {
      await tx
        .updateTable('jobs')
        .set((eb) => ({
          state: 'pending',
          run_at: now,
          locked_by: null,
          locked_until: null,
          attempts: eb('attempts', '-', 1),
          updated_at: now,
        }))
        .where('id', 'in', ids)
        .where('locked_by', '=', this.options.workerId)
        .where('state', '=', 'running')
        .execute();
    });
  }
}

/**
 * PostgreSQL gave up waiting for another transaction's row: the batch's lock_timeout ran out (lock_not_available),
 * or two transactions waited on each other (deadlock_detected: two finishing batches whose records lock the same rows
 * in opposite orders), or a serialization failure. Running it again, later or alone, succeeds.
 */
function isLockContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '55P03' || code === '40P01' || code === '40001';
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error(`timed out: ${String(signal.reason)}`)), {
      once: true,
    });
  });
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`.slice(0, 1000)
    : String(error).slice(0, 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
