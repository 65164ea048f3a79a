import type { LineRoute } from '../domain/routing.ts';
import type { BackorderPolicy } from '../domain/stock.ts';
import { reserveUnits, type NewReservation } from '../store/stock.repo.ts';
import type { Db } from '../store/schema.ts';

/** What became of a routed line's stock: held for it, or short (then the channel's policy decides). */
export type StockOutcome = 'reserved' | 'backordered' | 'cancelled';

/**
 * Reserves stock for every routed line, in SKU order (two orders locking the same SKUs in different orders could
 * deadlock on PostgreSQL). A line gets all its units or none; a short line is backordered or cancelled as the
 * channel's policy says. Unroutable lines reserve nothing. The caller records `held` once the order row exists.
 */
export async function reserveStock(
  tx: Db,
  order: { orderId: string; channelId: string; policy: BackorderPolicy },
  lines: readonly { lineNumber: number; sku: string; quantity: number }[],
  routes: readonly LineRoute[],
  now: number,
): Promise<{ outcomes: Map<number, StockOutcome>; held: NewReservation[] }> {
  const routed = new Set(routes.filter((r) => r.kind === 'routed').map((r) => r.lineNumber));
  const outcomes = new Map<number, StockOutcome>();
  const held: NewReservation[] = [];
  for (const line of lines.filter((l) => routed.has(l.lineNumber)).sort((a, b) => a.sku.localeCompare(b.sku) || a.lineNumber - b.lineNumber)) {
    const reserved = await reserveUnits(tx, line.sku, line.quantity, now);
    outcomes.set(line.lineNumber, reserved ? 'reserved' : order.policy === 'accept' ? 'backordered' : 'cancelled');
    if (reserved) held.push({ orderId: order.orderId, lineNumber: line.lineNumber, sku: line.sku, channelId: order.channelId, quantity: line.quantity });
  }
  return { outcomes, held };
}
