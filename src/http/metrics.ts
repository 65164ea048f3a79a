import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/store.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** Prometheus metrics: HTTP latency, the job queue by state, and commits per fsync (SQLite). */
export function createMetrics(store: Store): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'waybill_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'waybill_jobs',
    help: 'Jobs in the outbox, by kind and state',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await store.db.selectFrom('jobs').select(['kind', 'state']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy(['kind', 'state']).execute();
      for (const r of rows) this.set({ kind: r.kind, state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'waybill_commit_units_per_batch',
    help: 'Units of work per committed transaction (group commit on SQLite)',
    registers: [registry],
    collect() {
      this.set(store.commitStats.batches ? store.commitStats.units / store.commitStats.batches : 0);
    },
  });
  return { registry, httpDuration };
}
