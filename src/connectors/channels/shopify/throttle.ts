import { throttledFor } from '../../shared/http-failure.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/**
 * Shopify's Admin GraphQL API is rate-limited by calculated query cost: each app and store pair has a leaky bucket of
 * points that refills at `restoreRate` points a second, and every answer reports it in `extensions.cost`. A call
 * that needs more points than the bucket holds is refused as THROTTLED (HTTP 200 or 429) without being run, so
 * sending it again once the bucket has refilled is always safe, mutations included.
 */
export const queryCost = z.object({
  requestedQueryCost: z.number(),
  actualQueryCost: z.number().nullable().optional(),
  throttleStatus: z.object({
    maximumAvailable: z.number(),
    currentlyAvailable: z.number(),
    restoreRate: z.number(),
  }),
});
export type QueryCost = z.infer<typeof queryCost>;

const costEnvelope = z.object({ extensions: z.object({ cost: queryCost }) });

/** The `extensions.cost` of an answer body, when it has one. */
export function costOf(body: unknown): QueryCost | undefined {
  const parsed = costEnvelope.safeParse(body);
  return parsed.success ? parsed.data.extensions.cost : undefined;
}

/** Margin over the computed wait: the bucket refills continuously, and our clock and Shopify's are not one clock. */
const WAIT_MARGIN_MS = 50;
/** When Shopify said "throttled" but not by how much (a bare 429). */
const UNKNOWN_WAIT_MS = 1_000;

/** Shopify refused a call for lack of points; nothing was run. `waitMs` is how long until it can succeed. */
export class ShopifyThrottledError extends Error {
  constructor(
    readonly waitMs: number,
    detail: string,
  ) {
    super(`Shopify throttled the call (${detail}); ready again in ${waitMs} ms`);
    this.name = 'ShopifyThrottledError';
    throttledFor(this, waitMs);
  }
}

/** (points needed − points available) / restore rate; Retry-After when the answer had no cost; else one second. */
export function throttleWaitMs(cost: QueryCost | undefined, retryAfterSeconds?: number): number {
  if (cost && cost.throttleStatus.restoreRate > 0) {
    const missing = Math.max(0, cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable);
    return Math.ceil((missing / cost.throttleStatus.restoreRate) * 1_000) + WAIT_MARGIN_MS;
  }
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0)
    return Math.ceil(retryAfterSeconds * 1_000);
  return UNKNOWN_WAIT_MS;
}

export function describeCost(cost: QueryCost | undefined): string {
  if (!cost) return 'no cost reported';
  const { currentlyAvailable, maximumAvailable, restoreRate } = cost.throttleStatus;
  return `needs ${cost.requestedQueryCost} points, ${currentlyAvailable} of ${maximumAvailable} available, restoring ${restoreRate}/s`;
}

export interface ThrottlePolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** A longer wait is not sat out inside the job: the error goes up and the job's own back-off takes over. */
  maxWaitMs: number;
  signal: AbortSignal;
}

/**
 * Runs `call`, sitting out THROTTLED answers for as long as Shopify says the bucket needs. Gives up (rethrowing the
 * throttle error, which the job worker retries later with back-off) after `attempts` tries or when a wait would be
 * longer than `maxWaitMs`. Any other error goes straight up.
 */
export async function retryThrottled<T>(call: () => Promise<T>, policy: ThrottlePolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (
        !(error instanceof ShopifyThrottledError) ||
        attempt >= policy.attempts ||
        error.waitMs > policy.maxWaitMs
      )
        throw error;
      await sleep(error.waitMs, undefined, { signal: policy.signal });
    }
  }
}
