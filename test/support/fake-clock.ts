import type { Clock } from '../../src/domain/ids.ts';

/**
 * A clock the test moves, for timers and deadlines (acknowledgement SLAs, API versions leaving support): give it to
 * the hub (`startTestHub(dialect, { clock })`) and to the simulators that have a clock of their own, then move it.
 *
 * @example
 * const clock = fakeClock('2027-10-02T09:00:00Z');
 * clock.advance(25 * 60 * 60_000);   // a day and an hour later
 */
export interface FakeClock extends Clock {
  set(to: string | Date): void;
  advance(ms: number): void;
}

export function fakeClock(at: string | Date): FakeClock {
  let now = new Date(at);
  return {
    now: () => now,
    set: (to) => {
      now = new Date(to);
    },
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
  };
}
