import type { ChannelId, OrderId, Sku, SupplierId } from './ids.ts';
import type { LineCharges, OrderCharges } from './charges.ts';
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

/** One line of an order as a channel hands it over. */
export interface IncomingLine {
  sku: Sku;
  quantity: number;
  unitPrice: Money;
  /** The channel's own id of the line (refunds and edits name it; a SKU may change or vanish with its product). */
  channelLineId?: string | undefined;
  title?: string | undefined;
  /** False for lines that need no shipping (gift wrap, gift cards, services): kept with their money, never sent to a supplier. */
  requiresShipping?: boolean | undefined;
  /** The line's money as charged; absent when the channel gave only the unit price (then: no discount, no tax). */
  charges?: LineCharges | undefined;
}

/** An order as a channel hands it over, already parsed and typed at the edge. */
export interface IncomingOrder {
  channelId: ChannelId;
  externalId: string;
  placedAt: Date;
  currency: CurrencyCode;
  customer: Customer;
  /** As the channel gave it, blanks where it gave none: an incomplete one holds the order (see `shippingAddressProblem`). */
  shippingAddress: Address;
  lines: readonly IncomingLine[];
  /** The order's money as charged (shipping, fees, the channel's totals); absent: the lines are the whole of it. */
  charges?: OrderCharges | undefined;
  /** ISO 3166-1 alpha-2 of the billing address, where the channel gives one (a fraud check compares it). */
  billingCountry?: string | undefined;
}

/**
 * Why a line was cancelled: no stock, the channel asked, no supplier would ship it (missed SLA, rejected), or an
 * operator decided.
 */
export type CancelReason = 'stock' | 'channel' | 'supplier' | 'operator';

export interface OrderLine {
  lineNumber: number;
  sku: Sku;
  quantity: number;
  unitPrice: Money;
  channelLineId: string | null;
  title: string | null;
  requiresShipping: boolean;
  charges: LineCharges;
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
  /** What the customer was charged for the whole order, as the channel says. */
  total: Money;
  charges: OrderCharges;
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
  // Lines that need no shipping never make the order wait: an order of nothing else is complete at once.
  const shippable = lines.map((l) => l.state).filter((s) => s !== 'no_shipping');
  if (shippable.length === 0) return lines.length ? 'completed' : 'cancelled';
  const live = shippable.filter((s) => s !== 'cancelled');
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
export function initialOrderState(
  lines: readonly Pick<OrderLine, 'state'>[],
  awaitingPayment: boolean,
): OrderState {
  const derived = deriveOrderState(lines);
  if (awaitingPayment && derived !== 'cancelled')
    return orderMachine.assert(orderMachine.initial, 'awaiting_payment');
  return orderMachine.assert(orderMachine.initial, derived);
}
