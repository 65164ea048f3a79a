/**
 * End to end, as a retailer's traffic: signed Shopify `orders/create` webhooks (one distinct order each, one line of
 * the catalogue) → the hub takes the order in, routes it, creates its PO → the PO is POSTed to a supplier endpoint on
 * loopback that answers 200 at once. Each order carries a token in `shipping_address.address2`, which Waybill copies
 * into the PO's `shipTo.line2`: that ties every PO received to the webhook that caused it (latency, losses, resends).
 *
 * Parts, each on a fresh database: a burst through one hub process (`waybill start`); the CPU of each stage, by phases
 * (intake with `--no-worker`, then a `waybill worker` for `channel.delivery` only, then one for `po.send` only); a
 * steady open-loop 500 orders/s for the latency; the burst with `--no-worker` + 1 and + 2 `waybill worker` processes;
 * and (only when asked) the soak: a million orders, the jobs table and the claim time near the start and at the end.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createShopifySim, type ShopifyOrderItem } from '../sim/shopify.ts';
import { PRODUCTS } from './catalog.ts';
import { startHub, startWorker, type HubEnv, type RunningHub, type RunningWorker } from './hub-process.ts';
import { processCpuSeconds } from './machine.ts';
import { parsePrometheus, sumOf } from './metrics.ts';
import { failed, result, round, type BenchResult } from './report.ts';
import { checkCounts, DELIVERED_ORDERS, postgresCounts, sqliteCounts } from './verify.ts';
import { readAll } from './receiver.ts';
import { API_VERSION, prepareShopify, SHOP_DOMAIN, type ShopifyChannel } from './webhooks.ts';

export type DbName = 'sqlite' | 'postgres';

/** What the issue asks of the pipeline. */
export const PIPELINE_TARGET_PER_S: Record<DbName, number> = { sqlite: 2_000, postgres: 1_000 };
const CPU_TARGET_MS = 0.8;
const P99_TARGET_MS = 50;
const STEADY_RATE = 500;
const STEADY_WARMUP_S = 2.5;
const STEADY_S = 20;
/** Closed-loop concurrency of the bursts, as the other scenarios (bench/measure.ts). */
const BURST_CONNECTIONS = 100;
const METRICS_EVERY_MS = 250;
/** The soak's claim time is the mean over this window before each point. */
const CLAIM_WINDOW_MS = 5_000;
const SOAK_FIRST_POINT = 1_000;
/**
 * The soak keeps at most this many orders between webhook sent and PO received. Unbounded, the webhooks would run far
 * ahead of the worker (intake is the cheaper stage), the jobs table would hold the whole backlog already at 1,000 POs
 * delivered, and the claim time would measure the backlog rather than the growth of the table with what it keeps of finished work.
 */
const SOAK_WINDOW = 2_000;

export interface PipelineConfig {
  orders: number;
  soakOrders: number;
  /** BENCH_PIPELINE_PARTS: a subset of burst,stages,steady,split1,split2 (all by default). */
  parts: ReadonlySet<string>;
}

/** One fresh database for one part: run.ts makes it (temp dir, PostgreSQL database) and throws it away afterwards. */
export type FreshDatabase = <T>(part: string, body: (env: HubEnv, dir: string) => Promise<T>) => Promise<T>;

export interface PipelineOutcome {
  results: BenchResult[];
  failures: string[];
  summaries: string[];
}

/** A part that could not produce its number: a timeout, a lost order, a request the hub kept refusing. */
export class PipelineError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Orders: one template per product, the ids and the token substituted per order

/**
 * A Shopify order body as a template string: building and serialising the simulator's order costs far more than
 * gluing a few numbers into a string, and a million pre-built 4.5 KB bodies would not fit in memory.
 */
class OrderTemplates {
  readonly #templates: { parts: string[]; keys: string[] }[];

  constructor(seed = 11) {
    const sim = createShopifySim({
      shopDomain: SHOP_DOMAIN,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: 'x',
      seed,
    });
    this.#templates = PRODUCTS.map((p, i) => {
      const item: ShopifyOrderItem = {
        sku: p.sku,
        variantId: 44_000_000_000 + i,
        price: (p.unitPrice / 100).toFixed(2),
        title: `Product ${i}`,
      };
      const order = sim.makeOrder(i, [item], [1 + (i % 3)]) as unknown as Record<string, unknown>;
      // Quoted placeholders become numbers; the others sit inside strings.
      order.id = '@@OID@@';
      order.admin_graphql_api_id = 'gid://shopify/Order/@@OID@@';
      order.order_number = '@@NUM@@';
      order.name = '#@@NUM@@';
      const address = order.shipping_address as Record<string, unknown>;
      address.address2 = 'WB-@@IDX@@';
      const [line] = order.line_items as Record<string, unknown>[];
      if (!line) throw new Error('the simulator made an order without a line');
      line.id = '@@LID@@';
      line.admin_graphql_api_id = 'gid://shopify/LineItem/@@LID@@';
      const json = JSON.stringify(order);
      const parts: string[] = [];
      const keys: string[] = [];
      let last = 0;
      for (const m of json.matchAll(/"@@(\w+)@@"|@@(\w+)@@/g)) {
        parts.push(json.slice(last, m.index));
        keys.push((m[1] ?? m[2])!);
        last = m.index + m[0].length;
      }
      parts.push(json.slice(last));
      return { parts, keys };
    });
  }

  /** Order `index` of a run: a Shopify id no other order of the bench process has, the token `WB-<index>`. */
  render(index: number, orderId: number): string {
    // Spread over the catalogue (7 is coprime with 200): consecutive orders name different products and suppliers.
    const t = this.#templates[(index * 7) % this.#templates.length]!;
    const values: Record<string, string> = {
      OID: String(orderId),
      NUM: String(1_000 + index),
      LID: String(orderId * 10 + 1),
      IDX: String(index),
    };
    let out = t.parts[0]!;
    for (let k = 0; k < t.keys.length; k += 1) out += values[t.keys[k]!]! + t.parts[k + 1]!;
    return out;
  }
}

let templates: OrderTemplates | null = null;
/** Shopify order ids never reused within the bench process (the databases are fresh anyway). */
let nextOrderId = 6_100_000_000_000;

interface SignedOrder {
  body: Buffer;
  hmac: string;
}

/** The orders of one run, signed: pre-built for the measured parts, made on the fly (`lazy`) for the soak. */
class OrderSource {
  readonly #base: number;
  readonly #prebuilt: SignedOrder[] | null;

  constructor(
    private readonly secret: string,
    readonly count: number,
    lazy = false,
  ) {
    templates ??= new OrderTemplates();
    this.#base = nextOrderId;
    nextOrderId += count;
    this.#prebuilt = lazy ? null : Array.from({ length: count }, (_, i) => this.#build(i));
  }

  get(index: number): SignedOrder {
    return this.#prebuilt?.[index] ?? this.#build(index);
  }

  #build(index: number): SignedOrder {
    const body = Buffer.from(templates!.render(index, this.#base + index), 'utf8');
    return { body, hmac: createHmac('sha256', this.secret).update(body).digest('base64') };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The supplier endpoint

/** Answers every PO 200 at once and notes, per order (by its token), when its PO arrived. */
class PoReceiver {
  url = '';
  /** performance.now() of each order's first PO; 0 until it arrives. */
  readonly arrivedAt: Float64Array;
  /** Orders whose PO arrived (distinct). */
  received = 0;
  /** POs for an order whose PO had arrived already: a resend (same poNumber) or a second PO. */
  duplicates = 0;
  /** Bodies without a token of this run, or not JSON: a bench or mapping bug. */
  rejected = 0;
  lastAt = 0;
  readonly #server: Server;
  #waiters: (() => void)[] = [];

  constructor(capacity: number) {
    this.arrivedAt = new Float64Array(capacity);
    this.#server = createServer((req, res) => {
      readAll(req).then(
        (body) => {
          this.#receive(body);
          res.writeHead(200).end();
        },
        () => res.writeHead(400).end(),
      );
    });
    this.#server.keepAliveTimeout = 60_000;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/po`;
  }

  /** Resolves once `count` orders have their PO. */
  async atLeast(count: number): Promise<void> {
    while (this.received < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #receive(body: Buffer): void {
    const at = performance.now();
    let index = -1;
    try {
      const po = JSON.parse(body.toString('utf8')) as { shipTo?: { line2?: unknown } };
      const m = typeof po.shipTo?.line2 === 'string' ? /^WB-(\d+)$/.exec(po.shipTo.line2) : null;
      if (m) index = Number(m[1]);
    } catch {
      // counted below
    }
    if (index < 0 || index >= this.arrivedAt.length) {
      this.rejected += 1;
      return;
    }
    if (this.arrivedAt[index]) {
      this.duplicates += 1;
      return;
    }
    this.arrivedAt[index] = at;
    this.received += 1;
    this.lastAt = at;
    this.#notify();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The load generator: node:http with a keep-alive agent, the send time of every order noted

const MAX_ATTEMPTS = 5;

class WebhookSender {
  /** performance.now() when each order's webhook was first sent. */
  readonly sentAt: Float64Array;
  /** performance.now() when each order's webhook was answered 200 (the intake's share of the latency). */
  readonly answeredAt: Float64Array;
  ok = 0;
  /** Attempts answered otherwise than 200 (or failed), then retried as Shopify does: same webhook id, same body. */
  retries = 0;
  lastOkAt = 0;
  /** Worst lateness of an open-loop send behind its schedule. */
  maxLagMs = 0;
  readonly #agent: Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #path: string;

  constructor(
    hubUrl: string,
    channel: ShopifyChannel,
    private readonly orders: OrderSource,
    maxSockets: number,
  ) {
    const url = new URL(hubUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#path = `/webhooks/shopify/${channel.id}`;
    this.sentAt = new Float64Array(orders.count);
    this.answeredAt = new Float64Array(orders.count);
    this.#agent = new Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.#agent.destroy();
  }

  /** `connections` loops, each sending the next order once its previous one was answered. */
  /**
   * `connections` loops, each sending the next order once its previous one was answered. With `window`, order i waits
   * until the POs of all but `window` of the orders before it arrived: the hub's backlog stays bounded.
   */
  async closedLoop(connections: number, window?: { receiver: PoReceiver; size: number }): Promise<void> {
    let next = 0;
    const loop = async () => {
      while (next < this.orders.count) {
        const index = next++;
        if (window) await window.receiver.atLeast(index - window.size + 1);
        await this.send(index);
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
  }

  /** Order i is due at start + i / rate, answered or not (open loop: a slow hub does not slow the schedule). */
  async openLoop(ratePerS: number): Promise<void> {
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    let next = 0;
    while (next < this.orders.count) {
      const now = performance.now();
      const due = Math.min(this.orders.count, Math.floor(((now - start) * ratePerS) / 1000) + 1);
      for (; next < due; next += 1) {
        this.maxLagMs = Math.max(this.maxLagMs, now - (start + (next * 1000) / ratePerS));
        inFlight.push(this.send(next));
      }
      await delay(1);
    }
    await Promise.all(inFlight);
  }

  async send(index: number): Promise<void> {
    const { body, hmac } = this.orders.get(index);
    const webhookId = randomUUID();
    const eventId = randomUUID();
    for (let attempt = 1; ; attempt += 1) {
      const at = performance.now();
      if (attempt === 1) this.sentAt[index] = at;
      const status = await this.#post(body, {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': 'Shopify-Captain-Hook',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': SHOP_DOMAIN,
        'x-shopify-api-version': API_VERSION,
        'x-shopify-hmac-sha256': hmac,
        'x-shopify-webhook-id': webhookId,
        'x-shopify-event-id': eventId,
        'x-shopify-triggered-at': new Date().toISOString(),
      }).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (status === 200) {
        this.ok += 1;
        this.lastOkAt = performance.now();
        this.answeredAt[index] = this.lastOkAt;
        return;
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new PipelineError(
          `order ${index}: the hub answered ${status} to ${MAX_ATTEMPTS} deliveries in a row`,
        );
      this.retries += 1;
      await delay(100 * attempt);
    }
  }

  #post(body: Buffer, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.#host, port: this.#port, path: this.#path, method: 'POST', headers, agent: this.#agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Watching the hub and the database

/** Polls the hub's /metrics every 250 ms: the most due jobs seen, and the worker's claim counters over time. */
class MetricsPoller {
  maxDue = 0;
  /** The longest the hub's event loop was held at once (prom-client's lag histogram, reset at every scrape). */
  maxLoopLagMs = 0;
  readonly claims: { at: number; claims: number; seconds: number }[] = [];
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(private readonly hub: RunningHub) {
    this.#done = this.#run();
  }

  resetMax(): void {
    this.maxDue = 0;
    this.maxLoopLagMs = 0;
  }

  /** Mean claim time (ms) over the window before now: Δseconds / Δclaims of the hub's worker. */
  claimMs(windowMs = CLAIM_WINDOW_MS): { ms: number | null; claims: number } {
    const last = this.claims[this.claims.length - 1];
    if (!last) return { ms: null, claims: 0 };
    const first = [...this.claims].reverse().find((s) => s.at <= last.at - windowMs) ?? this.claims[0]!;
    const claims = last.claims - first.claims;
    return { ms: claims > 0 ? ((last.seconds - first.seconds) / claims) * 1000 : null, claims };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const samples = parsePrometheus(await this.hub.metrics());
        this.maxDue = Math.max(this.maxDue, sumOf(samples, 'waybill_jobs_due'));
        this.maxLoopLagMs = Math.max(
          this.maxLoopLagMs,
          sumOf(samples, 'nodejs_eventloop_lag_max_seconds') * 1000,
        );
        this.claims.push({
          at: performance.now(),
          claims: sumOf(samples, 'waybill_job_claims_total'),
          seconds: sumOf(samples, 'waybill_job_claim_seconds_total'),
        });
        // The soak runs for an hour: keep a minute of history, enough for the window.
        if (this.claims.length > 400) this.claims.splice(0, this.claims.length - 240);
      } catch {
        // A scrape that failed (the hub busy or stopping) is a missing sample, not a failed part.
      }
      await delay(METRICS_EVERY_MS);
    }
  }
}

/** Read-only queries on the part's database while Waybill runs (SQLite in WAL mode lets us read beside it). */
export interface DbReader {
  count(sql: string): Promise<number>;
  /** Rows of the jobs table and the bytes it and its indexes take. */
  jobsSize(): Promise<{ rows: number; bytes: number; method: string }>;
  /** Jobs by kind and state, e.g. "po.send/done=2000". */
  jobStates(): Promise<string>;
  close(): Promise<void>;
}

const JOB_STATES = 'select kind, state, count(*) as n from jobs group by kind, state order by kind, state';

export async function openReader(env: HubEnv): Promise<DbReader> {
  if (env.databaseUrl.startsWith('sqlite:')) {
    const path = env.databaseUrl.slice('sqlite:'.length);
    const withDb = <T>(body: (db: SQLite.Database) => T): T => {
      // A connection per query: a long-lived reader would hold back the hub's WAL checkpoints.
      const db = new SQLite(path, { readonly: true, fileMustExist: true });
      try {
        return body(db);
      } finally {
        db.close();
      }
    };
    return {
      count: async (sql) => withDb((db) => (db.prepare(sql).get() as { n: number }).n),
      jobsSize: async () =>
        withDb((db) => ({
          rows: (db.prepare('select count(*) as n from jobs').get() as { n: number }).n,
          // dbstat: the pages of the jobs table and of its indexes, exactly (not the file, which holds everything).
          bytes: (
            db
              .prepare(
                "select coalesce(sum(pgsize), 0) as n from dbstat where name in (select name from sqlite_master where tbl_name = 'jobs')",
              )
              .get() as { n: number }
          ).n,
          method: 'sqlite dbstat: table + indexes',
        })),
      jobStates: async () =>
        withDb((db) =>
          (db.prepare(JOB_STATES).all() as { kind: string; state: string; n: number }[])
            .map((r) => `${r.kind}/${r.state}=${r.n}`)
            .join(' '),
        ),
      close: async () => {},
    };
  }
  const client = new pg.Client({ connectionString: env.databaseUrl });
  await client.connect();
  const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  return {
    count,
    jobsSize: async () => ({
      rows: await count('select count(*) as n from jobs'),
      bytes: await count("select pg_total_relation_size('jobs') as n"),
      method: 'pg_total_relation_size: table + indexes + toast',
    }),
    jobStates: async () =>
      (await client.query<{ kind: string; state: string; n: string }>(JOB_STATES)).rows
        .map((r) => `${r.kind}/${r.state}=${r.n}`)
        .join(' '),
    close: () => client.end(),
  };
}

/**
 * Polls `progress` until it reaches `target`. Fails when the deadline (scaled to the work: at least 50 orders/s) has
 * passed, or when nothing moved for a minute: a stuck pipeline says so in a minute, not in an hour.
 */
export async function waitUntil(
  what: string,
  target: number,
  progress: () => number | Promise<number>,
  context: () => Promise<string>,
  processes: readonly Watched[] = [],
): Promise<void> {
  const started = performance.now();
  const deadline = started + 60_000 + target * 20;
  let last = -1;
  let lastMoved = started;
  for (;;) {
    const now = performance.now();
    const value = await progress();
    if (value >= target) return;
    checkAlive(processes);
    if (value !== last) {
      last = value;
      lastMoved = now;
    }
    if (now > deadline || now - lastMoved > 60_000) {
      const why =
        now > deadline ? `after ${round((now - started) / 1000, 0)} s` : 'with no progress for 60 s';
      throw new PipelineError(`${what}: ${value} of ${target} ${why}; ${await context().catch(() => '')}`);
    }
    await delay(50);
  }
}

/** A Waybill process of a part, by the name the messages give it. */
interface Watched {
  name: string;
  exited(): string | null;
}

/** A Waybill process that ended during a part fails it, saying so (the hub logs "SIGTERM: …" when it was told to stop). */
function checkAlive(processes: readonly Watched[]): void {
  const dead = processes.filter((p) => p.exited() !== null);
  if (dead.length)
    throw new PipelineError(
      `${dead.map((p) => `${p.name} ended (${p.exited()})`).join(', ')} during the part, not stopped by the bench: ` +
        'a crash (see its log), or a signal from another process on this machine',
    );
}

/** Runs `body`; when it fails because a Waybill process went away, the error says that rather than ECONNREFUSED. */
async function watching<T>(processes: readonly Watched[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    checkAlive(processes);
    throw error;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function latencies(sender: WebhookSender, receiver: PoReceiver, from: number, to: number): Float64Array {
  return spans(sender.sentAt, receiver.arrivedAt, from, to);
}

/** end[i] − start[i] for the orders from..to, sorted. */
function spans(start: Float64Array, end: Float64Array, from: number, to: number): Float64Array {
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i += 1) out[i - from] = end[i]! - start[i]!;
  return out.sort();
}

const cpuOf = (pid: number) => processCpuSeconds(pid) ?? Number.NaN;

// ---------------------------------------------------------------------------------------------------------------
// The parts

interface Part {
  env: HubEnv;
  dir: string;
  receiver: PoReceiver;
  channel: ShopifyChannel;
  reader: DbReader;
}

/** A fresh database with the catalogue, a Shopify channel and the suppliers pointing at our receiver. */
async function withPart<T>(
  fresh: FreshDatabase,
  db: DbName,
  part: string,
  capacity: number,
  body: (p: Part) => Promise<T>,
): Promise<T> {
  return fresh(part, async (env, dir) => {
    const receiver = new PoReceiver(capacity);
    await receiver.start();
    try {
      const channel = await prepareShopify(env, dir, receiver.url);
      const reader = await openReader(env);
      try {
        return await body({ env, dir, receiver, channel, reader });
      } finally {
        await reader.close();
      }
    } catch (error) {
      if (error instanceof PipelineError) error.message = `${db} ${part}: ${error.message}`;
      throw error;
    } finally {
      await receiver.close();
    }
  });
}

/** The database must hold exactly the orders sent, each with its POs sent (checked once the hub has stopped); the receiver must have them all. */
async function verifyPart(db: DbName, label: string, p: Part, n: number): Promise<void> {
  const counts =
    db === 'sqlite'
      ? sqliteCounts(p.env.databaseUrl.slice('sqlite:'.length), DELIVERED_ORDERS)
      : await postgresCounts(p.env.databaseUrl, DELIVERED_ORDERS);
  checkCounts(label, DELIVERED_ORDERS, n, 0, counts);
  if (counts.rows !== n)
    throw new PipelineError(`${label}: ${n} orders sent but ${counts.rows} in the database`);
  if (p.receiver.received !== n)
    throw new PipelineError(
      `${label}: ${n} orders but the supplier endpoint received ${p.receiver.received} POs`,
    );
  if (p.receiver.rejected)
    console.warn(`${label}: WARNING ${p.receiver.rejected} POs without a token of this run`);
}

interface BurstOutcome {
  orders: number;
  ordersPerS: number;
  intakePerS: number;
  p50Ms: number;
  p99Ms: number;
  maxDue: number;
  cpuMsPerOrder: number;
  /** The bench process's own CPU (load generator and supplier endpoint) per order. */
  benchCpuMsPerOrder: number;
  duplicates: number;
  retries: number;
}

/** N orders as fast as the hub takes them, until the last PO is at the supplier; `workers` 0: one hub process. */
async function burst(
  fresh: FreshDatabase,
  db: DbName,
  part: string,
  n: number,
  workers: number,
): Promise<BurstOutcome> {
  return withPart(fresh, db, part, n, async (p) => {
    const orders = new OrderSource(p.channel.secret, n);
    const hub = await startHub(p.env, { worker: workers === 0 });
    const started: RunningWorker[] = [];
    try {
      for (let w = 0; w < workers; w += 1)
        started.push(await startWorker(p.env, join(p.dir, `worker-${part}-${w}.log`)));
      const pids = [hub.pid, ...started.map((w) => w.pid)];
      const watched: Watched[] = [
        { name: 'the hub', exited: hub.exited },
        ...started.map((w, i) => ({ name: `worker ${i}`, exited: w.exited })),
      ];
      const poller = new MetricsPoller(hub);
      const sender = new WebhookSender(hub.url, p.channel, orders, BURST_CONNECTIONS);
      console.log(
        `${db} ${part}: ${n} orders, ${BURST_CONNECTIONS} connections, closed loop, ${pids.length} Waybill processes`,
      );
      const cpu0 = pids.map(cpuOf);
      const bench0 = process.cpuUsage();
      const t0 = performance.now();
      try {
        await watching(watched, () => sender.closedLoop(BURST_CONNECTIONS));
        await waitUntil(
          `${part}: POs at the supplier`,
          n,
          () => p.receiver.received,
          () => p.reader.jobStates(),
          watched,
        );
      } finally {
        sender.close();
        await poller.stop();
      }
      const cpu = pids.map(cpuOf).reduce((sum, c, i) => sum + c - cpu0[i]!, 0);
      const bench = process.cpuUsage(bench0);
      const all = latencies(sender, p.receiver, 0, n);
      console.log(`${db} ${part}: jobs ${await p.reader.jobStates()}`);
      await Promise.all(started.map((w) => w.stop()));
      started.length = 0;
      await hub.stop();
      await verifyPart(db, `${db} ${part}`, p, n);
      return {
        orders: n,
        ordersPerS: n / ((p.receiver.lastAt - t0) / 1000),
        intakePerS: n / ((sender.lastOkAt - t0) / 1000),
        p50Ms: percentile(all, 50),
        p99Ms: percentile(all, 99),
        maxDue: poller.maxDue,
        cpuMsPerOrder: (cpu * 1000) / n,
        benchCpuMsPerOrder: (bench.user + bench.system) / 1000 / n,
        duplicates: p.receiver.duplicates,
        retries: sender.retries,
      };
    } finally {
      await Promise.allSettled(started.map((w) => w.stop()));
      await hub.stop().catch(() => {});
    }
  });
}

/**
 * CPU seconds a `waybill worker` process takes to start and settle with nothing to do (node, the CLI, the
 * migrations check, the first idle polls): what a phase's worker spends before its first job, subtracted from it.
 */
async function idleWorkerCpu(p: Part, kinds: readonly string[]): Promise<number> {
  const worker = await startWorker(p.env, join(p.dir, `worker-idle-${kinds.join('+')}.log`), kinds);
  try {
    // Settled: less than 20 ms of CPU over the last half second (idle polls cost a little, startup much more).
    await delay(1_000);
    let before = cpuOf(worker.pid);
    for (let i = 0; i < 20; i += 1) {
      await delay(500);
      const now = cpuOf(worker.pid);
      if (now - before < 0.02) return now;
      before = now;
    }
    return before;
  } finally {
    await worker.stop();
  }
}

interface StageOutcome {
  intakeMs: number;
  processingMs: number;
  sendMs: number;
  idleStartupMs: { processing: number; send: number };
  duplicates: number;
}

async function stages(fresh: FreshDatabase, db: DbName, n: number): Promise<StageOutcome> {
  return withPart(fresh, db, 'stages', n, async (p) => {
    const orders = new OrderSource(p.channel.secret, n);
    // Measured on this database before any order exists: the jobs are due before the phase workers start.
    const idleProcessing = await idleWorkerCpu(p, ['channel.delivery']);
    const idleSend = await idleWorkerCpu(p, ['po.send']);

    console.log(`${db} stages: (a) intake, ${n} orders to \`waybill start --no-worker\``);
    const hub = await startHub(p.env, { worker: false });
    let intakeS: number;
    try {
      const sender = new WebhookSender(hub.url, p.channel, orders, BURST_CONNECTIONS);
      const cpu0 = cpuOf(hub.pid);
      await watching([{ name: 'the hub', exited: hub.exited }], () =>
        sender.closedLoop(BURST_CONNECTIONS),
      ).finally(() => sender.close());
      intakeS = cpuOf(hub.pid) - cpu0;
    } finally {
      await hub.stop();
    }

    const phase = async (
      kinds: readonly string[],
      what: string,
      progress: () => number | Promise<number>,
    ) => {
      const worker = await startWorker(p.env, join(p.dir, `worker-stage-${kinds.join('+')}.log`), kinds);
      try {
        await waitUntil(`stages: ${what}`, n, progress, () => p.reader.jobStates(), [
          { name: 'the worker', exited: worker.exited },
        ]);
        return cpuOf(worker.pid);
      } finally {
        await worker.stop();
      }
    };
    console.log(`${db} stages: (b) processing, a \`waybill worker\` for channel.delivery only`);
    const processingS = await phase(
      ['channel.delivery'],
      'webhooks processed',
      async () =>
        n -
        (await p.reader.count(
          "select count(*) as n from jobs where kind = 'channel.delivery' and state in ('pending', 'running')",
        )),
    );
    console.log(`${db} stages: (c) PO send, a \`waybill worker\` for po.send only`);
    const sendS = await phase(['po.send'], 'POs at the supplier', () => p.receiver.received);
    await verifyPart(db, `${db} stages`, p, n);
    return {
      intakeMs: (intakeS * 1000) / n,
      processingMs: (Math.max(0, processingS - idleProcessing) * 1000) / n,
      sendMs: (Math.max(0, sendS - idleSend) * 1000) / n,
      idleStartupMs: { processing: idleProcessing * 1000, send: idleSend * 1000 },
      duplicates: p.receiver.duplicates,
    };
  });
}

interface SteadyOutcome {
  orders: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  maxDue: number;
  maxLoopLagMs: number;
  ratePerS: number;
  maxSendLagMs: number;
  /** Webhook sent → answered 200 (the intake's share) and answered → PO received (the worker's share). */
  intake: { p50Ms: number; p99Ms: number };
  afterAnswer: { p50Ms: number; p99Ms: number };
  duplicates: number;
}

/** One hub process at a steady open-loop 500 orders/s; the latency of the orders after the warm-up. */
async function steady(fresh: FreshDatabase, db: DbName): Promise<SteadyOutcome> {
  const warm = Math.round(STEADY_WARMUP_S * STEADY_RATE);
  const measured = STEADY_S * STEADY_RATE;
  const n = warm + measured;
  return withPart(fresh, db, 'steady', n, async (p) => {
    const orders = new OrderSource(p.channel.secret, n);
    const hub = await startHub(p.env, { worker: true });
    try {
      const poller = new MetricsPoller(hub);
      // Far more sockets than ever needed at 500/s: a slow answer must not hold back the next send.
      const sender = new WebhookSender(hub.url, p.channel, orders, 1_000);
      console.log(
        `${db} steady: ${STEADY_RATE} orders/s open loop, ${STEADY_WARMUP_S} s warm-up then ${STEADY_S} s measured`,
      );
      const watched: Watched[] = [{ name: 'the hub', exited: hub.exited }];
      const sending = watching(watched, () => sender.openLoop(STEADY_RATE));
      // Awaited below; until then a failure must not count as unhandled.
      sending.catch(() => {});
      // The due-jobs maximum of the measured window only: wait for the first measured send.
      await waitUntil(
        'steady: warm-up sent',
        1,
        () => (sender.sentAt[warm] ? 1 : 0),
        async () => '',
        watched,
      );
      poller.resetMax();
      try {
        await sending;
        await waitUntil(
          'steady: POs at the supplier',
          n,
          () => p.receiver.received,
          () => p.reader.jobStates(),
          watched,
        );
      } finally {
        sender.close();
        await poller.stop();
      }
      const lat = latencies(sender, p.receiver, warm, n);
      const intake = spans(sender.sentAt, sender.answeredAt, warm, n);
      const afterAnswer = spans(sender.answeredAt, p.receiver.arrivedAt, warm, n);
      await hub.stop();
      await verifyPart(db, `${db} steady`, p, n);
      return {
        orders: measured,
        p50Ms: percentile(lat, 50),
        p99Ms: percentile(lat, 99),
        maxMs: lat[lat.length - 1] ?? Number.NaN,
        maxDue: poller.maxDue,
        maxLoopLagMs: poller.maxLoopLagMs,
        ratePerS: (measured - 1) / ((sender.sentAt[n - 1]! - sender.sentAt[warm]!) / 1000),
        maxSendLagMs: sender.maxLagMs,
        intake: { p50Ms: percentile(intake, 50), p99Ms: percentile(intake, 99) },
        afterAnswer: { p50Ms: percentile(afterAnswer, 50), p99Ms: percentile(afterAnswer, 99) },
        duplicates: p.receiver.duplicates,
      };
    } finally {
      await hub.stop().catch(() => {});
    }
  });
}

interface SoakPoint {
  orders: number;
  claimMs: number | null;
  jobsRows: number;
  jobsBytes: number;
  ordersPerS: number;
}

interface SoakOutcome {
  first: SoakPoint;
  end: SoakPoint;
  method: string;
  duplicates: number;
  /** Once every PO arrived: the jobs table and the whole run's rate. */
  finalRows: number;
  finalBytes: number;
  finalPerS: number;
}

/** One hub process, `n` orders at full speed, the bodies made on the fly; stops once every PO is delivered. */
async function soak(fresh: FreshDatabase, db: DbName, n: number): Promise<SoakOutcome> {
  return withPart(fresh, db, 'soak', n, async (p) => {
    const orders = new OrderSource(p.channel.secret, n, true);
    const hub = await startHub(p.env, { worker: true });
    try {
      const poller = new MetricsPoller(hub);
      const sender = new WebhookSender(hub.url, p.channel, orders, BURST_CONNECTIONS);
      console.log(
        `${db} soak: ${n} orders, ${BURST_CONNECTIONS} connections, closed loop, at most ${SOAK_WINDOW} orders waiting for their PO, one hub process`,
      );
      let method = '';
      const t0 = performance.now();
      const point = async (): Promise<SoakPoint> => {
        const received = p.receiver.received;
        const size = await p.reader.jobsSize();
        method = size.method;
        return {
          orders: received,
          claimMs: poller.claimMs().ms,
          jobsRows: size.rows,
          jobsBytes: size.bytes,
          ordersPerS: received / ((performance.now() - t0) / 1000),
        };
      };
      const watched: Watched[] = [{ name: 'the hub', exited: hub.exited }];
      const sending = watching(watched, () =>
        sender.closedLoop(BURST_CONNECTIONS, { receiver: p.receiver, size: SOAK_WINDOW }),
      );
      // A sender that gave up fails the part at the next poll, not after a minute without progress.
      let sendError: unknown = null;
      sending.catch((error: unknown) => (sendError = error));
      let first: SoakPoint;
      let end: SoakPoint;
      let [finalRows, finalBytes, finalPerS] = [0, 0, 0];
      let lastLog = performance.now();
      try {
        await waitUntil(
          'soak: first POs',
          Math.min(n, SOAK_FIRST_POINT),
          () => p.receiver.received,
          () => p.reader.jobStates(),
          watched,
        );
        first = await point();
        console.log(
          `${db} soak: at ${first.orders} orders claim ${round(first.claimMs ?? Number.NaN, 3)} ms, jobs ${first.jobsRows} rows`,
        );
        // The end point is taken when the last webhooks go out (all but a window's worth delivered), while webhooks and
        // POs still flow as they did at the first point; the drain after the last webhook has the worker to itself.
        const progress = () => {
          if (sendError) throw sendError;
          if (performance.now() - lastLog > 30_000) {
            lastLog = performance.now();
            console.log(
              `${db} soak: ${p.receiver.received} of ${n} POs delivered, ${sender.ok} webhooks taken`,
            );
          }
          return p.receiver.received;
        };
        const endAt = Math.max(first.orders, n - SOAK_WINDOW);
        await waitUntil('soak: POs at the supplier', endAt, progress, () => p.reader.jobStates(), watched);
        end = await point();
        await waitUntil('soak: POs at the supplier', n, progress, () => p.reader.jobStates(), watched);
        await sending;
        const final = await p.reader.jobsSize();
        finalRows = final.rows;
        finalBytes = final.bytes;
        finalPerS = n / ((p.receiver.lastAt - t0) / 1000);
      } finally {
        sender.close();
        await poller.stop();
      }
      await hub.stop();
      await verifyPart(db, `${db} soak`, p, n);
      return { first, end, method, duplicates: p.receiver.duplicates, finalRows, finalBytes, finalPerS };
    } finally {
      await hub.stop().catch(() => {});
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Results

const ms = (value: number) => round(value, 2);

export async function runPipeline(
  db: DbName,
  fresh: FreshDatabase,
  baseline: number,
  config: PipelineConfig,
): Promise<PipelineOutcome> {
  const out: PipelineOutcome = { results: [], failures: [], summaries: [] };
  const n = config.orders;
  const target = PIPELINE_TARGET_PER_S[db];
  const attempt = async (name: string, unit: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`${db}: FAILED ${message}`);
      out.failures.push(message);
      out.results.push(failed(name, unit, message));
    }
  };

  let one: BurstOutcome | null = null;
  if (config.parts.has('burst'))
    await attempt(`${db}.pipeline.orders_per_s`, 'orders/s', async () => {
      const b = await burst(fresh, db, 'burst', n, 0);
      one = b;
      out.results.push(
        result(`${db}.pipeline.orders_per_s`, b.ordersPerS, 'orders/s', baseline, {
          target_per_s: target,
          met: b.ordersPerS >= target ? 'yes' : 'no',
          orders: b.orders,
          intake_per_s: round(b.intakePerS),
          p50_ms: ms(b.p50Ms),
          p99_ms: ms(b.p99Ms),
          max_jobs_due: b.maxDue,
          duplicates: b.duplicates,
          retries: b.retries,
          bench_cpu_ms_per_order: ms(b.benchCpuMsPerOrder),
          note: 'one `waybill start` process; first webhook sent to last PO received',
        }),
      );
      out.summaries.push(
        `${db} burst (1 process): ${round(b.ordersPerS, 0)} orders/s end to end (target ${target}); the webhooks were ` +
          `taken at ${round(b.intakePerS, 0)}/s, then the worker drained the queue (max ${b.maxDue} jobs due); ` +
          `webhook→PO p50 ${ms(b.p50Ms)} ms, p99 ${ms(b.p99Ms)} ms (queueing behind the burst); ` +
          `hub CPU ${ms(b.cpuMsPerOrder)} ms/order; load generator + supplier endpoint ${ms(b.benchCpuMsPerOrder)} ms/order`,
      );
    });

  if (config.parts.has('stages') || one)
    await attempt(`${db}.pipeline.cpu_ms_per_order`, 'ms/order', async () => {
      const s = config.parts.has('stages') ? await stages(fresh, db, n) : null;
      const burstCpu = (one as BurstOutcome | null)?.cpuMsPerOrder;
      // The number is the one-process burst's (all of Waybill's CPU / N); without it, the sum of the stages.
      const value = burstCpu ?? (s ? s.intakeMs + s.processingMs + s.sendMs : Number.NaN);
      out.results.push(
        result(`${db}.pipeline.cpu_ms_per_order`, value, 'ms/order', baseline, {
          target_ms: CPU_TARGET_MS,
          met: value <= CPU_TARGET_MS ? 'yes' : 'no',
          measured_by: burstCpu !== undefined ? 'one-process burst, hub CPU / orders' : 'sum of the stages',
          intake_ms: s ? ms(s.intakeMs) : null,
          processing_ms: s ? ms(s.processingMs) : null,
          send_ms: s ? ms(s.sendMs) : null,
          stages_total_ms: s ? ms(s.intakeMs + s.processingMs + s.sendMs) : null,
          idle_worker_startup_ms: s
            ? `${round(s.idleStartupMs.processing, 0)}/${round(s.idleStartupMs.send, 0)}`
            : null,
          stages_duplicates: s ? s.duplicates : null,
          note: s
            ? "stages by phases on another fresh database: hub --no-worker (intake), then a worker for channel.delivery only, then one for po.send only; each worker's idle startup CPU (measured on the same database before the orders) subtracted"
            : null,
        }),
      );
      if (s)
        out.summaries.push(
          `${db} CPU per order by stage: intake ${ms(s.intakeMs)} ms + processing ${ms(s.processingMs)} ms + PO send ` +
            `${ms(s.sendMs)} ms = ${ms(s.intakeMs + s.processingMs + s.sendMs)} ms (target ${CPU_TARGET_MS} ms for all ` +
            `of it; a worker's idle startup, ${round(s.idleStartupMs.processing, 0)} and ${round(s.idleStartupMs.send, 0)} ms, subtracted)`,
        );
    });

  if (config.parts.has('steady'))
    await attempt(`${db}.pipeline.p99_ms_at_500`, 'ms', async () => {
      const s = await steady(fresh, db);
      out.results.push(
        result(`${db}.pipeline.p99_ms_at_500`, s.p99Ms, 'ms', baseline, {
          target_ms: P99_TARGET_MS,
          met: s.p99Ms <= P99_TARGET_MS ? 'yes' : 'no',
          p50_ms: ms(s.p50Ms),
          max_ms: ms(s.maxMs),
          orders: s.orders,
          rate_per_s: round(s.ratePerS, 1),
          max_send_lag_ms: ms(s.maxSendLagMs),
          intake_p50_ms: ms(s.intake.p50Ms),
          intake_p99_ms: ms(s.intake.p99Ms),
          answered_to_po_p50_ms: ms(s.afterAnswer.p50Ms),
          answered_to_po_p99_ms: ms(s.afterAnswer.p99Ms),
          max_jobs_due: s.maxDue,
          max_event_loop_lag_ms: ms(s.maxLoopLagMs),
          duplicates: s.duplicates,
          note: `open loop ${STEADY_RATE}/s, ${STEADY_WARMUP_S} s warm-up not counted; webhook sent → PO received`,
        }),
      );
      out.summaries.push(
        `${db} steady ${round(s.ratePerS, 0)} orders/s: webhook→PO p50 ${ms(s.p50Ms)} ms, p99 ${ms(s.p99Ms)} ms, ` +
          `max ${ms(s.maxMs)} ms (target p99 ≤ ${P99_TARGET_MS} ms); of it webhook→200 p50 ${ms(s.intake.p50Ms)} ms, ` +
          `p99 ${ms(s.intake.p99Ms)} ms, then 200→PO p50 ${ms(s.afterAnswer.p50Ms)} ms, p99 ${ms(s.afterAnswer.p99Ms)} ms; ` +
          `max ${s.maxDue} jobs due, the hub's event loop held up to ${ms(s.maxLoopLagMs)} ms at once` +
          (s.maxDue > STEADY_RATE ? ' (the queue grew: the hub does not keep up at this rate)' : ''),
      );
    });

  for (const [part, workers, name] of [
    ['split1', 1, 'split_1_worker'],
    ['split2', 2, 'split_2_workers'],
  ] as const) {
    if (!config.parts.has(part)) continue;
    await attempt(`${db}.pipeline.${name}.orders_per_s`, 'orders/s', async () => {
      const b = await burst(fresh, db, part, n, workers);
      out.results.push(
        result(`${db}.pipeline.${name}.orders_per_s`, b.ordersPerS, 'orders/s', baseline, {
          orders: b.orders,
          intake_per_s: round(b.intakePerS),
          cpu_ms_per_order: ms(b.cpuMsPerOrder),
          p99_ms: ms(b.p99Ms),
          max_jobs_due: b.maxDue,
          duplicates: b.duplicates,
          retries: b.retries,
          note: `waybill start --no-worker + ${workers} waybill worker; CPU of all of them`,
        }),
      );
      out.summaries.push(
        `${db} burst (hub + ${workers} worker${workers > 1 ? 's' : ''}): ${round(b.ordersPerS, 0)} orders/s end to end, ` +
          `intake ${round(b.intakePerS, 0)}/s, max ${b.maxDue} jobs due, ${ms(b.cpuMsPerOrder)} ms CPU/order over all processes`,
      );
    });
  }
  return out;
}

export async function runSoak(
  db: DbName,
  fresh: FreshDatabase,
  baseline: number,
  orders: number,
): Promise<PipelineOutcome> {
  const out: PipelineOutcome = { results: [], failures: [], summaries: [] };
  try {
    const s = await soak(fresh, db, orders);
    const line = (name: string, point: SoakPoint) =>
      point.claimMs === null
        ? failed(`${db}.soak.${name}`, 'ms', 'no claims in the window')
        : result(`${db}.soak.${name}`, point.claimMs, 'ms', baseline, {
            orders: point.orders,
            jobs_rows: point.jobsRows,
            jobs_bytes: point.jobsBytes,
            orders_per_s: round(point.ordersPerS),
            duplicates: s.duplicates,
            ...(name === 'claim_ms_at_end'
              ? {
                  total_orders: orders,
                  final_jobs_rows: s.finalRows,
                  final_jobs_bytes: s.finalBytes,
                  total_orders_per_s: round(s.finalPerS),
                }
              : {}),
            note: `mean claim over the ${CLAIM_WINDOW_MS / 1000} s before${name === 'claim_ms_at_end' ? ` ${orders - SOAK_WINDOW} orders delivered (the last webhooks sent; the drain after is left out)` : ''}; at most ${SOAK_WINDOW} orders awaiting their PO; jobs size: ${s.method}`,
          });
    out.results.push(line('claim_ms_at_1k', s.first), line('claim_ms_at_end', s.end));
    out.summaries.push(
      `${db} soak: ${orders} orders at ${round(s.finalPerS, 0)}/s (jobs then ${s.finalRows} rows, ${round(s.finalBytes / 1024 / 1024, 1)} MiB); claim ${round(s.first.claimMs ?? Number.NaN, 3)} ms ` +
        `at ${s.first.orders} orders (jobs ${s.first.jobsRows} rows, ${round(s.first.jobsBytes / 1024, 0)} KiB), ` +
        `${round(s.end.claimMs ?? Number.NaN, 3)} ms at ${s.end.orders} orders, as the last webhooks went out (jobs ${s.end.jobsRows} rows, ${round(s.end.jobsBytes / 1024 / 1024, 1)} MiB)`,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${db}: FAILED ${message}`);
    out.failures.push(message);
    out.results.push(failed(`${db}.soak.claim_ms_at_end`, 'ms', message));
  }
  return out;
}
