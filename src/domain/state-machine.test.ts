import { describe, expect, it } from 'vitest';
import { defineMachine, IllegalTransitionError, type Machine } from './state-machine.ts';

/** defineMachine without the compile-time guard, to feed it the mistakes the run-time validation must catch. */
const defineLoosely = defineMachine as unknown as (
  name: string,
  initial: string,
  transitions: Record<string, readonly string[]>,
) => Machine<string>;

describe('defineMachine validation at declaration', () => {
  it('accepts a well-formed machine and exposes its name, initial state and states in declaration order', () => {
    const m = defineMachine('door', 'closed', { closed: ['open'], open: ['closed'] });
    expect(m.name).toBe('door');
    expect(m.initial).toBe('closed');
    expect(m.states).toEqual(['closed', 'open']);
    expect(m.terminal).toEqual([]);
  });

  it('throws when the initial state is not declared', () => {
    expect(() => defineLoosely('door', 'ajar', { closed: ['open'], open: ['closed'] })).toThrow(
      'door: initial state ajar is not declared',
    );
  });

  it('throws when a transition targets an undeclared state, naming the transition', () => {
    expect(() => defineLoosely('door', 'closed', { closed: ['open'], open: ['closed', 'ajar'] })).toThrow(
      'door: open → ajar targets an undeclared state',
    );
  });

  it('throws when a state cannot be reached from the initial state, naming every unreachable state', () => {
    expect(() =>
      defineLoosely('door', 'closed', { closed: ['open'], open: ['closed'], broken: ['closed'], lost: [] }),
    ).toThrow('door: unreachable states broken, lost');
  });

  it('counts a state as reachable through a chain of transitions, not only direct ones', () => {
    expect(() => defineMachine('chain', 'a', { a: ['b'], b: ['c'], c: ['d'], d: [] })).not.toThrow();
  });

  it('throws for a state reachable only from an unreachable state', () => {
    expect(() => defineLoosely('island', 'a', { a: [], b: ['c'], c: ['b'] })).toThrow(
      'island: unreachable states b, c',
    );
  });

  it('returns a frozen machine', () => {
    expect(Object.isFrozen(defineMachine('door', 'closed', { closed: ['open'], open: [] }))).toBe(true);
  });
});

describe('a machine in use', () => {
  const m = defineMachine('door', 'closed', {
    closed: ['open', 'locked'],
    open: ['closed', 'broken'],
    locked: ['closed'],
    broken: [],
  });

  it('canMove is true exactly for declared transitions', () => {
    expect(m.canMove('closed', 'open')).toBe(true);
    expect(m.canMove('open', 'closed')).toBe(true);
    expect(m.canMove('open', 'locked')).toBe(false);
    expect(m.canMove('locked', 'open')).toBe(false);
  });

  it('does not allow staying in a state unless that self-transition is declared', () => {
    expect(m.canMove('open', 'open')).toBe(false);
    expect(m.check('open', 'open')).toEqual({ ok: false, reason: 'door cannot go from open to open' });
  });

  it('check returns ok with the target state for an allowed move', () => {
    expect(m.check('closed', 'locked')).toEqual({ ok: true, to: 'locked' });
  });

  it('check returns a reason naming the machine and both states for a refused move', () => {
    expect(m.check('locked', 'open')).toEqual({ ok: false, reason: 'door cannot go from locked to open' });
  });

  it('assert returns the target state for an allowed move', () => {
    expect(m.assert('closed', 'open')).toBe('open');
  });

  it('assert throws an IllegalTransitionError carrying machine, from, to and code for a refused move', () => {
    let caught: unknown;
    try {
      m.assert('locked', 'open');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({
      machine: 'door',
      from: 'locked',
      to: 'open',
      code: 'illegal_transition',
      message: 'door cannot go from locked to open',
    });
  });

  it('refuses moves from or to a state the machine does not know', () => {
    const loose = m as unknown as Machine<string>;
    expect(loose.canMove('ajar', 'closed')).toBe(false);
    expect(loose.canMove('closed', 'ajar')).toBe(false);
    expect(loose.check('ajar', 'closed')).toEqual({
      ok: false,
      reason: 'door cannot go from ajar to closed',
    });
    expect(() => loose.assert('closed', 'ajar')).toThrow(IllegalTransitionError);
  });

  it('lists exactly the states with no way out as terminal', () => {
    expect(m.terminal).toEqual(['broken']);
  });

  it('refuses every move out of a terminal state', () => {
    for (const to of m.states) expect(m.canMove('broken', to)).toBe(false);
  });
});
