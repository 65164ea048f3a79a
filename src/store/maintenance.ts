import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** What one round of housekeeping did, by table. */
export interface Maintained {
  analyzed: string[];
  vacuumed: string[];
}

/** A table as PostgreSQL's statistics count it. */
export interface TableActivity {
  table: string;
  live: number;
  dead: number;
  changedSinceAnalyze: number;
}

/** The thresholds of PostgreSQL's own autovacuum defaults: a base and a share of the live rows. */
const ANALYZE_BASE = 50;
const ANALYZE_SHARE = 0.1;
const VACUUM_BASE = 50;
const VACUUM_SHARE = 0.2;

/**
 * Which tables want an ANALYZE (a tenth of them changed since the last) and which a VACUUM (dead rows past a fifth of
 * the live ones), by autovacuum's default rule: what a server with autovacuum off (or behind) leaves undone.
 *
 * @example
 * due([{ table: 'jobs', live: 100, dead: 9_000, changedSinceAnalyze: 30 }]) // { analyze: [], vacuum: ['jobs'] }
 */
export function due(tables: readonly TableActivity[]): { analyze: string[]; vacuum: string[] } {
  return {
    analyze: tables
      .filter((t) => t.changedSinceAnalyze > ANALYZE_BASE + ANALYZE_SHARE * t.live)
      .map((t) => t.table),
    vacuum: tables.filter((t) => t.dead > VACUUM_BASE + VACUUM_SHARE * t.live).map((t) => t.table),
  };
}

/**
 * PostgreSQL: analyzes and vacuums Waybill's tables (the current schema's) that need it, outside any transaction.
 * Without analyses the planner keeps the statistics of the empty tables it started with, and a prepared statement
 * keeps the plan it made then until an analysis invalidates it: on a server with autovacuum off, reading a PO's lines
 * became a sequential scan of every PO line after 100,000 orders. Without vacuums the job queue, whose rows are
 * written three times and deleted, grows without end (290 MB for 125 live rows), and every claim reads the dead ones.
 */
export async function maintainPostgres(db: Db): Promise<Maintained> {
  const { rows } = await sql<{
    table: string;
    live: string | number;
    dead: string | number;
    changed: string | number;
  }>`
    select relname as "table", n_live_tup as live, n_dead_tup as dead, n_mod_since_analyze as changed
    from pg_stat_user_tables where schemaname = current_schema()`.execute(db);
  const tables = rows.map((r) => ({
    table: r.table,
    live: Number(r.live),
    dead: Number(r.dead),
    changedSinceAnalyze: Number(r.changed),
  }));
  const { analyze, vacuum } = due(tables);
  // VACUUM (ANALYZE) does both at once; the tables only analyzed are sampled, not scanned.
  for (const table of vacuum) await sql`vacuum (analyze) ${sql.id(table)}`.execute(db);
  for (const table of analyze.filter((t) => !vacuum.includes(t)))
    await sql`analyze ${sql.id(table)}`.execute(db);
  return { analyzed: [...new Set([...vacuum, ...analyze])].sort(), vacuumed: vacuum.sort() };
}

/**
 * SQLite: `pragma optimize`, which analyzes what its query planner would gain from (SQLite's advice for a
 * long-running connection); SQLite reuses a deleted row's space by itself.
 */
export async function maintainSqlite(db: Db): Promise<Maintained> {
  await sql`pragma optimize`.execute(db);
  return { analyzed: [], vacuumed: [] };
}
