import { minorUnitDigits, type CurrencyCode } from '../../../domain/money.ts';

/**
 * A Magento amount in the currency's minor units, exactly.
 *
 * Magento keeps money as DECIMAL(20,4) and its REST API writes it as a JSON number (the interface's float getters,
 * then json_encode with PHP's shortest round-trip precision), so 12.99 arrives as the double nearest 12.99. The
 * shortest decimal text of that double (what String() gives) is the stored decimal again for any amount of up to
 * 15 significant digits, which every DECIMAL(20,4) below 10^11 is: the conversion reads that text, in integers,
 * never multiplying the float. Amounts Magento has rounded to the currency (row totals, taxes, discounts, totals)
 * convert exactly; an amount with more decimals than the currency (a unit price of a store that enters prices with
 * tax, 10.8333) is rounded half away from zero, as Magento's own PriceCurrency::round does.
 *
 * @example magentoAmountToMinorUnits(12.99, 'USD') // 1299
 * @example magentoAmountToMinorUnits(-3, 'EUR') // -300
 * @throws RangeError naming the value when it is not a finite number or has more than 15 significant digits.
 */
export function magentoAmountToMinorUnits(value: number, code: CurrencyCode): number {
  if (!Number.isFinite(value)) throw new RangeError(`${String(value)} is not an amount`);
  const text = decimalText(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`${text} is not a decimal amount`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  if ((whole.replace(/^0+/, '') + fraction).replace(/0+$/, '').length > 15)
    throw new RangeError(`${text} has more significant digits than Magento's DECIMAL(20,4) keeps exactly`);
  const digits = minorUnitDigits(code);
  const kept = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  const dropped = fraction.slice(digits);
  const magnitude = dropped !== '' && dropped[0]! >= '5' ? kept + 1n : kept;
  const units = Number(magnitude);
  return sign === '-' && units !== 0 ? -units : units;
}

/** The shortest decimal text of a double, without an exponent (1e-7 → "0.0000001"). */
function decimalText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}

/** A percentage as Magento gives it (8.25) as a decimal fraction string ("0.0825"), exactly. */
export function percentToRate(percent: number): string {
  const text = decimalText(Math.abs(percent));
  const [whole = '0', fraction = ''] = text.split('.');
  const digits = (whole + fraction).replace(/^0+/, '') || '0';
  const scale = fraction.length + 2;
  const padded = digits.padStart(scale + 1, '0');
  const rate = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`.replace(/\.?0+$/, '');
  return `${percent < 0 ? '-' : ''}${rate.startsWith('.') ? `0${rate}` : rate}`;
}
