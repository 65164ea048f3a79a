import type { Db } from '../store/schema.ts';
import { PermanentError } from '../domain/permanent-error.ts';

export { PermanentError };

/** What every kind of durable work declares: how often to try, how to back off, what to do when it gives up. */
interface JobPolicy<P> {
  readonly kind: string;
  readonly maxAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
  /** Runs in the transaction that moves the job to the dead-letter list (e.g. flag the PO as failed). */
  onDead?(tx: Db, payload: P, error: string): Promise<void>;
  /** Runs in the transaction that replays a dead letter. */
  onReplay?(tx: Db, payload: P): Promise<void>;
}

/**
 * Work that talks to the outside (a supplier, a channel): `run` does the I/O under a lease and may return `commit`,
 * which the worker runs in the transaction that finishes the job, so "the supplier has the PO" and "the job is
 * finished" are recorded together.
 *
 * @example
 * export const notifyChannel = defineJob<{ shipmentId: string }>({
 *   kind: 'channel.notify', maxAttempts: 10, timeoutMs: 30_000, backoff: { baseMs: 500, capMs: 600_000 },
 *   run: async ({ shipmentId }, job) => {
 *     await sales.notifyFulfilment(notice, { signal: job.signal, now });   // the outside call, no transaction open
 *     return { commit: (tx) => recordEvents(tx, now, [notified]) };      // committed with the job's completion
 *   },
 * });
 */
export interface OutsideJob<P, R = never> extends JobPolicy<P> {
  /** One attempt is abandoned (and counts as a failure) after this long. */
  readonly timeoutMs: number;
  run(payload: P, ctx: JobContext): Promise<JobSuccess<R> | void>;
  /**
   * Records what the attempts that returned a `record` did, many at once: the worker finishing several such jobs in
   * one transaction hands it all their records together (a statement per table for all of them). If that throws, each
   * is handed over alone, so one job's failure is its own.
   */
  commitAll?(tx: Db, records: readonly R[]): Promise<void>;
  readonly runInTransaction?: never;
  readonly runAllInTransaction?: never;
}

/**
 * Work that is all database (taking in a stored webhook): the worker runs a batch of such jobs in one transaction,
 * each in a savepoint of its own, and finishes them in the same transaction: one that throws rolls back alone and
 * retries alone, and the others commit together, as the intake's group commit does. It must not do outside I/O,
 * and it writes through `tx` only.
 */
export interface DatabaseJob<P> extends JobPolicy<P> {
  runInTransaction(tx: Db, payload: P, ctx: Pick<JobContext, 'jobId' | 'attempt'>): Promise<void>;
  /**
   * Runs many of these jobs at once, when the worker finishes several in one transaction (a statement per table for
   * all of them). If it throws, each is run alone through runInTransaction, so one job's failure is its own.
   */
  runAllInTransaction?(tx: Db, payloads: readonly P[]): Promise<void>;
  readonly run?: never;
  readonly commitAll?: never;
}

export type JobDefinition<P, R = never> = OutsideJob<P, R> | DatabaseJob<P>;

export interface JobSuccess<R = never> {
  commit?(tx: Db): Promise<void>;
  /** What the definition's `commitAll` records of this attempt, with the others finished in the same transaction. */
  record?: R;
  /** Recurring work: instead of finishing, the same job (same row, same key) runs again at this time. */
  rerunAt?: Date;
  /**
   * Not now, and not a failure: the job did nothing (its supplier's circuit is open) and runs again at this time,
   * the attempt it was claimed with given back, so waiting burns none of its attempts. Its last error is kept.
   */
  notBefore?: Date;
}

export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/**
 * A kind of job as use cases queue it: its name, the type of its payload, and how the job's idempotency key follows
 * from the payload, so no use case builds a key by hand and two that queue the same work cannot spell it apart.
 *
 * @example
 * export const notifyChannel = jobKind('channel.notify', (p: { shipmentId: string }) => `channel.notify:${p.shipmentId}`);
 * await ctx.queue.add(tx, notifyChannel, [{ shipmentId }]);     // a second add of the same shipment adds nothing
 */
export interface JobKind<P> {
  readonly kind: string;
  key(payload: P): string;
}

export function jobKind<P>(kind: string, key: (payload: P) => string): JobKind<P> {
  return { kind, key };
}

export interface NewJob {
  kind: string;
  /** Stable idempotency key: enqueuing a key still in the queue (pending, running, dead, or kept as done) creates no second job. */
  key: string;
  payload: unknown;
  /** Not before this time (timers); default now. */
  runAt?: Date;
}

// Each definition is used with its own payload type; the registry only needs the common shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any, any>;

export function defineJob<P, R = never>(definition: JobDefinition<P, R>): JobDefinition<P, R> {
  if (definition.maxAttempts < 1) throw new Error(`${definition.kind}: maxAttempts must be at least 1`);
  return Object.freeze(definition);
}

/**
 * Exponential back-off with jitter: attempt n waits between half and all of min(cap, base·2^(n-1)), so many
 * jobs failing together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  backoff: JobPolicy<unknown>['backoff'],
  random: () => number,
): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
