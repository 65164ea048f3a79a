import { defineMachine } from './state-machine.ts';

/**
 * A supplier's circuit breaker: whether Waybill calls the supplier's transport at all. `closed` calls it; after
 * `failuresToOpen` failures in a row, the first of them at least `minDownMs` ago, it goes `open` and nothing is
 * called until the cool-down has passed; then one
 * call, the probe, is let through (`half_open`): its success closes the circuit, its failure opens it again for
 * twice as long (up to `maxCoolDownMs`). A success of any call closes it, even one that was under way when it opened.
 */
export const circuitMachine = defineMachine('supplier circuit', 'closed', {
  closed: ['open'],
  open: ['half_open', 'closed'],
  half_open: ['closed', 'open'],
});
export type CircuitState = (typeof circuitMachine.states)[number];

/** One supplier's breaker, as every worker process sees it. */
export interface Circuit {
  readonly state: CircuitState;
  /** Failures of the supplier's side in a row (a success resets it). */
  readonly consecutiveFailures: number;
  /** Probes that failed since it opened: each doubles the cool-down. */
  readonly failedProbes: number;
  /** When the first of those failures happened: the transport is down since then (null while nothing fails). */
  readonly downSince: Date | null;
  /** `open`: when a probe may go; `half_open`: when the probe under way is given up (its job died), and another may. */
  readonly nextProbeAt: Date | null;
  /** What the last failure said, without secrets. */
  readonly lastError: string | null;
  /** When this outage was found longer than the supplier's SLA, and its waiting orders held (once per outage). */
  readonly alertedAt: Date | null;
}

export interface CircuitPolicy {
  readonly failuresToOpen: number;
  /**
   * How long the failures in a row must have gone on: calls under way together fail together in one blip of the
   * network, and a supplier that fails one call in three fails five in a row now and then among hundreds of
   * concurrent sends; neither is down, while a supplier that has answered nothing for this long is.
   */
  readonly minDownMs: number;
  readonly coolDownMs: number;
  readonly maxCoolDownMs: number;
  /** How long a claimed probe keeps the others waiting: longer than one call may take. */
  readonly probeLeaseMs: number;
}

export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = Object.freeze({
  failuresToOpen: 5,
  minDownMs: 10_000,
  coolDownMs: 30_000,
  maxCoolDownMs: 10 * 60_000,
  probeLeaseMs: 60_000,
});

export const CLOSED_CIRCUIT: Circuit = Object.freeze({
  state: 'closed',
  consecutiveFailures: 0,
  failedProbes: 0,
  downSince: null,
  nextProbeAt: null,
  lastError: null,
  alertedAt: null,
});

/**
 * What happened to a call through the breaker. `failed` is only for failures that say the supplier's side is unwell
 * (a timeout, a refused connection, a 5xx, an SFTP server not there); a refusal of one PO's content is neither.
 */
export type CircuitEvent =
  | { type: 'succeeded' }
  | { type: 'failed'; error: string }
  /** This caller won the half-open probe (a conditional write, so only one does). */
  | { type: 'probe_claimed' };

/** Whether a call may go now: `call` (closed), `probe` (claim the probe first), or wait until a time. */
export type Admission = { kind: 'call' } | { kind: 'probe' } | { kind: 'wait'; until: Date };

/**
 * @example
 * admit(CLOSED_CIRCUIT, now);                                   // { kind: 'call' }
 * admit({ ...open, nextProbeAt: later }, now);                  // { kind: 'wait', until: later }
 */
export function admit(circuit: Circuit, now: Date): Admission {
  if (circuit.state === 'closed') return { kind: 'call' };
  const at = circuit.nextProbeAt ?? now;
  return at.getTime() <= now.getTime() ? { kind: 'probe' } : { kind: 'wait', until: at };
}

/**
 * The breaker after `event`; every change of state goes through circuitMachine.
 *
 * @example
 * let c = CLOSED_CIRCUIT;
 * for (const s of [0, 1, 3, 7, 15]) c = nextCircuit(c, { type: 'failed', error: '503' }, at(s * 1000));
 * c.state;             // 'open' (5 in a row over 15 s), c.nextProbeAt = at(15 s) + 30 s
 */
export function nextCircuit(
  circuit: Circuit,
  event: CircuitEvent,
  now: Date,
  policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
): Circuit {
  if (event.type === 'succeeded') return move(circuit, CLOSED_CIRCUIT);
  if (event.type === 'probe_claimed') {
    if (circuit.state === 'closed') return circuit;
    return move(circuit, {
      ...circuit,
      state: 'half_open',
      nextProbeAt: new Date(now.getTime() + policy.probeLeaseMs),
    });
  }
  const failed = {
    ...circuit,
    consecutiveFailures: circuit.consecutiveFailures + 1,
    downSince: circuit.downSince ?? now,
    lastError: event.error,
  };
  if (circuit.state === 'open') return failed;
  if (circuit.state === 'closed' && !downLongEnough(failed, now, policy)) return failed;
  // The failures reached the threshold, or the probe failed: open for the cool-down of this many failed probes.
  const failedProbes = circuit.state === 'half_open' ? circuit.failedProbes + 1 : 0;
  return move(circuit, {
    ...failed,
    state: 'open',
    failedProbes,
    nextProbeAt: new Date(now.getTime() + coolDown(failedProbes, policy)),
  });
}

/** The cool-down after `failedProbes` failed probes: doubling from coolDownMs, at most maxCoolDownMs. */
export function coolDown(failedProbes: number, policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY): number {
  return Math.min(policy.maxCoolDownMs, policy.coolDownMs * 2 ** failedProbes);
}

function downLongEnough(failing: Circuit, now: Date, policy: CircuitPolicy): boolean {
  const since = failing.downSince ?? now;
  return (
    failing.consecutiveFailures >= policy.failuresToOpen &&
    now.getTime() - since.getTime() >= policy.minDownMs
  );
}

function move(from: Circuit, to: Circuit): Circuit {
  if (from.state !== to.state) circuitMachine.assert(from.state, to.state);
  return to;
}

/**
 * Whether the supplier's transport has been down past `allowedUntil` (the start of the outage plus what its SLA
 * allows): its circuit not closed since `downSince`, and that deadline passed.
 *
 * @example
 * outlasts(open, slaDeadline(open.downSince, 240, null), now);   // true 4 hours into the outage
 */
export function outlasts(circuit: Circuit, allowedUntil: Date, now: Date): boolean {
  return circuit.state !== 'closed' && circuit.downSince !== null && allowedUntil.getTime() <= now.getTime();
}
