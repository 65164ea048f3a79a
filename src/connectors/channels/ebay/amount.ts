import { decimalToMinorUnits } from '../../../domain/decimal.ts';
import { money, type Money } from '../../../domain/money.ts';

/**
 * eBay's Amount: `value` is a decimal string ("12.99", "0.0", "-2.50") in `currency`. Where eBay converted the buyer's
 * money, `value`/`currency` are the seller's and `convertedFromValue`/`convertedFromCurrency` the buyer's.
 */
export interface EbayAmount {
  value: string;
  currency: string;
  convertedFromValue?: string | undefined;
  convertedFromCurrency?: string | undefined;
}

/**
 * An Amount as Money in the order's currency, read exactly: trailing zeros past the currency's digits are fine
 * ("10.500" USD), anything else past them is refused, since the amount could not have been charged, as is an amount
 * in another currency (RangeError).
 */
export function moneyOf(amount: EbayAmount, code: string): Money {
  if (amount.currency !== code)
    throw new RangeError(`an amount in ${amount.currency} on an order in ${code}`);
  return money(decimalToMinorUnits(amount.value, code), code);
}

/** The magnitude: eBay writes discounts as negative amounts ("-2.00") in pricingSummary, positive on the lines. */
export function magnitudeOf(amount: EbayAmount | undefined, code: string): Money {
  if (!amount) return money(0, code);
  const m = moneyOf(amount, code);
  return money(Math.abs(m.amount), code);
}
