/**
 * The HTTP status of the answer behind an error a transport threw. Kept beside the error, not in its class, so that
 * the error stays a PermanentError or a plain Error for the job worker; read by the callers that tell a refusal
 * (401, 403) from an answer that is not there at all (a connection test).
 */
const statuses = new WeakMap<Error, number>();

/** Marks `error` as thrown for an answer of this status; returns it, to be thrown. */
export function answeredWith<E extends Error>(error: E, status: number): E {
  statuses.set(error, status);
  return error;
}

/** The status of the answer behind the error, or undefined when there was none (no connection, a timeout). */
export function answeredStatus(error: unknown): number | undefined {
  return error instanceof Error ? statuses.get(error) : undefined;
}

const throttles = new WeakMap<Error, number>();

/**
 * Marks `error` as the platform's rate limit refusing a call for `waitMs` (nothing was sent): a caller with other
 * work queued (the stock sync's batches) stops starting more and comes back then, instead of failing what it did.
 */
export function throttledFor<E extends Error>(error: E, waitMs: number): E {
  throttles.set(error, Math.max(0, waitMs));
  return error;
}

/** How long the platform asked to wait, when the error is a throttle marked by throttledFor. */
export function throttleWaitOf(error: unknown): number | undefined {
  return error instanceof Error ? throttles.get(error) : undefined;
}
