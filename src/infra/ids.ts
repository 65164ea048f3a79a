import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Clock, IdGenerator } from '../domain/ids.ts';

/** ULIDs: unique, and sortable by creation time, which keeps indexes and listings in a useful order. */
export function ulidIds(): IdGenerator {
  const ulid = monotonicFactory(pooledRandom());
  return { next: (prefix) => `${prefix}_${ulid()}` };
}

/**
 * Cryptographic randomness drawn 4 KiB at a time: ulidx asks for a few bytes per id, and one system call per id
 * was a measurable share of order intake.
 */
function pooledRandom(): () => number {
  const pool = new Uint32Array(1024);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 0x1_0000_0000;
  };
}

export const systemClock: Clock = { now: () => new Date() };
