/** The intake scenario, the same on both databases: set Waybill up through its CLI, start it, load it, stop it. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { orderFactory, setupYaml } from './catalog.ts';
import { createOperatorKey, startHub, waybill, type HubEnv, type RunningHub } from './hub-process.ts';
import { driveOrders, type LoadOutcome } from './load.ts';
import { busyCores, cpuSnapshot, processIo, type CpuSnapshot, type ProcessIo } from './machine.ts';
import { hubCounters, type HubCounters } from './metrics.ts';

export const CONNECTIONS = 100;
const WARMUP_S = 2;
const MEASURE_S = 10;

export interface IntakeOutcome {
  warmup: LoadOutcome;
  load: LoadOutcome;
  /** 201s of warm-up and measurement together: what the database must hold afterwards. */
  totalCreated: number;
  /** Requests of both runs cut off in flight when the load generator stopped (see LoadOutcome.abandoned). */
  totalAbandoned: number;
  /** Hub CPU seconds during the measured run. */
  hubCpuS: number;
  /** Orders per committed transaction, from the hub's own gauge (cumulative since it started). */
  unitsPerBatch: number;
  /** Mean server-side time of a 201 during the measured run, as the hub's histogram saw it. */
  serverMeanMs: number;
  eventLoopLagP99Ms: number;
  /** Every process on the machine during the measured run, in cores: hub + load generator + anything else. */
  machineBusyCores: number;
  /** What the hub wrote during the measured run (null where /proc is not available). */
  hubWrites: ProcessIo | null;
}

/** migrate, apply the setup file, create an operator key: the quick start an operator follows. */
export async function prepare(env: HubEnv, dir: string): Promise<string> {
  await waybill(env, ['migrate']);
  const setupFile = join(dir, 'setup.yaml');
  writeFileSync(setupFile, setupYaml());
  await waybill(env, ['apply', setupFile]);
  return createOperatorKey(env);
}

export async function runIntake(env: HubEnv, apiKey: string, label: string): Promise<IntakeOutcome> {
  const hub = await startHub(env);
  try {
    return await measure(hub, apiKey, label);
  } finally {
    await hub.stop();
  }
}

async function measure(hub: RunningHub, apiKey: string, label: string): Promise<IntakeOutcome> {
  const nextOrder = orderFactory();
  const drive = (durationS: number) =>
    driveOrders({ url: hub.url, apiKey, connections: CONNECTIONS, durationS, nextOrder });
  console.log(`${label}: warm-up ${WARMUP_S} s, then ${MEASURE_S} s with ${CONNECTIONS} connections`);
  // The warm-up lets V8 optimise the hot path, so the measured run is the steady state, not the JIT.
  const warmup = await drive(WARMUP_S);
  const before = await snapshot(hub);
  const load = await drive(MEASURE_S);
  const after = await snapshot(hub);
  return {
    warmup,
    load,
    totalCreated: warmup.created + load.created,
    totalAbandoned: warmup.abandoned + load.abandoned,
    ...difference(before, after),
  };
}

/** Counters that only make sense as a difference between the start and the end of the measured run. */
interface Snapshot {
  cpu: CpuSnapshot;
  io: ProcessIo | null;
  counters: HubCounters;
}

async function snapshot(hub: RunningHub): Promise<Snapshot> {
  // The machine first: reading /metrics costs the hub a little CPU, which belongs outside the window.
  const cpu = cpuSnapshot();
  const io = processIo(hub.pid);
  return { cpu, io, counters: hubCounters(await hub.metrics()) };
}

type Differences = Omit<IntakeOutcome, 'warmup' | 'load' | 'totalCreated' | 'totalAbandoned'>;

function difference(before: Snapshot, after: Snapshot): Differences {
  const [b, a] = [before.counters, after.counters];
  const intakeCount = a.intakeCount - b.intakeCount;
  return {
    hubCpuS: a.cpuSeconds - b.cpuSeconds,
    unitsPerBatch: a.unitsPerBatch,
    serverMeanMs: intakeCount ? ((a.intakeSeconds - b.intakeSeconds) / intakeCount) * 1000 : 0,
    // prom-client resets the event-loop histogram at every scrape, so this read covers the measured run alone.
    eventLoopLagP99Ms: a.eventLoopLagP99S * 1000,
    machineBusyCores: busyCores(before.cpu, after.cpu),
    hubWrites:
      before.io && after.io
        ? {
            writeCallBytes: after.io.writeCallBytes - before.io.writeCallBytes,
            diskWriteBytes: after.io.diskWriteBytes - before.io.diskWriteBytes,
          }
        : null,
  };
}
