import type { LineCharges } from './charges.ts';
import { money, type Money } from './money.ts';

/**
 * What refunding some units of a line gives back: the customer's payment for those units, pro rata per unit. Each
 * unit is worth the floor of its share and the line's last unit takes the remainder, so refunding every unit of a
 * line, in any number of refunds and in any order, returns exactly what was charged for it: no cent lost or made.
 *
 * @example
 * // 3 units charged 10.00 net and 1.90 tax: units 1–2 give 6.66 + 1.26, unit 3 gives 3.34 + 0.64.
 * refundShare(line, { quantity: 3, alreadyRefunded: 0, units: 2, taxesIncluded: false });
 */
export interface RefundShare {
  /** The line's money for these units after discounts, as the line is priced (tax excluded when prices exclude it). */
  net: Money;
  /** Each of the line's taxes for these units, by the channel's tax id (or title when it has none). */
  taxes: { id: string | null; title: string; amount: Money }[];
  /** What goes back to the customer for these units. */
  total: Money;
}

export interface RefundUnits {
  /** The line's whole quantity. */
  quantity: number;
  /** Units of the line refunded before (they come first: this refund takes the units after them). */
  alreadyRefunded: number;
  units: number;
  taxesIncluded: boolean;
}

export function refundShare(
  line: LineCharges,
  { quantity, alreadyRefunded, units, taxesIncluded }: RefundUnits,
): RefundShare {
  if (!Number.isSafeInteger(units) || units <= 0)
    throw new RangeError(`units to refund must be a positive integer, got ${units}`);
  if (alreadyRefunded < 0 || alreadyRefunded + units > quantity) {
    throw new RangeError(
      `cannot refund ${units} more of ${quantity} units when ${alreadyRefunded} are refunded already`,
    );
  }
  const code = line.total.currency;
  const share = (whole: number) => money(unitsWorth(whole, quantity, alreadyRefunded, units), code);
  const net = share(line.subtotal.amount - line.discount.amount);
  const taxes = line.taxes.map((t) => ({ id: t.id ?? null, title: t.title, amount: share(t.amount.amount) }));
  const tax = taxes.reduce((n, t) => n + t.amount.amount, 0);
  return { net, taxes, total: money(net.amount + (taxesIncluded ? 0 : tax), code) };
}

/** Units [from, from + count) of `whole` spread over `quantity` units: floor per unit, the last unit the remainder. */
export function unitsWorth(whole: number, quantity: number, from: number, count: number): number {
  const each = Math.trunc(whole / quantity);
  const last = from + count === quantity ? whole - each * quantity : 0;
  return each * count + last;
}
