/**
 * Each SP-API operation has its own usage plan: a token bucket of `burst` requests refilled at `rate` a second, per
 * seller and app (https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits). The defaults below
 * are the tables in each operation's model; a seller whose plan is larger learns it from x-amzn-RateLimit-Limit, the
 * rate Amazon applied, on each answer. Waybill keeps a bucket of its own per operation and waits for a token before
 * sending, so it is not Amazon's 429 that paces it.
 */
export const USAGE_PLANS = {
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  confirmShipment: { rate: 2, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
  createFeedDocument: { rate: 0.0083, burst: 15 },
  createFeed: { rate: 0.0083, burst: 15 },
  getFeed: { rate: 2, burst: 15 },
  getFeedDocument: { rate: 0.0222, burst: 10 },
  getSubscription: { rate: 1, burst: 5 },
  getMarketplaceParticipations: { rate: 0.016, burst: 15 },
} as const satisfies Record<string, UsagePlan>;
export type AmazonOperation = keyof typeof USAGE_PLANS;

/**
 * A limit of the feed type on top of createFeed's plan: five JSON_LISTINGS_FEED submissions per five minutes per
 * region (Amazon's changelog "Feed size and rate limit changes for the JSON_LISTINGS_FEED", 2025-05-06).
 */
export const LISTINGS_FEED_PLAN: UsagePlan = { rate: 5 / 300, burst: 5 };

/**
 * How much later than Waybill Amazon may count a feed against the feed type's limit: Waybill takes the slot before
 * the document is made and uploaded, Amazon counts the feed when createFeed reaches it (about a second against the
 * simulator, the first feed's access token included). Amazon's refill from a full bucket starts that much later.
 */
export const LISTINGS_FEED_LATE_MS = 5_000;

export interface UsagePlan {
  /** Requests a second, sustained. */
  rate: number;
  /** Requests at once from a full bucket. */
  burst: number;
}

/** One operation's bucket for one seller and app. Time comes in from the caller: no clock of its own. */
export class TokenBucket {
  readonly burst: number;
  #tokens: number;
  /** Refilled up to here; later than now while a refill has yet to start. */
  #at: number;
  #rate: number;

  constructor(
    plan: UsagePlan,
    now: number,
    /** How much later Amazon may count a call than this bucket does (its refill from full starts that much later). */
    readonly lateMs = 0,
  ) {
    this.burst = plan.burst;
    this.#rate = plan.rate;
    this.#tokens = plan.burst;
    this.#at = now;
  }

  get rate(): number {
    return this.#rate;
  }

  /** Takes a token if one is there (0), else says how many ms until one will be, taking nothing. */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens < 1) return this.#wait(now);
    // A full bucket starts refilling with this call, Amazon's only when it counts the call.
    if (this.#tokens >= this.burst) this.#at = now + this.lateMs;
    this.#tokens -= 1;
    return 0;
  }

  /** How many ms until a token will be there (0: one is), taking nothing. */
  waitFor(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : this.#wait(now);
  }

  /** Amazon said what rate it applies (x-amzn-RateLimit-Limit): from now on, that one. */
  adopt(rate: number, now: number): void {
    if (!Number.isFinite(rate) || rate <= 0 || rate === this.#rate) return;
    this.#refill(now);
    this.#rate = rate;
  }

  /** Amazon answered 429: whatever this bucket thought, Amazon's is empty. */
  drain(now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  #wait(now: number): number {
    return Math.max(0, this.#at - now) + Math.ceil(((1 - this.#tokens) / this.#rate) * 1_000);
  }

  #refill(now: number): void {
    if (now <= this.#at) return;
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1_000) * this.#rate);
    this.#at = now;
  }
}

const buckets = new Map<string, TokenBucket>();

/** The bucket of one operation (or feed type) for one seller and app (`key`), shared by every job of this process. */
export function bucketOf(
  key: string,
  operation: AmazonOperation | 'JSON_LISTINGS_FEED',
  now: number,
): TokenBucket {
  const name = `${key} ${operation}`;
  let bucket = buckets.get(name);
  const feedType = operation === 'JSON_LISTINGS_FEED';
  const plan = feedType ? LISTINGS_FEED_PLAN : USAGE_PLANS[operation];
  if (!bucket) buckets.set(name, (bucket = new TokenBucket(plan, now, feedType ? LISTINGS_FEED_LATE_MS : 0)));
  return bucket;
}

/** x-amzn-RateLimit-Limit: a decimal number of requests a second ("0.0167"); undefined when absent or unreadable. */
export function rateLimitHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  const rate = Number(value.trim());
  return rate > 0 ? rate : undefined;
}
