import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { GroupCommit } from './group-commit.ts';
import { WalCheckpoints } from './wal-checkpoints.ts';
import { maintainPostgres, maintainSqlite, type Maintained } from './maintenance.ts';
import type { Database, Db } from './schema.ts';
import { markDialect, preparedName, type Dialect } from './statement.ts';

export type { Dialect };

/**
 * The database, whichever it is. Use cases write through `transact`; reads may use `db` directly.
 *
 * @example
 * const store = await openStore('sqlite:./.waybill/waybill.db');
 * const id = await store.transact(async (tx) => { ...; return id; });   // durable when it resolves
 */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  /** What the dialect can do, so callers ask for a capability instead of testing the dialect's name. */
  readonly caps: {
    readonly rowLocks: boolean;
  };
  /**
   * Runs `fn` in one transaction and resolves after the commit is durable. On SQLite concurrent calls share one
   * commit (group commit); on PostgreSQL each call is its own transaction from the pool. Do not nest calls.
   */
  transact<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs writes that stand alone, each statement atomic by itself (a claim of jobs): on PostgreSQL outside any
   * transaction, so each commits on its own in one round trip instead of three; on SQLite in the group commit, as
   * `transact` (a commit of its own would cost a sync of its own).
   */
  autocommit<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * The database's housekeeping, done by Waybill where the server may not (PostgreSQL with autovacuum off or behind):
   * analyzes the tables that changed much, vacuums those with many dead rows. Outside any transaction.
   */
  maintain(): Promise<Maintained>;
  /** Commit batches and the units in them (SQLite), for /metrics. */
  readonly commitStats: { batches: number; units: number };
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL pool size per process. */
  poolSize?: number;
  /** PostgreSQL schema to use (tests isolate themselves in one). */
  schema?: string;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./.waybill/waybill.db';

export async function openStore(url = DEFAULT_DATABASE_URL, options: StoreOptions = {}): Promise<Store> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  throw new Error(`DATABASE_URL must start with postgres:// or sqlite:, got ${url.split(':')[0]}:…`);
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new SQLite(path);
  raw.pragma('journal_mode = WAL');
  // A commit is made durable by a sync of the WAL, as synchronous=FULL would, but the store's own (walSync) and off
  // the event loop: FULL's fsync inside COMMIT held the whole process still for each commit. NORMAL still syncs
  // around checkpoints. A 2xx is answered only after the sync, so it survives power loss, not only a process crash.
  const durable = path !== ':memory:';
  raw.pragma(durable ? 'synchronous = NORMAL' : 'synchronous = FULL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  // A batch of jobs runs each in a savepoint: the pages it changes are copied to a sub-journal first, which with
  // temp_store=file is a temporary file (written through the kernel) once it passes 64 KiB. In memory it is a copy.
  raw.pragma('temp_store = memory');
  // 64 MiB of page cache (the default is 2 MB): the hot indexes of a busy hub stay in the process, not re-read
  // from the kernel's cache on every statement.
  raw.pragma('cache_size = -65536');
  const db = markDialect(
    new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) }),
    'sqlite',
  );
  // Checkpoints off the event loop (wal-checkpoints.ts); an in-memory database has no log to copy back.
  const checkpoints = durable
    ? new WalCheckpoints(path, (error) => {
        process.emitWarning(
          `SQLite checkpoint thread failed (${error.message}); checkpointing on commit again`,
        );
        raw.pragma('wal_autocheckpoint = 1000');
      })
    : undefined;
  if (checkpoints) raw.pragma('wal_autocheckpoint = 0');
  const syncLog = walSync(resolve(`${path}-wal`));
  const commits = new GroupCommit(
    db,
    (conn) => markDialect(conn, 'sqlite'),
    checkpoints
      ? () => {
          checkpoints.nudge();
          return syncLog();
        }
      : undefined,
  );
  return {
    dialect: 'sqlite',
    db,
    caps: { rowLocks: false },
    transact: (fn) => commits.run(fn),
    autocommit: (fn) => commits.run(fn),
    maintain: () => maintainSqlite(db),
    commitStats: commits.stats,
    close: async () => {
      await checkpoints?.close();
      await db.destroy();
    },
  };
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  // bigint columns hold epoch milliseconds and minor units: well inside Number's safe range.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle connection the server ends (a restart, a failover, an administrator) must not crash the process: the
  // pool drops it and opens a new one for the next query.
  pool.on('error', (error) =>
    process.emitWarning(`PostgreSQL connection lost (${error.message}); the pool will reconnect`),
  );
  pool.on('connect', prepareStatements);
  const db = markDialect(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
  await sql`select 1`.execute(db);
  const stats = { batches: 0, units: 0 };
  return {
    dialect: 'postgres',
    db,
    caps: { rowLocks: true },
    transact: async (fn) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await db.transaction().execute((tx) => fn(markDialect(tx, 'postgres')));
          stats.batches += 1;
          stats.units += 1;
          return result;
        } catch (error) {
          // A deadlock or serialization failure rolled the whole transaction back: running it again is safe.
          if (attempt >= 5 || !isRetryable(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        }
      }
    },
    autocommit: (fn) => fn(db),
    maintain: () => maintainPostgres(db),
    commitStats: stats,
    close: () => db.destroy(),
  };
}

/**
 * Sends the store's hot statements (statement.ts) as named prepared statements on this connection: pg prepares each
 * name once per connection, and PostgreSQL parses and plans it once instead of at every run. Kysely passes SQL and
 * values; every other query goes through unchanged.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) ? preparedName(text) : undefined;
    return name ? query({ name, text, values }, callback) : query(text, values, callback);
  };
}

/**
 * Flushes SQLite's write-ahead log to the disk (fdatasync, as SQLite's own sync on Linux), on libuv's thread pool.
 * Opened afresh each time: the log's file is SQLite's, and a sync covers every write to it before it began, whoever
 * wrote them (another Waybill process on the same database too).
 */
function walSync(walPath: string): () => Promise<void> {
  return async () => {
    const wal = await open(walPath, 'r');
    try {
      await wal.datasync();
    } finally {
      await wal.close();
    }
  };
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Prepared statements kept per connection. The hot ones are a few dozen, each in up to ROWS_PER_STATEMENT sizes
 * (one per number of rows in a batch): well under this. Past it, the least recently used go.
 */
const STATEMENT_CACHE_SIZE = 4_000;

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing is a good part of a
 * small query's cost. Cache them by SQL text.
 */
function withStatementCache(raw: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (stmt) cache.delete(source);
        else stmt = target.prepare(source);
        // Re-inserted: the Map's order is the order of last use, so its first key is the least recently used.
        cache.set(source, stmt);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        return stmt;
      };
    },
  });
}
