/**
 * GET /orders of the simulated store's REST API v3: the filters a catch-up poll uses (modified_after and friends,
 * dates_are_gmt, status, orderby, order) and WordPress's paging, as WC_REST_Orders_V2_Controller and
 * WC_REST_CRUD_Controller::prepare_objects_query define them. Demo and test use only.
 */
import type { WooOrder } from './woocommerce.ts';
import { localDate, ORDER_STATUSES, pageOf, wcDate, wpError, type Reply } from './woocommerce-wire.ts';

/** The statuses a list may ask for; `any` is every one but trash (WP_Query's `any` leaves trashed posts out). */
const LISTED_STATUSES: readonly string[] = ORDER_STATUSES.filter((status) => status !== 'trash');
/** rest_parse_date: RFC 3339, with or without an offset. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}(:?\d{2})?)?$/;
const ORDERBY = ['date', 'id', 'include', 'title', 'slug', 'modified'] as const;

export function listOrders(orders: Iterable<WooOrder>, query: URLSearchParams, offsetMinutes: number): Reply {
  const statuses = [...query.getAll('status[]'), ...(query.get('status') ?? 'any').split(',')]
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = statuses.find((s) => s !== 'any' && s !== 'trash' && !LISTED_STATUSES.includes(s));
  if (bad !== undefined) return invalid('status');
  const orderby = query.get('orderby') ?? 'date';
  if (!(ORDERBY as readonly string[]).includes(orderby)) return invalid('orderby');
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') return invalid('order');
  const gmt = ['1', 'true'].includes(query.get('dates_are_gmt') ?? 'false');
  const bounds: [string, 'date' | 'modified', 1 | -1][] = [
    ['after', 'date', 1],
    ['before', 'date', -1],
    ['modified_after', 'modified', 1],
    ['modified_before', 'modified', -1],
  ];
  let found = [...orders].filter(
    (o) => statuses.includes(o.status) || (statuses.includes('any') && o.status !== 'trash'),
  );
  for (const [name, column, side] of bounds) {
    const value = query.get(name);
    if (value === null) continue;
    if (!DATE_TIME.test(value)) return invalid(name);
    const wall = wallTime(value, gmt, offsetMinutes);
    // WP_Date_Query's after and before are exclusive.
    found = found.filter((o) => (side === 1 ? dateOf(o, column, gmt) > wall : dateOf(o, column, gmt) < wall));
  }
  const key = (o: WooOrder): string | number =>
    orderby === 'modified' ? o.date_modified_gmt : orderby === 'id' ? o.id : o.date_created_gmt;
  const direction = order === 'asc' ? 1 : -1;
  // MySQL leaves ties in no particular order; the id breaks them here so that a test sees the same pages every time.
  found.sort((a, b) => direction * (compare(key(a), key(b)) || a.id - b.id));
  return pageOf(found, query);
}

function invalid(name: string): Reply {
  return wpError('rest_invalid_param', `Invalid parameter(s): ${name}`, 400);
}

function dateOf(order: WooOrder, column: 'date' | 'modified', gmt: boolean): string {
  if (column === 'modified') return gmt ? order.date_modified_gmt : order.date_modified;
  return gmt ? order.date_created_gmt : order.date_created;
}

/**
 * The bound as the column's wall time: a value with an offset is that instant; one without is read in the column's
 * own zone (GMT with dates_are_gmt, else the site's).
 */
function wallTime(value: string, gmt: boolean, offsetMinutes: number): string {
  const text = value.replace(' ', 'T').replace('t', 'T');
  if (!/(Z|z|[+-]\d{2}(:?\d{2})?)$/.test(text)) return text.slice(0, 19);
  const ms = Date.parse(text);
  return gmt ? wcDate(ms) : localDate(ms, offsetMinutes);
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
