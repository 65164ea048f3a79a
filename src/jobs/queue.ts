import type { Clock, IdGenerator } from '../domain/ids.ts';
import type { Selectable } from 'kysely';
import { insertJobs } from '../store/jobs.repo.ts';
import type { Database, Db } from '../store/schema.ts';
import type { AnyJobDefinition, JobKind, NewJob } from './job.ts';

const DEAD_COLUMNS = [
  'id',
  'kind',
  'key',
  'payload',
  'state',
  'attempts',
  'max_attempts',
  'run_at',
  'last_error',
  'created_at',
  'updated_at',
] as const;

/** A job as the dead-letter list shows it (the claim columns stay internal to the worker). */
export type JobRow = Pick<Selectable<Database['jobs']>, (typeof DEAD_COLUMNS)[number]>;

/**
 * The transactional outbox: jobs are written in the caller's transaction, so they exist exactly when the state
 * change that caused them does. A key already present is ignored (the job was enqueued before).
 */
export class JobQueue {
  /**
   * The transactions that enqueued, read after their commit: a hint for the local worker that there is new work
   * (never a guarantee). Per transaction, not one flag: on PostgreSQL transactions commit side by side, and one that
   * enqueued nothing could take a flag set by one not yet committed, waking the worker too early and the other's
   * commit then finding the flag gone (its jobs waited for the next poll).
   */
  readonly #enqueuedIn = new WeakSet<object>();

  constructor(
    private readonly definitions: ReadonlyMap<string, AnyJobDefinition>,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /**
   * True once if jobs were enqueued in this transaction: after its commit, the caller wakes its worker (workers
   * elsewhere find the jobs by polling).
   */
  enqueuedIn(tx: Db): boolean {
    return this.#enqueuedIn.delete(tx);
  }

  /**
   * Queues jobs of one kind in the caller's transaction, each keyed by its kind from its payload (one statement
   * however many); a key already in the queue is skipped.
   */
  add<P>(tx: Db, kind: JobKind<P>, payloads: readonly P[], options: { runAt?: Date } = {}): Promise<void> {
    return this.enqueue(
      tx,
      payloads.map((payload) => ({
        kind: kind.kind,
        key: kind.key(payload),
        payload,
        ...(options.runAt ? { runAt: options.runAt } : {}),
      })),
    );
  }

  /** Writes jobs in the caller's transaction (one statement however many); a key already present is skipped. */
  async enqueue(tx: Db, jobs: NewJob | readonly NewJob[]): Promise<void> {
    const list = Array.isArray(jobs) ? jobs : [jobs as NewJob];
    if (list.length === 0) return;
    const now = this.clock.now().getTime();
    await insertJobs(
      tx,
      list.map((job) => {
        const definition = this.definitions.get(job.kind);
        if (!definition) throw new Error(`unknown job kind ${job.kind}`);
        return {
          id: this.ids.next('job'),
          kind: job.kind,
          key: job.key,
          payload: JSON.stringify(job.payload),
          max_attempts: definition.maxAttempts,
          run_at: job.runAt?.getTime() ?? now,
        };
      }),
      now,
    );
    this.#enqueuedIn.add(tx);
  }
}

/** Where a page of dead letters starts: just after this one, in the list's order. */
export interface DeadLetterCursor {
  updatedAt: number;
  id: string;
}

/** The dead-letter list, last to die first (ties by id), `limit` at a time from after `after`. */
export async function listDeadLetters(
  db: Db,
  page: { limit?: number; after?: DeadLetterCursor } = {},
): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').select(DEAD_COLUMNS).where('state', '=', 'dead');
  const after = page.after;
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('updated_at', '<', after.updatedAt),
        eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '<', after.id)]),
      ]),
    );
  return query
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit ?? 100)
    .execute();
}

export type ReplayOutcome =
  { kind: 'replayed'; job: JobRow } | { kind: 'not_found' } | { kind: 'not_dead'; state: string };

/** Puts a dead letter back in the queue with a fresh set of attempts; its idempotency key is unchanged. */
export async function replayDeadLetter(
  tx: Db,
  definitions: ReadonlyMap<string, AnyJobDefinition>,
  id: string,
  now: number,
): Promise<ReplayOutcome> {
  const job = await tx.selectFrom('jobs').select(DEAD_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!job) return { kind: 'not_found' };
  if (job.state !== 'dead') return { kind: 'not_dead', state: job.state };
  await tx
    .updateTable('jobs')
    .set({ state: 'pending', attempts: 0, run_at: now, locked_by: null, locked_until: null, updated_at: now })
    .where('id', '=', id)
    .execute();
  await definitions.get(job.kind)?.onReplay?.(tx, JSON.parse(job.payload));
  return { kind: 'replayed', job: { ...job, state: 'pending', attempts: 0, run_at: now } };
}

/**
 * Brings recurring work forward to now, in the caller's transaction: a pending job runs at the next poll, and a job
 * running at this moment runs again as soon as it finishes (the worker sees run_at moved past its claim), since what
 * woke it may have come after its read. Coalesced: a job already due is left alone. Returns how many were woken.
 */
export async function wakeJobs(
  tx: Db,
  match: { key: string } | { kind: string },
  now: number,
): Promise<number> {
  const update = tx.updateTable('jobs').set({ run_at: now });
  const matched =
    'key' in match ? update.where('key', '=', match.key) : update.where('kind', '=', match.kind);
  const woken = await matched
    .where((eb) =>
      eb.or([eb.and([eb('state', '=', 'pending'), eb('run_at', '>', now)]), eb('state', '=', 'running')]),
    )
    .executeTakeFirst();
  return Number(woken.numUpdatedRows);
}

/**
 * Takes a queued job out of the queue, in the caller's transaction; false when it was no longer waiting (a worker
 * claimed it). `untried` also requires that no attempt ever ran (a send that timed out may have arrived).
 */
export async function cancelQueuedJob(
  tx: Db,
  key: string,
  now: number,
  options: { untried: boolean },
): Promise<boolean> {
  let query = tx
    .updateTable('jobs')
    .set({ state: 'cancelled', updated_at: now })
    .where('key', '=', key)
    .where('state', '=', 'pending');
  if (options.untried) query = query.where('attempts', '=', 0);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Of these job keys, those still waiting for their first attempt. */
export async function untriedQueuedKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('jobs')
    .select('key')
    .where('key', 'in', [...keys])
    .where('state', '=', 'pending')
    .where('attempts', '=', 0)
    .execute();
  return new Set(rows.map((r) => r.key));
}
