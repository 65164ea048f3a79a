import type { Money } from './types.ts';

const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormat(currency: string): Intl.NumberFormat {
  let format = formatters.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    formatters.set(currency, format);
  }
  return format;
}

/**
 * Minor units shown in their currency, with the currency's own number of decimals (2 for USD, 0 for JPY, 3 for BHD).
 * The amount becomes a decimal string, not a division, so no float ever touches it.
 *
 * @example
 * formatMoney({ amount: 129900, currency: 'USD' }) // "$1,299.00"
 * formatMoney({ amount: 1500, currency: 'JPY' })   // "¥1,500"
 */
export function formatMoney(money: Money): string {
  const format = currencyFormat(money.currency);
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(decimalString(money.amount, digits) as Intl.StringNumericLiteral);
}

function decimalString(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const units = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return sign + units;
  return `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** `partially_shipped` → `partially shipped`: the hub's states and codes, readable. */
export function humanize(code: string): string {
  return code.replaceAll('_', ' ').replaceAll('.', ': ');
}

/**
 * A span of minutes as a person says it: whole days or hours when it is, minutes otherwise.
 *
 * @example
 * formatMinutes(1440) // "1 day"
 * formatMinutes(240)  // "4 hours"
 * formatMinutes(90)   // "90 minutes"
 */
export function formatMinutes(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes > 0 && minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes >= 60 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}
