import { describe, expect, it } from 'vitest';
import {
  admit,
  circuitMachine,
  CLOSED_CIRCUIT,
  coolDown,
  nextCircuit,
  outlasts,
  type Circuit,
  type CircuitEvent,
  type CircuitState,
} from './circuit-breaker.ts';

const T0 = new Date('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const SECOND = 1_000;

const closedFailing: Circuit = {
  ...CLOSED_CIRCUIT,
  consecutiveFailures: 2,
  downSince: at(-10 * SECOND),
  lastError: 'answered 503',
};
const open: Circuit = {
  state: 'open',
  consecutiveFailures: 5,
  failedProbes: 1,
  downSince: at(-90 * SECOND),
  nextProbeAt: at(60 * SECOND),
  lastError: 'answered 500',
  alertedAt: at(-5 * SECOND),
};
const halfOpen: Circuit = { ...open, state: 'half_open', nextProbeAt: at(60 * SECOND) };

const STARTS: Record<CircuitState, Circuit> = { closed: closedFailing, open, half_open: halfOpen };
const succeeded: CircuitEvent = { type: 'succeeded' };
const failed: CircuitEvent = { type: 'failed', error: 'connect ECONNREFUSED' };
const claimed: CircuitEvent = { type: 'probe_claimed' };

/** Every state with every event, at T0, and what it comes to. */
const TABLE: readonly (readonly [CircuitState, CircuitEvent, Partial<Circuit>])[] = [
  ['closed', succeeded, CLOSED_CIRCUIT],
  [
    'closed',
    failed,
    { state: 'closed', consecutiveFailures: 3, downSince: at(-10 * SECOND), lastError: failed.error },
  ],
  ['closed', claimed, closedFailing],
  // A call under way when it opened came back fine: any success closes it, the outage and its alert forgotten.
  ['open', succeeded, CLOSED_CIRCUIT],
  // A call under way when it opened failed too: counted, the probe time unchanged.
  ['open', failed, { state: 'open', consecutiveFailures: 6, nextProbeAt: open.nextProbeAt, failedProbes: 1 }],
  ['open', claimed, { state: 'half_open', nextProbeAt: at(60 * SECOND), alertedAt: open.alertedAt }],
  ['half_open', succeeded, CLOSED_CIRCUIT],
  // The probe failed: open again for twice as long as the last time (1 failed probe before: 60 s; now 2: 120 s).
  [
    'half_open',
    failed,
    {
      state: 'open',
      consecutiveFailures: 6,
      failedProbes: 2,
      nextProbeAt: at(120 * SECOND),
      lastError: failed.error,
    },
  ],
  // The probe's job died (its lease ran out): another claims it, with a lease of its own.
  ['half_open', claimed, { state: 'half_open', nextProbeAt: at(60 * SECOND) }],
];

/** Four failures in a row since 10 s ago: the next one opens it. */
const closedAboutToOpen: Circuit = { ...closedFailing, consecutiveFailures: 4 };

describe('supplier circuit breaker', () => {
  it('closed + failed, the fifth in a row for 10 s: open for the first cool-down', () => {
    expect(nextCircuit(closedAboutToOpen, failed, T0)).toEqual({
      ...closedAboutToOpen,
      state: 'open',
      consecutiveFailures: 5,
      failedProbes: 0,
      nextProbeAt: at(30 * SECOND),
      lastError: failed.error,
    });
  });

  it('covers every state with every event', () => {
    const covered = new Set(TABLE.map(([s, e]) => `${s}:${e.type}`));
    for (const state of circuitMachine.states)
      for (const event of [succeeded, failed, claimed]) expect(covered).toContain(`${state}:${event.type}`);
  });

  it.each(TABLE)('%s + %o', (state, event, expected) => {
    const after = nextCircuit(STARTS[state], event, T0);
    expect(after).toMatchObject(expected);
    if (after.state !== state) expect(circuitMachine.canMove(state, after.state)).toBe(true);
  });

  it('declares its transitions, and no others', () => {
    const allowed = [
      ['closed', 'open'],
      ['open', 'half_open'],
      ['open', 'closed'],
      ['half_open', 'closed'],
      ['half_open', 'open'],
    ].map(([a, b]) => `${a}→${b}`);
    for (const from of circuitMachine.states)
      for (const to of circuitMachine.states)
        expect(circuitMachine.canMove(from, to), `${from}→${to}`).toBe(allowed.includes(`${from}→${to}`));
  });

  it('opens at the fifth failure in a row once they have gone on for 10 s, for 30 s, down since the first', () => {
    let c = CLOSED_CIRCUIT;
    // A job's own retries (back-off 0.5, 1, 2, 4 s): five failures in 7.5 s, not yet.
    for (const ms of [0, 500, 1_500, 3_500, 7_500]) c = nextCircuit(c, failed, at(ms));
    expect(c).toMatchObject({ state: 'closed', consecutiveFailures: 5 });
    c = nextCircuit(c, failed, at(15_500));
    expect(c).toMatchObject({
      state: 'open',
      consecutiveFailures: 6,
      failedProbes: 0,
      downSince: T0,
      nextProbeAt: at(45_500),
    });
  });

  it('many calls failing together in one moment do not open it, however many', () => {
    let c = CLOSED_CIRCUIT;
    for (let i = 0; i < 50; i++) c = nextCircuit(c, failed, at(2 * SECOND));
    expect(c).toMatchObject({ state: 'closed', consecutiveFailures: 50 });
  });

  it('four failures in a row over a minute do not open it either', () => {
    let c = CLOSED_CIRCUIT;
    for (let i = 0; i < 4; i++) c = nextCircuit(c, failed, at(i * 20 * SECOND));
    expect(c.state).toBe('closed');
  });

  it('a success between failures starts the count again', () => {
    let c = CLOSED_CIRCUIT;
    for (let i = 0; i < 4; i++) c = nextCircuit(c, failed, T0);
    c = nextCircuit(nextCircuit(c, succeeded, T0), failed, at(SECOND));
    expect(c).toMatchObject({ state: 'closed', consecutiveFailures: 1, downSince: at(SECOND) });
  });

  it('doubles the cool-down per failed probe, up to 10 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => coolDown(n) / SECOND)).toEqual([30, 60, 120, 240, 480, 600, 600]);
  });

  it('admits calls when closed, a probe when its time came, and makes the rest wait', () => {
    expect(admit(closedFailing, T0)).toEqual({ kind: 'call' });
    expect(admit(open, T0)).toEqual({ kind: 'wait', until: open.nextProbeAt });
    expect(admit(open, at(60 * SECOND))).toEqual({ kind: 'probe' });
    expect(admit(halfOpen, at(59 * SECOND))).toEqual({ kind: 'wait', until: halfOpen.nextProbeAt });
    expect(admit(halfOpen, at(61 * SECOND))).toEqual({ kind: 'probe' });
  });

  it('an outage outlasts the SLA once its deadline passed, and only while the circuit is not closed', () => {
    const deadline = at(60 * SECOND);
    expect(outlasts(open, deadline, at(59 * SECOND))).toBe(false);
    expect(outlasts(open, deadline, deadline)).toBe(true);
    expect(outlasts(halfOpen, deadline, at(61 * SECOND))).toBe(true);
    expect(outlasts(closedFailing, deadline, at(61 * SECOND))).toBe(false);
  });
});
