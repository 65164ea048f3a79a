/**
 * The hub as a real child process (`node bin/waybill.mjs …`), for the crash-recovery test: it can be `kill -9`ed and
 * started again on the same port, and its one-shot commands (migrate, apply, keys create) run like an operator's.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
export { freePort } from '../../sim/shared.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/waybill.mjs', import.meta.url));
const LOG_LINES_KEPT = 200;

/** A port nobody listens on right now (the hub keeps it across restarts, so clients never learn a new address). */

/** Runs one CLI command to completion; rejects with its output when it exits non-zero. Resolves to stdout. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, env, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`waybill ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** `waybill start` in a child process, restartable on the same port. */
export class HubProcess {
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  readonly #log: string[] = [];
  /** How many times the process was started, and killed with SIGKILL. */
  starts = 0;
  kills = 0;

  constructor(
    readonly url: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts the hub and resolves once /healthz answers; rejects if the process exits first. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.#child) throw new Error('the hub is already running');
    const generation = ++this.starts;
    const child = spawn(process.execPath, [BIN, 'start'], {
      cwd: REPO_ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    let exitCode: string | null = null;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitCode = signal ?? String(code);
        this.#record(generation, `exited: ${exitCode}`);
        if (this.#child === child) this.#child = null;
        resolve();
      });
    });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.#record(generation, line);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exitCode !== null)
        throw new Error(`the hub exited (${exitCode}) before it was healthy:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
        await res.text();
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline)
        throw new Error(`the hub was not healthy within ${timeoutMs} ms:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** `kill -9`: no shutdown hook runs, claimed jobs stay claimed until their lease runs out. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.kills += 1;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** A graceful stop (SIGTERM); resolves when the process is gone, SIGKILLing it after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  logTail(lines = 60): string {
    return this.#log.slice(-lines).join('\n');
  }

  #record(generation: number, line: string): void {
    this.#log.push(`[hub#${generation}] ${line}`);
    if (this.#log.length > LOG_LINES_KEPT) this.#log.splice(0, this.#log.length - LOG_LINES_KEPT);
  }
}
