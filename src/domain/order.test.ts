import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderLineMachine, orderMachine, type OrderLineState, type OrderState } from './order.machine.ts';
import { deriveOrderState, initialOrderState, nextOrderState, paidOrderState } from './order.ts';
import { IllegalTransitionError } from './state-machine.ts';

const lines = (...states: OrderLineState[]) => states.map((state) => ({ state }));

describe('deriveOrderState', () => {
  it.each<[string, OrderLineState[], OrderState]>([
    ['every line routed', ['routed', 'routed'], 'routed'],
    ['a single routed line', ['routed'], 'routed'],
    ['routed and accepted lines, nothing shipped', ['routed', 'accepted'], 'routed'],
    ['every line accepted', ['accepted', 'accepted'], 'routed'],
    ['a pending (unroutable) line among routed ones', ['routed', 'pending'], 'on_hold'],
    ['a rejected line among accepted ones', ['accepted', 'rejected'], 'on_hold'],
    ['a rejected line next to a shipped one', ['shipped', 'rejected'], 'on_hold'],
    ['a pending line next to a delivered one', ['delivered', 'pending'], 'on_hold'],
    ['a pending line next to a cancelled one', ['cancelled', 'pending'], 'on_hold'],
    ['a shipped line and an accepted one', ['shipped', 'accepted'], 'partially_fulfilled'],
    ['a shipped line and a routed one', ['routed', 'shipped'], 'partially_fulfilled'],
    ['a partially shipped line alone', ['partially_shipped'], 'partially_fulfilled'],
    ['a partially shipped line and a shipped one', ['partially_shipped', 'shipped'], 'partially_fulfilled'],
    ['a delivered line and an accepted one', ['delivered', 'accepted'], 'partially_fulfilled'],
    ['every line shipped', ['shipped', 'shipped'], 'fulfilled'],
    ['shipped lines and a cancelled one', ['shipped', 'cancelled', 'shipped'], 'fulfilled'],
    ['a shipped line and a delivered one', ['shipped', 'delivered'], 'fulfilled'],
    ['every line cancelled', ['cancelled', 'cancelled'], 'cancelled'],
    ['a single cancelled line', ['cancelled'], 'cancelled'],
    ['every line delivered', ['delivered', 'delivered'], 'completed'],
    ['delivered lines and a cancelled one', ['delivered', 'cancelled'], 'completed'],
    ['only lines that need no shipping (a gift card)', ['no_shipping'], 'completed'],
    ['a routed line beside gift wrap', ['routed', 'no_shipping'], 'routed'],
    ['a pending line beside gift wrap', ['no_shipping', 'pending'], 'on_hold'],
    ['every line to ship cancelled, gift wrap left', ['cancelled', 'no_shipping'], 'cancelled'],
    ['shipped beside gift wrap', ['shipped', 'no_shipping'], 'fulfilled'],
  ])('%s → %s', (_what, states, expected) => {
    expect(deriveOrderState(lines(...states))).toBe(expected);
  });

  it('does not depend on the order of the lines (property)', () => {
    const lineState = fc.constantFrom(...orderLineMachine.states);
    fc.assert(
      fc.property(
        fc.array(lineState, { minLength: 1, maxLength: 8 }),
        fc.infiniteStream(fc.nat()),
        (states, seeds) => {
          const shuffled = states
            .map((s) => ({ s, k: seeds.next().value }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.s);
          expect(deriveOrderState(lines(...shuffled))).toBe(deriveOrderState(lines(...states)));
        },
      ),
    );
  });

  it('ignores cancelled lines beside any line that needs shipping (property)', () => {
    const lineState = fc.constantFrom(...orderLineMachine.states.filter((s) => s !== 'cancelled'));
    fc.assert(
      fc.property(
        fc
          .array(lineState, { minLength: 1, maxLength: 6 })
          .filter((states) => states.some((s) => s !== 'no_shipping')),
        fc.integer({ min: 1, max: 3 }),
        (states, extra) => {
          const withCancelled = [...states, ...Array<OrderLineState>(extra).fill('cancelled')];
          expect(deriveOrderState(lines(...withCancelled))).toBe(deriveOrderState(lines(...states)));
        },
      ),
    );
  });

  it('always yields a state the order machine declares', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...orderLineMachine.states), { minLength: 1, maxLength: 6 }),
        (states) => {
          expect(orderMachine.states).toContain(deriveOrderState(lines(...states)));
        },
      ),
    );
  });
});

describe('an order driven by its lines (property)', () => {
  it('no sequence of moves its lines may make drives the order into a move its own machine refuses', () => {
    const targets = (from: OrderLineState) =>
      orderLineMachine.states.filter((to) => orderLineMachine.canMove(from, to));
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom<OrderLineState>('routed', 'backordered', 'no_shipping', 'cancelled', 'pending'),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
        (intake, awaitingPayment, steps) => {
          let states = [...intake];
          let order = initialOrderState(lines(...states), awaitingPayment);
          for (const [which, pick] of steps) {
            const i = which % states.length;
            const next = targets(states[i]!);
            if (next.length === 0) continue;
            states = states.map((s, j) => (j === i ? next[pick % next.length]! : s));
            // An order awaiting payment is paid before its lines go on (as the channel's payment releases it).
            if (order === 'awaiting_payment') order = paidOrderState(order, lines(...states));
            else order = nextOrderState(order, lines(...states));
            expect(orderMachine.states).toContain(order);
          }
        },
      ),
    );
  });
});

describe('nextOrderState', () => {
  it.each<[OrderState, OrderLineState[], OrderState]>([
    ['received', ['routed', 'routed'], 'routed'],
    ['received', ['routed', 'pending'], 'on_hold'],
    ['received', ['cancelled'], 'cancelled'],
    ['routed', ['shipped', 'accepted'], 'partially_fulfilled'],
    ['routed', ['accepted', 'rejected'], 'on_hold'],
    ['on_hold', ['routed', 'accepted'], 'routed'],
    ['partially_fulfilled', ['shipped', 'shipped'], 'fulfilled'],
    ['partially_fulfilled', ['shipped', 'rejected'], 'on_hold'],
    ['fulfilled', ['delivered', 'delivered'], 'completed'],
  ])('moves %s to the derived state when the lines say %j', (current, states, expected) => {
    expect(nextOrderState(current, lines(...states))).toBe(expected);
  });

  it.each<[OrderState, OrderLineState[]]>([
    ['on_hold', ['rejected', 'accepted']],
    ['routed', ['accepted']],
    ['partially_fulfilled', ['shipped', 'accepted']],
    ['completed', ['delivered']],
  ])('stays in %s while the lines %j still derive it (no self-transition needed)', (current, states) => {
    expect(orderMachine.canMove(current, current)).toBe(false);
    expect(nextOrderState(current, lines(...states))).toBe(current);
  });

  it.each<[OrderState, OrderLineState[], OrderState]>([
    ['fulfilled', ['routed'], 'routed'],
    ['completed', ['rejected'], 'on_hold'],
    ['cancelled', ['routed'], 'routed'],
    ['received', ['shipped'], 'fulfilled'],
    ['fulfilled', ['cancelled'], 'cancelled'],
  ])('throws IllegalTransitionError when the lines would move %s to %s', (current, states, derived) => {
    expect(() => nextOrderState(current, lines(...states))).toThrow(IllegalTransitionError);
    expect(() => nextOrderState(current, lines(...states))).toThrow(
      `order cannot go from ${current} to ${derived}`,
    );
  });

  /**
   * Every order reachable by legal single-line moves, starting from a freshly routed order (each line pending or
   * routed), up to three lines; `allowMove` filters which line moves are explored. Returns each line move after which
   * nextOrderState throws.
   */
  function illegalOrderMoves(allowMove: (to: OrderLineState) => boolean): string[] {
    const failures: string[] = [];
    for (const n of [1, 2, 3]) {
      const routable = Array.from({ length: 2 ** n }, (_, bits) =>
        Array.from({ length: n }, (_, i): OrderLineState => ((bits >> i) & 1 ? 'routed' : 'pending')),
      );
      // Each also beside a line that needs no shipping (gift wrap): it is one from intake on and never moves.
      const starts = [...routable, ...routable.map((s): OrderLineState[] => [...s, 'no_shipping'])];
      const seen = new Set<string>();
      const queue: [OrderState, OrderLineState[]][] = starts.map((s) => [
        nextOrderState('received', lines(...s)),
        s,
      ]);
      for (let item = queue.shift(); item; item = queue.shift()) {
        const [orderState, lineStates] = item;
        const key = `${orderState}|${lineStates.join(',')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lineStates.forEach((from, i) => {
          for (const to of orderLineMachine.states) {
            if (!orderLineMachine.canMove(from, to) || !allowMove(to) || to === 'no_shipping') continue;
            const next = [...lineStates];
            next[i] = to;
            try {
              queue.push([nextOrderState(orderState, lines(...next)), next]);
            } catch {
              failures.push(`${orderState} [${lineStates.join(', ')}] → [${next.join(', ')}]`);
            }
          }
        });
      }
    }
    return failures;
  }

  it('follows every legal line move without cancellations through to completion (exhaustive, up to 3 lines)', () => {
    expect(illegalOrderMoves((to) => to !== 'cancelled')).toEqual([]);
  });

  it('follows every legal line move, cancellations included (exhaustive, up to 3 lines)', () => {
    expect(illegalOrderMoves(() => true)).toEqual([]);
  });

  it('completes a partially fulfilled order when its last open line is cancelled', () => {
    expect(nextOrderState('partially_fulfilled', lines('delivered', 'cancelled'))).toBe('completed');
  });

  it('completes an order on hold when its rejected line is cancelled and the rest was delivered', () => {
    expect(nextOrderState('on_hold', lines('delivered', 'cancelled'))).toBe('completed');
  });
});
