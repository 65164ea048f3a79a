import type { Insertable } from 'kysely';
import type { Database, Db } from './schema.ts';
import { ROWS_PER_STATEMENT, statement } from './statement.ts';

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
): Promise<{ orders: OrderSummary[]; next: string | null } | null> {
  let query = db
    .selectFrom('orders as o')
    .select([
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
    ])
    .select((eb) =>
      eb
        .selectFrom('order_lines as l')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('l.order_id', '=', 'o.id')
        .as('line_count'),
    )
    .orderBy('o.placed_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(q.limit + 1);
  if (q.before) {
    const cursor = await db
      .selectFrom('orders')
      .select('placed_at')
      .where('id', '=', q.before)
      .executeTakeFirst();
    if (!cursor) return null;
    query = query.where((eb) =>
      eb(eb.refTuple('o.placed_at', 'o.id'), '<', eb.tuple(cursor.placed_at, q.before!)),
    );
  }
  if (q.state) query = query.where('o.state', '=', q.state);
  if (q.channelId) query = query.where('o.channel_id', '=', q.channelId);
  if (q.placedFrom !== undefined) query = query.where('o.placed_at', '>=', q.placedFrom);
  if (q.placedBefore !== undefined) query = query.where('o.placed_at', '<', q.placedBefore);
  if (q.supplierId) {
    const supplierId = q.supplierId;
    query = query.where('o.id', 'in', (eb) =>
      eb
        .selectFrom('order_lines')
        .select('order_id')
        .where('supplier_id', '=', supplierId)
        .union(eb.selectFrom('purchase_orders').select('order_id').where('supplier_id', '=', supplierId)),
    );
  }
  const search = q.q === undefined ? null : searchRange(q.q);
  if (search)
    query = query.where('o.id', 'in', (eb) =>
      eb
        .selectFrom('order_search_terms')
        .select('order_id')
        .where('term', '>=', search.from)
        .where('term', '<', search.to)
        .where((w) => w.or([w('kind', 'in', PREFIX_KINDS), w('term', '=', search.from)]))
        .where('kind', 'in', ORDER_KINDS),
    );
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return {
    orders: page.map((r) => {
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
        lineCount: Number(r.line_count ?? 0),
      };
    }),
    next: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

/**
 * What a search term is of. An order's: `order` its external id, `email` and `name` its customer's (the whole name,
 * and each of its words), `sku` one of its lines'. A purchase order's (with its id): `po` its number, `po_sku` one
 * of its lines' SKU or supplier SKU.
 */
export type SearchTermKind = 'order' | 'email' | 'name' | 'sku' | 'po' | 'po_sku';
/** Matched by prefix; the other kinds only whole. */
const PREFIX_KINDS: SearchTermKind[] = ['order', 'name', 'po'];
/** The kinds the order list's search looks at (a PO's SKUs are its order's lines' already). */
const ORDER_KINDS: SearchTermKind[] = ['order', 'email', 'name', 'sku', 'po'];

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

/** An order's terms: its external id, its customer's email, name and the name's words, its lines' SKUs. */
export function orderSearchTerms(order: {
  id: string;
  externalId: string;
  customer: { email: string; name?: string | undefined };
  lines: readonly { sku: string }[];
}): SearchTerm[] {
  const terms: [SearchTermKind, string][] = [
    ['order', order.externalId],
    ['email', order.customer.email],
    ...order.lines.map((l): [SearchTermKind, string] => ['sku', l.sku]),
  ];
  const name = order.customer.name ? foldForSearch(order.customer.name) : '';
  if (name) {
    terms.push(['name', name]);
    // Words split at anything not a letter or digit: "Mary-Jane O'Neil" is found by "jane" and by "neil".
    for (const word of name.split(/[^\p{L}\p{N}]+/u)) if (word && word !== name) terms.push(['name', word]);
  }
  return distinctTerms(terms, order.id, null);
}

/** A purchase order's terms: its number, and its lines' SKUs and supplier SKUs. */
export function purchaseOrderSearchTerms(po: {
  id: string;
  orderId: string;
  poNumber: string;
  lines: readonly { sku: string; supplierSku: string }[];
}): SearchTerm[] {
  return distinctTerms(
    [
      ['po', po.poNumber],
      ...po.lines.flatMap((l): [SearchTermKind, string][] => [
        ['po_sku', l.sku],
        ['po_sku', l.supplierSku],
      ]),
    ],
    po.orderId,
    po.id,
  );
}

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
