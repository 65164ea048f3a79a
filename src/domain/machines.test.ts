import { describe, expect, it } from 'vitest';
import { orderLineMachine, orderMachine } from './order.machine.ts';
import { purchaseOrderMachine, shipmentMachine } from './purchase-order.machine.ts';
import { IllegalTransitionError, type Machine } from './state-machine.ts';

/**
 * The intended life cycles, written out by hand as literal lists of allowed (from, to) pairs. Every pair of states
 * not listed here must be refused. A change to a machine must be made here too, on purpose.
 */
interface Expected {
  machine: Machine<string>;
  initial: string;
  states: readonly string[];
  terminal: readonly string[];
  allowed: readonly (readonly [string, string])[];
}

const EXPECTED: readonly Expected[] = [
  {
    machine: orderMachine,
    initial: 'received',
    states: [
      'received',
      'awaiting_payment',
      'on_hold',
      'routed',
      'partially_fulfilled',
      'fulfilled',
      'completed',
      'cancelled',
    ],
    terminal: ['completed', 'cancelled'],
    allowed: [
      ['received', 'awaiting_payment'],
      ['awaiting_payment', 'routed'],
      ['awaiting_payment', 'on_hold'],
      ['awaiting_payment', 'cancelled'],
      ['awaiting_payment', 'completed'],
      ['received', 'routed'],
      ['received', 'on_hold'],
      ['received', 'completed'],
      ['received', 'cancelled'],
      ['on_hold', 'routed'],
      ['on_hold', 'partially_fulfilled'],
      ['on_hold', 'fulfilled'],
      ['on_hold', 'completed'],
      ['on_hold', 'cancelled'],
      ['routed', 'partially_fulfilled'],
      ['routed', 'fulfilled'],
      ['routed', 'on_hold'],
      ['routed', 'cancelled'],
      ['partially_fulfilled', 'fulfilled'],
      ['partially_fulfilled', 'completed'],
      ['partially_fulfilled', 'on_hold'],
      ['fulfilled', 'completed'],
    ],
  },
  {
    machine: orderLineMachine,
    initial: 'pending',
    states: [
      'pending',
      'backordered',
      'routed',
      'accepted',
      'partially_shipped',
      'shipped',
      'delivered',
      'rejected',
      'no_shipping',
      'cancelled',
    ],
    terminal: ['delivered', 'no_shipping', 'cancelled'],
    allowed: [
      ['pending', 'routed'],
      ['pending', 'backordered'],
      ['pending', 'no_shipping'],
      ['pending', 'cancelled'],
      ['backordered', 'routed'],
      ['backordered', 'cancelled'],
      ['accepted', 'routed'],
      ['accepted', 'rejected'],
      ['routed', 'accepted'],
      ['routed', 'rejected'],
      ['routed', 'cancelled'],
      ['accepted', 'partially_shipped'],
      ['accepted', 'shipped'],
      ['accepted', 'cancelled'],
      ['partially_shipped', 'shipped'],
      ['shipped', 'delivered'],
      ['rejected', 'routed'],
      ['rejected', 'cancelled'],
    ],
  },
  {
    machine: purchaseOrderMachine,
    initial: 'draft',
    states: [
      'draft',
      'pending',
      'send_failed',
      'sent',
      'accepted',
      'partially_accepted',
      'partially_shipped',
      'shipped',
      'rejected',
      'cancelled',
    ],
    terminal: ['shipped', 'rejected', 'cancelled'],
    allowed: [
      ['draft', 'pending'],
      ['draft', 'cancelled'],
      ['pending', 'sent'],
      ['pending', 'accepted'],
      ['pending', 'partially_accepted'],
      ['pending', 'rejected'],
      ['pending', 'send_failed'],
      ['pending', 'cancelled'],
      ['send_failed', 'pending'],
      ['send_failed', 'accepted'],
      ['send_failed', 'partially_accepted'],
      ['send_failed', 'rejected'],
      ['send_failed', 'cancelled'],
      ['sent', 'accepted'],
      ['sent', 'partially_accepted'],
      ['sent', 'rejected'],
      ['sent', 'cancelled'],
      ['accepted', 'partially_shipped'],
      ['accepted', 'shipped'],
      ['accepted', 'cancelled'],
      ['partially_accepted', 'partially_shipped'],
      ['partially_accepted', 'shipped'],
      ['partially_accepted', 'cancelled'],
      ['partially_shipped', 'shipped'],
    ],
  },
  {
    machine: shipmentMachine,
    initial: 'shipped',
    states: ['shipped', 'in_transit', 'out_for_delivery', 'exception', 'delivered', 'returned'],
    terminal: ['delivered', 'returned'],
    allowed: [
      ['shipped', 'in_transit'],
      ['shipped', 'out_for_delivery'],
      ['shipped', 'delivered'],
      ['shipped', 'exception'],
      ['in_transit', 'out_for_delivery'],
      ['in_transit', 'delivered'],
      ['in_transit', 'exception'],
      ['out_for_delivery', 'delivered'],
      ['out_for_delivery', 'exception'],
      ['exception', 'in_transit'],
      ['exception', 'out_for_delivery'],
      ['exception', 'delivered'],
      ['exception', 'returned'],
    ],
  },
];

describe.each(EXPECTED.map((e) => ({ ...e, name: e.machine.name })))(
  'the $name machine',
  ({ machine, initial, states, terminal, allowed }) => {
    const allowedKeys = new Set(allowed.map(([from, to]) => `${from} → ${to}`));
    const pairs = states.flatMap((from) =>
      states.map((to) => ({ from, to, allowed: allowedKeys.has(`${from} → ${to}`) })),
    );

    it('starts in its intended initial state', () => {
      expect(machine.initial).toBe(initial);
    });

    it('declares exactly the intended states', () => {
      expect([...machine.states].sort()).toEqual([...states].sort());
    });

    it('has exactly the intended terminal states', () => {
      expect([...machine.terminal].sort()).toEqual([...terminal].sort());
    });

    it('the expected table only names declared states (guards the table itself)', () => {
      for (const [from, to] of allowed) {
        expect(states).toContain(from);
        expect(states).toContain(to);
      }
    });

    it.each(pairs.filter((p) => p.allowed))('allows $from → $to', ({ from, to }) => {
      expect(machine.canMove(from, to)).toBe(true);
      expect(machine.check(from, to)).toEqual({ ok: true, to });
      expect(machine.assert(from, to)).toBe(to);
    });

    it.each(pairs.filter((p) => !p.allowed))('refuses $from → $to', ({ from, to }) => {
      expect(machine.canMove(from, to)).toBe(false);
      const result = machine.check(from, to);
      expect(result.ok).toBe(false);
      expect(result).toEqual({ ok: false, reason: `${machine.name} cannot go from ${from} to ${to}` });
      expect(() => machine.assert(from, to)).toThrow(IllegalTransitionError);
      expect(() => machine.assert(from, to)).toThrow(`${machine.name} cannot go from ${from} to ${to}`);
    });
  },
);
