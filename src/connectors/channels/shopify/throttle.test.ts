import { describe, expect, it } from 'vitest';
import { costOf, retryThrottled, ShopifyThrottledError, throttleWaitMs, type QueryCost } from './throttle.ts';

const cost = (requested: number, available: number, restoreRate: number): QueryCost => ({
  requestedQueryCost: requested,
  actualQueryCost: null,
  throttleStatus: { maximumAvailable: 1000, currentlyAvailable: available, restoreRate },
});

describe('throttleWaitMs', () => {
  it('is the missing points over the restore rate, plus a small margin', () => {
    expect(throttleWaitMs(cost(300, 100, 100))).toBe(2_000 + 50);
    expect(throttleWaitMs(cost(10, 50, 100))).toBe(50);
  });

  it('falls back to Retry-After, then to a second', () => {
    expect(throttleWaitMs(undefined, 2.5)).toBe(2_500);
    expect(throttleWaitMs(cost(10, 0, 0), 3)).toBe(3_000);
    expect(throttleWaitMs(undefined)).toBe(1_000);
  });

  it('reads extensions.cost from an answer body, and nothing from a body without one', () => {
    expect(costOf({ errors: [{ message: 'Throttled' }], extensions: { cost: cost(70, 66, 50) } })).toEqual(
      cost(70, 66, 50),
    );
    expect(costOf({ errors: 'nope' })).toBeUndefined();
  });
});

describe('retryThrottled', () => {
  const policy = { attempts: 3, maxWaitMs: 1_000, signal: AbortSignal.timeout(5_000) };

  it('waits and tries again while throttled, then returns the answer', async () => {
    let calls = 0;
    const answer = await retryThrottled(async () => {
      calls += 1;
      if (calls < 3) throw new ShopifyThrottledError(5, 'test');
      return 'done';
    }, policy);
    expect([answer, calls]).toEqual(['done', 3]);
  });

  it('gives up after the attempts, or at once when the wait is too long, with the throttle error', async () => {
    let calls = 0;
    const always = () => {
      calls += 1;
      return Promise.reject(new ShopifyThrottledError(5, 'test'));
    };
    await expect(retryThrottled(always, policy)).rejects.toBeInstanceOf(ShopifyThrottledError);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryThrottled(() => Promise.reject(new ShopifyThrottledError(60_000, 'long')), policy),
    ).rejects.toThrow(/60000 ms/);
  });

  it('lets any other error through untouched', async () => {
    const boom = new Error('boom');
    await expect(retryThrottled(() => Promise.reject(boom), policy)).rejects.toBe(boom);
  });
});
