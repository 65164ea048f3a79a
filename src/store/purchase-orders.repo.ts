import { sql, type Selectable } from 'kysely';
import type { OrderId, PoNumber, Sku, SupplierId } from '../domain/ids.ts';
import { money, type CurrencyCode, type Money } from '../domain/money.ts';
import type { PurchaseOrderState } from '../domain/purchase-order.machine.ts';
import type { PoLineStatus, PurchaseOrderLine, PurchaseOrderPlan } from '../domain/purchase-order.ts';
import type { Database, Db } from './schema.ts';

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
export async function insertPurchaseOrders(tx: Db, pos: readonly NewPurchaseOrder[], now: Date): Promise<void> {
  if (pos.length === 0) return;
  await tx
    .insertInto('purchase_orders')
    .values(
      pos.map(({ id, orderId, plan, ackDueAt, state }) => ({
        id,
        po_number: plan.poNumber,
        order_id: orderId,
        supplier_id: plan.supplierId,
        state,
        currency: plan.currency,
        total_amount: plan.total.amount,
        created_at: now.getTime(),
        updated_at: now.getTime(),
        sent_at: null,
        acknowledged_at: null,
        ack_due_at: ackDueAt.getTime(),
      })),
    )
    .execute();
  await tx
    .insertInto('purchase_order_lines')
    .values(
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
    )
    .execute();
}

type Key = { id: string } | { poNumber: string; supplierId: string } | { orderId: string };

/** Loads purchase orders with their lines. A supplier-scoped key only finds that supplier's own POs. */
export async function loadPurchaseOrders(db: Db, key: Key, lock = false): Promise<PurchaseOrder[]> {
  let query = db.selectFrom('purchase_orders').selectAll();
  if ('id' in key) query = query.where('id', '=', key.id);
  else if ('poNumber' in key) query = query.where('po_number', '=', key.poNumber).where('supplier_id', '=', key.supplierId);
  else query = query.where('order_id', '=', key.orderId).orderBy('created_at').orderBy('po_number');
  if (lock) query = query.forUpdate();
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const lines = await db
    .selectFrom('purchase_order_lines')
    .selectAll()
    .where(
      'purchase_order_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('line_number')
    .execute();
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
export type PurchaseOrderHead = Pick<PurchaseOrder, 'id' | 'poNumber' | 'orderId' | 'supplierId' | 'state' | 'ackDueAt'>;

export async function loadPurchaseOrderHead(tx: Db, id: string, lock = false): Promise<PurchaseOrderHead | null> {
  let query = tx.selectFrom('purchase_orders').select(['id', 'po_number', 'order_id', 'supplier_id', 'state', 'ack_due_at']).where('id', '=', id);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? headOf(row) : null;
}

type HeadRow = Pick<Selectable<Database['purchase_orders']>, 'id' | 'po_number' | 'order_id' | 'supplier_id' | 'state' | 'ack_due_at'>;

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

/** Saves the PO's state and stamps, and its lines' statuses when given (a change of state alone leaves them be). */
export async function savePurchaseOrder(
  tx: Db,
  po: Pick<PurchaseOrder, 'id' | 'state'> & { lines?: PurchaseOrder['lines'] },
  now: Date,
  stamps: { sentAt?: Date; acknowledgedAt?: Date } = {},
): Promise<void> {
  await tx
    .updateTable('purchase_orders')
    .set({
      state: po.state,
      updated_at: now.getTime(),
      ...(stamps.sentAt ? { sent_at: stamps.sentAt.getTime() } : {}),
      ...(stamps.acknowledgedAt ? { acknowledged_at: stamps.acknowledgedAt.getTime() } : {}),
    })
    .where('id', '=', po.id)
    .execute();
  for (const l of po.lines ?? []) {
    await tx
      .updateTable('purchase_order_lines')
      .set({ status: l.status, reject_reason: l.rejectReason, shipped_quantity: l.shippedQuantity })
      .where('purchase_order_id', '=', po.id)
      .where('line_number', '=', l.lineNumber)
      .execute();
  }
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
export async function flagOverdueAcknowledgements(tx: Db, now: number, limit: number): Promise<OverdueAcknowledgement[]> {
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
    .where('id', 'in', rows.map((r) => r.id))
    .execute();
  return rows.map((r) => ({ id: r.id, orderId: r.order_id, poNumber: r.po_number, ackDueAt: r.ack_due_at! }));
}
