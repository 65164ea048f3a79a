import { outlasts } from '../domain/circuit-breaker.ts';
import { recordEvents } from '../store/events.repo.ts';
import { loadOrder } from '../store/orders.repo.ts';
import type { Db } from '../store/schema.ts';
import {
  listDownSuppliers,
  lockSupplierCircuit,
  ordersWaitingFor,
  saveSupplierCircuit,
} from '../store/supplier-circuits.repo.ts';
import type { AppContext } from './context.ts';
import { supplierEvent } from './supplier-circuit.ts';
import { slaDeadline } from './supplier-sla.ts';
import { holdOrder } from './withdraw-purchase-order.ts';

export const TRANSPORT_DOWN_CHECK = 'supplier.transport_down';

/**
 * A supplier whose transport has been down (its circuit open) for longer than its acknowledgement SLA allows, counted
 * from the first failure in the supplier's working hours as the acknowledgement deadlines are: the orders whose
 * purchase orders wait to be sent to it are held for review (`supplier.transport_down`), naming the supplier, how
 * long it has been down and its last error, so that a person reroutes or waits. Once per order per outage (a hold of
 * this check since the outage began is not repeated), and once on the supplier's timeline
 * (`supplier.transport_down`). Up to `limit` orders; returns how many were held, so a full page runs again at once.
 * Run by the SLA sweep (enforce-supplier-slas.ts), every minute.
 */
export async function holdOrdersOfDownSuppliers(
  ctx: AppContext,
  tx: Db,
  now: Date,
  limit: number,
): Promise<number> {
  let held = 0;
  for (const down of await listDownSuppliers(tx)) {
    if (held >= limit) break;
    const allowedUntil = down.circuit.downSince
      ? slaDeadline(down.circuit.downSince, down.ackWithinMinutes, down.workingCalendar)
      : now;
    if (!outlasts(down.circuit, allowedUntil, now)) continue;
    // Read again under a lock: the probe may have closed it since the list was read.
    const circuit = await lockSupplierCircuit(tx, down.supplierId, now.getTime(), ctx.store.caps.rowLocks);
    if (!circuit.downSince || !outlasts(circuit, allowedUntil, now)) continue;
    const downFor = describeDuration(now.getTime() - circuit.downSince.getTime());
    if (!circuit.alertedAt) {
      await saveSupplierCircuit(tx, down.supplierId, { ...circuit, alertedAt: now }, now.getTime());
      await recordEvents(tx, now, [
        supplierEvent(down.supplierId, 'supplier.transport_down', {
          downSince: circuit.downSince,
          ackWithinMinutes: down.ackWithinMinutes,
          lastError: circuit.lastError,
        }),
      ]);
    }
    const waiting = await ordersWaitingFor(
      tx,
      down.supplierId,
      { check: TRANSPORT_DOWN_CHECK, since: circuit.downSince.getTime() },
      limit - held,
    );
    const seen = new Set<string>();
    for (const { orderId, poNumber } of waiting) {
      // An order with two POs waiting for the supplier is held once.
      if (seen.has(orderId)) continue;
      seen.add(orderId);
      const order = await loadOrder(tx, orderId, ctx.store.caps.rowLocks);
      if (!order) continue;
      const reason =
        `${poNumber} waits to be sent to supplier ${down.name} (${down.supplierId}), whose transport has been down ` +
        `for ${downFor} (since ${circuit.downSince.toISOString()}), longer than its ${down.ackWithinMinutes}-minute ` +
        `SLA allows; last error: ${circuit.lastError ?? 'none recorded'}`;
      await holdOrder(tx, order, { check: TRANSPORT_DOWN_CHECK, reason }, now);
      held += 1;
    }
  }
  return held;
}

/** `3 h 20 min`, `45 min`, `2 d 1 h`: how long, for a person. */
export function describeDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60];
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}
