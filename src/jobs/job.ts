import type { Db } from '../store/schema.ts';

/**
 * A kind of durable work, declared once: how often to try, how long one attempt may take, how to back off, and what
 * to do. `run` does the outside I/O and may return `commit`, which the worker runs in the same transaction that
 * marks the job done, so "the supplier has the PO" and "the job is finished" are recorded together.
 *
 * @example
 * export const sendPurchaseOrder = defineJob<{ purchaseOrderId: string }>({
 *   kind: 'po.send', maxAttempts: 10, timeoutMs: 15_000, backoff: { baseMs: 1_000, capMs: 600_000 },
 *   run: async ({ purchaseOrderId }, ctx) => { await transport.send(po, ctx.signal); return { commit: (tx) => markSent(tx, po) }; },
 * });
 */
export interface JobDefinition<P> {
  readonly kind: string;
  readonly maxAttempts: number;
  /** One attempt is abandoned (and counts as a failure) after this long. */
  readonly timeoutMs: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
  run(payload: P, ctx: JobContext): Promise<JobSuccess | void>;
  /** Runs in the transaction that moves the job to the dead-letter list (e.g. flag the PO as failed). */
  onDead?(tx: Db, payload: P, error: string): Promise<void>;
  /** Runs in the transaction that replays a dead letter. */
  onReplay?(tx: Db, payload: P): Promise<void>;
}

export interface JobSuccess {
  commit?(tx: Db): Promise<void>;
  /** Recurring work: instead of finishing, the same job (same row, same key) runs again at this time. */
  rerunAt?: Date;
}

export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** Thrown by a job to stop retrying at once: the outside system said no in a way that will not change. */
export class PermanentError extends Error {
  readonly code = 'permanent_failure';
}

export interface NewJob {
  kind: string;
  /** Stable idempotency key: enqueuing the same key twice creates one job. */
  key: string;
  payload: unknown;
  /** Not before this time (timers); default now. */
  runAt?: Date;
}

// Each definition is used with its own payload type; the registry only needs the common shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any>;

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  if (definition.maxAttempts < 1) throw new Error(`${definition.kind}: maxAttempts must be at least 1`);
  return Object.freeze(definition);
}

/**
 * Exponential back-off with jitter: attempt n waits between half and all of min(cap, base·2^(n-1)), so many
 * jobs failing together do not retry together.
 */
export function backoffDelay(attempt: number, backoff: JobDefinition<unknown>['backoff'], random: () => number): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
