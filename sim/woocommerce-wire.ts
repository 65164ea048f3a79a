/**
 * What the WooCommerce simulator's parts share: money as WooCommerce writes it (decimal strings on the wire, integer
 * minor units inside, never a float in between), its dates, and WordPress's REST answers. Demo and test use only.
 */

/** A decimal string ("12.99") in minor units; refuses more decimals than the currency has. */
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

/** wc_format_decimal with the store's price decimals (the currency's, here). */
export function formatMinor(units: number, digits: number): string {
  const text = String(Math.abs(units)).padStart(digits + 1, '0');
  const sign = units < 0 ? '-' : '';
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * wp_specialchars_decode(text, ENT_QUOTES) of wp-includes/formatting.php: numeric entities of & < > " ' lose their
 * zero padding, then one strtr pass over the named and numeric forms (so "&amp;lt;" stays "&lt;").
 */
export function wpSpecialcharsDecode(text: string): string {
  const table: Record<string, string> = {
    '&#039;': "'",
    '&#x27;': "'",
    '&quot;': '"',
    '&#034;': '"',
    '&#x22;': '"',
    '&lt;': '<',
    '&#060;': '<',
    '&gt;': '>',
    '&#062;': '>',
    '&amp;': '&',
    '&#038;': '&',
    '&#x26;': '&',
  };
  const unpadded = text
    .replace(/&#0*(39|34|60|62|38);/g, (_m, code: string) => `&#0${code};`)
    .replace(/&#x0*(27|22|26);/gi, (_m, code: string) => `&#x${code};`);
  return unpadded.replace(/&[#\w]+;/g, (entity) => table[entity] ?? entity);
}

/** WooCommerce's date format: no offset, whole seconds. */
export function wcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function localDate(ms: number, offsetMinutes: number): string {
  return wcDate(ms + offsetMinutes * 60_000);
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** WordPress's error shape: `{ code, message, data: { status } }`. */
export function wpError(code: string, message: string, status: number): Reply {
  return { status, body: { code, message, data: { status } } };
}

/**
 * One page of a collection as WooCommerce's REST controllers serve it: per_page 1–100 (default 10), page from 1,
 * and the X-WP-Total and X-WP-TotalPages headers. A page past the end is 200 with an empty list and the real
 * totals (WC_REST_CRUD_Controller::get_objects counts again without LIMIT; unlike WP_REST_Posts_Controller, it
 * never answers rest_post_invalid_page_number).
 */
export function pageOf(items: readonly unknown[], query: URLSearchParams): Reply {
  const perPage = Number(query.get('per_page') ?? '10');
  const page = Number(query.get('page') ?? '1');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    return wpError('rest_invalid_param', 'Invalid parameter(s): per_page', 400);
  }
  if (!Number.isInteger(page) || page < 1)
    return wpError('rest_invalid_param', 'Invalid parameter(s): page', 400);
  const totalPages = Math.ceil(items.length / perPage);
  const headers = { 'x-wp-total': String(items.length), 'x-wp-totalpages': String(totalPages) };
  return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers };
}
