/**
 * Money as integer minor units of an ISO 4217 currency. Never a float: `{ amount: 1299, currency: 'USD' }` is $12.99.
 * Arithmetic refuses to mix currencies.
 */
export interface Money {
  readonly amount: number;
  readonly currency: CurrencyCode;
}
export type CurrencyCode = string & { readonly __currency: true };

// ISO 4217 codes as known to the ICU data shipped with Node (the active list, not historic codes).
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isCurrencyCode(code: string): code is CurrencyCode {
  return /^[A-Z]{3}$/.test(code) && KNOWN_CURRENCIES.has(code);
}

export function currency(code: string): CurrencyCode {
  if (!isCurrencyCode(code)) throw new RangeError(`not an ISO 4217 currency code: ${code}`);
  return code;
}

/** Digits after the decimal point (USD 2, JPY 0, BHD 3), from ISO 4217 via ICU. */
export function minorUnitDigits(code: CurrencyCode): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function money(amount: number, code: string): Money {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`money must be an integer of minor units, got ${amount}`);
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

export function formatMoney(m: Money): string {
  const digits = minorUnitDigits(m.currency);
  return new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).format(m.amount / 10 ** digits);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`cannot combine ${a.currency} with ${b.currency}`);
}
