/**
 * `npm run bench`: on SQLite and (with WAYBILL_TEST_PG) on PostgreSQL, each against what its storage can commit on
 * this machine:
 * - durable order intake through the operator API;
 * - signed Shopify webhook intake (verified, stored in the inbox with its job, answered 200);
 * - stock fan-out: a change of stock on 100,000 SKUs until every storefront channel has every new level;
 * - six-channel stock fan-out (bench/fanout6.ts): the same change until a channel of each kind with a simulated store
 *   (Shopify, WooCommerce, …) has applied every new level on its simulator, per channel and for the last one;
 * - pipeline (bench/pipeline.ts): signed Shopify orders/create webhooks, one line each, until each order's PO reached a
 *   supplier endpoint on loopback: a burst through one hub process, the CPU per order of each stage (intake,
 *   processing, PO send), the webhook→PO latency at a steady 500 orders/s, and the burst with `waybill start
 *   --no-worker` + 1 and + 2 `waybill worker` processes;
 * - routing (in-process, bench/routing.ts): order lines decided by the routing engine against 50 nodes, 100,000
 *   offers and 20 rules, beside reading their offers alone;
 * - feed (bench/feed.ts): a supplier's 1,000,000-row CSV feed with 5 % of rows changed against its last accepted
 *   feed, read, diffed, stored and the channel's deltas computed, in a fresh process, beside reading the file alone
 *   (BENCH_FEED_RUNS imports, the fastest reported);
 * - ui (bench/ui.ts): the web UI's lists at 100,000 orders (seeded straight into the database), their p99 over HTTP
 *   under a mix of first and deep pages, filters, searches and the supplier's purchase order list;
 * - edi (bench/edi.ts): BENCH_EDI_POS POs turned into X12 850 files on a supplier's SFTP server (OpenSSH on
 *   loopback) by one worker, beside as many bare atomic SFTP uploads; then as many 855 files read, applied and
 *   answered with 997s, beside the same 855s parsed in-process;
 * - soak (only when BENCH_ONLY names it): BENCH_SOAK_ORDERS orders through the pipeline, the jobs table's size and the
 *   worker's claim time after 1,000 orders and at the end.
 * Prints a table and writes bench/results/latest.json. A scenario the hub cannot complete (the fan-out's sync failing)
 * is a line with `value: null` and its error; the bench then exits 1 after writing the others.
 *
 * Environment: WAYBILL_TEST_PG (also run on PostgreSQL), BENCH_ONLY=intake,webhooks,fanout,fanout6,pipeline,routing,feed,ui,edi,soak (a subset;
 * soak never runs by default), BENCH_FANOUT_SKUS (default 100000), BENCH_FANOUT_CHANNELS (default 3),
 * BENCH_FANOUT6_SKUS (default 100000), BENCH_FANOUT6_SYNC_TIMEOUT_S (default 900), BENCH_FANOUT6_TIMEOUT_S (default 600),
 * BENCH_FANOUT6_KINDS (default: every kind with a simulated store), BENCH_FANOUT6_WORKERS (default 0: worker processes
 * beside the hub running the stock syncs only),
 * BENCH_PIPELINE_ORDERS (default 10000), BENCH_PIPELINE_PARTS=burst,stages,steady,split1,split2 (a subset of the
 * pipeline's parts), BENCH_SOAK_ORDERS (default 1000000), BENCH_EDI_POS (default 10000), BENCH_HUB_NODE_ARGS (e.g.
 * --cpu-prof), BENCH_DATABASES (default sqlite,postgres: one of them runs it alone).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresCommitRate, sqliteCommitRate } from './baselines.ts';
import { postgresFanoutDb, sqliteFanoutDb, type FanoutDb } from './bulk-catalog.ts';
import {
  FANOUT_TARGET_S,
  FanoutSetupError,
  runFanout,
  type FanoutConfig,
  type FanoutOutcome,
} from './fanout.ts';
import type { HubEnv } from './hub-process.ts';
import { CORES } from './machine.ts';
import { fanout6Report, runFanout6, type Fanout6Config } from './fanout6.ts';
import { prepare, runIntake } from './intake.ts';
import {
  runPipeline,
  runSoak,
  type DbName,
  type FreshDatabase,
  type PipelineConfig,
  type PipelineOutcome,
} from './pipeline.ts';
import { CONNECTIONS, warnAboutStatuses, type MeasuredLoad } from './measure.ts';
import { failed, printTable, result, round, writeResults, type BenchResult } from './report.ts';
import {
  checkCounts,
  ORDERS,
  postgresCounts,
  SHOPIFY_DELIVERIES,
  sqliteCounts,
  type StoredKind,
} from './verify.ts';
import { prepareShopify, runShopifyWebhooks, type WebhookOutcome } from './webhooks.ts';
import { runRouting } from './routing.ts';
import { runUi, UI_TARGET_MS } from './ui.ts';
import { EdiCheckError, runEdi } from './edi.ts';
import { PipelineError } from './pipeline.ts';
import { SSHD } from '../sim/sftp-server.ts';

const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const BASELINE_S = 3;
/** The hub's PostgreSQL pool size (src/store/store.ts default): the baseline uses as many connections. */
const PG_POOL = 10;
/** What the issue asks of signed Shopify webhook intake on SQLite on the 2-core bench machine. */
const WEBHOOK_TARGET_PER_S = 3_000;
const FANOUT: FanoutConfig = {
  skus: envInteger('BENCH_FANOUT_SKUS', 100_000),
  channels: envInteger('BENCH_FANOUT_CHANNELS', 3),
};

/** The six-channel fan-out: its SKUs, and how long the initial sync and the change may take before a store is given up. */
const FANOUT6: Fanout6Config = {
  skus: envInteger('BENCH_FANOUT6_SKUS', 100_000),
  syncTimeoutS: envInteger('BENCH_FANOUT6_SYNC_TIMEOUT_S', 900),
  measureTimeoutS: envInteger('BENCH_FANOUT6_TIMEOUT_S', 600),
  kinds: process.env.BENCH_FANOUT6_KINDS?.split(',').map((k) => k.trim()) ?? null,
  workers: envInteger('BENCH_FANOUT6_WORKERS', 0),
};

const PIPELINE_PARTS = ['burst', 'stages', 'steady', 'split1', 'split2'];
const PIPELINE: PipelineConfig = {
  orders: envInteger('BENCH_PIPELINE_ORDERS', 10_000),
  soakOrders: envInteger('BENCH_SOAK_ORDERS', 1_000_000),
  parts: new Set(
    (process.env.BENCH_PIPELINE_PARTS || PIPELINE_PARTS.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter((s) => {
        if (!PIPELINE_PARTS.includes(s))
          throw new Error(`BENCH_PIPELINE_PARTS: ${s} is none of ${PIPELINE_PARTS.join(', ')}`);
        return true;
      }),
  ),
};

/** POs of the EDI scenario: as many 850s sent and 855s read. */
const EDI_POS = envInteger('BENCH_EDI_POS', 10_000);

/** Scenarios that could not produce their number; the bench still writes the others, then exits non-zero. */
const failures: string[] = [];
const execFileAsync = promisify(execFile);
/** The feed's rows, and its targets (on SQLite): DESIGN.md's "1,000,000-row supplier feed … ≤ 5 s, ≤ 500 MB RSS". */
const FEED_ROWS = Number(process.env.BENCH_FEED_ROWS ?? 1_000_000);
const FEED_TARGET_S = 5;
const FEED_RSS_MB = 500;
/** Where the pipeline's time went, one line per part, printed again after the table. */
const summaries: string[] = [];

async function benchSqlite(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let sqliteFull: number | null = null;
  if (runs('intake') || runs('webhooks')) {
    results.push(
      ...(await inTempDir(async (dir) => {
        console.log(
          `sqlite: baseline, ${BASELINE_S} s each of single-row commits (synchronous=FULL, then NORMAL)`,
        );
        const full = sqliteCommitRate(dir, 'FULL', BASELINE_S);
        sqliteFull = full;
        const normal = sqliteCommitRate(dir, 'NORMAL', BASELINE_S);
        const lines: BenchResult[] = [];

        if (runs('intake')) {
          const intakeDb = join(dir, 'intake.db');
          const intakeEnv = hubEnv(`sqlite:${intakeDb}`, dir, 'intake');
          const intake = await runIntake(intakeEnv, await prepare(intakeEnv, dir), 'sqlite');
          verified('sqlite intake', intake, 201, ORDERS, sqliteCounts(intakeDb, ORDERS));
          lines.push(...loadResults('sqlite.intake', 'orders', intake, full, 'orders/fsync', {}));
        }
        if (runs('webhooks')) {
          const webhookDb = join(dir, 'webhooks.db');
          const webhookEnv = hubEnv(`sqlite:${webhookDb}`, dir, 'webhooks');
          const channel = await prepareShopify(webhookEnv, dir);
          const webhooks = await runShopifyWebhooks(webhookEnv, channel, 'sqlite');
          const deliveries = SHOPIFY_DELIVERIES(channel.id);
          verified('sqlite webhooks', webhooks, 200, deliveries, sqliteCounts(webhookDb, deliveries));
          lines.push(
            ...loadResults(
              'sqlite.webhooks',
              'deliveries',
              webhooks,
              full,
              'deliveries/fsync',
              webhookExtras(webhooks, true),
            ),
          );
        }
        return [
          ...lines,
          result('sqlite.baseline.commits_full', full, 'commits/s', null, {
            note: 'WAL, synchronous=FULL, 1 row per txn',
          }),
          result('sqlite.baseline.commits_normal', normal, 'commits/s', full, {
            note: 'informational: synchronous=NORMAL',
          }),
        ];
      })),
    );
  }
  // The baseline of the run, measured once: with intake and webhooks above, else before the first scenario needing it.
  const sqliteBaseline = async (): Promise<number> => {
    if (sqliteFull !== null) return sqliteFull;
    const full = await inTempDir(async (dir) => {
      console.log(`sqlite: baseline, ${BASELINE_S} s of single-row commits (synchronous=FULL)`);
      return sqliteCommitRate(dir, 'FULL', BASELINE_S);
    });
    sqliteFull = full;
    results.push(
      result('sqlite.baseline.commits_full', full, 'commits/s', null, {
        note: 'WAL, synchronous=FULL, 1 row per txn',
      }),
    );
    return full;
  };
  if (runs('pipeline') || runs('soak')) {
    const baseline = await sqliteBaseline();
    // Each part on a fresh database file in a fresh temp dir.
    const fresh: FreshDatabase = (part, body) =>
      inTempDir((dir) => body(hubEnv(`sqlite:${join(dir, `${part}.db`)}`, dir, part), dir));
    results.push(...(await pipelineScenarios('sqlite', fresh, baseline)));
  }
  if (runs('fanout')) {
    const fanoutDb = (dir: string) => join(dir, 'fanout.db');
    results.push(
      ...(await inTempDir((dir) =>
        fanout('sqlite', hubEnv(`sqlite:${fanoutDb(dir)}`, dir, 'fanout'), dir, async () =>
          sqliteFanoutDb(fanoutDb(dir)),
        ),
      )),
    );
  }
  if (runs('fanout6')) {
    const baseline = await sqliteBaseline();
    const fanoutDb = (dir: string) => join(dir, 'fanout6.db');
    results.push(
      ...(await inTempDir((dir) =>
        fanout6('sqlite', hubEnv(`sqlite:${fanoutDb(dir)}`, dir, 'fanout6'), dir, baseline, async () =>
          sqliteFanoutDb(fanoutDb(dir)),
        ),
      )),
    );
  }
  if (runs('feed'))
    results.push(
      ...(await inTempDir((dir) => feedScenario('sqlite', `sqlite:${join(dir, 'feed.db')}`, dir))),
    );
  if (runs('ui'))
    results.push(
      ...(await inTempDir((dir) =>
        uiScenario('sqlite', hubEnv(`sqlite:${join(dir, 'ui.db')}`, dir, 'ui'), dir),
      )),
    );
  if (runs('edi'))
    results.push(
      ...(await ediScenario('sqlite', (body) =>
        inTempDir((dir) => body(hubEnv(`sqlite:${join(dir, 'edi.db')}`, dir, 'edi'), dir)),
      )),
    );
  return results;
}

async function benchPostgres(adminUrl: string): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let pgBaseline: number | null = null;
  if (runs('intake') || runs('webhooks')) {
    results.push(
      ...(await inTempDir(async (dir) => {
        const baseline = await withDatabase(adminUrl, (url) => {
          console.log(
            `postgres: baseline, ${BASELINE_S} s of single-row autocommit inserts from ${PG_POOL} connections`,
          );
          return postgresCommitRate(url, PG_POOL, BASELINE_S);
        });
        pgBaseline = baseline;
        const lines: BenchResult[] = [];
        if (runs('intake')) {
          const intake = await withDatabase(adminUrl, async (url) => {
            const env = hubEnv(url, dir, 'intake');
            const outcome = await runIntake(env, await prepare(env, dir), 'postgres');
            verified('postgres intake', outcome, 201, ORDERS, await postgresCounts(url, ORDERS));
            return outcome;
          });
          lines.push(...loadResults('postgres.intake', 'orders', intake, baseline, 'orders/txn', {}));
        }
        if (runs('webhooks')) {
          const webhooks = await withDatabase(adminUrl, async (url) => {
            const env = hubEnv(url, dir, 'webhooks');
            const channel = await prepareShopify(env, dir);
            const outcome = await runShopifyWebhooks(env, channel, 'postgres');
            const deliveries = SHOPIFY_DELIVERIES(channel.id);
            verified('postgres webhooks', outcome, 200, deliveries, await postgresCounts(url, deliveries));
            return outcome;
          });
          lines.push(
            ...loadResults(
              'postgres.webhooks',
              'deliveries',
              webhooks,
              baseline,
              'deliveries/txn',
              webhookExtras(webhooks, false),
            ),
          );
        }
        return [
          ...lines,
          result('postgres.baseline.commits', baseline, 'commits/s', null, {
            note: `${PG_POOL} connections, 1 row per txn`,
          }),
        ];
      })),
    );
  }
  const postgresBaseline = async (): Promise<number> => {
    if (pgBaseline !== null) return pgBaseline;
    const baseline = await withDatabase(adminUrl, (url) => {
      console.log(
        `postgres: baseline, ${BASELINE_S} s of single-row autocommit inserts from ${PG_POOL} connections`,
      );
      return postgresCommitRate(url, PG_POOL, BASELINE_S);
    });
    pgBaseline = baseline;
    results.push(
      result('postgres.baseline.commits', baseline, 'commits/s', null, {
        note: `${PG_POOL} connections, 1 row per txn`,
      }),
    );
    return baseline;
  };
  if (runs('pipeline') || runs('soak')) {
    const baseline = await postgresBaseline();
    // Each part on a fresh database (dropped afterwards) and a fresh temp dir for the logs and the setup file.
    const fresh: FreshDatabase = (part, body) =>
      withDatabase(adminUrl, (url) => inTempDir((dir) => body(hubEnv(url, dir, part), dir)));
    results.push(...(await pipelineScenarios('postgres', fresh, baseline)));
  }
  if (runs('fanout')) {
    results.push(
      ...(await withDatabase(adminUrl, (url) =>
        inTempDir((dir) => fanout('postgres', hubEnv(url, dir, 'fanout'), dir, () => postgresFanoutDb(url))),
      )),
    );
  }
  if (runs('fanout6')) {
    const baseline = await postgresBaseline();
    results.push(
      ...(await withDatabase(adminUrl, (url) =>
        inTempDir((dir) =>
          fanout6('postgres', hubEnv(url, dir, 'fanout6'), dir, baseline, () => postgresFanoutDb(url)),
        ),
      )),
    );
  }
  if (runs('feed'))
    results.push(
      ...(await withDatabase(adminUrl, (url) => inTempDir((dir) => feedScenario('postgres', url, dir)))),
    );
  if (runs('ui'))
    results.push(
      ...(await withDatabase(adminUrl, (url) =>
        inTempDir((dir) => uiScenario('postgres', hubEnv(url, dir, 'ui'), dir)),
      )),
    );
  if (runs('edi'))
    results.push(
      ...(await ediScenario('postgres', (body) =>
        withDatabase(adminUrl, (url) => inTempDir((dir) => body(hubEnv(url, dir, 'edi'), dir))),
      )),
    );
  return results;
}

/** Imports measured, each in a fresh process: one slow run (a noisy neighbour, a throttled CPU) decides nothing. */
const FEED_RUNS = Number(process.env.BENCH_FEED_RUNS ?? 3);

/**
 * The supplier feed (bench/feed.ts): seeded in one process, then FEED_RUNS imports, each in a fresh process and each
 * 5 % changed against the last (the next feed, then the previous one again, and so on), whose time and peak RSS are
 * the figures, beside the time to merely read the same file in the same process (after the import). The fastest run is reported, every
 * run listed beside it: noise only ever adds time, and the file read alone in each run shows how much there was.
 */
async function feedScenario(db: DbName, databaseUrl: string, dir: string): Promise<BenchResult[]> {
  const run = async (...args: string[]) => {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./feed.ts', import.meta.url)), ...args, databaseUrl, dir],
      { maxBuffer: 16 * 1024 * 1024, env: process.env },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
  };
  console.log(`${db}: feed, ${FEED_ROWS} rows, seeding the last accepted feed`);
  const seeded = await run('seed');
  console.log(
    `${db}: feed, seeded in ${seeded.seedSeconds!.toFixed(1)} s; importing ${FEED_RUNS} times, 5 % changed each`,
  );
  const measured: Record<string, number>[] = [];
  for (let i = 0; i < FEED_RUNS; i++) measured.push(await run('measure', i % 2 === 0 ? 'next' : 'previous'));
  const m = measured.reduce((best, r) => (r.seconds! < best.seconds! ? r : best));
  const runs = measured.map(
    (r) =>
      `${r.seconds!.toFixed(2)} s (reading ${r.parseSeconds!.toFixed(2)} s, ${r.peakRssMb!.toFixed(0)} MB)`,
  );
  const within = m.seconds! <= FEED_TARGET_S && m.peakRssMb! <= FEED_RSS_MB;
  summaries.push(
    `${db}.feed: ${m.rows} rows (${(m.bytes! / 1e6).toFixed(0)} MB), ${m.changed} changed: read, diffed, stored and ` +
      `${m.deltas} channel deltas computed in ${m.seconds!.toFixed(2)} s (reading alone ${m.parseSeconds!.toFixed(2)} s), ` +
      `peak RSS ${m.peakRssMb!.toFixed(0)} MB, the fastest of ${runs.join('; ')}; targets ${FEED_TARGET_S} s and ` +
      `${FEED_RSS_MB} MB on SQLite: ${within ? 'met' : 'NOT met'}`,
  );
  return [
    result(`${db}.feed.seconds`, m.seconds!, 's', m.parseSeconds!, {
      note: `${m.rows} rows, ${m.changed} changed; baseline: reading the file alone; the fastest of ${FEED_RUNS} runs`,
      peak_rss_mb: Math.round(m.peakRssMb!),
      deltas: m.deltas!,
      runs: runs.join('; '),
    }),
    result(`${db}.feed.parse_seconds`, m.parseSeconds!, 's', null, {
      note: 'reading the same file into rows, in the fastest run',
    }),
    result(`${db}.feed.peak_rss_mb`, m.peakRssMb!, 'MB', null, {
      note: "the fastest run's import process, from its start to the end of the import",
    }),
  ];
}

/**
 * The web UI's lists at 100,000 orders (bench/ui.ts): p99 over HTTP of the whole mix, with p50, max and each kind's
 * p99 beside it. A request answered other than 200, or a search that misses the order it names, fails the bench.
 */
async function uiScenario(db: DbName, env: HubEnv, dir: string): Promise<BenchResult[]> {
  const o = await runUi(db, env, dir);
  failures.push(...o.failures.map((f) => `${db} ui: ${f}`));
  const kinds = Object.entries(o.perKind).sort(([a], [b]) => a.localeCompare(b));
  summaries.push(
    `${db}.ui: ${o.requests} requests from ${o.connections} connections at ${o.seed.orders} orders: p50 ${round(o.p50Ms)} ms, ` +
      `p99 ${round(o.p99Ms)} ms, max ${round(o.maxMs)} ms (target p99 ${UI_TARGET_MS} ms: ${o.p99Ms <= UI_TARGET_MS ? 'met' : 'NOT met'}); ` +
      kinds
        .map(
          ([k, f]) => `${k} ${f.requests}× p50 ${round(f.p50Ms)} p99 ${round(f.p99Ms)} max ${round(f.maxMs)}`,
        )
        .join('; '),
  );
  return [
    result(`${db}.ui.list_p99_ms`, o.p99Ms, 'ms', null, {
      note: `GET /api/v1/orders and /supplier-api/v1/purchase-orders over HTTP at ${o.seed.orders} orders (${o.seed.purchaseOrders} POs), the mix of bench/ui.ts from ${o.connections} connections, each timed to its body read`,
      target_ms: UI_TARGET_MS,
      met: o.p99Ms <= UI_TARGET_MS ? 'yes' : 'no',
      p50_ms: round(o.p50Ms),
      max_ms: round(o.maxMs),
      requests: o.requests,
      ...Object.fromEntries(kinds.map(([k, f]) => [`p99_${k}_ms`, round(f.p99Ms)])),
      seed_s: round(o.seed.seedSeconds!, 1),
      db_mb: round(o.seed.dbMb!, 0),
      search_terms_mb: round(o.seed.termsMb!, 0),
    }),
  ];
}

/**
 * EDI X12 over SFTP (bench/edi.ts) on a fresh database: 850s sent and 855s applied, in POs/s, beside the bare SFTP
 * upload and X12 parse rates. A lost or doubled PO or file, or a stuck worker, is a failed line and fails the bench.
 */
async function ediScenario(
  db: DbName,
  fresh: <T>(body: (env: HubEnv, dir: string) => Promise<T>) => Promise<T>,
): Promise<BenchResult[]> {
  if (!existsSync(SSHD)) {
    console.log(`${db}: edi skipped (${SSHD} is missing: apt-get install openssh-server)`);
    return [];
  }
  try {
    const o = await fresh((env, dir) => runEdi(db, env, dir, EDI_POS));
    summaries.push(...o.summaries);
    for (const line of o.summaries) console.log(line);
    return o.results;
  } catch (error) {
    if (!(error instanceof EdiCheckError || error instanceof PipelineError)) throw error;
    const message = `${db} edi: ${error.message}`;
    console.error(`${db}: FAILED ${message}`);
    failures.push(message);
    return [failed(`${db}.edi.po_850_per_s`, 'POs/s', message, { pos: EDI_POS })];
  }
}

async function pipelineScenarios(db: DbName, fresh: FreshDatabase, baseline: number): Promise<BenchResult[]> {
  const outcomes: PipelineOutcome[] = [];
  if (runs('pipeline')) outcomes.push(await runPipeline(db, fresh, baseline, PIPELINE));
  if (runs('soak')) outcomes.push(await runSoak(db, fresh, baseline, PIPELINE.soakOrders));
  for (const o of outcomes) {
    failures.push(...o.failures);
    summaries.push(...o.summaries);
    for (const line of o.summaries) console.log(line);
  }
  return outcomes.flatMap((o) => o.results);
}

/**
 * BENCH_ONLY=intake,webhooks,fanout,fanout6,pipeline,edi,soak (any of them) runs those scenarios alone; all but the
 * soak (an hour on this machine) by default.
 */
function runs(
  scenario:
    'intake' | 'webhooks' | 'fanout' | 'fanout6' | 'pipeline' | 'soak' | 'routing' | 'feed' | 'ui' | 'edi',
): boolean {
  const only = process.env.BENCH_ONLY;
  if (!only) return scenario !== 'soak';
  return only
    .split(',')
    .map((s) => s.trim())
    .includes(scenario);
}

/** The database must hold what was answered; a mismatch fails the bench (a lost delivery is not a slow one). */
function verified(
  label: string,
  o: MeasuredLoad,
  success: number,
  kind: StoredKind,
  counts: ReturnType<typeof sqliteCounts>,
): void {
  warnAboutStatuses(label, o, success);
  checkCounts(label, kind, o.totalSucceeded, o.totalAbandoned, counts);
}

function webhookExtras(o: WebhookOutcome, withTarget: boolean): Record<string, string | number> {
  return {
    ...(withTarget
      ? {
          target_per_s: WEBHOOK_TARGET_PER_S,
          met: o.load.succeededPerS >= WEBHOOK_TARGET_PER_S ? 'yes' : 'no',
        }
      : {}),
    body_bytes: round(o.meanBodyBytes, 0),
    signed_bodies: o.poolSize,
  };
}

function singular(noun: 'orders' | 'deliveries'): string {
  return noun === 'orders' ? 'order' : 'delivery';
}

function loadResults(
  prefix: string,
  noun: 'orders' | 'deliveries',
  o: MeasuredLoad,
  baseline: number,
  batchUnit: string,
  extra: Record<string, string | number>,
): BenchResult[] {
  const { load } = o;
  const hubCores = o.hubCpuS / load.durationS;
  const loadgenCores = load.loadCpuS / load.durationS;
  const perUnit = (total: number) => total / Math.max(1, load.succeeded);
  const one = singular(noun);
  return [
    result(`${prefix}.${noun}`, load.succeededPerS, `${noun}/s`, baseline, {
      p50_ms: load.p50Ms,
      p99_ms: load.p99Ms,
      [noun]: load.succeeded,
      non2xx: load.non2xx + o.warmup.non2xx,
      errors: load.errors + o.warmup.errors,
      connections: CONNECTIONS,
      ...extra,
    }),
    result(`${prefix}.units_per_batch`, o.unitsPerBatch, batchUnit, null, {
      commits_per_s: round(load.succeededPerS / (o.unitsPerBatch || 1)),
    }),
    result(`${prefix}.hub_cpu`, hubCores, 'cores', null, {
      // CPU time per unit hardly depends on how many cores the hub got: it says what a core of hub CPU takes in.
      [`cpu_ms_per_${one}`]: round(perUnit(o.hubCpuS * 1000)),
      loadgen_cores: round(loadgenCores),
      // CPU that neither the hub nor the load generator used: other processes (and the PostgreSQL server).
      others_cores: round(Math.max(0, o.machineBusyCores - hubCores - loadgenCores)),
      server_mean_ms: round(o.serverMeanMs),
      event_loop_lag_p99_ms: round(o.eventLoopLagP99Ms),
    }),
    ...(o.hubWrites
      ? [
          result(`${prefix}.hub_writes`, perUnit(o.hubWrites.writeCallBytes) / 1024, `KiB/${one}`, null, {
            [`disk_kib_per_${one}`]: round(perUnit(o.hubWrites.diskWriteBytes) / 1024),
            note: 'write syscalls (files and sockets) / bytes reaching the disk',
          }),
        ]
      : []),
  ];
}

/** The fan-out on one database; a hub that cannot do it at all is a result line with its error, not a crash. */
async function fanout(
  db: string,
  env: HubEnv,
  dir: string,
  open: () => Promise<FanoutDb>,
): Promise<BenchResult[]> {
  try {
    return fanoutResults(db, await runFanout(env, dir, open, FANOUT, db));
  } catch (error) {
    if (!(error instanceof FanoutSetupError)) throw error;
    console.error(`${db}: FAILED ${error.message}`);
    failures.push(error.message);
    return [
      failed(`${db}.fanout.seconds`, 's', error.message, {
        target_s: FANOUT_TARGET_S,
        skus: FANOUT.skus,
        channels: FANOUT.channels,
      }),
    ];
  }
}

function fanoutResults(db: string, o: FanoutOutcome): BenchResult[] {
  const batches = o.perChannel.map((t) => t.batches);
  const meanBatches = batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length);
  const levels = o.perChannel.reduce((sum, t) => sum + t.levels, 0);
  // Each channel's own pace once its batches flow: from its first batch to its last.
  const rates = o.perChannel
    .filter((t) => t.firstAt !== null && t.lastAt !== null && t.lastAt > t.firstAt)
    .map((t) => (t.batches - 1) / (((t.lastAt ?? 0) - (t.firstAt ?? 0)) / 1000));
  const meanRate = rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : 0;
  const since = (t: number | null) => (t === null ? null : round(t - o.committedAt, 0));
  const common = { skus: o.skus, channels: o.channels };
  if (o.error) failures.push(`${db} fan-out: ${o.error}`);
  const seconds =
    o.seconds === null
      ? failed(`${db}.fanout.seconds`, 's', o.error ?? 'incomplete', { target_s: FANOUT_TARGET_S, ...common })
      : result(`${db}.fanout.seconds`, o.seconds, 's', null, {
          target_s: FANOUT_TARGET_S,
          met: o.seconds <= FANOUT_TARGET_S ? 'yes' : 'no',
          ...common,
        });
  return [
    {
      ...seconds,
      // seconds = first_batch_ms (the change brings the syncs forward: a worker poll, ≤ 200 ms, and a first page of
      // changes read) + push_ms (the batches, and the reads of the later pages between them).
      first_batch_ms: o.firstBatchMs === null ? null : round(o.firstBatchMs, 0),
      push_ms:
        o.seconds === null || o.firstBatchMs === null ? null : round(o.seconds * 1000 - o.firstBatchMs, 0),
      last_first_batch_ms: since(Math.max(...o.perChannel.map((t) => t.firstAt ?? Number.NaN))),
      update_ms: round(o.updateMs, 0),
      hub_cores_waiting: round(o.waitingHubCores),
      hub_cores_flowing: o.flowing ? round(o.flowing.hubCores) : null,
      receiver_cores: o.flowing ? round(o.flowing.receiverCores) : null,
      // CPU of the machine that neither the hub nor the receiver used while batches flowed: other processes.
      others_cores: o.flowing
        ? round(Math.max(0, o.flowing.machineCores - o.flowing.hubCores - o.flowing.receiverCores))
        : null,
    },
    result(`${db}.fanout.batches`, meanBatches, 'calls/channel', null, {
      min: Math.min(...batches),
      max: Math.max(...batches),
      levels_per_batch: round(
        levels /
          Math.max(
            1,
            batches.reduce((a, b) => a + b, 0),
          ),
        1,
      ),
      // More levels than SKUs on a channel: a SKU was sent more than once (not coalesced).
      levels_per_channel: round(levels / Math.max(1, o.channels), 0),
      batch_rate_per_channel: round(meanRate, 0),
    }),
    ...(o.seconds === null
      ? []
      : [result(`${db}.fanout.levels`, (o.skus * o.channels) / o.seconds, 'levels/s', null, { ...common })]),
    result(`${db}.fanout.initial_sync`, o.initialSyncS, 's', null, {
      idle_hub_cores: round(o.idleHubCores),
      idle_batches: o.idleBatches,
      seed_s: round(o.seedS, 1),
      note: `${o.skus} products inserted directly into the migrated database (not via waybill apply)`,
    }),
  ];
}

/** The six-channel fan-out on one database: a line per channel and one for the last, beside the run's baseline. */
async function fanout6(
  db: DbName,
  env: HubEnv,
  dir: string,
  baseline: number,
  open: () => Promise<FanoutDb>,
): Promise<BenchResult[]> {
  const report = fanout6Report(db, await runFanout6(env, dir, open, FANOUT6, db), baseline);
  failures.push(...report.failures);
  summaries.push(...report.summaries);
  for (const line of report.summaries) console.log(line);
  return report.results;
}

function hubEnv(databaseUrl: string, dir: string, scenario: string): HubEnv {
  return {
    databaseUrl,
    secretKey: randomBytes(32).toString('hex'),
    logFile: join(dir, `hub-${scenario}.log`),
  };
}

/** A fresh temp dir on the same disk for each scenario; kept (and named) when the scenario fails, for a look. */
async function inTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-bench-'));
  try {
    const value = await body(dir);
    rmSync(dir, { recursive: true, force: true });
    return value;
  } catch (error) {
    console.error(`kept ${dir} for inspection (hub-*.log, the databases)`);
    throw error;
  }
}

/** A fresh PostgreSQL database for the body, dropped afterwards. */
async function withDatabase<T>(adminUrl: string, body: (url: string) => Promise<T>): Promise<T> {
  const name = `waybill_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  try {
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${name}`;
    return await body(parsed.toString());
  } finally {
    await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

/** Where the time goes, in words: batch size, commit rate, and who had the CPU. */
function explain(results: readonly BenchResult[]): void {
  for (const db of ['sqlite', 'postgres']) {
    for (const [scenario, noun] of [
      ['intake', 'orders'],
      ['webhooks', 'deliveries'],
    ] as const) {
      const get = (name: string) => results.find((r) => r.name === `${db}.${scenario}.${name}`);
      const [rate, batch, cpu] = [get(noun), get('units_per_batch'), get('hub_cpu')];
      if (!rate || !batch || !cpu) continue;
      const cpuMs = Number(cpu[`cpu_ms_per_${singular(noun)}`]);
      const others = db === 'postgres' ? 'other processes incl. the PostgreSQL server' : 'other processes';
      console.log(
        `${db} ${scenario}: ${rate.value} ${noun}/s = ${batch.value} per commit x ${batch.commits_per_s} commits/s; ` +
          `hub ${cpu.value} cores, ${cpuMs} ms CPU each (≈ ${round(1000 / cpuMs, 0)}/s per core of hub CPU); ` +
          `server-side mean ${cpu.server_mean_ms} ms, event-loop lag p99 ${cpu.event_loop_lag_p99_ms} ms; ` +
          `load generator ${cpu.loadgen_cores} cores; ${others} ${cpu.others_cores} of ${CORES} cores`,
      );
      if (db === 'sqlite' && Number(cpu.others_cores) > 0.25) {
        console.log(
          `${db} ${scenario}: WARNING other processes took ${cpu.others_cores} of ${CORES} cores during the run: the rate is lower than on a quiet machine`,
        );
      }
    }
    const seconds = results.find((r) => r.name === `${db}.fanout.seconds`);
    const batches = results.find((r) => r.name === `${db}.fanout.batches`);
    if (seconds && batches) {
      console.log(
        `${db} fan-out: ${seconds.value ?? 'incomplete'} s for ${seconds.skus} SKUs x ${seconds.channels} channels (target ${FANOUT_TARGET_S} s): ` +
          `UPDATE ${seconds.update_ms} ms; first batch ${seconds.first_batch_ms} ms after the commit (the change brings every channel's sync ` +
          `forward: the worker's next poll, then a first page read), the last channel's first batch at ${seconds.last_first_batch_ms} ms; ` +
          `then ${batches.value} calls per channel of ${batches.levels_per_batch} levels at ${batches.batch_rate_per_channel} calls/s per channel ` +
          `(${seconds.push_ms} ms from the first batch to the last level); ` +
          `while batches flow the hub uses ${seconds.hub_cores_flowing} cores, the receiver ${seconds.receiver_cores}, ` +
          `other processes ${seconds.others_cores} of ${CORES} cores`,
      );
    }
  }
}

async function main(): Promise<void> {
  // BENCH_DATABASES=postgres (or sqlite) runs one database alone, to look at it more often.
  const databases = (process.env.BENCH_DATABASES || 'sqlite,postgres').split(',');
  // In-process, no database: first, on a machine not yet busy with hubs.
  const results = runs('routing') ? runRouting() : [];
  const onlyRouting = process.env.BENCH_ONLY?.trim() === 'routing';
  if (databases.includes('sqlite') && !onlyRouting) results.push(...(await benchSqlite()));
  const pgUrl = process.env.WAYBILL_TEST_PG;
  if (onlyRouting) console.log('databases: skipped (BENCH_ONLY=routing)');
  else if (pgUrl && databases.includes('postgres')) results.push(...(await benchPostgres(pgUrl)));
  else console.log('postgres: skipped (set WAYBILL_TEST_PG=postgres://… to run it)');
  printTable(results);
  console.log('');
  explain(results);
  for (const line of summaries) console.log(line);
  writeResults(RESULTS_FILE, results);
  console.log(`\nwrote ${RESULTS_FILE}`);
  if (failures.length) {
    console.error(`\nbench FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`\nbench FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
