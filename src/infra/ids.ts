import { monotonicFactory } from 'ulidx';
import type { Clock, IdGenerator } from '../domain/ids.ts';

/** ULIDs: unique, and sortable by creation time, which keeps indexes and listings in a useful order. */
export function ulidIds(): IdGenerator {
  const ulid = monotonicFactory();
  return { next: (prefix) => `${prefix}_${ulid()}` };
}

export const systemClock: Clock = { now: () => new Date() };
