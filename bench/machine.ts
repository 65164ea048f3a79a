/**
 * How busy the whole machine was while we measured. The bench shares its cores with whatever else runs (test
 * suites, other servers); CPU taken by others lowers the hub's number, and the report should say so.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuSnapshot {
  /** Milliseconds of non-idle CPU time, summed over every core, since boot. */
  busyMs: number;
  at: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const busyMs = cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);
  return { busyMs, at: performance.now() };
}

/** Cores in use on average between two snapshots (0 … number of cores). */
export function busyCores(before: CpuSnapshot, after: CpuSnapshot): number {
  return (after.busyMs - before.busyMs) / (after.at - before.at);
}

export const CORES = cpus().length;

/** Bytes a process handed to write syscalls (files and sockets) and bytes it caused to reach the disk. */
export interface ProcessIo {
  writeCallBytes: number;
  diskWriteBytes: number;
}

/** From /proc/<pid>/io (Linux); null elsewhere, and the report leaves the line out. */
export function processIo(pid: number): ProcessIo | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { writeCallBytes: field('wchar'), diskWriteBytes: field('write_bytes') };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux); null elsewhere. */
export function processCpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are the 12th and 13th.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_S : null;
}

/** USER_HZ: 100 on every Linux the bench runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_S = 100;
