/**
 * `npm run bench`: durable order intake through HTTP, on SQLite and (with WAYBILL_TEST_PG) on PostgreSQL, each
 * against what its storage can commit on this machine. Prints a table and writes bench/results/latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresCommitRate, sqliteCommitRate } from './baselines.ts';
import type { HubEnv } from './hub-process.ts';
import { CORES } from './machine.ts';
import { CONNECTIONS, prepare, runIntake, type IntakeOutcome } from './intake.ts';
import { printTable, result, round, writeResults, type BenchResult } from './report.ts';
import { checkCounts, postgresCounts, sqliteCounts } from './verify.ts';

const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const BASELINE_S = 3;
/** The hub's PostgreSQL pool size (src/store/store.ts default): the baseline uses as many connections. */
const PG_POOL = 10;

async function benchSqlite(): Promise<BenchResult[]> {
  return inTempDir(async (dir) => {
    console.log(
      `sqlite: baseline, ${BASELINE_S} s each of single-row commits (synchronous=FULL, then NORMAL)`,
    );
    const full = sqliteCommitRate(dir, 'FULL', BASELINE_S);
    const normal = sqliteCommitRate(dir, 'NORMAL', BASELINE_S);
    const dbPath = join(dir, 'waybill.db');
    const env = hubEnv(`sqlite:${dbPath}`, dir);
    const outcome = await runIntake(env, await prepare(env, dir), 'sqlite');
    warnAboutStatuses('sqlite', outcome);
    checkCounts('sqlite', outcome.totalCreated, outcome.totalAbandoned, sqliteCounts(dbPath));
    return [
      ...intakeResults('sqlite', outcome, full, 'orders/fsync'),
      result('sqlite.baseline.commits_full', full, 'commits/s', null, {
        note: 'WAL, synchronous=FULL, 1 row per txn',
      }),
      result('sqlite.baseline.commits_normal', normal, 'commits/s', full, {
        note: 'informational: synchronous=NORMAL',
      }),
    ];
  });
}

async function benchPostgres(adminUrl: string): Promise<BenchResult[]> {
  const name = `waybill_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  try {
    const url = withDatabase(adminUrl, name);
    return await inTempDir(async (dir) => {
      console.log(
        `postgres: baseline, ${BASELINE_S} s of single-row autocommit inserts from ${PG_POOL} connections`,
      );
      const baseline = await postgresCommitRate(url, PG_POOL, BASELINE_S);
      const env = hubEnv(url, dir);
      const outcome = await runIntake(env, await prepare(env, dir), 'postgres');
      warnAboutStatuses('postgres', outcome);
      checkCounts('postgres', outcome.totalCreated, outcome.totalAbandoned, await postgresCounts(url));
      return [
        ...intakeResults('postgres', outcome, baseline, 'orders/txn'),
        result('postgres.baseline.commits', baseline, 'commits/s', null, {
          note: `${PG_POOL} connections, 1 row per txn`,
        }),
      ];
    });
  } finally {
    await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
  }
}

function intakeResults(db: string, o: IntakeOutcome, baseline: number, batchUnit: string): BenchResult[] {
  const { load } = o;
  const hubCores = o.hubCpuS / load.durationS;
  const loadgenCores = load.loadCpuS / load.durationS;
  const perOrder = (total: number) => total / Math.max(1, load.created);
  return [
    result(`${db}.intake.orders`, load.ordersPerS, 'orders/s', baseline, {
      p50_ms: load.p50Ms,
      p99_ms: load.p99Ms,
      orders: load.created,
      non2xx: load.non2xx + o.warmup.non2xx,
      errors: load.errors + o.warmup.errors,
      connections: CONNECTIONS,
    }),
    result(`${db}.intake.units_per_batch`, o.unitsPerBatch, batchUnit, null, {
      commits_per_s: round(load.ordersPerS / (o.unitsPerBatch || 1)),
    }),
    result(`${db}.intake.hub_cpu`, hubCores, 'cores', null, {
      // CPU time per order hardly depends on how many cores the hub got: it says what a core of hub CPU takes in.
      cpu_ms_per_order: round(perOrder(o.hubCpuS * 1000)),
      loadgen_cores: round(loadgenCores),
      // CPU that neither the hub nor the load generator used: other processes (and the PostgreSQL server).
      others_cores: round(Math.max(0, o.machineBusyCores - hubCores - loadgenCores)),
      server_mean_ms: round(o.serverMeanMs),
      event_loop_lag_p99_ms: round(o.eventLoopLagP99Ms),
    }),
    ...(o.hubWrites
      ? [
          result(`${db}.intake.hub_writes`, perOrder(o.hubWrites.writeCallBytes) / 1024, 'KiB/order', null, {
            disk_kib_per_order: round(perOrder(o.hubWrites.diskWriteBytes) / 1024),
            note: 'write syscalls (files and sockets) / bytes reaching the disk',
          }),
        ]
      : []),
  ];
}

/** Says what the run's non-201 answers were; they are reported, and only the database counts fail the bench. */
function warnAboutStatuses(db: string, o: IntakeOutcome): void {
  for (const run of [o.warmup, o.load]) {
    if (run.non2xx || run.errors || run.other2xx)
      console.warn(
        `${db}: WARNING not every request was a 201: ${JSON.stringify(run.statuses)}, connection errors ${run.errors}`,
      );
  }
}

function hubEnv(databaseUrl: string, dir: string): HubEnv {
  return { databaseUrl, secretKey: randomBytes(32).toString('hex'), logFile: join(dir, 'hub.log') };
}

/** A fresh temp dir on the same disk for each scenario; kept (and named) when the scenario fails, for a look. */
async function inTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-bench-'));
  try {
    const value = await body(dir);
    rmSync(dir, { recursive: true, force: true });
    return value;
  } catch (error) {
    console.error(`kept ${dir} for inspection (hub.log, the database)`);
    throw error;
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
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

/** Where the time goes, in words: batch size, commit rate, and who had the CPU. */
function explain(results: readonly BenchResult[]): void {
  for (const db of ['sqlite', 'postgres']) {
    const get = (name: string) => results.find((r) => r.name === `${db}.intake.${name}`);
    const [orders, batch, cpu] = [get('orders'), get('units_per_batch'), get('hub_cpu')];
    if (!orders || !batch || !cpu) continue;
    const others = db === 'postgres' ? 'other processes incl. the PostgreSQL server' : 'other processes';
    console.log(
      `${db}: ${orders.value} orders/s = ${batch.value} orders per commit x ${batch.commits_per_s} commits/s; ` +
        `hub ${cpu.value} cores, ${cpu.cpu_ms_per_order} ms CPU per order (≈ ${round(1000 / Number(cpu.cpu_ms_per_order), 0)} orders/s per core of hub CPU); ` +
        `server-side mean ${cpu.server_mean_ms} ms, event-loop lag p99 ${cpu.event_loop_lag_p99_ms} ms; ` +
        `load generator ${cpu.loadgen_cores} cores; ${others} ${cpu.others_cores} of ${CORES} cores`,
    );
    if (db === 'sqlite' && Number(cpu.others_cores) > 0.25) {
      console.log(
        `${db}: WARNING other processes took ${cpu.others_cores} of ${CORES} cores during the run: orders/s is lower than on a quiet machine`,
      );
    }
  }
}

async function main(): Promise<void> {
  const results = await benchSqlite();
  const pgUrl = process.env.WAYBILL_TEST_PG;
  if (pgUrl) results.push(...(await benchPostgres(pgUrl)));
  else console.log('postgres: skipped (set WAYBILL_TEST_PG=postgres://… to run it)');
  printTable(results);
  console.log('');
  explain(results);
  writeResults(RESULTS_FILE, results);
  console.log(`\nwrote ${RESULTS_FILE}`);
}

main().catch((error: unknown) => {
  console.error(`\nbench FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
