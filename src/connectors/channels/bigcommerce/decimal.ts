import { minorUnitDigits, toDecimalString, type CurrencyCode, type Money } from '../../../domain/money.ts';

/**
 * A BigCommerce money figure in minor units of the currency, read from its decimal text, never through a float.
 * The v2 Orders API writes money as strings with four decimals ("12.3400"); the v3 payment actions write JSON
 * numbers (9.99), read here from their shortest decimal text (String(9.99) is "9.99"). Digits beyond the currency's
 * minor unit are zeros for every amount BigCommerce charges; when they are not (a figure kept to four decimals), the
 * value is rounded half away from zero, once, and the order's reconciliation shows any difference.
 *
 * @example decimalToMinor('12.3400', 'USD') // 1234
 * @example decimalToMinor('-0.5000', 'USD') // -50
 * @example decimalToMinor(1500, 'JPY') // 1500
 * @throws RangeError naming the figure when it is not a plain decimal or does not fit a safe integer.
 */
export function decimalToMinor(figure: string | number, code: CurrencyCode): number {
  const text = typeof figure === 'number' ? String(figure) : figure.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`${JSON.stringify(figure)} is not a decimal amount like "12.3400"`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(code);
  const kept = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  const dropped = fraction.slice(digits);
  const magnitude = dropped !== '' && dropped[0]! >= '5' ? kept + 1n : kept;
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`${JSON.stringify(figure)} is too large for ${code}`);
  const units = Number(magnitude);
  return sign === '-' && units !== 0 ? -units : units;
}

/** True when the figure has nothing beyond the currency's minor unit ("12.3400" in USD; not "12.3450"). */
export function isWholeMinor(figure: string, code: CurrencyCode): boolean {
  const fraction = /^-?\d+(?:\.(\d+))?$/.exec(figure.trim())?.[1] ?? '';
  return /^0*$/.test(fraction.slice(minorUnitDigits(code)));
}

/** Money as the JSON number the v3 payment actions take: its exact decimal text, parsed once (9.99, never 9.990000001). */
export function minorToAmount(m: Money): number {
  return Number(toDecimalString(m));
}
