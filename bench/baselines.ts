/**
 * What the storage itself can do, measured in the same run on the same disk, so the hub's number can be read as a
 * fraction of it rather than against a figure from another machine.
 */
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Sequential single-row transactions on a fresh WAL-mode file: every commit waits for its own fsync. */
export function sqliteCommitRate(dir: string, synchronous: 'FULL' | 'NORMAL', seconds: number): number {
  const db = new SQLite(join(dir, `baseline-${synchronous.toLowerCase()}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec('create table commits (id integer primary key, payload text not null)');
    const insert = db.prepare('insert into commits (payload) values (?)');
    const start = performance.now();
    const end = start + seconds * 1000;
    let commits = 0;
    // Outside an explicit transaction each insert is its own transaction, committed before run() returns.
    while (performance.now() < end) {
      insert.run(`row ${commits}`);
      commits += 1;
    }
    return commits / ((performance.now() - start) / 1000);
  } finally {
    db.close();
  }
}

/** Single-row autocommit inserts from `connections` concurrent clients (the hub's pool size) for `seconds`. */
export async function postgresCommitRate(url: string, connections: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // The database is dropped (with force) right after: a client still closing when that happens reports it here,
  // and without a listener the pool's error event would end the bench.
  pool.on('error', () => {});
  try {
    await pool.query('create table bench_commits (id bigserial primary key, payload text not null)');
    const end = performance.now() + seconds * 1000;
    const start = performance.now();
    const loop = async () => {
      let commits = 0;
      while (performance.now() < end) {
        await pool.query('insert into bench_commits (payload) values ($1)', [`row ${commits}`]);
        commits += 1;
      }
      return commits;
    };
    const counts = await Promise.all(Array.from({ length: connections }, loop));
    const elapsedS = (performance.now() - start) / 1000;
    await pool.query('drop table bench_commits');
    return counts.reduce((a, b) => a + b, 0) / elapsedS;
  } finally {
    await pool.end();
  }
}
