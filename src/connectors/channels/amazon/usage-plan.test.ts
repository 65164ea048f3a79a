import { describe, expect, it } from 'vitest';
import type { AmazonEndpoint } from './credentials.ts';
import { AmazonThrottledError, awaitFeedTypeLimit } from './transport.ts';
import { bucketOf, LISTINGS_FEED_LATE_MS, rateLimitHeader, TokenBucket } from './usage-plan.ts';

describe('a usage plan as a token bucket', () => {
  it('gives the burst at once, then one token every 1/rate seconds', () => {
    const bucket = new TokenBucket({ rate: 2, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(500);
    expect(bucket.take(499)).toBe(2);
    expect(bucket.take(500)).toBe(0);
    expect(bucket.take(10_000)).toBe(0);
    expect([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)]).toEqual([0, 0, 500]);
  });

  it("adopts the rate Amazon says it applies, and empties on Amazon's 429", () => {
    const bucket = new TokenBucket({ rate: 0.0056, burst: 1 }, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(178_572);
    bucket.adopt(10, 0);
    expect(bucket.take(0)).toBe(100);
    expect(bucket.take(100)).toBe(0);
    bucket.drain(100);
    expect(bucket.take(100)).toBe(100);
  });

  it("starts a full bucket's refill as late as Amazon may count the call, and no later once it has started", () => {
    const bucket = new TokenBucket({ rate: 1, burst: 2 }, 0, 500);
    expect([bucket.take(0), bucket.take(0)]).toEqual([0, 0]);
    expect(bucket.take(0)).toBe(1_500);
    expect(bucket.waitFor(1_000)).toBe(500);
    expect(bucket.take(1_500)).toBe(0);
    expect(bucket.take(2_500)).toBe(0);
    expect(bucket.take(2_500)).toBe(1_000);
    // The JSON_LISTINGS_FEED slot is taken before the feed's document is made and uploaded, Amazon counting the feed
    // at createFeed: the sixth of a burst waits a refill and the time a feed may take to reach createFeed.
    const feedType = bucketOf(`seller-${Math.random()}`, 'JSON_LISTINGS_FEED', 0);
    expect([1, 2, 3, 4, 5].map(() => feedType.take(0))).toEqual([0, 0, 0, 0, 0]);
    expect(feedType.take(0)).toBe(60_000 + LISTINGS_FEED_LATE_MS);
  });

  it('says how long until a token without taking one', () => {
    const bucket = new TokenBucket({ rate: 2, burst: 1 }, 0);
    expect(bucket.waitFor(0)).toBe(0);
    expect(bucket.waitFor(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.waitFor(100)).toBe(400);
    expect(bucket.take(500)).toBe(0);
  });

  it("takes the feed type's slot only when a feed's createFeedDocument and createFeed calls are there too", async () => {
    const endpoint = { key: `seller-${Math.random()}` } as AmazonEndpoint;
    const signal = new AbortController().signal;
    const at = 1_000_000;
    // The initial sync spent createFeedDocument's burst of 15 (one every 120 s after it).
    const documents = bucketOf(endpoint.key, 'createFeedDocument', at);
    for (let i = 0; i < 15; i++) expect(documents.take(at)).toBe(0);
    const thrown = await awaitFeedTypeLimit(endpoint, signal, { maxWaitMs: 30_000, now: () => at }).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(AmazonThrottledError);
    expect((thrown as AmazonThrottledError).operation).toBe('createFeedDocument');
    // Nothing of the feed type's five was spent on the feed that could not be made.
    const feedType = bucketOf(endpoint.key, 'JSON_LISTINGS_FEED', at);
    expect([1, 2, 3, 4, 5].map(() => feedType.take(at))).toEqual([0, 0, 0, 0, 0]);
  });

  it('reads x-amzn-RateLimit-Limit as a decimal number of requests a second', () => {
    expect(rateLimitHeader('0.0167')).toBe(0.0167);
    expect(rateLimitHeader(' 5 ')).toBe(5);
    expect(rateLimitHeader(null)).toBeUndefined();
    expect(rateLimitHeader('0')).toBeUndefined();
    expect(rateLimitHeader('fast')).toBeUndefined();
  });
});
