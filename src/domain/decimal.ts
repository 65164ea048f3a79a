import { currency, minorUnitDigits } from './money.ts';

/**
 * Decimal figures as sales channels write money, read into integer minor units of a currency exactly: digits are
 * joined as integers, never scaled as a float ("0.29" is 29, where 0.29 × 100 is 28.999999999999996). The reverse,
 * minor units to the decimal text a platform's API takes, is `toDecimalString` (./money.ts).
 *
 * What differs between platforms is an option at the call site, not another parser: whether digits past the
 * currency's minor unit are refused (the default: "12.345" USD could not have been charged) or rounded once, half
 * away from zero, as PHP platforms round a figure kept to more decimals (WooCommerce's wc_format_decimal, Magento's
 * PriceCurrency::round, BigCommerce's four-decimal figures); and how many significant digits a JSON number may have
 * before its double no longer stands for the decimal the platform stored.
 */
export interface DecimalOptions {
  /** Names the figure in an error, `${field}: …` ("order 123 orderTotal.amount"). */
  readonly field?: string;
  /** Non-zero digits past the currency's minor unit: refused (the default) or rounded half away from zero, once. */
  readonly extraDigits?: 'refuse' | 'round-half-away-from-zero';
  /** The most significant digits the figure may have (15 for a double read from a DECIMAL column); any when absent. */
  readonly significantDigits?: number;
}

/** Why a figure is not an amount: `reason` says which, `field` names it as the caller did. A RangeError. */
export class AmountError extends RangeError {
  readonly code = 'bad_amount';
  constructor(
    readonly reason: 'not-decimal' | 'extra-digits' | 'significant-digits' | 'too-large',
    readonly text: string,
    message: string,
    readonly field: string | undefined,
  ) {
    super(field === undefined ? message : `${field}: ${message}`);
  }
}

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A plain decimal text ("12.99", "-3.00", "1500", "12.3400") in minor units of `code`, exactly. Surrounding blanks
 * are ignored; an empty text, an exponent ("1e3"), a sign other than a leading '-', a bare point ("1.", ".5") or a
 * grouping mark ("1,50") is refused, as is a figure past Number.MAX_SAFE_INTEGER units.
 *
 * @example decimalToMinorUnits('12.9', 'USD') // 1290
 * @example decimalToMinorUnits('1500.00', 'JPY') // 1500
 * @example decimalToMinorUnits('8.335', 'USD', { extraDigits: 'round-half-away-from-zero' }) // 834
 * @example decimalToMinorUnits('12.345', 'USD', { field: 'total' }) // throws AmountError "total: 12.345 has more decimals than USD's 2"
 * @throws AmountError (a RangeError) naming the field; RangeError for a code that is not an ISO 4217 currency.
 */
export function decimalToMinorUnits(text: string, code: string, options: DecimalOptions = {}): number {
  const { field, extraDigits = 'refuse', significantDigits } = options;
  const match = PLAIN_DECIMAL.exec(text.trim());
  if (!match)
    throw new AmountError(
      'not-decimal',
      text,
      `${JSON.stringify(text)} is not a decimal amount like "12.99"`,
      field,
    );
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(currency(code));
  if (
    significantDigits !== undefined &&
    (whole + fraction).replace(/^0+|0+$/g, '').length > significantDigits
  )
    throw new AmountError(
      'significant-digits',
      text,
      `${text} has more than ${significantDigits} significant digits, past what the platform keeps exactly`,
      field,
    );
  const dropped = fraction.slice(digits);
  if (extraDigits === 'refuse' && /[1-9]/.test(dropped))
    throw new AmountError('extra-digits', text, `${text} has more decimals than ${code}'s ${digits}`, field);
  const kept = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  // Half away from zero: the first dropped digit alone decides (5 or more rounds the magnitude up).
  const magnitude = dropped !== '' && dropped[0]! >= '5' ? kept + 1n : kept;
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AmountError('too-large', text, `${text} is too large for ${code}`, field);
  const units = Number(magnitude);
  return sign === '-' && units !== 0 ? -units : units;
}

/**
 * A JSON number (Magento's amounts, BigCommerce's v3 payment actions) in minor units of `code`, read from its
 * shortest decimal text (String(9.99) is "9.99"; 0.1 + 0.2 is "0.30000000000000004"), never by multiplying the
 * double. Options as for decimalToMinorUnits.
 *
 * @example numberToMinorUnits(9.99, 'USD') // 999
 * @example numberToMinorUnits(0.1 + 0.2, 'USD', { extraDigits: 'round-half-away-from-zero' }) // 30
 * @throws AmountError for NaN or an infinity, and as decimalToMinorUnits does.
 */
export function numberToMinorUnits(value: number, code: string, options: DecimalOptions = {}): number {
  if (!Number.isFinite(value))
    throw new AmountError('not-decimal', String(value), `${String(value)} is not an amount`, options.field);
  return decimalToMinorUnits(numberToDecimalText(value), code, options);
}

/**
 * A number's shortest decimal text without an exponent: 1e-7 → "0.0000001", 1e21 → "1000000000000000000000",
 * -0 → "0". It reads back as the same double.
 */
export function numberToDecimalText(value: number): string {
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = value < 0 ? '-' : '';
  const digits = text.slice(sign.length, e).replace('.', '');
  const point = 1 + Number(text.slice(e + 1)); // the mantissa has one digit before its point
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
