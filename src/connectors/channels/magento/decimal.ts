import { numberToDecimalText, type DecimalOptions } from '../../../domain/decimal.ts';

/**
 * How Magento's amounts are read into minor units (numberToMinorUnits, src/domain/decimal.ts), exactly.
 *
 * Magento keeps money as DECIMAL(20,4) and its REST API writes it as a JSON number (the interface's float getters,
 * then json_encode with PHP's shortest round-trip precision), so 12.99 arrives as the double nearest 12.99. The
 * shortest decimal text of that double is the stored decimal again for any amount of up to 15 significant digits,
 * which every DECIMAL(20,4) below 10^11 is: more digits are refused. Amounts Magento has rounded to the currency
 * (row totals, taxes, discounts, totals) convert exactly; an amount with more decimals than the currency (a unit
 * price of a store that enters prices with tax, 10.8333) is rounded half away from zero, as Magento's own
 * PriceCurrency::round does.
 *
 * @example numberToMinorUnits(10.8333, 'USD', MAGENTO_AMOUNTS) // 1083
 */
export const MAGENTO_AMOUNTS: DecimalOptions = {
  extraDigits: 'round-half-away-from-zero',
  significantDigits: 15,
};

/** A percentage as Magento gives it (8.25) as a decimal fraction string ("0.0825"), exactly. */
export function percentToRate(percent: number): string {
  const text = numberToDecimalText(Math.abs(percent));
  const [whole = '0', fraction = ''] = text.split('.');
  const digits = (whole + fraction).replace(/^0+/, '') || '0';
  const scale = fraction.length + 2;
  const padded = digits.padStart(scale + 1, '0');
  const rate = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`.replace(/\.?0+$/, '');
  return `${percent < 0 ? '-' : ''}${rate.startsWith('.') ? `0${rate}` : rate}`;
}
