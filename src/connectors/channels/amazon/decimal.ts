import { currency, minorUnitDigits } from '../../../domain/money.ts';

/**
 * An amount of Amazon's Money type in the currency's minor units, exactly. SP-API writes `amount` as a decimal string
 * ("Decimal: a decimal number with no loss of precision", orders 2026-01-01 and listings 2021-08-01 models), in
 * however many digits it likes ("30.0", "1500", "0.02"): trailing zeros are fine, a digit below the currency's minor
 * unit is not money anyone was charged and is refused, naming the field, rather than rounded.
 *
 * @example amazonAmountToMinor('12.9', 'USD', 'orderItems[0].proceeds') // 1290
 * @example amazonAmountToMinor('-3.00', 'EUR', 'x') // -300
 * @throws RangeError naming `field` when the text is not such an amount.
 */
export function amazonAmountToMinor(text: string, currencyCode: string, field: string): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`${field}: ${JSON.stringify(text)} is not a decimal amount like "12.99"`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(currency(currencyCode));
  if (/[1-9]/.test(fraction.slice(digits)))
    throw new RangeError(`${field}: ${text} has more decimals than ${currencyCode}'s ${digits}`);
  const units = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${field}: ${text} is too large`);
  const amount = Number(units);
  return sign === '-' && amount !== 0 ? -amount : amount;
}
