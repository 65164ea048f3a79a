import { isCountryCode } from '../domain/address.ts';
import { isCurrencyCode, type CurrencyCode } from '../domain/money.ts';

/** A cell that could not be read (an object in a JSON row, a column past the end of a short CSV row). */
export class CellProblem {
  constructor(readonly reason: string) {}
}
/** A cell: its text, undefined when absent, or why it cannot be had. */
export type Cell = string | undefined | CellProblem;

export interface NumberFormat {
  readonly decimal: '.' | ',';
  readonly thousands?: ',' | '.' | ' ' | "'" | undefined;
}

/** The thousands separators as a pattern: a space also matches the no-break spaces spreadsheets write. */
const GROUP_CHARS: Record<string, string> = {
  ',': ',',
  '.': '\\.',
  ' ': '[ \\u00a0\\u202f]',
  "'": "['\\u2019]",
};

/**
 * Decimals in one feed's separators, read exactly as integers of 10^-digits units: digits are added up one at a
 * time as integers, never scaled as a float ("1.234,56" with decimal ',' and thousands '.' → 123456 at 2 digits).
 * Decimals past `digits` are accepted only when they are zeros ("1500.00" JPY is 1500): never rounded.
 */
export class DecimalReader {
  readonly #mark: number;
  readonly #number: RegExp;
  readonly #groups: RegExp | undefined;
  readonly #written: string;

  constructor(format: NumberFormat) {
    this.#mark = format.decimal.charCodeAt(0);
    const group = format.thousands === undefined ? undefined : GROUP_CHARS[format.thousands];
    this.#groups = group === undefined ? undefined : new RegExp(group, 'g');
    const whole = group === undefined ? '(\\d*)' : `(\\d{1,3}(?:${group}\\d{3})+|\\d*)`;
    this.#number = new RegExp(`^${whole}(?:${format.decimal === '.' ? '\\.' : ','}(\\d*))?$`);
    const thousands =
      format.thousands === undefined
        ? ', no thousands separator'
        : ` and ${quoted(format.thousands)} between thousands`;
    this.#written = `with ${quoted(format.decimal)} before the decimals${thousands}`;
  }

  /** The text in units of 10^-digits, or why not; `code` is the currency the digits are of (none: a count). */
  read(text: string, digits: number, code?: CurrencyCode): number | CellProblem {
    return this.#plain(text, digits) ?? this.#patterned(text, digits, code);
  }

  /** Digits with at most one decimal mark, read without a pattern (nearly every cell); undefined for anything else. */
  #plain(text: string, digits: number): number | undefined {
    let units = 0;
    let seen = 0; // digits seen
    let decimals = -1; // -1 before the decimal mark; then the decimals taken into units
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const digit = code - 48;
      if (digit >= 0 && digit <= 9) {
        seen++;
        if (decimals < 0) units = units * 10 + digit;
        else if (decimals < digits) {
          units = units * 10 + digit;
          decimals++;
        } else if (digit !== 0) return undefined;
      } else if (code === this.#mark && decimals < 0) decimals = 0;
      else return undefined;
    }
    for (let d = Math.max(decimals, 0); d < digits; d++) units *= 10;
    // Units only grow, so a final value that is a safe integer was exact all along.
    return seen > 0 && Number.isSafeInteger(units) ? units : undefined;
  }

  /** Numbers with thousands separators, and every reason a cell is not a number. */
  #patterned(text: string, digits: number, code: CurrencyCode | undefined): number | CellProblem {
    const match = this.#number.exec(text);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2] ?? '';
    if (!match || whole + fraction === '') {
      const what = code === undefined ? 'a whole number' : 'a number';
      return new CellProblem(
        text.startsWith('-')
          ? `${quoted(text)} is negative`
          : `${quoted(text)} is not ${what} written ${this.#written}`,
      );
    }
    if (fraction.length > digits && !/^0*$/.test(fraction.slice(digits)))
      return new CellProblem(
        code === undefined
          ? `${quoted(text)} is not a whole number`
          : `${quoted(text)} has ${fraction.length} decimals; ${code} has ${digits === 0 ? 'none' : digits}`,
      );
    const units = Number(
      (this.#groups ? whole.replace(this.#groups, '') : whole) +
        fraction.slice(0, digits).padEnd(digits, '0'),
    );
    return Number.isSafeInteger(units) ? units : new CellProblem(`${quoted(text)} is too large`);
  }
}

export function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Text kept as it is: refused when it carries a NUL or U+FFFD (what undecodable bytes become: a wrong encoding). */
export function label(text: string, max: number): string | CellProblem {
  if (/[\0\ufffd]/.test(text))
    return new CellProblem(`${quoted(text)} has bytes that are not text in the mapping's encoding`);
  return text.length > max ? new CellProblem(`is longer than ${max} characters`) : text;
}

/** Checked once per distinct spelling: a feed names a handful of currencies, countries and flags a million times. */
function memo<T>(check: (text: string) => T | CellProblem): (text: string) => T | CellProblem {
  const known = new Map<string, T | CellProblem>();
  return (text) => {
    let result = known.get(text);
    if (result === undefined) {
      result = check(text);
      if (known.size < 1000) known.set(text, result);
    }
    return result;
  };
}

export const currencyOf = memo((text) => {
  const code = text.toUpperCase();
  return isCurrencyCode(code) ? code : new CellProblem(`${quoted(text)} is not an ISO 4217 currency code`);
});

export const countryOf = memo((text) => {
  const code = text.toUpperCase();
  return isCountryCode(code)
    ? code
    : new CellProblem(`${quoted(text)} is not an ISO 3166-1 alpha-2 country code`);
});

export function gtinOf(text: string): string | CellProblem {
  if (isGtin(text)) return text;
  if (/^\d([.,]\d+)?E\+?\d+$/i.test(text))
    return new CellProblem(`${quoted(text)} is in scientific notation: a spreadsheet dropped its digits`);
  if (!/^\d+$/.test(text)) return new CellProblem(`${quoted(text)} is not all digits`);
  if (![8, 12, 13, 14].includes(text.length)) {
    const hint = text.length === 11 ? ' (a UPC-A whose leading zero a spreadsheet dropped?)' : '';
    return new CellProblem(`${quoted(text)} has ${text.length} digits; a GTIN has 8, 12, 13 or 14${hint}`);
  }
  const right = [...'0123456789'].find((d) => isGtin(text.slice(0, -1) + d));
  return new CellProblem(`${quoted(text)} has check digit ${text.slice(-1)}; it should be ${right}`);
}

/**
 * domain/gtin.ts's isValidGtin (the tests hold them equal) without its pattern and arrays: it runs on nearly every
 * row of a feed.
 */
export function isGtin(text: string): boolean {
  const length = text.length;
  if (length !== 8 && length !== 12 && length !== 13 && length !== 14) return false;
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    // Weights 3 and 1 from the right, the check digit (weight 1) included: a valid code sums to a multiple of 10.
    sum += (length - i) % 2 === 0 ? 3 * digit : digit;
  }
  return sum % 10 === 0;
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f']);

export const flagOf = memo((text) => {
  const t = text.toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return new CellProblem(`${quoted(text)} is not one of true/false, yes/no, y/n, 1/0, x`);
});
