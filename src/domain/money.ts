import iso4217 from 'currency-codes';

/**
 * Money as integer minor units of an ISO 4217 currency. Never a float: `{ amount: 1299, currency: 'USD' }` is $12.99.
 * Arithmetic refuses to mix currencies.
 */
export interface Money {
  readonly amount: number;
  readonly currency: CurrencyCode;
}
export type CurrencyCode = string & { readonly __currency: true };

// ISO 4217 list one (active codes) with each currency's minor unit, from the maintained `currency-codes` data.
// Precious metals, fund and testing codes are not money a shop takes or pays.
const NOT_MONEY = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);
const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  iso4217.data.filter((c) => !NOT_MONEY.has(c.code)).map((c) => [c.code, c.digits]),
);

export function isCurrencyCode(code: string): code is CurrencyCode {
  return /^[A-Z]{3}$/.test(code) && MINOR_UNITS.has(code);
}

export function currency(code: string): CurrencyCode {
  if (!isCurrencyCode(code)) throw new RangeError(`not an ISO 4217 currency code: ${code}`);
  return code;
}

/** Digits after the decimal point as ISO 4217 defines them (USD 2, JPY 0, BHD 3, HUF 2, CLF 4). */
export function minorUnitDigits(code: CurrencyCode): number {
  return MINOR_UNITS.get(code)!;
}

export function money(amount: number, code: string): Money {
  if (!Number.isSafeInteger(amount))
    throw new RangeError(`money must be an integer of minor units, got ${amount}`);
  return { amount, currency: currency(code) };
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function times(m: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new RangeError(`quantity must be an integer, got ${quantity}`);
  return money(m.amount * quantity, m.currency);
}

export function sum(items: readonly Money[], code: CurrencyCode): Money {
  return items.reduce((total, m) => add(total, m), money(0, code));
}

/** A formatter per currency: making one costs far more than using it (routing explains every line it decides). */
const formats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

export function formatMoney(m: Money): string {
  let known = formats.get(m.currency);
  if (!known) {
    const digits = minorUnitDigits(m.currency);
    // Display digits follow ISO 4217 too (ICU would show HUF without its minor unit).
    const format = new Intl.NumberFormat('en', {
      style: 'currency',
      currency: m.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formats.set(m.currency, (known = { format, digits }));
  }
  return known.format.format(m.amount / 10 ** known.digits);
}

/**
 * The amount as a plain decimal string in the currency's own digits, as channel APIs take prices ("12.99" for 1299
 * USD, "1299" for 1299 JPY, "-0.05"). Integer arithmetic only: no float ever holds the value.
 */
export function toDecimalString(m: Money): string {
  const digits = minorUnitDigits(m.currency);
  const units = Math.abs(m.amount)
    .toString()
    .padStart(digits + 1, '0');
  const sign = m.amount < 0 ? '-' : '';
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`cannot combine ${a.currency} with ${b.currency}`);
}
