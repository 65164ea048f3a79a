import { sql, type Selectable } from 'kysely';
import { CLOSED_CIRCUIT, type Circuit, type CircuitState } from '../domain/circuit-breaker.ts';
import type { Database, Db } from './schema.ts';

type Row = Selectable<Database['supplier_circuits']>;

/** The breakers of these suppliers; a supplier without a row is closed (absent from the map). */
export async function loadSupplierCircuits(
  db: Db,
  supplierIds: readonly string[],
): Promise<Map<string, Circuit>> {
  if (supplierIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('supplier_circuits')
    .selectAll()
    .where('supplier_id', 'in', [...supplierIds])
    .execute();
  return new Map(rows.map((r) => [r.supplier_id, circuitOf(r)]));
}

/** Every supplier's breaker that has a row (the others are closed), for the supplier list. */
export async function listSupplierCircuits(db: Db): Promise<Map<string, Circuit>> {
  const rows = await db.selectFrom('supplier_circuits').selectAll().execute();
  return new Map(rows.map((r) => [r.supplier_id, circuitOf(r)]));
}

/**
 * A supplier's breaker read for a change in the caller's transaction: the row made if missing (closed), and locked
 * on PostgreSQL, so that two failures recorded at once count two.
 */
export async function lockSupplierCircuit(
  tx: Db,
  supplierId: string,
  now: number,
  rowLocks: boolean,
): Promise<Circuit> {
  await tx
    .insertInto('supplier_circuits')
    .values({ supplier_id: supplierId, ...rowOf(CLOSED_CIRCUIT), updated_at: now })
    .onConflict((oc) => oc.column('supplier_id').doNothing())
    .execute();
  let query = tx.selectFrom('supplier_circuits').selectAll().where('supplier_id', '=', supplierId);
  if (rowLocks) query = query.forUpdate();
  return circuitOf(await query.executeTakeFirstOrThrow());
}

export async function saveSupplierCircuit(
  tx: Db,
  supplierId: string,
  circuit: Circuit,
  now: number,
): Promise<void> {
  await tx
    .updateTable('supplier_circuits')
    .set({ ...rowOf(circuit), updated_at: now })
    .where('supplier_id', '=', supplierId)
    .execute();
}

/**
 * Claims the probe: the breaker moves to `probing` (its state and probe time) only if it is still as it was seen: of
 * the jobs that found the probe due at once, one wins. One statement, atomic on both databases; the other columns
 * are left as they are (the read may be older than an alert recorded since).
 */
export async function claimSupplierProbe(
  db: Db,
  supplierId: string,
  seen: Circuit,
  probing: Circuit,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('supplier_circuits')
    .set({ state: probing.state, next_probe_at: probing.nextProbeAt?.getTime() ?? null, updated_at: now })
    .where('supplier_id', '=', supplierId)
    .where('state', '=', seen.state)
    .where('next_probe_at', seen.nextProbeAt === null ? 'is' : '=', seen.nextProbeAt?.getTime() ?? null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Jobs of a supplier's purchase orders, by their key's prefix (`po.send:` + PO number) and the POs' states. */
export interface PurchaseOrderJobs {
  keyPrefix: string;
  poStates: readonly string[];
}

/**
 * Brings forward, to now, the jobs of a supplier's purchase orders that wait (a closed circuit lets them go): a
 * pending job at once, a running one as soon as it finishes (as queue.ts `wakeJobs`). Returns how many.
 */
export async function wakeSupplierJobs(
  tx: Db,
  supplierId: string,
  jobs: readonly PurchaseOrderJobs[],
  now: number,
): Promise<number> {
  let woken = 0;
  for (const { keyPrefix, poStates } of jobs) {
    const keys = tx
      .selectFrom('purchase_orders')
      .select(sql<string>`cast(${keyPrefix} as text) || po_number`.as('key'))
      .where('supplier_id', '=', supplierId)
      .where('state', 'in', [...poStates]);
    // A running job is marked woken by a run_at past its claim's: +1, since the claim may have been stamped `now` too.
    const result = await tx
      .updateTable('jobs')
      .set({
        run_at: sql<number>`case when state = 'running' then run_at + 1 else cast(${now} as bigint) end`,
      })
      .where('key', 'in', keys)
      .where((eb) =>
        eb.or([eb.and([eb('state', '=', 'pending'), eb('run_at', '>', now)]), eb('state', '=', 'running')]),
      )
      .executeTakeFirst();
    woken += Number(result.numUpdatedRows);
  }
  return woken;
}

/** A supplier whose transport is down (its circuit not closed), with what its SLA needs. */
export interface DownSupplier {
  supplierId: string;
  name: string;
  ackWithinMinutes: number;
  /** JSON working hours, as the suppliers table keeps them (null: every hour counts). */
  workingCalendar: string | null;
  circuit: Circuit;
}

/** The suppliers whose circuit is open or half-open: a few rows at most. */
export async function listDownSuppliers(db: Db): Promise<DownSupplier[]> {
  const rows = await db
    .selectFrom('supplier_circuits as c')
    .innerJoin('suppliers as s', 's.id', 'c.supplier_id')
    .selectAll('c')
    .select(['s.name', 's.ack_within_minutes', 's.working_calendar'])
    .where('c.state', '<>', 'closed')
    .orderBy('c.supplier_id')
    .execute();
  return rows.map((r) => ({
    supplierId: r.supplier_id,
    name: r.name,
    ackWithinMinutes: r.ack_within_minutes,
    workingCalendar: r.working_calendar,
    circuit: circuitOf(r),
  }));
}

/**
 * Orders with a purchase order waiting to be sent to this supplier that were not held with `check` since `since`
 * (once per outage), `limit` at a time: holding one takes it out of the next page.
 */
export async function ordersWaitingFor(
  db: Db,
  supplierId: string,
  hold: { check: string; since: number },
  limit: number,
): Promise<{ orderId: string; poNumber: string }[]> {
  const rows = await db
    .selectFrom('purchase_orders as po')
    .select(['po.order_id', 'po.po_number'])
    .where('po.supplier_id', '=', supplierId)
    .where('po.state', '=', 'pending')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('order_holds as h')
            .select('h.order_id')
            .whereRef('h.order_id', '=', 'po.order_id')
            .where('h.check', '=', hold.check)
            .where('h.created_at', '>=', hold.since),
        ),
      ),
    )
    .orderBy('po.created_at')
    .orderBy('po.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ orderId: r.order_id, poNumber: r.po_number }));
}

function circuitOf(r: Row): Circuit {
  const at = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));
  return {
    state: r.state as CircuitState,
    consecutiveFailures: r.consecutive_failures,
    failedProbes: r.failed_probes,
    downSince: at(r.down_since),
    nextProbeAt: at(r.next_probe_at),
    lastError: r.last_error,
    alertedAt: at(r.alerted_at),
  };
}

function rowOf(c: Circuit): Omit<Row, 'supplier_id' | 'updated_at'> {
  return {
    state: c.state,
    consecutive_failures: c.consecutiveFailures,
    failed_probes: c.failedProbes,
    down_since: c.downSince?.getTime() ?? null,
    next_probe_at: c.nextProbeAt?.getTime() ?? null,
    last_error: c.lastError,
    alerted_at: c.alertedAt?.getTime() ?? null,
  };
}
