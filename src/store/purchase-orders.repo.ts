import type { SupplierSla } from './partners.repo.ts';
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  type SqlBool,
} from 'kysely';
import type { OrderId, PoNumber, Sku, SupplierId } from '../domain/ids.ts';
import { money, type CurrencyCode, type Money } from '../domain/money.ts';
import { purchaseOrderMachine, type PurchaseOrderState } from '../domain/purchase-order.machine.ts';
import type { Order } from '../domain/order.ts';
import type { PoLineStatus, PurchaseOrderLine, PurchaseOrderPlan } from '../domain/purchase-order.ts';
import type { Database, Db } from './schema.ts';
import { supplierOf, type SupplierRecord } from './partners.repo.ts';
import { ROWS_PER_STATEMENT, statement } from './statement.ts';
import { expectUpdated, moveOf } from './transitions.ts';
import {
  amongIds,
  fewIds,
  insertSearchTerms,
  purchaseOrderSearchTerms,
  READ_BY_ID_AT_MOST,
  searchRange,
} from './views-orders.repo.ts';

export interface PurchaseOrder {
  id: string;
  poNumber: PoNumber;
  orderId: OrderId;
  supplierId: SupplierId;
  state: PurchaseOrderState;
  currency: CurrencyCode;
  total: Money;
  createdAt: Date;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
  ackDueAt: Date | null;
  lines: PurchaseOrderLine[];
}

export interface NewPurchaseOrder {
  id: string;
  orderId: string;
  plan: PurchaseOrderPlan;
  ackDueAt: Date;
  /** `draft` while the order awaits payment; `pending` (queued for sending) otherwise. */
  state: 'draft' | 'pending';
}

/** Inserts all of an order's purchase orders and their lines: two statements, however many POs. */
export async function insertPurchaseOrders(
  tx: Db,
  pos: readonly NewPurchaseOrder[],
  now: Date,
): Promise<void> {
  if (pos.length === 0) return;
  await purchaseOrdersInsert.run(
    tx,
    { now: now.getTime() },
    pos.map(({ id, orderId, plan, ackDueAt, state }) => ({
      id,
      po_number: plan.poNumber,
      order_id: orderId,
      supplier_id: plan.supplierId,
      state,
      currency: plan.currency,
      total_amount: plan.total.amount,
      ack_due_at: ackDueAt.getTime(),
    })),
  );
  await purchaseOrderLinesInsert.run(
    tx,
    {},
    pos.flatMap(({ id, plan }) =>
      plan.lines.map((l) => ({
        purchase_order_id: id,
        line_number: l.lineNumber,
        order_line_number: l.orderLineNumber,
        sku: l.sku,
        supplier_sku: l.supplierSku,
        quantity: l.quantity,
        unit_cost: l.unitCost.amount,
        status: l.status,
        reject_reason: l.rejectReason,
        shipped_quantity: l.shippedQuantity,
      })),
    ),
  );
  // What the order list's and the supplier's search find them by, their numbers: written once, with them.
  await insertSearchTerms(
    tx,
    pos.flatMap(({ id, orderId, plan }) =>
      purchaseOrderSearchTerms({ id, orderId, poNumber: plan.poNumber }),
    ),
  );
}

type NewHeadRow = Pick<
  Insertable<Database['purchase_orders']>,
  'id' | 'po_number' | 'order_id' | 'supplier_id' | 'state' | 'currency' | 'total_amount' | 'ack_due_at'
>;

const purchaseOrdersInsert = statement((db, p: { now: number }, rows: readonly NewHeadRow[]) =>
  db.insertInto('purchase_orders').values(
    rows.map((r) => ({
      id: r.id,
      po_number: r.po_number,
      order_id: r.order_id,
      supplier_id: r.supplier_id,
      state: r.state,
      currency: r.currency,
      total_amount: r.total_amount,
      created_at: p.now,
      updated_at: p.now,
      sent_at: null,
      acknowledged_at: null,
      ack_due_at: r.ack_due_at,
    })),
  ),
);

const purchaseOrderLinesInsert = statement(
  (db, _: object, rows: readonly Insertable<Database['purchase_order_lines']>[]) =>
    db.insertInto('purchase_order_lines').values(
      rows.map((l) => ({
        purchase_order_id: l.purchase_order_id,
        line_number: l.line_number,
        order_line_number: l.order_line_number,
        sku: l.sku,
        supplier_sku: l.supplier_sku,
        quantity: l.quantity,
        unit_cost: l.unit_cost,
        status: l.status,
        reject_reason: l.reject_reason,
        shipped_quantity: l.shipped_quantity,
      })),
    ),
);

const purchaseOrderById = statement((db, p: { id: string }) =>
  db.selectFrom('purchase_orders').selectAll().where('id', '=', p.id),
);

// Its columns named, not `*`, so that PostgreSQL may keep it prepared (statement.ts).
const linesOfPurchaseOrders = statement((db, _: object, rows: readonly { id: string }[]) =>
  db
    .selectFrom('purchase_order_lines')
    .select([
      'purchase_order_id',
      'line_number',
      'order_line_number',
      'sku',
      'supplier_sku',
      'quantity',
      'unit_cost',
      'status',
      'reject_reason',
      'shipped_quantity',
    ])
    .where(
      'purchase_order_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('line_number'),
);

type Key = { id: string } | { poNumber: string; supplierId: string } | { orderId: string };

/** Loads purchase orders with their lines. A supplier-scoped key only finds that supplier's own POs. */
export async function loadPurchaseOrders(db: Db, key: Key, lock = false): Promise<PurchaseOrder[]> {
  let rows: Selectable<Database['purchase_orders']>[];
  if ('id' in key && !lock) rows = (await purchaseOrderById.run(db, key)).rows;
  else {
    let query = db.selectFrom('purchase_orders').selectAll();
    if ('id' in key) query = query.where('id', '=', key.id);
    else if ('poNumber' in key)
      query = query.where('po_number', '=', key.poNumber).where('supplier_id', '=', key.supplierId);
    else query = query.where('order_id', '=', key.orderId).orderBy('created_at').orderBy('po_number');
    if (lock) query = query.forUpdate();
    rows = await query.execute();
  }
  if (rows.length === 0) return [];
  const { rows: lines } = await linesOfPurchaseOrders.run(db, {}, rows);
  return withLines(rows, lines);
}

/** Which of a supplier's purchase orders its list shows, and where its page starts. */
export interface SupplierPurchaseOrderQuery {
  /** In one of these states (all when absent). */
  states?: readonly PurchaseOrderState[] | undefined;
  /** Search: a purchase order number by prefix (case ignored), or a SKU or supplier SKU of one of its lines as written. */
  q?: string | undefined;
  limit: number;
  /** A purchase order id: the page holds those before it. */
  before?: string | undefined;
}

/**
 * A page of one supplier's purchase orders with their lines, newest (highest id) first; `next` is the `before` of
 * the page after, null on the last. Only that supplier's, whatever the query.
 *
 * @example
 * const { purchaseOrders, next } = await listSupplierPurchaseOrders(db, 'acme', { states: ['sent'], q: 'PO-01J', limit: 50 });
 */
export async function listSupplierPurchaseOrders(
  db: Db,
  supplierId: string,
  q: SupplierPurchaseOrderQuery,
  /** Tests pass a small one, to walk the path of many matches with a few purchase orders. */
  readByIdAtMost = READ_BY_ID_AT_MOST,
): Promise<{ purchaseOrders: PurchaseOrder[]; next: string | null }> {
  let query = db
    .selectFrom('purchase_orders')
    .selectAll()
    .where('supplier_id', '=', supplierId)
    .orderBy('id', 'desc')
    .limit(q.limit + 1);
  if (q.states) {
    if (q.states.length === 0) return { purchaseOrders: [], next: null };
    query = query.where('state', 'in', q.states);
  }
  if (q.before) query = query.where('id', '<', q.before);
  const search = q.q === undefined ? null : searchRange(q.q);
  if (search) {
    const found = await purchaseOrdersFound(db, search, q.q!.trim(), readByIdAtMost);
    if ('ids' in found) {
      if (found.ids.length === 0) return { purchaseOrders: [], next: null };
      query = query.where(amongIds(db, 'id', found.ids));
    } else query = query.where(found.test);
  }
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  if (page.length === 0) return { purchaseOrders: [], next: null };
  const { rows: lines } = await linesOfPurchaseOrders.run(db, {}, page);
  return {
    purchaseOrders: withLines(page, lines),
    next: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}

/**
 * Purchase orders (any supplier's) whose number begins with the search, or with a line of the SKU or supplier SKU as
 * written: their ids when few, else a test of each (views-orders.repo.ts READ_BY_ID_AT_MOST says why).
 */
async function purchaseOrdersFound(
  db: Db,
  search: { from: string; to: string },
  sku: string,
  atMost: number,
): Promise<
  { ids: string[] } | { test: (eb: ExpressionBuilder<Database, 'purchase_orders'>) => Expression<SqlBool> }
> {
  const ids = await fewIds(
    db,
    [
      db
        .selectFrom('order_search_terms')
        .select('purchase_order_id as id')
        .where('term', '>=', search.from)
        .where('term', '<', search.to)
        .where('kind', '=', 'po'),
      db
        .selectFrom('purchase_order_lines')
        .select('purchase_order_id as id')
        .where((eb) => eb.or([eb('sku', '=', sku), eb('supplier_sku', '=', sku)])),
    ],
    atMost,
  );
  if (ids) return { ids };
  return {
    test: (eb) =>
      eb.or([
        // Its own number, folded as the terms are (PO numbers are ASCII: lower() is the fold on both databases).
        eb(
          sql`substr(lower(${sql.ref('purchase_orders.po_number')}), 1, ${[...search.from].length})`,
          '=',
          search.from,
        ),
        eb.exists(
          eb
            .selectFrom('purchase_order_lines as l')
            .select('l.purchase_order_id')
            .whereRef('l.purchase_order_id', '=', 'purchase_orders.id')
            .where((w) => w.or([w('l.sku', '=', sku), w('l.supplier_sku', '=', sku)])),
        ),
      ]),
  };
}

/**
 * What sending POs needs, in two statements for up to ROWS_PER_STATEMENT of them: each PO with its lines, who it
 * ships to, its supplier (transport and sealed secrets) and the retailer's name for the blind documents. By id; a PO
 * that is gone is not in the answer.
 */
export async function loadPurchaseOrdersToSend(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, PurchaseOrderToSend>> {
  const found = new Map<string, PurchaseOrderToSend>();
  for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
    const { rows } = await purchaseOrdersToSend.run(
      db,
      {},
      ids.slice(i, i + ROWS_PER_STATEMENT).map((id) => ({ id })),
    );
    if (rows.length === 0) continue;
    const { rows: lines } = await linesOfPurchaseOrders.run(db, {}, rows);
    const purchaseOrders = withLines(rows, lines);
    rows.forEach((row, r) => {
      const supplier =
        row.s_id === null
          ? null
          : supplierOf({
              id: row.s_id,
              name: row.s_name!,
              currency: row.s_currency!,
              transport_kind: row.s_transport_kind!,
              transport_config: row.s_transport_config!,
              secrets: row.s_secrets,
              ack_within_minutes: row.s_ack_within_minutes!,
            });
      const recipient =
        row.customer === null
          ? null
          : { customer: JSON.parse(row.customer), shippingAddress: JSON.parse(row.shipping_address!) };
      found.set(row.id, { purchaseOrder: purchaseOrders[r]!, recipient, supplier, brand: row.brand });
    });
  }
  return found;
}

export interface PurchaseOrderToSend {
  purchaseOrder: PurchaseOrder;
  /** null: the order is gone (never in practice: orders are not deleted). */
  recipient: Pick<Order, 'customer' | 'shippingAddress'> | null;
  supplier: SupplierRecord | null;
  /** The `retailer.name` setting. */
  brand: string | null;
}

const purchaseOrdersToSend = statement((db, _: object, rows: readonly { id: string }[]) =>
  db
    .selectFrom('purchase_orders as po')
    .leftJoin('orders as o', 'o.id', 'po.order_id')
    .leftJoin('suppliers as s', 's.id', 'po.supplier_id')
    .leftJoin('settings as st', (join) => join.on('st.key', '=', 'retailer.name'))
    .selectAll('po')
    .select([
      'o.customer',
      'o.shipping_address',
      's.id as s_id',
      's.name as s_name',
      's.currency as s_currency',
      's.transport_kind as s_transport_kind',
      's.transport_config as s_transport_config',
      's.secrets as s_secrets',
      's.ack_within_minutes as s_ack_within_minutes',
      'st.value as brand',
    ])
    .where(
      'po.id',
      'in',
      rows.map((r) => r.id),
    ),
);

function withLines(
  rows: readonly Selectable<Database['purchase_orders']>[],
  lines: readonly Selectable<Database['purchase_order_lines']>[],
): PurchaseOrder[] {
  return rows.map((row) => {
    const currency = row.currency as CurrencyCode;
    return {
      ...headOf(row),
      currency,
      total: money(row.total_amount, currency),
      createdAt: new Date(row.created_at),
      sentAt: row.sent_at === null ? null : new Date(row.sent_at),
      acknowledgedAt: row.acknowledged_at === null ? null : new Date(row.acknowledged_at),
      lines: lines
        .filter((l) => l.purchase_order_id === row.id)
        .map((l) => ({
          lineNumber: l.line_number,
          orderLineNumber: l.order_line_number,
          sku: l.sku as Sku,
          supplierSku: l.supplier_sku,
          quantity: l.quantity,
          unitCost: money(l.unit_cost, currency),
          status: l.status as PoLineStatus,
          rejectReason: l.reject_reason,
          shippedQuantity: l.shipped_quantity,
        })),
    };
  });
}

/** A purchase order without its lines: what a change of its state needs to read. */
export type PurchaseOrderHead = Pick<
  PurchaseOrder,
  'id' | 'poNumber' | 'orderId' | 'supplierId' | 'state' | 'ackDueAt'
>;

export async function loadPurchaseOrderHead(
  tx: Db,
  id: string,
  lock = false,
): Promise<PurchaseOrderHead | null> {
  const [row] = (await (lock ? lockedHeadById : headById).run(tx, { id })).rows;
  return row ? headOf(row) : null;
}

const headById = statement((db, p: { id: string }) =>
  db
    .selectFrom('purchase_orders')
    .select(['id', 'po_number', 'order_id', 'supplier_id', 'state', 'ack_due_at'])
    .where('id', '=', p.id),
);
const lockedHeadById = statement((db, p: { id: string }) =>
  db
    .selectFrom('purchase_orders')
    .select(['id', 'po_number', 'order_id', 'supplier_id', 'state', 'ack_due_at'])
    .where('id', '=', p.id)
    .forUpdate(),
);

/** The heads of these POs, in id order; `lock` (PostgreSQL) holds their rows, taken in that order. */
export async function loadPurchaseOrderHeads(
  tx: Db,
  ids: readonly string[],
  lock = false,
): Promise<PurchaseOrderHead[]> {
  const heads: PurchaseOrderHead[] = [];
  const sorted = [...new Set(ids)].sort();
  for (let start = 0; start < sorted.length; start += ROWS_PER_STATEMENT) {
    const rows = sorted.slice(start, start + ROWS_PER_STATEMENT).map((id) => ({ id }));
    heads.push(...(await (lock ? lockedHeadsByIds : headsByIds).run(tx, {}, rows)).rows.map(headOf));
  }
  return heads;
}

function headsOf(db: Db, rows: readonly { id: string }[]) {
  return db
    .selectFrom('purchase_orders')
    .select(['id', 'po_number', 'order_id', 'supplier_id', 'state', 'ack_due_at'])
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('id');
}

const headsByIds = statement((db, _: object, rows: readonly { id: string }[]) => headsOf(db, rows));
const lockedHeadsByIds = statement((db, _: object, rows: readonly { id: string }[]) =>
  headsOf(db, rows).forUpdate(),
);

/**
 * POs that went out now, each moved from the state it was read in to the one given (the same when the supplier's
 * acknowledgement overtook the send: only the send time is new): a statement per move for all of them.
 */
export async function markPurchaseOrdersSent(
  tx: Db,
  pos: readonly { id: string; from: PurchaseOrderState; to: PurchaseOrderState }[],
  now: Date,
): Promise<void> {
  const byMove = new Map<string, { from: PurchaseOrderState; to: PurchaseOrderState; ids: string[] }>();
  for (const po of pos) {
    const to = moveOf(purchaseOrderMachine, po.from, po.to);
    const move = byMove.get(`${po.from} ${to}`) ?? { from: po.from, to, ids: [] };
    move.ids.push(po.id);
    byMove.set(`${po.from} ${to}`, move);
  }
  for (const { from, to, ids } of byMove.values()) {
    for (let start = 0; start < ids.length; start += ROWS_PER_STATEMENT) {
      const chunk = ids.slice(start, start + ROWS_PER_STATEMENT);
      const result = await purchaseOrdersSent.run(
        tx,
        { from, to, now: now.getTime() },
        chunk.map((id) => ({ id })),
      );
      expectUpdated(result.numAffectedRows, chunk.length, `a purchase order sent (${from} → ${to})`);
    }
  }
}

const purchaseOrdersSent = statement(
  (db, p: { from: string; to: string; now: number }, rows: readonly { id: string }[]) =>
    db
      .updateTable('purchase_orders')
      .set({ state: p.to, updated_at: p.now, sent_at: p.now })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('state', '=', p.from),
);

type HeadRow = Pick<
  Selectable<Database['purchase_orders']>,
  'id' | 'po_number' | 'order_id' | 'supplier_id' | 'state' | 'ack_due_at'
>;

function headOf(row: HeadRow): PurchaseOrderHead {
  return {
    id: row.id,
    poNumber: row.po_number as PoNumber,
    orderId: row.order_id as OrderId,
    supplierId: row.supplier_id as SupplierId,
    state: row.state as PurchaseOrderState,
    ackDueAt: row.ack_due_at === null ? null : new Date(row.ack_due_at),
  };
}

/**
 * Moves a PO from the state it was read in to `to` (purchaseOrderMachine decides), with its stamps, and its lines'
 * statuses when given (a change of state alone leaves them be).
 */
export async function savePurchaseOrder(
  tx: Db,
  po: { id: string; from: PurchaseOrderState; to: PurchaseOrderState; lines?: PurchaseOrder['lines'] },
  now: Date,
  stamps: { sentAt?: Date; acknowledgedAt?: Date; shipDueAt?: Date } = {},
): Promise<void> {
  const result = await purchaseOrderSave.run(tx, {
    id: po.id,
    from: po.from,
    to: moveOf(purchaseOrderMachine, po.from, po.to),
    now: now.getTime(),
    sentAt: stamps.sentAt?.getTime() ?? null,
    acknowledgedAt: stamps.acknowledgedAt?.getTime() ?? null,
    shipDueAt: stamps.shipDueAt?.getTime() ?? null,
  });
  expectUpdated(result.numAffectedRows, 1, `purchase order ${po.id}`);
  for (const l of po.lines ?? []) {
    await tx
      .updateTable('purchase_order_lines')
      .set({ status: l.status, reject_reason: l.rejectReason, shipped_quantity: l.shippedQuantity })
      .where('purchase_order_id', '=', po.id)
      .where('line_number', '=', l.lineNumber)
      .execute();
  }
}

/** A stamp not given keeps the one the PO has. */
const purchaseOrderSave = statement(
  (
    db,
    p: {
      id: string;
      from: string;
      to: string;
      now: number;
      sentAt: number | null;
      acknowledgedAt: number | null;
      shipDueAt: number | null;
    },
  ) =>
    db
      .updateTable('purchase_orders')
      .set({
        state: p.to,
        updated_at: p.now,
        sent_at: sql<number | null>`coalesce(${p.sentAt}, sent_at)`,
        acknowledged_at: sql<number | null>`coalesce(${p.acknowledgedAt}, acknowledged_at)`,
        ship_due_at: sql<number | null>`coalesce(${p.shipDueAt}, ship_due_at)`,
      })
      .where('id', '=', p.id)
      .where('state', '=', p.from),
);

/** Cancels a PO no supplier has (yet), and its open lines with it. */
export async function cancelPurchaseOrder(
  tx: Db,
  po: { id: string; state: PurchaseOrderState },
  now: Date,
): Promise<void> {
  await savePurchaseOrder(tx, { id: po.id, from: po.state, to: 'cancelled' }, now);
  await tx
    .updateTable('purchase_order_lines')
    .set({ status: 'cancelled' })
    .where('purchase_order_id', '=', po.id)
    .where('status', '=', 'open')
    .execute();
}

/** A drafted PO may go now (its order is paid): queued for sending, its acknowledgement due from now. */
export async function releaseDraftPurchaseOrder(
  tx: Db,
  po: { id: string; state: PurchaseOrderState },
  ackDueAt: Date,
  now: Date,
): Promise<void> {
  const result = await tx
    .updateTable('purchase_orders')
    .set({
      state: moveOf(purchaseOrderMachine, po.state, 'pending'),
      ack_due_at: ackDueAt.getTime(),
      updated_at: now.getTime(),
    })
    .where('id', '=', po.id)
    .where('state', '=', po.state)
    .executeTakeFirst();
  expectUpdated(result.numUpdatedRows, 1, `purchase order ${po.id}`);
}

/** The PO numbers an order has used, so a later PO to the same supplier gets the next one. */
export async function purchaseOrderNumbersOf(db: Db, orderId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('purchase_orders')
    .select('po_number')
    .where('order_id', '=', orderId)
    .execute();
  return rows.map((r) => r.po_number);
}

/** Each node's SLAs, by id. */
export async function slasOf(db: Db, supplierIds: readonly string[]): Promise<Map<string, SupplierSla>> {
  if (supplierIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('suppliers')
    .select(['id', 'ack_within_minutes', 'ship_within_minutes', 'working_calendar'])
    .where('id', 'in', [...new Set(supplierIds)])
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        ackWithinMinutes: r.ack_within_minutes,
        shipWithinMinutes: r.ship_within_minutes,
        workingHours: r.working_calendar,
      },
    ]),
  );
}

/** The states in which a supplier still owes its acknowledgement (the index purchase_orders_ack_due holds these). */
const AWAITING_ACK = sql`state in ('pending', 'sent', 'send_failed')`;

export interface OverdueAcknowledgement {
  id: string;
  orderId: string;
  poNumber: string;
  ackDueAt: number;
}

/**
 * Purchase orders whose supplier has not acknowledged them by their due time and that were not flagged yet, oldest
 * due first: one range of the partial index purchase_orders_ack_due (its predicate is written out as the index's,
 * so SQLite can use it). Flagging them (ack_overdue_at) takes them out of the index.
 */
export async function flagOverdueAcknowledgements(
  tx: Db,
  now: number,
  limit: number,
): Promise<OverdueAcknowledgement[]> {
  const rows = await tx
    .selectFrom('purchase_orders')
    .select(['id', 'order_id', 'po_number', 'ack_due_at'])
    .where(sql<boolean>`ack_overdue_at is null and ${AWAITING_ACK}`)
    .where('ack_due_at', '<=', now)
    .orderBy('ack_due_at')
    .limit(limit)
    .execute();
  if (rows.length === 0) return [];
  await tx
    .updateTable('purchase_orders')
    .set({ ack_overdue_at: now })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => ({ id: r.id, orderId: r.order_id, poNumber: r.po_number, ackDueAt: r.ack_due_at! }));
}

export interface OverdueShipment {
  id: string;
  orderId: string;
  poNumber: string;
  supplierId: string;
  shipDueAt: number;
}

/**
 * Purchase orders acknowledged but not shipped (or shipped only in part) by their due time, not flagged yet, oldest due first: one range of the
 * partial index purchase_orders_ship_due. Flagging them (ship_overdue_at) takes them out of the index.
 */
export async function flagOverdueShipments(tx: Db, now: number, limit: number): Promise<OverdueShipment[]> {
  const rows = await tx
    .selectFrom('purchase_orders')
    .select(['id', 'order_id', 'po_number', 'supplier_id', 'ship_due_at'])
    .where(
      sql<boolean>`ship_overdue_at is null and state in ('accepted', 'partially_accepted', 'partially_shipped')`,
    )
    .where('ship_due_at', '<=', now)
    .orderBy('ship_due_at')
    .limit(limit)
    .execute();
  if (rows.length === 0) return [];
  await tx
    .updateTable('purchase_orders')
    .set({ ship_overdue_at: now })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    poNumber: r.po_number,
    supplierId: r.supplier_id,
    shipDueAt: r.ship_due_at!,
  }));
}

/** Moves a PO's shipping deadline later (never earlier), and lets the sweep flag it again. */
export async function extendShipDeadline(tx: Db, id: string, shipDueAt: Date): Promise<void> {
  await tx
    .updateTable('purchase_orders')
    .set({ ship_due_at: shipDueAt.getTime(), ship_overdue_at: null })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('ship_due_at', 'is', null), eb('ship_due_at', '<', shipDueAt.getTime())]))
    .execute();
}
