import { defineMachine } from './state-machine.ts';

/**
 * An order's life. The order's state follows from its lines (see `deriveOrderState` in order.ts) plus an operator
 * hold; every write still goes through this machine so that an impossible move is an error, not data.
 */
export const orderMachine = defineMachine('order', 'received', {
  // `completed` at once: an order of lines that need no shipping (a gift card) has nothing left to do.
  received: ['awaiting_payment', 'routed', 'on_hold', 'completed', 'cancelled'],
  // Not paid yet at the channel: stock is held, purchase orders are drafted but not sent until payment arrives.
  awaiting_payment: ['routed', 'on_hold', 'completed', 'cancelled'],
  // An order whose held or open lines are cancelled while the rest was delivered is complete at once.
  on_hold: ['routed', 'partially_fulfilled', 'fulfilled', 'completed', 'cancelled'],
  routed: ['partially_fulfilled', 'fulfilled', 'on_hold', 'cancelled'],
  partially_fulfilled: ['fulfilled', 'completed', 'on_hold'],
  fulfilled: ['completed'],
  completed: [],
  cancelled: [],
});
export type OrderState = (typeof orderMachine.states)[number];

/** One order line: routed to a supplier, acknowledged by it, shipped, delivered. */
export const orderLineMachine = defineMachine('order line', 'pending', {
  pending: ['routed', 'backordered', 'no_shipping', 'cancelled'],
  // No stock could be reserved and the channel takes backorders: the line waits for stock (or the operator).
  backordered: ['routed', 'cancelled'],
  routed: ['accepted', 'rejected', 'cancelled'],
  // Back to routed when it is sent elsewhere (its purchase order withdrawn from the supplier), or rejected when no
  // other node can take it then and it waits for a person.
  accepted: ['partially_shipped', 'shipped', 'cancelled', 'routed', 'rejected'],
  partially_shipped: ['shipped'],
  shipped: ['delivered'],
  delivered: [],
  // A rejected line waits for the operator (or, later, the routing engine) to send it elsewhere or cancel it.
  rejected: ['routed', 'cancelled'],
  // Needs no shipping (gift wrap, a gift card, a service): kept with its money, never sent to a supplier, never
  // cancelled by Waybill (the channel delivered it, or it goes with the order's other lines).
  no_shipping: [],
  cancelled: [],
});
export type OrderLineState = (typeof orderLineMachine.states)[number];
