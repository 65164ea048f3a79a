import { sql } from 'kysely';
import { availableToPromise, supplyOf } from '../domain/stock.ts';
import type { Db } from './schema.ts';

/**
 * Recomputes what the SKUs' suppliers offer (reported stock less safety buffers) into `stock_levels`, keeping what
 * is reserved. Called whenever offers or buffers change, in the same transaction.
 */
export async function refreshSupply(tx: Db, skus: readonly string[], now: number): Promise<void> {
  if (skus.length === 0) return;
  const offers = await tx
    .selectFrom('offers')
    .innerJoin('suppliers', 'suppliers.id', 'offers.supplier_id')
    .select(['offers.sku', 'offers.active', 'offers.stock', 'suppliers.safety_buffer'])
    .where('offers.sku', 'in', skus)
    .execute();
  for (const sku of [...new Set(skus)].sort()) {
    const supply = supplyOf(offers.filter((o) => o.sku === sku).map((o) => ({ active: o.active === 1, stock: o.stock, safetyBuffer: o.safety_buffer })));
    await tx
      .insertInto('stock_levels')
      .values({ sku, bounded: supply.bounded ? 1 : 0, on_hand: supply.units, reserved: 0, updated_at: now })
      .onConflict((oc) => oc.column('sku').doUpdateSet({ bounded: supply.bounded ? 1 : 0, on_hand: supply.units, updated_at: now }))
      .execute();
  }
}

/**
 * Takes `quantity` units of `sku` if they are available, in one conditional UPDATE: on SQLite the write lock and on
 * PostgreSQL the row lock (with the condition checked again after it) make it impossible for two orders to take
 * the same unit. Returns whether the units were taken.
 */
export async function reserveUnits(tx: Db, sku: string, quantity: number, now: number): Promise<boolean> {
  const result = await tx
    .updateTable('stock_levels')
    .set({ reserved: sql`reserved + ${quantity}`, updated_at: now })
    .where('sku', '=', sku)
    .where((eb) => eb.or([eb('bounded', '=', 0), eb(sql`on_hand - reserved`, '>=', quantity)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface NewReservation {
  orderId: string;
  lineNumber: number;
  sku: string;
  channelId: string;
  quantity: number;
}

export async function recordReservations(tx: Db, reservations: readonly NewReservation[], now: number): Promise<void> {
  if (reservations.length === 0) return;
  await tx
    .insertInto('reservations')
    .values(reservations.map((r) => ({ order_id: r.orderId, line_number: r.lineNumber, sku: r.sku, channel_id: r.channelId, quantity: r.quantity, state: 'open', created_at: now, updated_at: now })))
    .execute();
}

/** Gives back what order lines still hold (a line rejected or cancelled). */
export async function releaseReservations(tx: Db, orderId: string, lineNumbers: readonly number[], now: number): Promise<void> {
  if (lineNumbers.length === 0) return;
  const open = await tx.selectFrom('reservations').selectAll().where('order_id', '=', orderId).where('line_number', 'in', lineNumbers).where('state', '=', 'open').execute();
  for (const r of open.sort((a, b) => a.sku.localeCompare(b.sku))) {
    await tx.updateTable('stock_levels').set({ reserved: sql`reserved - ${r.quantity}`, updated_at: now }).where('sku', '=', r.sku).execute();
  }
  await tx.updateTable('reservations').set({ state: 'released', quantity: 0, updated_at: now }).where('order_id', '=', orderId).where('line_number', 'in', lineNumbers).where('state', '=', 'open').execute();
}

/**
 * Shipped units leave both the reservation and the shipping supplier's count (until its next stock feed says
 * otherwise), so what is available does not change by the shipment itself.
 */
export async function consumeReservation(tx: Db, shipped: { orderId: string; lineNumber: number; sku: string; supplierId: string; quantity: number }, now: number): Promise<void> {
  const reservation = await tx.selectFrom('reservations').selectAll().where('order_id', '=', shipped.orderId).where('line_number', '=', shipped.lineNumber).where('state', '=', 'open').executeTakeFirst();
  if (!reservation) return;
  const units = Math.min(reservation.quantity, shipped.quantity);
  const left = reservation.quantity - units;
  await tx
    .updateTable('reservations')
    .set({ quantity: left, state: left === 0 ? 'consumed' : 'open', updated_at: now })
    .where('order_id', '=', shipped.orderId)
    .where('line_number', '=', shipped.lineNumber)
    .execute();
  await tx.updateTable('offers').set({ stock: sql`case when stock > ${units} then stock - ${units} else 0 end`, updated_at: now }).where('supplier_id', '=', shipped.supplierId).where('sku', '=', shipped.sku).where('stock', 'is not', null).execute();
  await tx.updateTable('stock_levels').set({ reserved: sql`reserved - ${units}`, updated_at: now }).where('sku', '=', shipped.sku).execute();
  await refreshSupply(tx, [shipped.sku], now);
}

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
  /** null: unbounded (a supplier does not report stock). */
  available: number | null;
}

export async function stockLevels(db: Db, skus?: readonly string[]): Promise<StockLevel[]> {
  let query = db.selectFrom('stock_levels').selectAll().orderBy('sku');
  if (skus) query = query.where('sku', 'in', skus.length ? skus : ['']);
  const rows = await query.execute();
  return rows.map((r) => ({ sku: r.sku, onHand: r.on_hand, reserved: r.reserved, available: availableToPromise({ bounded: r.bounded === 1, onHand: r.on_hand, reserved: r.reserved }) }));
}
