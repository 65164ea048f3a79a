/**
 * A finite state machine declared once as data: each state maps to the states it may move to.
 * Validated when declared (every target is a known state, every state reachable from the initial one), so a typo
 * fails at start-up rather than on the first order that hits it.
 *
 * @example
 * const door = defineMachine('door', 'closed', { closed: ['open'], open: ['closed'] });
 * door.check('closed', 'open');   // { ok: true }
 * door.check('open', 'open');     // { ok: false, reason: 'door cannot go from open to open' }
 */
export interface Machine<S extends string> {
  readonly name: string;
  readonly initial: S;
  readonly states: readonly S[];
  /** States with no way out. */
  readonly terminal: readonly S[];
  canMove(from: S, to: S): boolean;
  check(from: S, to: S): Transition<S>;
  /** Throws {@link IllegalTransitionError} when the move is not allowed; use for writes that must not fail. */
  assert(from: S, to: S): S;
}

export type Transition<S extends string> = { ok: true; to: S } | { ok: false; reason: string };

export class IllegalTransitionError extends Error {
  readonly code = 'illegal_transition';
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${machine} cannot go from ${from} to ${to}`);
  }
}

export function defineMachine<S extends string>(
  name: string,
  initial: S,
  transitions: { readonly [K in S]: readonly S[] },
): Machine<S> {
  const states = Object.keys(transitions) as S[];
  validate(name, initial, states, transitions);
  const allowed = new Map(states.map((s) => [s, new Set(transitions[s])]));
  const canMove = (from: S, to: S): boolean => allowed.get(from)?.has(to) ?? false;
  return Object.freeze({
    name,
    initial,
    states,
    terminal: states.filter((s) => transitions[s].length === 0),
    canMove,
    check: (from: S, to: S): Transition<S> =>
      canMove(from, to) ? { ok: true, to } : { ok: false, reason: `${name} cannot go from ${from} to ${to}` },
    assert(from: S, to: S): S {
      if (!canMove(from, to)) throw new IllegalTransitionError(name, from, to);
      return to;
    },
  });
}

function validate<S extends string>(
  name: string,
  initial: S,
  states: S[],
  transitions: { readonly [K in S]: readonly S[] },
): void {
  if (!states.includes(initial)) throw new Error(`${name}: initial state ${initial} is not declared`);
  for (const s of states) {
    for (const t of transitions[s]) {
      if (!states.includes(t)) throw new Error(`${name}: ${s} → ${t} targets an undeclared state`);
    }
  }
  const seen = new Set<S>([initial]);
  const queue = [initial];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const t of transitions[s].filter((next) => !seen.has(next))) {
      seen.add(t);
      queue.push(t);
    }
  }
  const unreachable = states.filter((s) => !seen.has(s));
  if (unreachable.length) throw new Error(`${name}: unreachable states ${unreachable.join(', ')}`);
}
