import { currency, minorUnitDigits } from '../../../domain/money.ts';

/**
 * A WooCommerce decimal string in the currency's minor units, rounded half away from zero (half up for what is
 * charged) when it carries more decimals than the currency has.
 *
 * Why rounding and not refusing (Shopify's figures are refused instead): WooCommerce writes every money field of
 * the REST API with wc_format_decimal(value, dp), dp being the request's `dp` or the store's "Number of decimals"
 * (`woocommerce_price_num_decimals`, wc_get_price_decimals in includes/wc-formatting-functions.php), a setting of
 * its own that need not match the currency: a USD store set to 3 or 4 decimals sends "8.3333" on a line whose
 * prices include tax (the line subtotal is stored unrounded by WC_Order_Item_Product::set_subtotal). Such a line is
 * legitimate and refusing it would refuse the order. wc_format_decimal rounds with PHP's number_format, half away
 * from zero; this does the same on the exact text, without a float (PHP pre-rounds, so "1.005" gives 1.01 there
 * too). What the customer was charged is the order's `total`; a difference between it and the rounded lines is
 * the order's to reconcile, not this function's.
 *
 * @example wooDecimalToMinorUnits('12.345', 'USD') // 1235
 * @example wooDecimalToMinorUnits('-3.00', 'USD') // -300
 * @example wooDecimalToMinorUnits('1500', 'JPY') // 1500
 * @throws RangeError naming the text when it is not a decimal string or does not fit a safe integer.
 */
export function wooDecimalToMinorUnits(text: string, currencyCode: string): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`${JSON.stringify(text)} is not a decimal string like "12.99"`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(currency(currencyCode));
  const kept = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  const dropped = fraction.slice(digits);
  // Half away from zero: the first dropped digit alone decides (5 or more rounds the magnitude up).
  const magnitude = dropped !== '' && dropped[0]! >= '5' ? kept + 1n : kept;
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`${JSON.stringify(text)} is too large for ${currencyCode}`);
  const units = Number(magnitude);
  return sign === '-' && units !== 0 ? -units : units;
}
