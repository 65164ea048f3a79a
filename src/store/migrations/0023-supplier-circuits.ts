import type { Kysely } from 'kysely';

/**
 * `supplier_circuits`: each supplier's circuit breaker (domain/circuit-breaker.ts), one row per supplier whose
 * transport ever failed (no row: closed), so that every worker process sees the same breaker. `next_probe_at` is when
 * an open circuit lets its probe go, or when a half-open one gives up on the probe under way; `alerted_at` when this
 * outage was found longer than the supplier's SLA (its waiting orders then held for review; null: not yet).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('supplier_circuits')
    .addColumn('supplier_id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('failed_probes', 'integer', (c) => c.notNull())
    .addColumn('down_since', 'bigint')
    .addColumn('next_probe_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('alerted_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
