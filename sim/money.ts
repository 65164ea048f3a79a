/**
 * Money as the simulated stores keep it: integer minor units inside, decimal strings on the wire, never a float in
 * between. Shopify's amounts and WooCommerce's (wc_format_decimal with the store's price decimals, which the
 * simulator takes from the currency) are both plain decimal strings with the currency's digits; what differs
 * between the platforms (Shopify's MoneyBag, WooCommerce's float `price`) stays in each simulator. Demo and test
 * use only.
 */

/** Minor-unit digits (USD 2, JPY 0, KWD 3) from the runtime's ISO 4217 data; also refuses a malformed code. */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/**
 * A decimal string ("12.99") in minor units; refuses more decimals than the currency has.
 *
 * @example parseMinor('12.9', 2) // 1290
 */
export function parseMinor(amount: string, digits: number): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) throw new RangeError(`price ${JSON.stringify(amount)} is not a decimal string like "12.99"`);
  const [, whole = '0', fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > digits)
    throw new RangeError(`price ${amount} has more than ${digits} decimals`);
  const units = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || '0');
  if (!Number.isSafeInteger(units)) throw new RangeError(`price ${amount} is too large`);
  return units;
}

/**
 * Minor units as a decimal string with exactly `digits` decimals.
 *
 * @example formatMinor(-1290, 2) // '-12.90'
 */
export function formatMinor(units: number, digits: number): string {
  const sign = units < 0 ? '-' : '';
  const text = String(Math.abs(units)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** units × basisPoints / 10 000, rounded half up, in integers only (a discount or a tax on an amount). */
export function ofBasisPoints(units: number, basisPoints: number): number {
  const scaled = units * basisPoints;
  const remainder = scaled % 10_000;
  return (scaled - remainder) / 10_000 + (remainder * 2 >= 10_000 ? 1 : 0);
}
