import type { ChannelId, OrderId, Sku, SupplierId } from './ids.ts';
import type { CurrencyCode, Money } from './money.ts';
import { orderMachine, type OrderLineState, type OrderState } from './order.machine.ts';

export interface Address {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  region?: string | undefined;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  phone?: string | undefined;
}

export interface Customer {
  email: string;
  name?: string | undefined;
  phone?: string | undefined;
}

/** An order as a channel hands it over, already parsed and typed at the edge. */
export interface IncomingOrder {
  channelId: ChannelId;
  externalId: string;
  placedAt: Date;
  currency: CurrencyCode;
  customer: Customer;
  shippingAddress: Address;
  lines: readonly { sku: Sku; quantity: number; unitPrice: Money }[];
}

/** Why a line was cancelled: `stock` (none could be reserved; refunded at the channel), `channel` (cancelled or refunded there). */
export type CancelReason = 'stock' | 'channel';

export interface OrderLine {
  lineNumber: number;
  sku: Sku;
  quantity: number;
  unitPrice: Money;
  state: OrderLineState;
  supplierId: SupplierId | null;
  cancelReason?: CancelReason | null;
}

export interface Order {
  id: OrderId;
  channelId: ChannelId;
  externalId: string;
  state: OrderState;
  holdReason: string | null;
  currency: CurrencyCode;
  total: Money;
  customer: Customer;
  shippingAddress: Address;
  placedAt: Date;
  lines: OrderLine[];
}

const DONE_SHIPPING: ReadonlySet<OrderLineState> = new Set(['shipped', 'delivered']);
const NEEDS_OPERATOR: ReadonlySet<OrderLineState> = new Set(['pending', 'rejected', 'backordered']);

/**
 * The order's state as its lines say it should be. A line that no supplier took (unroutable, rejected) holds the
 * whole order for the operator; shipped lines move it towards fulfilled.
 */
export function deriveOrderState(lines: readonly Pick<OrderLine, 'state'>[]): OrderState {
  const states = lines.map((l) => l.state);
  const live = states.filter((s) => s !== 'cancelled');
  if (live.length === 0) return 'cancelled';
  if (live.some((s) => NEEDS_OPERATOR.has(s))) return 'on_hold';
  if (live.every((s) => s === 'delivered')) return 'completed';
  if (live.every((s) => DONE_SHIPPING.has(s))) return 'fulfilled';
  if (live.some((s) => DONE_SHIPPING.has(s) || s === 'partially_shipped')) return 'partially_fulfilled';
  return 'routed';
}

/**
 * The next state of an order after its lines changed; throws when the machine does not allow the move. An order
 * awaiting payment stays so (only payment releases it, see `paidOrderState`) unless nothing is left of it.
 */
export function nextOrderState(current: OrderState, lines: readonly Pick<OrderLine, 'state'>[]): OrderState {
  const derived = deriveOrderState(lines);
  if (current === 'awaiting_payment' && derived !== 'cancelled') return current;
  return derived === current ? current : orderMachine.assert(current, derived);
}

/** The state of an order whose payment has just arrived: what its lines say. */
export function paidOrderState(current: OrderState, lines: readonly Pick<OrderLine, 'state'>[]): OrderState {
  if (current !== 'awaiting_payment') throw new RangeError(`order is ${current}, not awaiting payment`);
  return orderMachine.assert(current, deriveOrderState(lines));
}

/** The state of a new order: awaiting payment when the channel has not been paid, else what its lines say. */
export function initialOrderState(lines: readonly Pick<OrderLine, 'state'>[], awaitingPayment: boolean): OrderState {
  const derived = deriveOrderState(lines);
  if (awaitingPayment && derived !== 'cancelled') return orderMachine.assert(orderMachine.initial, 'awaiting_payment');
  return orderMachine.assert(orderMachine.initial, derived);
}
