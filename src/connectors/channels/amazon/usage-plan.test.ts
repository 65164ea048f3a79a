import { describe, expect, it } from 'vitest';
import { rateLimitHeader, TokenBucket } from './usage-plan.ts';

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

  it('reads x-amzn-RateLimit-Limit as a decimal number of requests a second', () => {
    expect(rateLimitHeader('0.0167')).toBe(0.0167);
    expect(rateLimitHeader(' 5 ')).toBe(5);
    expect(rateLimitHeader(null)).toBeUndefined();
    expect(rateLimitHeader('0')).toBeUndefined();
    expect(rateLimitHeader('fast')).toBeUndefined();
  });
});
