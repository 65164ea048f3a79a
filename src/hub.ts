import { pullFeedJob } from './app/pull-feed.ts';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext, Logger } from './app/context.ts';
import { notifyChannelJob } from './app/notify-channel.ts';
import { DeliveryIntake } from './app/accept-channel-delivery.ts';
import { processChannelDeliveryJob } from './app/process-channel-delivery.ts';
import { refundAtChannelJob } from './app/refund-at-channel.ts';
import { catchUpChannelJob } from './app/catch-up-channel.ts';
import { answerFulfilmentRequestsJob } from './app/answer-fulfilment-requests.ts';
import { ensureChannelJobs } from './app/channel-jobs.ts';
import { fillBackordersJob } from './app/fill-backorders.ts';
import { syncChannelPricesJob } from './app/sync-channel-prices.ts';
import { syncChannelStockJob } from './app/sync-channel-stock.ts';
import { sendPurchaseOrderJob } from './app/send-purchase-order.ts';
import { ackSweepJob } from './app/enforce-supplier-slas.ts';
import { cancelWithSupplierJob } from './app/withdraw-purchase-order.ts';
import { salesChannels, type ChannelKinds } from './connectors/channels/registry.ts';
import { maintainDatabaseJob } from './app/maintain-database.ts';
import { receiveSupplierAnswersJob } from './app/receive-supplier-answers.ts';
import { supplierTransports, type TransportKinds } from './connectors/suppliers/registry.ts';
import type { Clock, IdGenerator } from './domain/ids.ts';
import type { HttpLimits } from './http/limits.ts';
import { createMetrics } from './http/metrics.ts';
import { systemClock, ulidIds } from './infra/ids.ts';
import { jsonLogger } from './infra/log.ts';
import { SecretBox } from './infra/secret-box.ts';
import type { AnyJobDefinition } from './jobs/job.ts';
import { JobQueue } from './jobs/queue.ts';
import { Worker, type WorkerOptions } from './jobs/worker.ts';
import { migrateToLatest } from './store/migrate.ts';
import { DEFAULT_DATABASE_URL, openStore, type Store } from './store/store.ts';
import type { Db } from './store/schema.ts';

export interface HubOptions {
  databaseUrl?: string;
  secretKey?: string;
  /** Run the job worker in this process (embedded mode, or `waybill worker`). */
  worker?: boolean;
  /** Serve HTTP (false for `waybill worker`). */
  http?: boolean;
  migrate?: boolean;
  workerOptions?: Partial<WorkerOptions>;
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /** HTTP timeouts and connection cap (tests make them short); the keep-alive also from WAYBILL_HTTP_KEEPALIVE_MS. */
  httpLimits?: Partial<HttpLimits>;
  clock?: Clock;
  ids?: IdGenerator;
  log?: Logger;
  /** The channel and supplier transport kinds this hub knows (default: every one in the registries). */
  channels?: ChannelKinds;
  transports?: TransportKinds;
}

export interface Hub {
  ctx: AppContext;
  store: Store;
  jobs: ReadonlyMap<string, AnyJobDefinition>;
  worker: Worker | null;
  /** Where the webhooks go in, with how many went in per transaction. */
  intake: DeliveryIntake;
  server: FastifyInstance | null;
  listen(port: number, host: string): Promise<string>;
  /** Graceful: stop taking requests, let running jobs finish (or give them back), close the database. */
  close(graceMs?: number): Promise<void>;
}

/** The composition root: every part of Waybill is wired here, by hand, so a text search follows the data. */
export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const log = options.log ?? jsonLogger(options.logLevel ?? 'info');
  // Read before anything is opened: a setting that does not parse stops the start with nothing left behind.
  const workerOptions = { ...envWorkerOptions(), ...options.workerOptions };
  const rawStore = await openStore(databaseUrl);
  if (options.migrate ?? rawStore.dialect === 'sqlite') await migrateToLatest(rawStore.db);

  let worker: Worker | null = null;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? ulidIds();
  const jobs = new Map<string, AnyJobDefinition>();
  const queue = new JobQueue(jobs, ids, clock);
  // A commit that queued work wakes the local worker instead of letting it wait for its next poll. Only such
  // commits: the worker's own claims must not wake it, or an idle hub spins.
  const store: Store = {
    ...rawStore,
    transact: async (fn) => {
      let used: Db | undefined;
      const result = await rawStore.transact((tx) => fn((used = tx)));
      if (used && queue.enqueuedIn(used)) worker?.wake();
      return result;
    },
  };
  const ctx: AppContext = {
    store,
    queue,
    ids,
    clock,
    secrets: SecretBox.fromKey(options.secretKey ?? resolveSecretKey(databaseUrl)),
    transports: options.transports ?? supplierTransports,
    channels: options.channels ?? salesChannels,
    log,
  };
  for (const job of [
    sendPurchaseOrderJob.bind(ctx),
    ackSweepJob.bind(ctx),
    cancelWithSupplierJob.bind(ctx),
    notifyChannelJob.bind(ctx),
    processChannelDeliveryJob.bind(ctx),
    syncChannelStockJob.bind(ctx),
    refundAtChannelJob.bind(ctx),
    syncChannelPricesJob.bind(ctx),
    catchUpChannelJob.bind(ctx),
    answerFulfilmentRequestsJob.bind(ctx),
    fillBackordersJob.bind(ctx),
    maintainDatabaseJob.bind(ctx),
    receiveSupplierAnswersJob.bind(ctx),
    pullFeedJob.bind(ctx),
  ])
    jobs.set(job.kind, job);

  if (options.worker) {
    // A misspelt kind would leave a worker idle for ever, silently.
    const unknownKind = workerOptions.kinds?.find((kind) => !jobs.has(kind));
    if (unknownKind) {
      await rawStore.close();
      throw new Error(
        `WAYBILL_WORKER_KINDS names ${unknownKind}, which is not a job kind (${[...jobs.keys()].join(', ')})`,
      );
    }
    worker = new Worker(store, jobs, clock, {
      workerId: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
      log: (message, fields) => log.warn(message, fields),
      ...workerOptions,
    });
    worker.start();
    await ensureChannelJobs(ctx, { resume: true });
  }
  // A process that runs the deliveries' job takes each delivery in as it arrives, in the inbox's own transaction,
  // with the deliveries that arrived with it (DeliveryIntake): that saves the job's claim, finish and second read.
  const processDeliveriesOnArrival =
    worker !== null &&
    (!workerOptions.kinds?.length || workerOptions.kinds.includes(processChannelDeliveryJob.kind));
  const intake = new DeliveryIntake(ctx, { processNow: processDeliveriesOnArrival });
  const server =
    options.http === false
      ? null
      : // Loaded only where HTTP is served: a worker or a CLI command does without Fastify, its routes and the UI's.
        await (
          await import('./http/server.ts')
        ).buildServer(ctx, {
          jobs,
          metrics: createMetrics(store, worker, intake),
          limits: { ...envHttpLimits(), ...options.httpLimits },
          intake,
        });

  return {
    ctx,
    store,
    jobs,
    worker,
    intake,
    server,
    listen: async (port, host) => {
      if (!server) throw new Error('this hub serves no HTTP');
      return server.listen({ port, host });
    },
    close: async (graceMs = 10_000) => {
      await server?.close();
      await worker?.stop(graceMs);
      await rawStore.close();
    },
  };
}

function envWorkerOptions(): Partial<WorkerOptions> {
  const number = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const options: Partial<WorkerOptions> = {};
  const concurrency = number('WAYBILL_WORKER_CONCURRENCY');
  const leaseMs = number('WAYBILL_JOB_LEASE_MS');
  const pollMs = number('WAYBILL_POLL_MS');
  if (concurrency) options.concurrency = concurrency;
  if (leaseMs) options.leaseMs = leaseMs;
  if (pollMs) options.pollMs = pollMs;
  const keepDoneMs = process.env.WAYBILL_JOB_RETENTION_MS;
  if (keepDoneMs !== undefined && keepDoneMs !== '') {
    if (!/^\d+$/.test(keepDoneMs))
      throw new Error(`WAYBILL_JOB_RETENTION_MS must be a number of milliseconds, not ${keepDoneMs}`);
    options.keepDoneMs = Number(keepDoneMs);
  }
  const kinds = process.env.WAYBILL_WORKER_KINDS?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds?.length) options.kinds = kinds;
  return options;
}

function envHttpLimits(): Partial<HttpLimits> {
  const keepAlive = Number(process.env.WAYBILL_HTTP_KEEPALIVE_MS);
  return keepAlive > 0 ? { keepAliveTimeoutMs: keepAlive } : {};
}

/**
 * The master key: WAYBILL_SECRET_KEY, or (embedded SQLite only) a key generated into the data folder on first start
 * and readable by this user only. PostgreSQL deployments must set the variable: their processes share the key.
 */
export function resolveSecretKey(databaseUrl: string): string {
  const fromEnv = process.env.WAYBILL_SECRET_KEY;
  if (fromEnv) return fromEnv;
  if (!databaseUrl.startsWith('sqlite:') || databaseUrl === 'sqlite::memory:') {
    if (databaseUrl === 'sqlite::memory:') return SecretBox.generateKey();
    throw new Error(
      'WAYBILL_SECRET_KEY must be set when DATABASE_URL is PostgreSQL (all processes share it)',
    );
  }
  const file = join(dirname(databaseUrl.slice('sqlite:'.length)), 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      // 'wx': of two processes starting at once, one writes the key and the other reads it.
      writeFileSync(file, `${SecretBox.generateKey()}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
