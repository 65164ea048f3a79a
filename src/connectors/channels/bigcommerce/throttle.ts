/**
 * One store's place in BigCommerce's rate limit, as its answers tell it. BigCommerce gives each store a quota of
 * requests per window (150 per 30 s on Standard and Plus, 450 on Pro, more on Enterprise), shared by the apps that
 * call it, and every answer says how many are left (X-Rate-Limit-Requests-Left) and when the window starts afresh
 * (X-Rate-Limit-Time-Reset-Ms). Requests may go out in parallel: each one sent takes one from what is left, so
 * parallel callers stop together when the quota runs out, wait for the reset, and go on; a 429 (the quota was used
 * by someone else too) empties it until the reset it names. In a window not yet heard of (the first, or after a
 * reset) one request goes alone and the others wait for its answer to say how many are left.
 * See https://developer.bigcommerce.com/docs/start/best-practices#api-rate-limits.
 */
export class RateWindow {
  #left: number | undefined;
  #resetAt = 0;
  /** When the request sent to learn the new window's count went; null when none is out. */
  #probeSentAt: number | null = null;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Milliseconds to wait before a request may go; 0 means it may go now, and it is counted as sent. */
  delayBeforeSend(): number {
    const now = this.clock();
    if (now >= this.#resetAt) this.#left = undefined;
    if (this.#left === undefined) {
      // One asks; the rest wait for its answer (or, should it never come, ask again after a while).
      if (this.#probeSentAt !== null && now - this.#probeSentAt < PROBE_TIMEOUT_MS) return PROBE_WAIT_MS;
      this.#probeSentAt = now;
      return 0;
    }
    if (this.#left <= 0) return this.#resetAt - now + RESET_MARGIN_MS;
    this.#left -= 1;
    return 0;
  }

  /** What an answer said. In a window already known the lower count wins: answers to parallel calls cross. */
  observe(left: number | undefined, resetMs: number | undefined): void {
    this.#probeSentAt = null;
    if (left === undefined || resetMs === undefined) return;
    const now = this.clock();
    const resetAt = now + resetMs;
    const sameWindow = this.#left !== undefined && Math.abs(resetAt - this.#resetAt) < SAME_WINDOW_MS;
    this.#left = sameWindow ? Math.min(this.#left!, left) : left;
    this.#resetAt = resetAt;
  }

  /** A 429: nothing is left until the reset it names (a second when it names none). */
  throttled(resetMs: number | undefined): void {
    this.#probeSentAt = null;
    this.#left = 0;
    this.#resetAt = this.clock() + (resetMs ?? UNKNOWN_RESET_MS);
  }
}

/** Our clock and BigCommerce's are not one clock: a little past the reset, the quota is surely refreshed. */
const RESET_MARGIN_MS = 25;
/** Two answers whose resets fall this close together speak of the same window. */
const SAME_WINDOW_MS = 1_000;
const UNKNOWN_RESET_MS = 1_000;
/** How often a request waiting for the new window's count looks again. */
const PROBE_WAIT_MS = 10;
/** A request that learns the count and is not answered in this time (its answer lost) lets another ask. */
const PROBE_TIMEOUT_MS = 2_000;

/** A rate-limit header as a non-negative whole number; undefined when absent or not a number. */
export function headerCount(value: string | null): number | undefined {
  return value !== null && /^\d{1,12}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
