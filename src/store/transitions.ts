import type { Machine } from '../domain/state-machine.ts';

/**
 * A state written by a repository: the aggregate's machine must allow the move from the state it was read in
 * (staying put is no move: a save that changes stamps or lines only). Throws IllegalTransitionError otherwise.
 */
export function moveOf<S extends string>(machine: Machine<S>, from: S, to: S): S {
  return from === to ? to : machine.assert(from, to);
}

/**
 * The row was no longer in the state it was read in when the write came (another transaction moved it between the
 * read and the write): the write is refused, and the transaction with it, rather than a move the machine was never
 * asked about.
 */
export class StaleStateError extends Error {
  readonly code = 'stale_state';
}

/** Checks that a guarded update (`where state = from`) reached every row it was meant for. */
export function expectUpdated(updated: bigint | number | undefined, expected: number, what: string): void {
  if (Number(updated ?? 0) !== expected)
    throw new StaleStateError(`${what} changed state while it was being written`);
}
