import { sql } from 'kysely';
import type { Clock } from '../domain/ids.ts';
import type { Db } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { backoffDelay, PermanentError, type AnyJobDefinition, type JobSuccess } from './job.ts';

export interface WorkerOptions {
  /** Identifies this worker's claims (host:pid:random). */
  workerId: string;
  /** Jobs run at once by this process. */
  concurrency?: number;
  /** How long a claim holds before another worker may take the job over (a crashed worker's jobs come back). */
  leaseMs?: number;
  /** Idle poll interval; a local commit wakes the worker sooner. */
  pollMs?: number;
  /** Only these job kinds are claimed (a worker process dedicated to sending, say); default every kind. */
  kinds?: readonly string[];
  random?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface WorkerStats {
  completed: number;
  retried: number;
  dead: number;
  /** Claims that took at least one job, and the milliseconds they took (idle polls not counted). */
  claims: number;
  claimMs: number;
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

/**
 * Claims due jobs, runs them, records the outcome. Any number of workers may share one PostgreSQL database: claims
 * use `FOR UPDATE SKIP LOCKED`, so two workers never take the same job, and a claim is a lease, so the jobs of a
 * worker that died come back after `leaseMs`. On SQLite the single write lock serialises claims.
 */
export class Worker {
  readonly stats: WorkerStats = { completed: 0, retried: 0, dead: 0, claims: 0, claimMs: 0 };
  readonly #inFlight = new Map<string, Promise<void>>();
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #wakeRequested = false;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #random: () => number;
  readonly #log: NonNullable<WorkerOptions['log']>;

  constructor(
    private readonly store: Store,
    private readonly definitions: ReadonlyMap<string, AnyJobDefinition>,
    private readonly clock: Clock,
    private readonly options: WorkerOptions,
  ) {
    this.#concurrency = options.concurrency ?? 16;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 100;
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
      for (const job of claimed) this.#track(job);
      // A full claim means more may be due: go again at once. Otherwise wait for a wake-up or the next poll.
      if (free === 0 || claimed.length < free) await this.#idle();
    }
  }

  #track(job: Claimed): void {
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
    const now = this.clock.now().getTime();
    const dueJobs = (db: Db) =>
      db
        .selectFrom('jobs')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('locked_until', '<', now)]),
          ]),
        )
        .$if(Boolean(this.options.kinds?.length), (q) => q.where('kind', 'in', this.options.kinds!))
        .orderBy('run_at');
    // An idle poll is a plain read: no write lock, no transaction, unless there is something to claim.
    if (!(await dueJobs(this.store.db).limit(1).executeTakeFirst())) return [];
    const started = performance.now();
    const claimed = await this.store.transact(async (tx) => {
      let due = dueJobs(tx).limit(limit);
      // A job still running here whose lease ran out is not ours to start twice (another worker may take it over).
      if (this.#inFlight.size > 0) due = due.where('id', 'not in', [...this.#inFlight.keys()]);
      if (this.store.caps.rowLocks) due = due.forUpdate().skipLocked();
      const ids = (await due.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      return tx
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
        .where('id', 'in', ids)
        .returning(['id', 'kind', 'payload', 'attempts', 'max_attempts', 'run_at'])
        .execute();
    });
    if (claimed.length > 0) {
      this.stats.claims += 1;
      this.stats.claimMs += performance.now() - started;
    }
    return claimed;
  }

  async #execute(job: Claimed): Promise<void> {
    const definition = this.definitions.get(job.kind);
    if (!definition) return this.#fail(job, new PermanentError(`no handler for job kind ${job.kind}`));
    // A job whose attempts ran out while it was claimed by workers that died (it may be what kills them).
    if (job.attempts > job.max_attempts) return this.#fail(job, new PermanentError('attempts exhausted by crashed workers'));
    const payload: unknown = JSON.parse(job.payload);
    const signal = AbortSignal.timeout(definition.timeoutMs);
    let success: JobSuccess | void;
    try {
      success = await Promise.race([
        definition.run(payload, { jobId: job.id, attempt: job.attempts, signal }),
        abortion(signal),
      ]);
    } catch (error) {
      return this.#fail(job, error);
    }
    try {
      await this.store.transact(async (tx) => {
        await this.#finish(tx, job, success?.rerunAt);
        await success?.commit?.(tx);
      });
      this.stats.completed += 1;
    } catch (error) {
      this.#log('job completion failed', { job: job.id, kind: job.kind, error: String(error) });
      await this.#fail(job, error);
    }
  }

  async #finish(tx: Db, job: Claimed, rerunAt?: Date): Promise<void> {
    const { id } = job;
    const now = this.clock.now().getTime();
    // Recurring work woken while it ran (run_at moved past the claim) runs again at once: what woke it came after its read.
    const runAt = rerunAt && sql<number>`case when run_at > cast(${job.run_at} as bigint) then cast(${Math.min(now, rerunAt.getTime())} as bigint) else cast(${rerunAt.getTime()} as bigint) end`;
    const next = runAt ? { state: 'pending', run_at: runAt, attempts: 0 } : { state: 'done' };
    const result = await tx
      .updateTable('jobs')
      .set({ ...next, locked_by: null, locked_until: null, updated_at: now, last_error: null })
      .where('id', '=', id)
      .where('locked_by', '=', this.options.workerId)
      .where('state', '=', 'running')
      .executeTakeFirst();
    // Our lease ran out and another worker took the job over: let its result count, not ours.
    if (Number(result.numUpdatedRows) !== 1) throw new Error(`lost the lease on job ${id}`);
  }

  async #fail(job: Claimed, error: unknown): Promise<void> {
    const definition = this.definitions.get(job.kind);
    const message = describe(error);
    const permanent = error instanceof PermanentError;
    const dead = permanent || !definition || job.attempts >= job.max_attempts;
    const now = this.clock.now().getTime();
    const runAt = dead || !definition ? now : now + backoffDelay(job.attempts, definition.backoff, this.#random);
    try {
      await this.store.transact(async (tx) => {
        const result = await tx
          .updateTable('jobs')
          .set({ state: dead ? 'dead' : 'pending', run_at: runAt, locked_by: null, locked_until: null, last_error: message, updated_at: now })
          .where('id', '=', job.id)
          .where('locked_by', '=', this.options.workerId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 1 && dead) await definition?.onDead?.(tx, JSON.parse(job.payload), message);
      });
    } catch (recordError) {
      // The lease will expire and the job come back; nothing is lost.
      this.#log('could not record job failure', { job: job.id, error: String(recordError) });
      return;
    }
    if (dead) this.stats.dead += 1;
    else this.stats.retried += 1;
    this.#log(dead ? 'job dead-lettered' : 'job will retry', { job: job.id, kind: job.kind, attempt: job.attempts, error: message });
  }

  async #release(ids: string[]): Promise<void> {
    const now = this.clock.now().getTime();
    await this.store.transact(async (tx) => {
      await tx
        .updateTable('jobs')
        .set((eb) => ({ state: 'pending', run_at: now, locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1), updated_at: now }))
        .where('id', 'in', ids)
        .where('locked_by', '=', this.options.workerId)
        .where('state', '=', 'running')
        .execute();
    });
  }
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error(`timed out: ${String(signal.reason)}`)), { once: true });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 1000) : String(error).slice(0, 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
