import { sql, type Insertable } from 'kysely';
import type { ChannelId, OrderId, Sku, SupplierId } from '../domain/ids.ts';
import {
  plainLineCharges,
  plainOrderCharges,
  type LineCharges,
  type OrderCharges,
} from '../domain/charges.ts';
import { money, type CurrencyCode } from '../domain/money.ts';
import {
  orderLineMachine,
  orderMachine,
  type OrderLineState,
  type OrderState,
} from '../domain/order.machine.ts';
import type { Address, CancelReason, Order, OrderLine } from '../domain/order.ts';
import type { Database, Db } from './schema.ts';
import { ROWS_PER_STATEMENT, statement } from './statement.ts';
import { expectUpdated, moveOf } from './transitions.ts';
import { insertSearchTerms, orderSearchTerms } from './views-orders.repo.ts';

const orderIdByExternalId = statement((db, p: { channelId: string; externalId: string }) =>
  db
    .selectFrom('orders')
    .select('id')
    .where('channel_id', '=', p.channelId)
    .where('external_id', '=', p.externalId),
);

export async function findOrderIdByExternalId(
  db: Db,
  channelId: string,
  externalId: string,
): Promise<OrderId | null> {
  const { rows } = await orderIdByExternalId.run(db, { channelId, externalId });
  return (rows[0]?.id as OrderId | undefined) ?? null;
}

/** The ids of those of a channel's orders Waybill has already, by their external id (one query for a batch). */
export async function findOrderIdsByExternalIds(
  db: Db,
  channelId: string,
  externalIds: readonly string[],
): Promise<Map<string, OrderId>> {
  const found = new Map<string, OrderId>();
  for (let start = 0; start < externalIds.length; start += ROWS_PER_STATEMENT) {
    const { rows } = await orderIdsByExternalIds.run(
      db,
      { channelId },
      externalIds.slice(start, start + ROWS_PER_STATEMENT).map((externalId) => ({ externalId })),
    );
    for (const r of rows) found.set(r.external_id, r.id as OrderId);
  }
  return found;
}

const orderIdsByExternalIds = statement(
  (db, p: { channelId: string }, rows: readonly { externalId: string }[]) =>
    db
      .selectFrom('orders')
      .select(['id', 'external_id'])
      .where('channel_id', '=', p.channelId)
      .where(
        'external_id',
        'in',
        rows.map((r) => r.externalId),
      ),
);

const ordersInsert = statement((db, _: object, rows: readonly Insertable<Database['orders']>[]) =>
  db.insertInto('orders').values(
    rows.map((p) => ({
      id: p.id,
      channel_id: p.channel_id,
      external_id: p.external_id,
      state: p.state,
      hold_reason: p.hold_reason,
      currency: p.currency,
      total_amount: p.total_amount,
      customer: p.customer,
      shipping_address: p.shipping_address,
      placed_at: p.placed_at,
      created_at: p.created_at,
      updated_at: p.updated_at,
      source_updated_at: p.source_updated_at,
      charges: p.charges,
    })),
  ),
);

const orderLinesInsert = statement((db, _: object, rows: readonly Insertable<Database['order_lines']>[]) =>
  db.insertInto('order_lines').values(
    rows.map((l) => ({
      order_id: l.order_id,
      line_number: l.line_number,
      sku: l.sku,
      quantity: l.quantity,
      unit_price: l.unit_price,
      state: l.state,
      supplier_id: l.supplier_id,
      cancel_reason: l.cancel_reason,
      channel_line_id: l.channel_line_id,
      title: l.title,
      requires_shipping: l.requires_shipping,
      charges: l.charges,
    })),
  ),
);

/** New orders with their lines: a statement per table for the whole batch (in chunks, within what one may bind). */
export async function insertOrders(
  tx: Db,
  orders: readonly { order: Order; sourceUpdatedAt?: Date | undefined }[],
  now: Date,
): Promise<void> {
  const heads = orders.map(({ order, sourceUpdatedAt }) => ({
    id: order.id,
    channel_id: order.channelId,
    external_id: order.externalId,
    state: order.state,
    hold_reason: order.holdReason,
    currency: order.currency,
    total_amount: order.total.amount,
    customer: JSON.stringify(order.customer),
    shipping_address: JSON.stringify(order.shippingAddress),
    placed_at: order.placedAt.getTime(),
    created_at: now.getTime(),
    updated_at: now.getTime(),
    source_updated_at: sourceUpdatedAt?.getTime() ?? null,
    charges: JSON.stringify(order.charges),
  }));
  for (let start = 0; start < heads.length; start += ROWS_PER_STATEMENT)
    await ordersInsert.run(tx, {}, heads.slice(start, start + ROWS_PER_STATEMENT));
  const lines = orders.flatMap(({ order }) =>
    order.lines.map((l) => ({
      order_id: order.id,
      line_number: l.lineNumber,
      sku: l.sku,
      quantity: l.quantity,
      unit_price: l.unitPrice.amount,
      state: l.state,
      supplier_id: l.supplierId,
      cancel_reason: l.cancelReason ?? null,
      channel_line_id: l.channelLineId,
      title: l.title,
      requires_shipping: l.requiresShipping ? 1 : 0,
      charges: JSON.stringify(l.charges),
    })),
  );
  // In chunks: a channel may send thousands of lines, more than one statement may bind (SQLite's variable limit).
  for (let start = 0; start < lines.length; start += LINES_PER_INSERT)
    await orderLinesInsert.run(tx, {}, lines.slice(start, start + LINES_PER_INSERT));
  // What the order list's search finds it by (its external id, customer, SKUs): written once, with the order.
  await insertSearchTerms(
    tx,
    orders.flatMap(({ order }) => orderSearchTerms(order)),
  );
}

const LINES_PER_INSERT = 500;

/** Loads an order with its lines; `lock` (PostgreSQL) takes the row lock so concurrent writers queue up. */
export async function loadOrder(tx: Db, id: string, lock = false): Promise<Order | null> {
  let query = tx.selectFrom('orders').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const lines = await tx
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', id)
    .orderBy('line_number')
    .execute();
  const currency = row.currency as CurrencyCode;
  // Lines from before migration 0008 carry no charges: their unit price × quantity was the whole of them.
  const lineCharges = lines.map((l) =>
    l.charges
      ? (JSON.parse(l.charges) as LineCharges)
      : plainLineCharges(money(l.unit_price, currency), l.quantity),
  );
  return {
    id: row.id as OrderId,
    channelId: row.channel_id as ChannelId,
    externalId: row.external_id,
    state: row.state as OrderState,
    holdReason: row.hold_reason,
    currency,
    total: money(row.total_amount, currency),
    charges: row.charges
      ? (JSON.parse(row.charges) as OrderCharges)
      : plainOrderCharges(lineCharges, currency),
    customer: JSON.parse(row.customer),
    shippingAddress: JSON.parse(row.shipping_address),
    placedAt: new Date(row.placed_at),
    lines: lines.map((l, i): OrderLine => ({
      lineNumber: l.line_number,
      sku: l.sku as Sku,
      quantity: l.quantity,
      unitPrice: money(l.unit_price, currency),
      channelLineId: l.channel_line_id,
      title: l.title,
      requiresShipping: l.requires_shipping !== 0,
      charges: lineCharges[i]!,
      state: l.state as OrderLineState,
      supplierId: l.supplier_id as SupplierId | null,
      cancelReason: l.cancel_reason as CancelReason | null,
    })),
  };
}

/**
 * Moves an order, and the lines named in `changedLines`, from the states they were read in (`before`) to `after`'s:
 * the order's machine and the order line's decide each move (staying put is no move), and a row another transaction
 * moved meanwhile refuses the write (StaleStateError).
 */
export async function saveOrderChange(
  tx: Db,
  before: Pick<Order, 'id' | 'state' | 'lines'>,
  after: Pick<Order, 'state' | 'holdReason' | 'lines'>,
  now: Date,
  changedLines: readonly number[],
): Promise<void> {
  const saved = await tx
    .updateTable('orders')
    .set({
      state: moveOf(orderMachine, before.state, after.state),
      hold_reason: after.holdReason,
      updated_at: now.getTime(),
    })
    .where('id', '=', before.id)
    .where('state', '=', before.state)
    .executeTakeFirst();
  expectUpdated(saved.numUpdatedRows, 1, `order ${before.id}`);
  for (const line of after.lines.filter((l) => changedLines.includes(l.lineNumber))) {
    const was = before.lines.find((l) => l.lineNumber === line.lineNumber);
    if (!was) throw new Error(`order ${before.id} has no line ${line.lineNumber}`);
    const result = await tx
      .updateTable('order_lines')
      .set({
        state: moveOf(orderLineMachine, was.state, line.state),
        supplier_id: line.supplierId,
        cancel_reason: line.cancelReason ?? null,
      })
      .where('order_id', '=', before.id)
      .where('line_number', '=', line.lineNumber)
      .where('state', '=', was.state)
      .executeTakeFirst();
    expectUpdated(result.numUpdatedRows, 1, `order ${before.id} line ${line.lineNumber}`);
  }
}

/** When the channel last changed the order, as Waybill kept it (null: never said). */
export async function channelUpdatedAt(db: Db, orderId: string): Promise<number | null> {
  const row = await db
    .selectFrom('orders')
    .select('source_updated_at')
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  return row.source_updated_at;
}

/** Keeps the channel's time of the version of the order Waybill now holds. */
export async function keepChannelUpdatedAt(
  tx: Db,
  orderId: string,
  sourceUpdatedAt: Date,
  now: Date,
): Promise<void> {
  await tx
    .updateTable('orders')
    .set({ source_updated_at: sourceUpdatedAt.getTime(), updated_at: now.getTime() })
    .where('id', '=', orderId)
    .execute();
}

/**
 * Units of each line of an order refunded so far, by Waybill or at the channel, from the recorded refunds (each
 * names its lines by number; refunds recorded before lines were numbered there count for none).
 */
export async function refundedLineUnits(db: Db, orderId: string): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('channel_refunds')
    .select('lines')
    .where('order_id', '=', orderId)
    .execute();
  const units = new Map<number, number>();
  for (const row of rows) {
    for (const line of JSON.parse(row.lines) as { lineNumber?: number; quantity: number }[]) {
      if (typeof line.lineNumber === 'number')
        units.set(line.lineNumber, (units.get(line.lineNumber) ?? 0) + line.quantity);
    }
  }
  return units;
}

/** Orders, oldest first, with a backordered line whose SKU has the units now (or is not limited at all). */
export async function ordersWithFillableBackorders(db: Db, limit: number): Promise<OrderId[]> {
  const rows = await db
    .selectFrom('order_lines')
    .innerJoin('orders', 'orders.id', 'order_lines.order_id')
    .innerJoin('stock_levels', 'stock_levels.sku', 'order_lines.sku')
    .select(['orders.id', 'orders.created_at'])
    // A literal, not a bound value: only then may the planners use the index of backordered lines (0010).
    .where('order_lines.state', '=', sql.lit('backordered'))
    .where((eb) =>
      eb.or([
        eb('stock_levels.bounded', '=', 0),
        eb(
          eb('stock_levels.on_hand', '-', eb.ref('stock_levels.reserved')),
          '>=',
          eb.ref('order_lines.quantity'),
        ),
      ]),
    )
    .groupBy(['orders.id', 'orders.created_at'])
    .orderBy('orders.created_at')
    .orderBy('orders.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id as OrderId);
}

/** Replaces the order's shipping address (an operator corrected it). */
export async function updateShippingAddress(
  tx: Db,
  orderId: string,
  address: Address,
  now: Date,
): Promise<void> {
  await tx
    .updateTable('orders')
    .set({ shipping_address: JSON.stringify(address), updated_at: now.getTime() })
    .where('id', '=', orderId)
    .execute();
}
