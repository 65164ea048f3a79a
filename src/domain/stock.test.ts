import { describe, expect, it } from 'vitest';
import { allocatedToChannel, availableToPromise, parseAllocation, supplyOf } from './stock.ts';

describe('supply and available to promise', () => {
  it('sums what active suppliers report, less each safety buffer, never below zero per supplier', () => {
    expect(
      supplyOf([
        { active: true, stock: 40, safetyBuffer: 5 },
        { active: true, stock: 3, safetyBuffer: 10 },
        { active: false, stock: 100, safetyBuffer: 0 },
      ]),
    ).toEqual({ bounded: true, units: 35 });
  });

  it('is unbounded when an active offer does not report stock, bounded at zero with no active offer', () => {
    expect(
      supplyOf([
        { active: true, stock: null, safetyBuffer: 0 },
        { active: true, stock: 4, safetyBuffer: 0 },
      ]).bounded,
    ).toBe(false);
    expect(supplyOf([{ active: false, stock: null, safetyBuffer: 0 }])).toEqual({ bounded: true, units: 0 });
  });

  it('subtracts open reservations and never promises a negative number', () => {
    expect(availableToPromise({ bounded: true, onHand: 10, reserved: 4 })).toBe(6);
    expect(availableToPromise({ bounded: true, onHand: 3, reserved: 4 })).toBe(0);
    expect(availableToPromise({ bounded: false, onHand: 0, reserved: 400 })).toBeNull();
  });
});

describe('allocation per channel', () => {
  it('caps, shares (rounded down) or passes through', () => {
    expect(allocatedToChannel(40, null)).toBe(40);
    expect(allocatedToChannel(40, { cap: 5 })).toBe(5);
    expect(allocatedToChannel(3, { cap: 5 })).toBe(3);
    expect(allocatedToChannel(7, { sharePercent: 50 })).toBe(3);
    expect(allocatedToChannel(0, { sharePercent: 100 })).toBe(0);
    expect(allocatedToChannel(9, { cap: 0 })).toBe(0);
  });
  it('reads what the setup document stored', () => {
    expect(parseAllocation(null)).toBeNull();
    expect(parseAllocation('{"cap":3}')).toEqual({ cap: 3 });
    expect(parseAllocation('{"sharePercent":25}')).toEqual({ sharePercent: 25 });
  });
});
