import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's checkpoints on a thread of their own. A checkpoint copies the write-ahead log back into the database file
 * and syncs it; SQLite runs one inside whichever COMMIT finds the log past 1,000 pages, and better-sqlite3 runs every
 * statement on the event loop: a feed import's commit held the whole process (intake included) still for the half
 * second its checkpoint took. Here the hub's own connection never checkpoints (wal_autocheckpoint = 0); a worker
 * thread with a connection of its own runs PASSIVE checkpoints, which wait for no one and no one waits for, after
 * commits, at most one at a time and a few times a second. If the thread fails, the connection checkpoints itself
 * again as before.
 */
export class WalCheckpoints {
  #worker: Worker | undefined;
  #running = false;
  #wanted = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    /** Called if the thread fails: the hub's connection takes checkpoints back. */
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** After a commit: a checkpoint soon (now, if none ran in the last PAUSE_MS). */
  nudge(): void {
    if (this.#closed) return;
    this.#wanted = true;
    if (!this.#running && !this.#timer) this.#run();
  }

  #run(): void {
    this.#wanted = false;
    this.#running = true;
    this.#thread().postMessage('checkpoint');
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(THREAD, {
      eval: true,
      // Plain script, whatever the process was started with (a loader, --input-type=module): it needs none of it.
      execArgv: [],
      workerData: { driver: require.resolve('better-sqlite3'), path: this.path },
    });
    // The process may end while the thread is idle.
    worker.unref();
    worker.on('message', () => {
      this.#running = false;
      if (this.#wanted && !this.#closed)
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          if (this.#wanted && !this.#closed) this.#run();
        }, PAUSE_MS).unref();
    });
    worker.on('error', (error) => {
      // While closing, the store's connection may be gone already: nothing to hand checkpoints back to.
      if (this.#closed) return;
      this.#closed = true;
      this.onFailure(error);
    });
    // Ended without being asked (and without an error): as a failure, or the log would grow without end.
    worker.on('exit', (code) => {
      if (!this.#closed) {
        this.#closed = true;
        this.onFailure(new Error(`the checkpoint thread ended (exit code ${code})`));
      }
    });
    this.#worker = worker;
    return worker;
  }

  /** Ends the thread (its connection closed) once a checkpoint under way is done. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held while it closes: a process awaiting this with nothing else to do would otherwise end first, unsettled.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}

const require = createRequire(import.meta.url);

/** The time between two checkpoints while commits go on: each copies what the commits since the last one wrote. */
const PAUSE_MS = 200;

/** The thread: one connection to the same file; PASSIVE never takes a lock a writer or reader waits for. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage('done');
});
`;
