import { currency, minorUnitDigits, money, type Money } from '../../../domain/money.ts';

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
 * An eBay decimal string in minor units of its currency, exactly: digits only, never a float. Trailing zeros past
 * the currency's digits are fine ("10.500" USD); anything else past them is refused, since the amount could not
 * have been charged.
 *
 * @example ebayDecimalToMinor('12.99', 'USD') // 1299
 * @example ebayDecimalToMinor('-2.5', 'USD') // -250
 * @example ebayDecimalToMinor('1500', 'JPY') // 1500
 * @throws RangeError naming the text when it is not such a decimal.
 */
export function ebayDecimalToMinor(text: string, currencyCode: string): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`${JSON.stringify(text)} is not a decimal amount like "12.99"`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(currency(currencyCode));
  if (/[1-9]/.test(fraction.slice(digits)))
    throw new RangeError(`${JSON.stringify(text)} has more decimals than ${currencyCode} has (${digits})`);
  const magnitude = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`${JSON.stringify(text)} is too large for ${currencyCode}`);
  const units = Number(magnitude);
  return sign === '-' && units !== 0 ? -units : units;
}

/** An Amount as Money in the order's currency; an amount in another currency is refused (RangeError). */
export function moneyOf(amount: EbayAmount, code: string): Money {
  if (amount.currency !== code)
    throw new RangeError(`an amount in ${amount.currency} on an order in ${code}`);
  return money(ebayDecimalToMinor(amount.value, code), code);
}

/** The magnitude: eBay writes discounts as negative amounts ("-2.00") in pricingSummary, positive on the lines. */
export function magnitudeOf(amount: EbayAmount | undefined, code: string): Money {
  if (!amount) return money(0, code);
  const m = moneyOf(amount, code);
  return money(Math.abs(m.amount), code);
}
