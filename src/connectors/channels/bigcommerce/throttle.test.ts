import { describe, expect, it } from 'vitest';
import { headerCount, RateWindow } from './throttle.ts';

describe("BigCommerce's rate-limit window", () => {
  it('lets requests go while the quota lasts, counting each one sent, and waits out the reset when it is spent', () => {
    let now = 1_000;
    const window = new RateWindow(() => now);
    // A window not heard of yet: one request asks, the others wait for its answer.
    expect(window.delayBeforeSend()).toBe(0);
    expect(window.delayBeforeSend()).toBe(10);
    window.observe(2, 10_000);
    expect(window.delayBeforeSend()).toBe(0);
    expect(window.delayBeforeSend()).toBe(0);
    // Both spent by requests still in flight: the third waits for the reset (and a little more).
    expect(window.delayBeforeSend()).toBe(10_025);
    now += 10_000;
    expect(window.delayBeforeSend()).toBe(0);
    expect(window.delayBeforeSend()).toBe(10);
    // An answer that never came (a lost connection): another request asks after a while.
    now += 2_000;
    expect(window.delayBeforeSend()).toBe(0);
  });

  it('believes the lower count when answers to parallel calls cross within one window', () => {
    const now = 0;
    const window = new RateWindow(() => now);
    window.observe(1, 5_000);
    window.observe(9, 5_000);
    expect(window.delayBeforeSend()).toBe(0);
    expect(window.delayBeforeSend()).toBeGreaterThan(0);
    // A new window (a later reset) starts from what it says.
    window.observe(9, 20_000);
    expect(window.delayBeforeSend()).toBe(0);
  });

  it('after a 429 sends nothing until the reset it named', () => {
    let now = 0;
    const window = new RateWindow(() => now);
    window.throttled(3_000);
    expect(window.delayBeforeSend()).toBe(3_025);
    now = 3_000;
    expect(window.delayBeforeSend()).toBe(0);
    window.observe(5, 30_000);
    window.throttled(undefined);
    expect(window.delayBeforeSend()).toBe(1_025);
  });

  it('reads the headers as counts, and nothing else', () => {
    expect(headerCount('149')).toBe(149);
    expect(headerCount(' 15000 ')).toBe(15000);
    expect(headerCount(null)).toBeUndefined();
    expect(headerCount('-1')).toBeUndefined();
    expect(headerCount('soon')).toBeUndefined();
  });
});
