/**
 * The simulated Amazon's usage plans: a token bucket per operation for the one seller and app it serves, with the
 * default rate and burst each operation's model states in its "Usage Plan" table (amzn/selling-partner-api-models,
 * the files under ./contracts/amazon/), and x-amzn-RateLimit-Limit on the answers that carry it. Written from those
 * tables, not from Waybill's adapter. Demo and test use only.
 */
export const AMAZON_OPERATIONS = [
  'searchOrders',
  'getOrder',
  'confirmShipment',
  'patchListingsItem',
  'createFeedDocument',
  'createFeed',
  'getFeed',
  'getFeedDocument',
  'getSubscription',
  'getMarketplaceParticipations',
] as const;
export type AmazonSimOperation = (typeof AMAZON_OPERATIONS)[number];

export interface SimUsagePlan {
  rate: number;
  burst: number;
}

export const DEFAULT_PLANS: Readonly<Record<AmazonSimOperation, SimUsagePlan>> = {
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
};

/**
 * The JSON_LISTINGS_FEED type's own limit, on top of createFeed's plan: five submissions per five minutes per region
 * (Amazon's changelog "Feed size and rate limit changes for the JSON_LISTINGS_FEED", 2025-05-06).
 */
export const LISTINGS_FEED_LIMIT: SimUsagePlan = { rate: 5 / 300, burst: 5 };

/** One token bucket, refilled continuously: `admit` takes a token or says no. */
export class Bucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly plan: SimUsagePlan,
    now: number,
  ) {
    this.#tokens = plan.burst;
    this.#at = now;
  }

  /** The calls it would admit now, without taking one (the bench's floor under a change). */
  tokens(now: number): number {
    return Math.min(this.plan.burst, this.#tokens + (Math.max(0, now - this.#at) / 1_000) * this.plan.rate);
  }

  admit(now: number): boolean {
    this.#tokens = Math.min(
      this.plan.burst,
      this.#tokens + (Math.max(0, now - this.#at) / 1_000) * this.plan.rate,
    );
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Buckets refilled continuously; `admit` takes a token or says no (the request is answered 429, nothing done). */
export class UsagePlans {
  readonly #plans: Record<AmazonSimOperation, SimUsagePlan>;
  readonly #buckets = new Map<AmazonSimOperation, Bucket>();

  constructor(overrides: Partial<Record<AmazonSimOperation, SimUsagePlan>> = {}) {
    this.#plans = { ...DEFAULT_PLANS, ...overrides };
  }

  plan(operation: AmazonSimOperation): SimUsagePlan {
    return this.#plans[operation];
  }

  set(operation: AmazonSimOperation, plan: SimUsagePlan): void {
    this.#plans[operation] = plan;
    this.#buckets.delete(operation);
  }

  /** The calls of `operation` its bucket would admit now (a full burst when it has not been called). */
  tokens(operation: AmazonSimOperation, now: number): number {
    return this.#buckets.get(operation)?.tokens(now) ?? this.#plans[operation].burst;
  }

  admit(operation: AmazonSimOperation, now: number): boolean {
    let bucket = this.#buckets.get(operation);
    if (!bucket) this.#buckets.set(operation, (bucket = new Bucket(this.#plans[operation], now)));
    return bucket.admit(now);
  }
}
