/**
 * The six-channel stock fan-out: one channel of each kind Waybill has a simulated store for (bench/fanout6-stations.ts),
 * each against its simulator in this process, the simulators enforcing the platforms' limits. N SKUs are seeded in
 * Waybill (bench/bulk-catalog.ts) and, at 0, in every store; the hub runs as `waybill start` runs it (its own
 * process, with its worker) until every store holds Waybill's level of every SKU (the initial sync); then the stock
 * of every SKU changes in one transaction, and the figure is the time from its commit until each store has applied
 * every new level (onStock), per channel and for the last one.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';
import { salesChannels } from '../src/connectors/channels/registry.ts';
import { fanoutIndexOf, fanoutSku, fanoutStock, type FanoutDb } from './bulk-catalog.ts';
import { STATIONS, type Floor, type Station } from './fanout6-stations.ts';
import {
  startHub,
  startWorker,
  waybill,
  type HubEnv,
  type RunningHub,
  type RunningWorker,
} from './hub-process.ts';
import { busyCores, cpuSnapshot, processCpuSeconds, type CpuSnapshot } from './machine.ts';
import { hubCpuSeconds } from './metrics.ts';
import { failed, result, round, type BenchResult } from './report.ts';

export const FANOUT6_TARGET_S = 2;
const SUPPLIER_ID = 'bulk';

export interface Fanout6Config {
  skus: number;
  /** How long the initial sync may take before the channels still syncing are given up. */
  syncTimeoutS: number;
  /** How long after the change's commit the bench waits for the last store. */
  measureTimeoutS: number;
  /** Only these kinds (to look at some closely); null: every kind with a simulated store. */
  kinds: readonly string[] | null;
  /**
   * `waybill worker` processes beside the hub that run the channels' stock syncs only (WAYBILL_WORKER_KINDS), each
   * channel's sync taken by whichever process is free: the syncs of six channels then use more than one core.
   */
  workers: number;
}

export interface ChannelOutcome {
  kind: string;
  channelId: string;
  plan: string;
  floor: Floor;
  /** From the commit until the store had every new level; null when it never did in time. */
  seconds: number | null;
  /** From the commit to the store's first new level. */
  firstMs: number | null;
  /** Levels the store applied during the change (more than the SKUs: some were set twice). */
  levels: number;
  /** SKUs at their new level when the bench stopped waiting. */
  matched: number;
  /** The store's calls during the change, by operation or route. */
  calls: Record<string, number>;
  /** Why it has no figure, when it has none. */
  error: string | null;
}

export interface Fanout6Outcome {
  skus: number;
  /** Worker processes beside the hub running the stock syncs. */
  workers: number;
  /** Kinds of the registry without a simulated store here: not measured. */
  unsimulated: string[];
  /** Kinds with a simulated store left out by BENCH_FANOUT6_KINDS. */
  leftOut: string[];
  seedS: number;
  initialSyncS: number;
  updateMs: number;
  /** The last channel's seconds among those whose limits allow the target; null when any of them had none. */
  seconds: number | null;
  /** How long the bench waited for the stores after the change. */
  waitS: number;
  channels: ChannelOutcome[];
  /** From the commit to the end of the wait: the hub, this process (the stores), the machine. */
  cores: { hub: number; stores: number; machine: number };
}

export async function runFanout6(
  env: HubEnv,
  dir: string,
  open: () => Promise<FanoutDb>,
  config: Fanout6Config,
  label: string,
): Promise<Fanout6Outcome> {
  const kinds = salesChannels.all().map((k) => k.kind);
  const measured = kinds.filter((kind) => STATIONS[kind] && (config.kinds?.includes(kind) ?? true));
  const unsimulated = kinds.filter((kind) => kind !== 'storefront' && !STATIONS[kind]);
  const left = kinds.filter((kind) => STATIONS[kind] && !measured.includes(kind));
  const stations: Station[] = [];
  let db: FanoutDb | null = null;
  try {
    for (const kind of measured) stations.push(await STATIONS[kind]!(`six-${kind}`));
    const watches = stations.map((s) => new StockWatch(s));
    await waybill(env, ['migrate']);
    const setupFile = join(dir, 'fanout6-setup.yaml');
    writeFileSync(setupFile, setupYaml(stations));
    await waybill(env, ['apply', setupFile]);
    db = await open();
    let started = performance.now();
    await db.seed(config.skus, SUPPLIER_ID, Date.now());
    const skus = Array.from({ length: config.skus }, (_, i) => fanoutSku(i));
    for (const station of stations) station.store.seedCatalog(skus, 0);
    const seedS = (performance.now() - started) / 1000;
    console.log(
      `${label} fanout6: ${config.skus} SKUs seeded in Waybill and in ${stations.map((s) => s.kind).join(', ')} ` +
        `(${seedS.toFixed(1)} s)${unsimulated.length ? `; no simulated store for ${unsimulated.join(', ')}` : ''}; starting the hub`,
    );
    for (const watch of watches) watch.countAll(config.skus);
    started = performance.now();
    const hub = await startHub(env, { worker: true });
    const workers: RunningWorker[] = [];
    try {
      for (let i = 0; i < config.workers; i++)
        workers.push(await startWorker(env, join(dir, `fanout6-worker-${i}.log`), ['channel.stock-sync']));
      const stuck = await initialSync(db, watches, config, label);
      const initialSyncS = (performance.now() - started) / 1000;
      console.log(
        `${label} fanout6: initial sync done in ${initialSyncS.toFixed(1)} s` +
          (stuck.size ? ` (given up: ${[...stuck.keys()].join(', ')})` : '') +
          '; changing every SKU',
      );
      await db.settle();
      const expected = Int32Array.from({ length: config.skus }, (_, i) => fanoutStock(i) - 1);
      for (const watch of watches) watch.expect(expected);
      const change = await changeAll(
        [hub, ...workers],
        db,
        watches.filter((w) => !stuck.has(channelIdOf(w))),
        config,
        label,
      );
      const channels = watches.map((w) => w.outcome(change.committedAt, stuck.get(channelIdOf(w))));
      // The target holds where the platforms' limits allow it: a channel whose limits alone need longer (Amazon's
      // feed quota after an initial sync of many SKUs) is reported against its floor, not in the headline.
      const allowed = channels.filter((c) => !platformBound(c));
      const done = allowed.every((c) => c.seconds !== null);
      return {
        skus: config.skus,
        workers: config.workers,
        unsimulated,
        leftOut: left,
        seedS,
        initialSyncS,
        updateMs: change.updateMs,
        seconds: done ? Math.max(0, ...allowed.map((c) => c.seconds ?? 0)) : null,
        waitS: config.measureTimeoutS,
        channels,
        cores: change.cores,
      };
    } finally {
      for (const worker of workers) await worker.stop();
      await hub.stop();
    }
  } finally {
    await db?.close();
    await Promise.all(stations.map((s) => s.close()));
  }
}

function setupYaml(stations: readonly Station[]): string {
  return stringify({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Bench Retailer' },
    channels: stations.map((s) => s.channel),
    suppliers: [
      {
        id: SUPPLIER_ID,
        name: 'Bulk supplier',
        currency: 'USD',
        transport: {
          kind: 'rest-json',
          url: 'http://127.0.0.1:9/po',
          signingSecret: randomBytes(16).toString('hex'),
        },
      },
    ],
  });
}

/**
 * What one store applied since the last reset: every level it heard (onStock), the SKUs at the value expected, and
 * when the set was complete. A SKU is known by its index in the catalogue (fanoutSku), so that a level costs two
 * array reads rather than hashing its name: a store applies hundreds of thousands in a change.
 */
class StockWatch {
  levels = 0;
  firstAt: number | null = null;
  completeAt: number | null = null;
  /** By SKU index: 1 while the store holds the value expected. */
  #held = new Uint8Array(0);
  #matched = 0;
  #target = 0;
  /** By SKU index, the level expected; null: any value counts (the initial sync). */
  #expected: Int32Array | null = null;
  #callsBefore = new Map<string, number>();
  /** The floor of the platform's limits when the expected change was about to be made. */
  #floor: Floor | null = null;

  constructor(readonly station: Station) {
    station.store.onStock((sku, available) => this.#heard(sku, available));
  }

  /** The platform's limits alone put the expected change over the target (known once expected). */
  get platformBound(): boolean {
    return (this.#floor?.seconds ?? 0) > FANOUT6_TARGET_S;
  }

  get matched(): number {
    return this.#matched;
  }

  countAll(target: number): void {
    this.#reset(null, target);
  }

  expect(expected: Int32Array): void {
    this.#reset(expected, expected.length);
    this.#floor = this.station.floor(expected.length);
  }

  outcome(committedAt: number, stuck: string | undefined): ChannelOutcome {
    const { kind, channel, plan } = this.station;
    const calls: Record<string, number> = {};
    for (const [name, n] of this.station.calls()) {
      const during = n - (this.#callsBefore.get(name) ?? 0);
      if (during > 0) calls[name] = during;
    }
    const seconds = this.completeAt === null ? null : (this.completeAt - committedAt) / 1000;
    return {
      kind,
      channelId: String(channel.id),
      plan,
      floor: this.#floor ?? this.station.floor(this.#target),
      seconds,
      firstMs: this.firstAt === null ? null : this.firstAt - committedAt,
      levels: this.levels,
      matched: this.matched,
      calls,
      error:
        seconds !== null
          ? null
          : stuck
            ? `its initial sync never completed: ${stuck}`
            : `${this.matched} of ${this.#target} SKUs at their new level when the bench stopped waiting`,
    };
  }

  #reset(expected: Int32Array | null, target: number): void {
    this.#expected = expected;
    this.#target = target;
    this.#held = new Uint8Array(target);
    this.#matched = 0;
    this.levels = 0;
    this.firstAt = null;
    this.completeAt = null;
    this.#callsBefore = this.station.calls();
  }

  #heard(sku: string, available: number): void {
    this.levels += 1;
    this.firstAt ??= performance.now();
    const index = fanoutIndexOf(sku);
    // A SKU outside the catalogue is no part of the set.
    if (index < 0 || index >= this.#target) return;
    const right = this.#expected === null || this.#expected[index] === available;
    if (right && this.#held[index] === 0) {
      this.#held[index] = 1;
      this.#matched += 1;
      if (this.#matched === this.#target) this.completeAt ??= performance.now();
    } else if (!right && this.#held[index] === 1) {
      this.#held[index] = 0;
      this.#matched -= 1;
    }
  }
}

/**
 * Until the hub has recorded every SKU as told on every channel and every store holds them all. A channel whose sync
 * job is dead, or is not done in time, is given up (with the hub's last error) and the others go on. A failed run is
 * not enough: a run cut off by the job's timeout leaves what it pushed at the store, and the next one goes on from it.
 */
async function initialSync(
  db: FanoutDb,
  watches: readonly StockWatch[],
  config: Fanout6Config,
  label: string,
): Promise<Map<string, string>> {
  const deadline = performance.now() + config.syncTimeoutS * 1000;
  const stuck = new Map<string, string>();
  let reported = performance.now();
  for (;;) {
    const told = await db.toldCounts();
    const progress = (w: StockWatch) =>
      `${told.get(channelIdOf(w)) ?? 0} SKUs recorded as told, ${w.matched} held by the store`;
    const syncing = watches.filter(
      (w) =>
        !stuck.has(channelIdOf(w)) && (told.get(channelIdOf(w)) !== config.skus || w.completeAt === null),
    );
    if (syncing.length === 0) return stuck;
    const errors = new Map((await db.syncErrors()).map((e) => [e.channelId, e]));
    const lastError = (w: StockWatch) => {
      const e = errors.get(channelIdOf(w));
      return e ? `; its last run failed (${e.attempts} attempts, ${e.state}): ${e.lastError}` : '';
    };
    for (const w of syncing)
      if (errors.get(channelIdOf(w))?.state === 'dead')
        stuck.set(channelIdOf(w), `the stock sync gave up (${progress(w)}${lastError(w)})`);
    if (performance.now() > deadline) {
      for (const w of syncing)
        if (!stuck.has(channelIdOf(w)))
          stuck.set(
            channelIdOf(w),
            `not done within ${config.syncTimeoutS} s (${progress(w)}${lastError(w)})`,
          );
      return stuck;
    }
    if (performance.now() - reported > 10_000) {
      reported = performance.now();
      console.log(
        `${label} fanout6: initial sync: ${syncing.map((w) => `${w.station.kind} ${progress(w)}${lastError(w)}`).join('; ')}`,
      );
    }
    await delay(100);
  }
}

function channelIdOf(watch: StockWatch): string {
  return String(watch.station.channel.id);
}

interface CpuMark {
  at: number;
  hub: number;
  own: NodeJS.CpuUsage;
  machine: CpuSnapshot;
}

/** The CPU of the hub's processes (the hub and its workers), of this process, and of the machine. */
async function cpuMark(hub: RunningHub, workers: readonly RunningWorker[]): Promise<CpuMark> {
  let hubCpu = processCpuSeconds(hub.pid) ?? hubCpuSeconds(await hub.metrics());
  for (const worker of workers) hubCpu += processCpuSeconds(worker.pid) ?? 0;
  return { at: performance.now(), hub: hubCpu, own: process.cpuUsage(), machine: cpuSnapshot() };
}

/** Every SKU one unit down in one transaction; then until every store has every new level, or the wait ends. */
async function changeAll(
  [hub, ...workers]: [RunningHub, ...RunningWorker[]],
  db: FanoutDb,
  /** The stores whose initial sync completed: the others are not waited for. */
  watches: readonly StockWatch[],
  config: Fanout6Config,
  label: string,
): Promise<{ committedAt: number; updateMs: number; cores: Fanout6Outcome['cores'] }> {
  const begun = performance.now();
  const changed = await db.changeAll(Date.now());
  const committedAt = performance.now();
  // The clock of V8's --cpu-prof timestamps (µs): a profile of the hub can be cut to the change.
  const monotonicFrom = process.hrtime.bigint() / 1000n;
  const from = await cpuMark(hub, workers);
  if (changed !== config.skus)
    throw new Error(`${label} fanout6: the UPDATE changed ${changed} rows, not ${config.skus}`);
  console.log(
    `${label} fanout6: ${changed} SKUs changed in one transaction (${Math.round(committedAt - begun)} ms); waiting for every store`,
  );
  const deadline = committedAt + config.measureTimeoutS * 1000;
  // The cores are those of the change as the headline measures it: until the channels whose limits allow the
  // target are done; a platform-bound channel (Amazon's feed quota) is waited for after, up to the same deadline.
  const allowed = watches.filter((w) => !w.platformBound);
  while (allowed.some((w) => w.completeAt === null) && performance.now() < deadline) await delay(10);
  const to = await cpuMark(hub, workers);
  while (watches.some((w) => w.completeAt === null) && performance.now() < deadline) await delay(10);
  // Either process's profile: the hub's (BENCH_HUB_NODE_ARGS), or this one's, the stores' (node --cpu-prof).
  if (process.env.BENCH_HUB_NODE_ARGS?.includes('--cpu-prof') || process.execArgv.includes('--cpu-prof'))
    console.log(
      `${label} fanout6: the change in the hub's profile: ${monotonicFrom}..${process.hrtime.bigint() / 1000n} µs`,
    );
  const seconds = Math.max(1e-3, (to.at - from.at) / 1000);
  const own = (to.own.user - from.own.user + to.own.system - from.own.system) / 1e6;
  return {
    committedAt,
    updateMs: committedAt - begun,
    cores: {
      hub: (to.hub - from.hub) / seconds,
      stores: own / seconds,
      machine: busyCores(from.machine, to.machine),
    },
  };
}

/** The lines of latest.json, the failures and the summary of one database's run. */
export function fanout6Report(
  db: string,
  o: Fanout6Outcome,
  baseline: number,
): { results: BenchResult[]; failures: string[]; summaries: string[] } {
  const failures: string[] = [];
  const last = o.channels.reduce<ChannelOutcome | null>(
    (slowest, c) =>
      c.seconds !== null && !platformBound(c) && (slowest === null || c.seconds > (slowest.seconds ?? 0))
        ? c
        : slowest,
    null,
  );
  const bound = o.channels.filter(platformBound);
  const common = { skus: o.skus, kinds: o.channels.map((c) => c.kind).join(','), sync_workers: o.workers };
  const cores = {
    hub_cores: round(o.cores.hub),
    stores_cores: round(o.cores.stores),
    others_cores: round(Math.max(0, o.cores.machine - o.cores.hub - o.cores.stores)),
  };
  // Incomplete is a failure unless the platform's limits alone needed longer than the bench waited.
  const incomplete = o.channels.filter((c) => c.seconds === null && c.floor.seconds < o.waitS);
  for (const c of incomplete) failures.push(`${db} fanout6 ${c.kind}: ${c.error}`);
  const headline =
    o.seconds === null
      ? failed(`${db}.fanout6.seconds`, 's', incomplete.map((c) => `${c.kind}: ${c.error}`).join('; '), {
          target_s: FANOUT6_TARGET_S,
          ...common,
        })
      : result(`${db}.fanout6.seconds`, o.seconds, 's', null, {
          target_s: FANOUT6_TARGET_S,
          met: o.seconds <= FANOUT6_TARGET_S ? 'yes' : 'no',
          last: last?.kind ?? null,
          ...common,
          ...(bound.length
            ? {
                limited_by_platform: bound
                  .map((c) => `${c.kind} (floor ${round(c.floor.seconds)} s)`)
                  .join(', '),
              }
            : {}),
        });
  const results: BenchResult[] = [
    {
      ...headline,
      update_ms: round(o.updateMs, 0),
      ...cores,
      commit_baseline_per_s: round(baseline, 0),
      ...(o.unsimulated.length ? { not_simulated: o.unsimulated.join(',') } : {}),
      ...(o.leftOut.length ? { left_out: o.leftOut.join(',') } : {}),
    },
    ...o.channels.map((c) => channelLine(db, c)),
    result(`${db}.fanout6.initial_sync`, o.initialSyncS, 's', null, {
      seed_s: round(o.seedS, 1),
      note: `${o.skus} SKUs seeded in Waybill's database and at 0 in every store, until every store held every level`,
    }),
  ];
  const summaries = [
    `${db}.fanout6: ${o.skus} SKUs changed in one transaction (${round(o.updateMs, 0)} ms), every store had every new level after ` +
      `${o.seconds === null ? 'never (see below)' : `${round(o.seconds)} s (the last: ${last?.kind})`}, target ${FANOUT6_TARGET_S} s where the limits allow; ` +
      `hub ${cores.hub_cores} cores${o.workers ? ` (with ${o.workers} stock-sync worker${o.workers > 1 ? 's' : ''})` : ''}, the stores (this process) ${cores.stores_cores}, others ${cores.others_cores}; ` +
      `baseline ${round(baseline, 0)} commits/s` +
      (o.unsimulated.length ? `; no simulated store yet for ${o.unsimulated.join(', ')}` : '') +
      (o.leftOut.length ? `; left out (BENCH_FANOUT6_KINDS): ${o.leftOut.join(', ')}` : ''),
    ...o.channels.map(
      (c) =>
        `  ${c.kind.padEnd(12)} ${c.seconds === null ? 'incomplete' : `${round(c.seconds)} s`}, first level ${c.firstMs === null ? '-' : `${round(c.firstMs, 0)} ms`}, ` +
        `${c.levels} levels applied; floor of its limits ${round(c.floor.seconds)} s (${c.floor.why}` +
        `${c.floor.unpublished ? `; ${c.floor.unpublished}` : ''}); ${c.plan}; ` +
        `calls: ${describeCalls(c.calls)}${c.error ? `; ${c.error}` : ''}`,
    ),
  ];
  return { results, failures, summaries };
}

/** Whether the platform's published limits alone put the channel's floor over the target. */
function platformBound(c: ChannelOutcome): boolean {
  return c.floor.seconds > FANOUT6_TARGET_S;
}

function channelLine(db: string, c: ChannelOutcome): BenchResult {
  const name = `${db}.fanout6.${c.kind}.seconds`;
  // A channel whose platform's limits alone need longer than the target is judged against its floor instead.
  const bound = platformBound(c);
  const extras = {
    target_s: FANOUT6_TARGET_S,
    floor_s: round(c.floor.seconds),
    floor: c.floor.why,
    plan: c.plan,
    first_ms: c.firstMs === null ? null : round(c.firstMs, 0),
    levels: c.levels,
    calls: describeCalls(c.calls),
  };
  if (c.seconds === null)
    return failed(name, 's', c.error ?? 'incomplete', {
      ...extras,
      ...(bound && { met: 'limited by the platform', matched: c.matched }),
    });
  const within = c.seconds <= FANOUT6_TARGET_S;
  return result(name, c.seconds, 's', null, {
    ...extras,
    ...(c.floor.unpublished && { unpublished: c.floor.unpublished }),
    met:
      within && c.floor.unpublished
        ? 'in the simulator only'
        : within
          ? 'yes'
          : bound
            ? 'limited by the platform'
            : 'no',
  });
}

function describeCalls(calls: Record<string, number>): string {
  const entries = Object.entries(calls).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([name, n]) => `${name} ×${n}`).join(', ') : 'none';
}
