/**
 * One load scenario against a running hub, whatever the route: a warm-up, then the measured run, with the hub's
 * CPU, its own latency histogram and the machine's load read before and after the measured run only.
 */
import type { RunningHub } from './hub-process.ts';
import type { LoadOutcome } from './load.ts';
import { busyCores, cpuSnapshot, processIo, type CpuSnapshot, type ProcessIo } from './machine.ts';
import { hubCounters, type HubCounters, type RouteLabels } from './metrics.ts';

export const CONNECTIONS = 100;
const WARMUP_S = 2;
const MEASURE_S = 10;

export interface MeasuredLoad {
  warmup: LoadOutcome;
  load: LoadOutcome;
  /** Successes of warm-up and measurement together: what the database must hold afterwards. */
  totalSucceeded: number;
  /** Requests of both runs cut off in flight when the load generator stopped (see LoadOutcome.abandoned). */
  totalAbandoned: number;
  /** Hub CPU seconds during the measured run. */
  hubCpuS: number;
  /** Units of work per committed transaction, from the hub's own gauge (cumulative since it started). */
  unitsPerBatch: number;
  /** Mean server-side time of a success during the measured run, as the hub's histogram saw it. */
  serverMeanMs: number;
  eventLoopLagP99Ms: number;
  /** Every process on the machine during the measured run, in cores: hub + load generator + anything else. */
  machineBusyCores: number;
  /** What the hub wrote during the measured run (null where /proc is not available). */
  hubWrites: ProcessIo | null;
}

/** `drive(seconds)` runs the load generator for that long against `hub`; `route` names its successes in /metrics. */
export async function measureLoad(
  hub: RunningHub,
  label: string,
  route: RouteLabels,
  drive: (durationS: number) => Promise<LoadOutcome>,
): Promise<MeasuredLoad> {
  console.log(`${label}: warm-up ${WARMUP_S} s, then ${MEASURE_S} s with ${CONNECTIONS} connections`);
  // The warm-up lets V8 optimise the hot path, so the measured run is the steady state, not the JIT.
  const warmup = await drive(WARMUP_S);
  const before = await snapshot(hub, route);
  const load = await drive(MEASURE_S);
  const after = await snapshot(hub, route);
  return {
    warmup,
    load,
    totalSucceeded: warmup.succeeded + load.succeeded,
    totalAbandoned: warmup.abandoned + load.abandoned,
    ...difference(before, after),
  };
}

/** Says what the run's failures were; they are reported, and only the database counts fail the bench. */
export function warnAboutStatuses(label: string, o: MeasuredLoad, success: number): void {
  for (const run of [o.warmup, o.load]) {
    if (run.non2xx || run.errors || run.other2xx)
      console.warn(
        `${label}: WARNING not every request was a ${success}: ${JSON.stringify(run.statuses)}, connection errors ${run.errors}`,
      );
  }
}

/** Counters that only make sense as a difference between the start and the end of the measured run. */
interface Snapshot {
  cpu: CpuSnapshot;
  io: ProcessIo | null;
  counters: HubCounters;
}

async function snapshot(hub: RunningHub, route: RouteLabels): Promise<Snapshot> {
  // The machine first: reading /metrics costs the hub a little CPU, which belongs outside the window.
  const cpu = cpuSnapshot();
  const io = processIo(hub.pid);
  return { cpu, io, counters: hubCounters(await hub.metrics(), route) };
}

type Differences = Omit<MeasuredLoad, 'warmup' | 'load' | 'totalSucceeded' | 'totalAbandoned'>;

function difference(before: Snapshot, after: Snapshot): Differences {
  const [b, a] = [before.counters, after.counters];
  const routeCount = a.routeCount - b.routeCount;
  return {
    hubCpuS: a.cpuSeconds - b.cpuSeconds,
    unitsPerBatch: a.unitsPerBatch,
    serverMeanMs: routeCount ? ((a.routeSeconds - b.routeSeconds) / routeCount) * 1000 : 0,
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
