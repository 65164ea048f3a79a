import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type RawBuilder,
  type Selectable,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { Database, Db } from './schema.ts';
import { dialectOf, ROWS_PER_STATEMENT, statement } from './statement.ts';

/** An order as the order list shows it: no lines, no timeline. */
export interface OrderSummary {
  id: string;
  channelId: string;
  externalId: string;
  state: string;
  holdReason: string | null;
  total: { amount: number; currency: string };
  createdAt: string;
  placedAt: string;
  customer: { email: string; name: string | null };
  lineCount: number;
}

/** Which orders the order list shows, and where its page starts. */
export interface OrderListQuery {
  state?: string | undefined;
  channelId?: string | undefined;
  /** Orders with a line or a purchase order at this supplier. */
  supplierId?: string | undefined;
  /** Search: see {@link searchRange} for what it matches. */
  q?: string | undefined;
  /** Placed at or after (epoch ms). */
  placedFrom?: number | undefined;
  /** Placed before (epoch ms, exclusive). */
  placedBefore?: number | undefined;
  limit: number;
  /** An order id: the page holds the orders after it in the list's order (placed earlier, or at once with a smaller id). */
  before?: string | undefined;
}

/**
 * Up to this many orders found by a search, or at a supplier, are read by id and sorted (5,000: about 10 ms); more,
 * and the list is read in its own order (an index), each order tested until the page is full: a few hundred when one
 * in twenty or more passes (5 % of 100,000). A page costs what it reads, not what matches; the worst is a search that
 * matches just over 5,000 orders, all of them old (the scan passes the newer ones first).
 */
export const READ_BY_ID_AT_MOST = 5_000;

/** Orders that match a search or the supplier filter: their ids when few, else a test of each order. */
type OrderSet = { ids: string[] } | { test: (eb: ExpressionBuilder<Listed, 'o'>) => Expression<SqlBool> };
type Listed = Database & { o: Database['orders'] };

/**
 * A page of orders, the last placed first (orders placed in the same millisecond: the larger id first); `next` is the
 * `before` of the page after, null on the last. null when `before` names no order.
 *
 * @example
 * const page = await listOrderSummaries(db, { q: 'ann@example.com', state: 'routed', limit: 50 });
 * const more = page?.next ? await listOrderSummaries(db, { q: 'ann@example.com', state: 'routed', limit: 50, before: page.next }) : null;
 */
export async function listOrderSummaries(
  db: Db,
  q: OrderListQuery,
  /** Tests pass a small one, to walk the path of many matches with a few orders. */
  readByIdAtMost = READ_BY_ID_AT_MOST,
): Promise<{ orders: OrderSummary[]; next: string | null } | null> {
  const search = q.q === undefined ? null : searchRange(q.q);
  const sets = (
    await Promise.all([
      search ? searchSet(db, search, q.q!.trim(), readByIdAtMost) : null,
      q.supplierId ? supplierSet(db, q.supplierId, readByIdAtMost) : null,
    ])
  ).filter((set) => set !== null);
  const idLists = sets.filter((set) => 'ids' in set).map((set) => set.ids);
  const ids = idLists.length
    ? idLists.reduce((kept, more) => {
        const also = new Set(more);
        return kept.filter((id) => also.has(id));
      })
    : null;
  let query = db.selectFrom('orders as o').limit(q.limit + 1);
  const before = q.before;
  // After the cursor's order in the list's order; none when it names no order (then told apart below).
  if (before)
    query = query.where((eb) =>
      eb(
        eb.refTuple('o.placed_at', 'o.id'),
        '<',
        eb.tuple(eb.selectFrom('orders as c').select('c.placed_at').where('c.id', '=', before), before),
      ),
    );
  if (q.state) query = query.where('o.state', '=', q.state);
  if (q.channelId) query = query.where('o.channel_id', '=', q.channelId);
  if (q.placedFrom !== undefined) query = query.where('o.placed_at', '>=', q.placedFrom);
  if (q.placedBefore !== undefined) query = query.where('o.placed_at', '<', q.placedBefore);
  for (const set of sets) if ('test' in set) query = query.where(set.test);
  let page: OrderSummary[];
  let more: boolean;
  if (ids) {
    // The page's ids first, sorted, then their summaries: thousands of keys sort fast, rows do not. `+ 0` keeps the
    // planner off the placed-time index, which it would walk testing each order against the ids (PostgreSQL did:
    // 90,000 orders read when the ids were of old orders).
    const keys =
      ids.length === 0
        ? []
        : await query
            .select('o.id')
            .where(amongIds(db, 'o.id', ids))
            .orderBy(sql`${sql.ref('o.placed_at')} + 0`, 'desc')
            .orderBy('o.id', 'desc')
            .execute();
    more = keys.length > q.limit;
    const pageIds = keys.slice(0, q.limit).map((r) => r.id);
    const summaries = await loadSummaries(db, pageIds);
    page = pageIds.map((id) => summaries.get(id)!);
  } else {
    // In the list's order, an index's: the page's rows are the first read, each summary made once.
    const rows = await query
      .select(SUMMARY_COLUMNS)
      .select(lineCount)
      .orderBy('o.placed_at', 'desc')
      .orderBy('o.id', 'desc')
      .execute();
    more = rows.length > q.limit;
    page = rows.slice(0, q.limit).map((r) => summaryOf(r, Number(r.line_count ?? 0)));
  }
  if (
    page.length === 0 &&
    before &&
    !(await db.selectFrom('orders').select('id').where('id', '=', before).executeTakeFirst())
  )
    return null;
  return { orders: page, next: more ? page[page.length - 1]!.id : null };
}

const SUMMARY_COLUMNS = [
  'o.id',
  'o.channel_id',
  'o.external_id',
  'o.state',
  'o.hold_reason',
  'o.total_amount',
  'o.currency',
  'o.created_at',
  'o.placed_at',
  'o.customer',
] as const;

const lineCount = (eb: ExpressionBuilder<Listed, 'o'>) =>
  eb
    .selectFrom('order_lines as l')
    .select(eb.fn.countAll<number>().as('n'))
    .whereRef('l.order_id', '=', 'o.id')
    .as('line_count');

/** The summaries of these orders, by id. */
async function loadSummaries(db: Db, ids: readonly string[]): Promise<Map<string, OrderSummary>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('orders as o')
    .select(SUMMARY_COLUMNS)
    .select(lineCount)
    .where(amongIds(db, 'o.id', ids))
    .execute();
  return new Map(rows.map((r) => [r.id, summaryOf(r, Number(r.line_count ?? 0))]));
}

/** The columns of an order the list reads. */
type SummaryRow = Pick<
  Selectable<Database['orders']>,
  | 'id'
  | 'channel_id'
  | 'external_id'
  | 'state'
  | 'hold_reason'
  | 'total_amount'
  | 'currency'
  | 'created_at'
  | 'placed_at'
  | 'customer'
>;

function summaryOf(r: SummaryRow, lineCount: number): OrderSummary {
  const customer = JSON.parse(r.customer) as { email: string; name?: string };
  return {
    id: r.id,
    channelId: r.channel_id,
    externalId: r.external_id,
    state: r.state,
    holdReason: r.hold_reason,
    total: { amount: r.total_amount, currency: r.currency },
    createdAt: new Date(r.created_at).toISOString(),
    placedAt: new Date(r.placed_at).toISOString(),
    customer: { email: customer.email, name: customer.name ?? null },
    lineCount,
  };
}

/** Orders with a term in the search's range (see searchRange), or a line of the SKU as written. */
async function searchSet(
  db: Db,
  search: { from: string; to: string },
  sku: string,
  atMost: number,
): Promise<OrderSet> {
  const ids = await fewIds(
    db,
    [
      db
        .selectFrom('order_search_terms')
        .select('order_id as id')
        .where('term', '>=', search.from)
        .where('term', '<', search.to)
        .where((w) => w.or([w('kind', 'in', PREFIX_KINDS), w('term', '=', search.from)])),
      db.selectFrom('order_lines').select('order_id as id').where('sku', '=', sku),
    ],
    atMost,
  );
  if (ids) return { ids };
  // One EXISTS of a UNION ALL, not two under an OR: PostgreSQL turned each of those into a hash of all the matches,
  // built for every page (30,000 rows for `s`), where a probe of each order read in the list's order stops at the page.
  return {
    test: (eb) =>
      eb.exists(
        eb
          .selectFrom('order_search_terms as t')
          .select('t.order_id')
          .whereRef('t.order_id', '=', 'o.id')
          .where('t.term', '>=', search.from)
          .where('t.term', '<', search.to)
          .where((w) => w.or([w('t.kind', 'in', PREFIX_KINDS), w('t.term', '=', search.from)]))
          .unionAll(
            eb
              .selectFrom('order_lines as l')
              .select('l.order_id')
              .whereRef('l.order_id', '=', 'o.id')
              .where('l.sku', '=', sku),
          ),
      ),
  };
}

/** Orders with a line routed to the supplier, or a purchase order to it. */
async function supplierSet(db: Db, supplierId: string, atMost: number): Promise<OrderSet> {
  const ids = await fewIds(
    db,
    [
      db.selectFrom('order_lines').select('order_id as id').where('supplier_id', '=', supplierId),
      db.selectFrom('purchase_orders').select('order_id as id').where('supplier_id', '=', supplierId),
    ],
    atMost,
  );
  if (ids) return { ids };
  // One EXISTS of a UNION ALL, as for a search (searchSet says why).
  return {
    test: (eb) =>
      eb.exists(
        eb
          .selectFrom('order_lines as l')
          .select('l.order_id')
          .whereRef('l.order_id', '=', 'o.id')
          .where('l.supplier_id', '=', supplierId)
          .unionAll(
            eb
              .selectFrom('purchase_orders as p')
              .select('p.order_id')
              .whereRef('p.order_id', '=', 'o.id')
              .where('p.supplier_id', '=', supplierId),
          ),
      ),
  };
}

/** A query of ids: one column, `id`. */
export type IdQuery = SelectQueryBuilder<Database, keyof Database, { id: string | null }>;

/** Ids read at first: most searches find fewer, and are answered by one statement each. */
const FIRST_READ = 500;

/**
 * The ids the queries find together when each finds at most `atMost`; null when one finds more. Cheap either way:
 * a few hundred ids read; past those, each query counted (up to atMost + 1) before its ids are read, so that a
 * filter that matches tens of thousands sends none of them (reading 10,000 ids from PostgreSQL took 10 ms).
 */
export async function fewIds(db: Db, queries: readonly IdQuery[], atMost: number): Promise<string[] | null> {
  const first = Math.min(FIRST_READ, atMost);
  const found = await Promise.all(
    queries.map(async (query) => {
      const rows = await query.limit(first + 1).execute();
      if (rows.length <= first) return rows;
      const counted = await db
        .selectFrom(query.limit(atMost + 1).as('found'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(counted.n) > atMost ? null : query.limit(atMost + 1).execute();
    }),
  );
  if (found.some((rows) => rows === null)) return null;
  return [...new Set(found.flatMap((rows) => rows!.map((r) => r.id!)))];
}

/**
 * `column` is one of `ids`, bound as one parameter however many there are: a list of thousands of parameters costs
 * more to build and parse than the look-ups it asks for, and each length would be a statement of its own.
 */
export function amongIds(db: Db, column: string, ids: readonly string[]): RawBuilder<boolean> {
  return dialectOf(db) === 'postgres'
    ? sql<boolean>`${sql.ref(column)} = any(${[...ids]})`
    : sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

/**
 * What a search term is of: an order's external id (`order`), its customer's `email`, its customer's `name` (the whole
 * name, and each word of it), one of its purchase orders' number (`po`, with the purchase order's id). SKUs are not
 * terms: they are matched whole and as written, in the lines' own indexes.
 */
export type SearchTermKind = 'order' | 'email' | 'name' | 'po';
/** Matched by prefix; an email only whole. */
const PREFIX_KINDS: SearchTermKind[] = ['order', 'name', 'po'];

export type SearchTerm = Insertable<Database['order_search_terms']>;

/** The longest term kept, in characters: a longer one is found by its first 200. */
const TERM_LENGTH = 200;

/**
 * Text as the search compares it: compatibility forms and accents dropped, lower case, runs of spaces as one. So
 * "ANN@Example.com" is "ann@example.com" and "Zoë Müller" is "zoe muller".
 */
export function foldForSearch(text: string): string {
  return [
    ...text
      .normalize('NFKD')
      .toLowerCase()
      .replace(/\p{M}+/gu, '')
      .replace(/\s+/g, ' ')
      .trim(),
  ]
    .slice(0, TERM_LENGTH)
    .join('');
}

/**
 * The range of terms a search reads: those that begin with the folded text. A term of a kind matched whole must
 * also equal it (`from`). null for a search of nothing (blanks).
 */
export function searchRange(text: string): { from: string; to: string } | null {
  const from = foldForSearch(text);
  // U+10FFFF is the last code point: every term that begins with `from` sorts before `from` + it, byte by byte.
  return from ? { from, to: `${from}\u{10ffff}` } : null;
}

/** An order's terms: its external id, its customer's email, name and the name's words. */
export function orderSearchTerms(order: {
  id: string;
  externalId: string;
  customer: { email: string; name?: string | undefined };
}): SearchTerm[] {
  const terms: [SearchTermKind, string][] = [
    ['order', order.externalId],
    ['email', order.customer.email],
  ];
  // Folded once here to split it into words; distinctTerms folds what it is given (a no-op on folded text).
  const name = order.customer.name ? foldForSearch(order.customer.name) : '';
  if (name) {
    terms.push(['name', name]);
    // Words split at anything not a letter or digit: "Mary-Jane O'Neil" is found by "jane" and by "neil".
    for (const word of name.split(/[^\p{L}\p{N}]+/u)) if (word && word !== name) terms.push(['name', word]);
  }
  return distinctTerms(terms, order.id, null);
}

/** A purchase order's term: its number. */
export function purchaseOrderSearchTerms(po: {
  id: string;
  orderId: string;
  poNumber: string;
}): SearchTerm[] {
  return distinctTerms([['po', po.poNumber]], po.orderId, po.id);
}

/** Folded, blanks dropped, each (kind, term) once: the table's key is (term, kind, order). */
function distinctTerms(
  terms: readonly [SearchTermKind, string][],
  orderId: string,
  purchaseOrderId: string | null,
): SearchTerm[] {
  const seen = new Set<string>();
  const out: SearchTerm[] = [];
  for (const [kind, text] of terms) {
    const term = foldForSearch(text);
    const key = `${kind}\u0000${term}`;
    if (!term || seen.has(key)) continue;
    seen.add(key);
    out.push({ term, kind, order_id: orderId, purchase_order_id: purchaseOrderId });
  }
  return out;
}

const searchTermsInsert = statement((db, _: object, rows: readonly SearchTerm[]) =>
  db.insertInto('order_search_terms').values(
    rows.map((r) => ({
      term: r.term,
      kind: r.kind,
      order_id: r.order_id,
      purchase_order_id: r.purchase_order_id,
    })),
  ),
);

/** Stores search terms (in the transaction that stores what they are of). */
export async function insertSearchTerms(tx: Db, terms: readonly SearchTerm[]): Promise<void> {
  for (let start = 0; start < terms.length; start += ROWS_PER_STATEMENT)
    await searchTermsInsert.run(tx, {}, terms.slice(start, start + ROWS_PER_STATEMENT));
}

/** A shipment of an order as the order view shows it, with the units of each order line in the parcel. */
export interface ShipmentView {
  id: string;
  poId: string;
  supplierId: string;
  carrier: string;
  trackingNumber: string;
  state: string;
  shippedAt: string;
  lines: { orderLineNumber: number; sku: string; quantity: number }[];
}

/** The order's shipments, the first recorded first, each with its lines. */
export async function listOrderShipments(db: Db, orderId: string): Promise<ShipmentView[]> {
  const [shipments, shipmentLines] = await Promise.all([
    db.selectFrom('shipments').selectAll().where('order_id', '=', orderId).orderBy('created_at').execute(),
    db
      .selectFrom('shipment_lines')
      .innerJoin('shipments', 'shipments.id', 'shipment_lines.shipment_id')
      .select([
        'shipment_lines.shipment_id',
        'shipment_lines.order_line_number',
        'shipment_lines.sku',
        'shipment_lines.quantity',
      ])
      .where('shipments.order_id', '=', orderId)
      .execute(),
  ]);
  return shipments.map((s) => ({
    id: s.id,
    poId: s.purchase_order_id,
    supplierId: s.supplier_id,
    carrier: s.carrier,
    trackingNumber: s.tracking_number,
    state: s.state,
    shippedAt: new Date(s.shipped_at).toISOString(),
    lines: shipmentLines
      .filter((l) => l.shipment_id === s.id)
      .map((l) => ({ orderLineNumber: l.order_line_number, sku: l.sku, quantity: l.quantity })),
  }));
}

/** One entry of an order's timeline: what happened, to what, and when. */
export interface TimelineEntry {
  seq: number;
  at: string;
  type: string;
  subject: { type: string; id: string };
  data: unknown;
}

/** The order's whole timeline, in the order it was recorded. */
export async function listOrderTimeline(db: Db, orderId: string): Promise<TimelineEntry[]> {
  const events = await db
    .selectFrom('events')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('seq')
    .execute();
  return events.map((e) => ({
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    type: e.type,
    subject: { type: e.subject_type, id: e.subject_id },
    data: JSON.parse(e.data) as unknown,
  }));
}
