/**
 * Waybill as a black box: its CLI (`node bin/waybill.mjs …`) and its HTTP port, nothing imported from src/, so the
 * bench measures what an operator would run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../sim/shared.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'bin', 'waybill.mjs');

/** What every Waybill process of one scenario shares: the database and the master key. */
export interface HubEnv {
  databaseUrl: string;
  secretKey: string;
  /** Where the hub's own log goes, so a failure can show it. */
  logFile: string;
}

export interface RunningHub {
  url: string;
  pid: number;
  /** The Prometheus text of GET /metrics. */
  metrics(): Promise<string>;
  /** SIGTERM, then wait for a clean exit (the hub closes its database on the way out). */
  stop(): Promise<void>;
  /** null while it runs; how it ended ("exit code 1", "SIGTERM") once it did, whoever stopped it. */
  exited(): string | null;
}

function childEnv(env: HubEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: env.databaseUrl, WAYBILL_SECRET_KEY: env.secretKey, ...extra };
}

/** Runs one CLI command to completion and returns its stdout; a non-zero exit throws with its stderr. */
export function waybill(env: HubEnv, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`waybill ${args.join(' ')} exited with ${code}:\n${stderr || stdout}`));
    });
  });
}

/** `waybill keys create` prints the key alone on the last line of stdout (the note goes to stderr). */
export async function createOperatorKey(env: HubEnv): Promise<string> {
  const lines = (await waybill(env, ['keys', 'create', '--role', 'operator', '--label', 'bench']))
    .trim()
    .split('\n');
  const key = lines[lines.length - 1]?.trim();
  if (!key) throw new Error('waybill keys create printed no key');
  return key;
}

/**
 * `waybill start --no-worker` by default: the API alone, so no PO is sent and no webhook processed while we measure
 * intake. `{ worker: true }` is `waybill start`: API and job worker in one process, as the quick start runs it.
 */
export async function startHub(
  env: HubEnv,
  options: { worker?: boolean; extraEnv?: Record<string, string> } = {},
): Promise<RunningHub> {
  const port = await freePort();
  // BENCH_HUB_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the hub where the time goes.
  const nodeArgs = process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, 'start', ...(options.worker ? [] : ['--no-worker'])],
    {
      cwd: REPO,
      env: childEnv(env, { ...options.extraEnv, PORT: String(port), HOST: '127.0.0.1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log = createWriteStream(env.logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = watchExit(child);
  try {
    await waitForHealth(url, child, env.logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid ?? 0,
    metrics: async () => {
      const response = await fetch(`${url}/metrics`);
      if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
      return response.text();
    },
    stop: () => stopChild(child, env.logFile),
    exited,
  };
}

/** How a child ended, for a bench that must tell a crash (or a kill from outside) from a slow hub. */
function watchExit(child: ChildProcess): () => string | null {
  let how: string | null = null;
  child.once('exit', (code, signal) => (how = signal ?? `exit code ${code}`));
  return () => how;
}

export interface RunningWorker {
  pid: number;
  stop(): Promise<void>;
  exited(): string | null;
}

/**
 * `waybill worker`: a worker process only (no HTTP), on the hub's database. `kinds` sets WAYBILL_WORKER_KINDS (the job
 * kinds it may run). It is up once it printed "Waybill worker running"; its log goes to `logFile`.
 */
export async function startWorker(
  env: HubEnv,
  logFile: string,
  kinds?: readonly string[],
): Promise<RunningWorker> {
  const nodeArgs = process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'worker'], {
    cwd: REPO,
    env: childEnv(env, kinds ? { WAYBILL_WORKER_KINDS: kinds.join(',') } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const exited = watchExit(child);
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`waybill worker did not start within 30 s:\n${tail(logFile)}`)),
        30_000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        log.write(chunk);
        seen += chunk.toString();
        if (seen.includes('Waybill worker running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`waybill worker exited with ${code} before it ran:\n${tail(logFile)}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { pid: child.pid ?? 0, stop: () => stopChild(child, logFile), exited };
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the hub exited with ${child.exitCode} before it was healthy:\n${tail(logFile)}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await delay(100);
  }
  throw new Error(`the hub did not answer GET /healthz within 30 s:\n${tail(logFile)}`);
}

function stopChild(child: ChildProcess, logFile: string): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    // A hub that does not finish closing in 20 s is a finding in itself; kill it so the bench still ends.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`the hub stopped with ${signal ?? `exit code ${code}`}:\n${tail(logFile)}`));
    });
    child.kill('SIGTERM');
  });
}

/** Asks the kernel for a free port. Another process could take it before the hub binds; unlikely on a bench box. */

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
