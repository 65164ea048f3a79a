/**
 * What the WooCommerce simulator's parts share: its dates, WordPress's entity decoding and its REST answers (money
 * is in ./money.ts: wc_format_decimal with the currency's decimals writes what formatMinor does). Demo and test use
 * only.
 */

import type { WooOrderStatus } from './woocommerce.ts';

/** Every status an order may have: wc_get_order_statuses (checkout-draft included) and `trash`. */
export const ORDER_STATUSES: readonly WooOrderStatus[] = [
  'pending',
  'processing',
  'on-hold',
  'completed',
  'cancelled',
  'refunded',
  'failed',
  'trash',
  'checkout-draft',
];

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
