/**
 * Stock fan-out: a change of stock on every one of 100,000 SKUs, in one transaction, turned into coalesced
 * `inventory.updated` batches to every storefront channel by the hub's recurring stock sync (one run per channel per
 * second, src/app/sync-channel-stock.ts; the change brings the runs forward in its transaction, as a supply change
 * in the hub does). The hub runs with its worker, as `waybill start` does. Measured from the commit of the change to
 * the moment the last channel has received the new level of every SKU.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';
import { fanoutIndex, fanoutStock, type FanoutDb, type SyncJobError } from './bulk-catalog.ts';
import { startHub, waybill, type HubEnv, type RunningHub } from './hub-process.ts';
import { busyCores, cpuSnapshot, processCpuSeconds, type CpuSnapshot } from './machine.ts';
import { hubCpuSeconds } from './metrics.ts';
import { LevelReceiver, type ChannelTally } from './receiver.ts';

export const FANOUT_TARGET_S = 1;
const SUPPLIER_ID = 'bulk';
/** The initial sync sends every SKU to every channel; generous, but a sync that keeps failing is given up sooner. */
const INITIAL_SYNC_TIMEOUT_S = 90;
/** Two failed runs in a row of a channel's sync: the same failure each second, not a hiccup. */
const FAILED_ATTEMPTS = 2;
const IDLE_S = 2;
const MEASURE_TIMEOUT_S = 30;

export interface FanoutConfig {
  skus: number;
  channels: number;
}

export interface FanoutOutcome extends FanoutConfig {
  seedS: number;
  initialSyncS: number;
  /** Hub CPU while nothing changes, after the initial sync (the sync still runs every second per channel). */
  idleHubCores: number;
  idleBatches: number;
  /** The UPDATE of every SKU, begin to commit. */
  updateMs: number;
  /** From the commit until every channel had every new level; null when that never happened in time. */
  seconds: number | null;
  /** From the commit to the first batch of the change on any channel. */
  firstBatchMs: number | null;
  perChannel: ChannelTally[];
  /** performance.now() of the commit, the origin of the tallies' times. */
  committedAt: number;
  /** Hub CPU from the commit until the first batch arrived (the change waits for the next sync run). */
  waitingHubCores: number;
  /** While batches flow, from the first batch to the last: the hub, the receiver (this process), the machine. */
  flowing: { hubCores: number; receiverCores: number; machineCores: number } | null;
  /** Why it did not complete, when it did not. */
  error: string | null;
}

/** The initial sync never completed: the hub's own error says why. */
export class FanoutSetupError extends Error {}

export async function runFanout(
  env: HubEnv,
  dir: string,
  /** Opens the migrated database (after `waybill migrate`). */
  open: () => Promise<FanoutDb>,
  config: FanoutConfig,
  label: string,
): Promise<FanoutOutcome> {
  const channelIds = Array.from({ length: config.channels }, (_, i) => `fan-${i + 1}`);
  const receiver = new LevelReceiver(channelIds);
  await receiver.start();
  let db: FanoutDb | null = null;
  try {
    await waybill(env, ['migrate']);
    const setupFile = join(dir, 'fanout-setup.yaml');
    writeFileSync(setupFile, setupYaml(channelIds, receiver));
    await waybill(env, ['apply', setupFile]);
    db = await open();
    let started = performance.now();
    await db.seed(config.skus, SUPPLIER_ID, Date.now());
    const seedS = (performance.now() - started) / 1000;
    console.log(
      `${label} fan-out: ${config.skus} products with tracked stock written into the migrated database in ${seedS.toFixed(1)} s; ` +
        `${config.channels} storefront channels; starting the hub with its worker`,
    );

    receiver.countAll(config.skus);
    started = performance.now();
    const hub = await startHub(env, { worker: true });
    try {
      await initialSync(db, receiver, channelIds, config.skus, label);
      const initialSyncS = (performance.now() - started) / 1000;
      console.log(
        `${label} fan-out: initial sync done in ${initialSyncS.toFixed(1)} s; ${IDLE_S} s idle, then the change`,
      );
      await db.settle();
      const idle = await idleLoad(hub, receiver);
      return { ...config, seedS, initialSyncS, ...idle, ...(await change(hub, db, receiver, config, label)) };
    } finally {
      await hub.stop();
    }
  } finally {
    await db?.close();
    await receiver.close();
  }
}

function setupYaml(channelIds: readonly string[], receiver: LevelReceiver): string {
  return stringify({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Bench Retailer' },
    channels: channelIds.map((id) => ({
      id,
      kind: 'storefront',
      name: `Storefront ${id}`,
      currency: 'USD',
      notifyUrl: receiver.notifyUrl(id),
      notifySecret: randomBytes(24).toString('hex'),
    })),
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

/** Until the hub has recorded every SKU as told on every channel, or its sync keeps failing. */
async function initialSync(
  db: FanoutDb,
  receiver: LevelReceiver,
  channelIds: readonly string[],
  skus: number,
  label: string,
): Promise<void> {
  const deadline = performance.now() + INITIAL_SYNC_TIMEOUT_S * 1000;
  for (;;) {
    const told = await db.toldCounts();
    if (channelIds.every((id) => told.get(id) === skus)) return;
    const failing = (await db.syncErrors()).filter((e) => e.attempts >= FAILED_ATTEMPTS);
    const timedOut = performance.now() > deadline;
    if (failing.length > 0 || timedOut) {
      const progress = channelIds
        .map(
          (id, i) =>
            `${id}: ${told.get(id) ?? 0} recorded as told, ${receiver.tallies()[i]?.matched ?? 0} received`,
        )
        .join('; ');
      const why = failing.length
        ? `the stock sync keeps failing: ${describeErrors(failing)}`
        : `not done within ${INITIAL_SYNC_TIMEOUT_S} s`;
      throw new FanoutSetupError(
        `${label} fan-out: the initial sync of ${skus} SKUs did not complete: ${why} (${progress})`,
      );
    }
    await delay(100);
  }
}

function describeErrors(errors: readonly SyncJobError[]): string {
  return errors.map((e) => `${e.channelId} (${e.attempts} attempts, ${e.state}): ${e.lastError}`).join('; ');
}

/** What the hub costs while nothing changes: its sync still runs every second on every channel. */
async function idleLoad(
  hub: RunningHub,
  receiver: LevelReceiver,
): Promise<{ idleHubCores: number; idleBatches: number }> {
  const batches = receiver.totalBatches();
  const cpu = await hubCpu(hub);
  const at = performance.now();
  await delay(IDLE_S * 1000);
  const cpuAfter = await hubCpu(hub);
  return {
    idleHubCores: (cpuAfter - cpu) / ((performance.now() - at) / 1000),
    idleBatches: receiver.totalBatches() - batches,
  };
}

/** The hub's CPU seconds: from /proc without disturbing it, else from its /metrics. */
async function hubCpu(hub: RunningHub): Promise<number> {
  return processCpuSeconds(hub.pid) ?? hubCpuSeconds(await hub.metrics());
}

type Measured = Pick<
  FanoutOutcome,
  | 'updateMs'
  | 'seconds'
  | 'firstBatchMs'
  | 'perChannel'
  | 'committedAt'
  | 'waitingHubCores'
  | 'flowing'
  | 'error'
>;

/** Who used the CPU at one moment: the hub, this process (the receiver), the whole machine. */
interface CpuMark {
  at: number;
  hub: number;
  own: NodeJS.CpuUsage;
  machine: CpuSnapshot;
}

async function cpuMark(hub: RunningHub): Promise<CpuMark> {
  return { at: performance.now(), hub: await hubCpu(hub), own: process.cpuUsage(), machine: cpuSnapshot() };
}

async function change(
  hub: RunningHub,
  db: FanoutDb,
  receiver: LevelReceiver,
  config: FanoutConfig,
  label: string,
): Promise<Measured> {
  receiver.expect(config.skus, (sku) => fanoutStock(fanoutIndex(sku)) - 1);
  const begun = performance.now();
  const changed = await db.changeAll(Date.now());
  const committedAt = performance.now();
  const committed = await cpuMark(hub);
  if (changed !== config.skus)
    throw new Error(`${label} fan-out: the UPDATE changed ${changed} rows, not ${config.skus}`);
  console.log(
    `${label} fan-out: stock of ${changed} SKUs changed in one transaction (${Math.round(committedAt - begun)} ms); waiting for every channel`,
  );
  const deadline = committedAt + MEASURE_TIMEOUT_S * 1000;
  // Polled every 10 ms: the receiver stamps the arrivals itself, the marks only split the CPU into two phases.
  let first: CpuMark | null = null;
  while (!receiver.allComplete() && performance.now() < deadline) {
    if (!first && receiver.totalBatches() > 0) first = await cpuMark(hub);
    await delay(10);
  }
  const ended = await cpuMark(hub);
  const perChannel = receiver.tallies();
  const completes = perChannel.map((t) => t.completeAt);
  const firsts = perChannel.map((t) => t.firstAt).filter((t): t is number => t !== null);
  const done = completes.every((t): t is number => t !== null);
  const cores = (from: CpuMark, to: CpuMark, cpu: number) => cpu / Math.max(1e-3, (to.at - from.at) / 1000);
  const ownCpu = (from: CpuMark, to: CpuMark) =>
    (to.own.user - from.own.user + to.own.system - from.own.system) / 1e6;
  return {
    updateMs: committedAt - begun,
    seconds: done ? (Math.max(...completes) - committedAt) / 1000 : null,
    firstBatchMs: firsts.length ? Math.min(...firsts) - committedAt : null,
    perChannel,
    committedAt,
    waitingHubCores: cores(committed, first ?? ended, (first ?? ended).hub - committed.hub),
    flowing: first
      ? {
          hubCores: cores(first, ended, ended.hub - first.hub),
          receiverCores: cores(first, ended, ownCpu(first, ended)),
          machineCores: busyCores(first.machine, ended.machine),
        }
      : null,
    error: done
      ? null
      : `not every channel had all ${config.skus} new levels after ${MEASURE_TIMEOUT_S} s: ` +
        perChannel.map((t, i) => `fan-${i + 1} ${t.matched}`).join(', '),
  };
}
