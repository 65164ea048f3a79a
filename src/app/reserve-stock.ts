import type { LineRoute } from '../domain/routing.ts';
import { canReserve, type BackorderPolicy } from '../domain/stock.ts';
import {
  addReserved,
  lockReservableLevels,
  type NewReservation,
  type ReservableLevel,
} from '../store/stock.repo.ts';
import type { Db } from '../store/schema.ts';

/** What became of a routed line's stock: held for it, or short (then the channel's policy decides). */
export type StockOutcome = 'reserved' | 'backordered' | 'cancelled';

export interface OrderToReserve {
  order: { orderId: string; channelId: string; policy: BackorderPolicy };
  lines: readonly { lineNumber: number; sku: string; quantity: number }[];
  routes: readonly LineRoute[];
}

export interface ReservedStock {
  outcomes: Map<number, StockOutcome>;
  held: NewReservation[];
}

/**
 * Reserves stock for every routed line of a batch of orders, first come first served in the batch's order, and
 * within an order in SKU order. A line gets all its units or none; a short line is backordered or cancelled as its
 * channel's policy says. Unroutable lines reserve nothing. The levels are read once (under lock on PostgreSQL, in SKU
 * order, so two batches cannot deadlock) and what was held is written once per SKU. The caller records `held` once
 * the order rows exist.
 */
export async function reserveStock(
  tx: Db,
  lock: boolean,
  orders: readonly OrderToReserve[],
  now: number,
): Promise<ReservedStock[]> {
  const routedLines = orders.map(({ lines, routes }) => {
    const routed = new Set(routes.filter((r) => r.kind === 'routed').map((r) => r.lineNumber));
    return lines
      .filter((l) => routed.has(l.lineNumber))
      .sort((a, b) => a.sku.localeCompare(b.sku) || a.lineNumber - b.lineNumber);
  });
  const levels = await lockReservableLevels(
    tx,
    routedLines.flat().map((l) => l.sku),
    lock,
  );
  const added = new Map<string, { level: ReservableLevel; units: number }>();
  const results = orders.map(({ order }, i) => {
    const outcomes = new Map<number, StockOutcome>();
    const held: NewReservation[] = [];
    for (const line of routedLines[i]!) {
      const level = levels.get(line.sku);
      const reserved = level !== undefined && canReserve(level, line.quantity);
      outcomes.set(
        line.lineNumber,
        reserved ? 'reserved' : order.policy === 'accept' ? 'backordered' : 'cancelled',
      );
      if (!reserved) continue;
      held.push({
        orderId: order.orderId,
        lineNumber: line.lineNumber,
        sku: line.sku,
        channelId: order.channelId,
        quantity: line.quantity,
      });
      const change = added.get(line.sku) ?? { level: { ...level }, units: 0 };
      change.units += line.quantity;
      added.set(line.sku, change);
      level.reserved += line.quantity;
    }
    return { outcomes, held };
  });
  await addReserved(
    tx,
    [...added]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sku, c]) => ({ sku, level: c.level, units: c.units })),
    now,
  );
  return results;
}
