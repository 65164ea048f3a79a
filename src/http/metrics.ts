import type { IntakeStats } from '../app/accept-channel-delivery.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerStats } from '../jobs/worker.ts';
import { countJobsByKindAndState, countJobsDue } from '../store/metrics.repo.ts';
import type { Store } from '../store/store.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** Prometheus metrics: HTTP latency, the job queue by state, commits per fsync (SQLite), and this process's worker. */
export function createMetrics(
  store: Store,
  worker: { stats: WorkerStats } | null = null,
  intake: { stats: IntakeStats } | null = null,
): Metrics {
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
      const rows = await countJobsByKindAndState(store.db);
      for (const r of rows) this.set({ kind: r.kind, state: r.state }, r.count);
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
  new Gauge({
    name: 'waybill_webhook_deliveries_per_transaction',
    help: 'Channel webhook deliveries taken into the inbox per transaction, on average (they go in together)',
    registers: [registry],
    collect() {
      this.set(intake?.stats.transactions ? intake.stats.deliveries / intake.stats.transactions : 0);
    },
  });
  new Gauge({
    name: 'waybill_jobs_due',
    help: 'Jobs due now and not yet claimed: work the workers have not caught up with',
    registers: [registry],
    async collect() {
      this.set(await countJobsDue(store.db, Date.now()));
    },
  });
  if (worker) {
    new Counter({
      name: 'waybill_job_claims_total',
      help: "Claims this process's worker made (each takes one or more due jobs)",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(worker.stats.claims);
      },
    });
    new Counter({
      name: 'waybill_job_claim_seconds_total',
      help: "Time this process's worker spent claiming jobs",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(worker.stats.claimMs / 1000);
      },
    });
  }
  return { registry, httpDuration };
}
