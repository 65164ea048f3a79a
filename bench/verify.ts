/**
 * After the hub has stopped, the database must hold exactly what it answered success for, each with the job that
 * carries it on: a success the database does not have is lost work, a row without a success is an answer that
 * never arrived. Orders need their PO sends queued (one or more), webhook deliveries one processing job each.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Rows of the stored work and of the jobs queued for it. */
export interface StoredCounts {
  rows: number;
  jobs: number;
}

/** What one scenario stores: its table, how its jobs are named, and how many jobs a row must have. */
export interface StoredKind {
  /** "orders", "deliveries": for the messages. */
  noun: string;
  countRows: string;
  /** What carries each row on (its jobs, or for a finished pipeline its POs sent), and how to count it. */
  followUps: string;
  countFollowUps: string;
  /** 'at-least': an order becomes one or two POs; 'exactly': a delivery is one job. */
  jobsPerRow: 'at-least' | 'exactly';
}

export const ORDERS: StoredKind = {
  noun: 'orders',
  countRows: 'select count(*) as n from orders',
  followUps: 'po.send jobs queued',
  countFollowUps: "select count(*) as n from jobs where kind = 'po.send'",
  jobsPerRow: 'at-least',
};

export const SHOPIFY_DELIVERIES = (channelId: string): StoredKind => ({
  noun: 'deliveries',
  countRows: `select count(*) as n from channel_deliveries where channel_id = '${channelId}'`,
  followUps: 'channel.delivery jobs queued',
  countFollowUps: "select count(*) as n from jobs where kind = 'channel.delivery'",
  jobsPerRow: 'exactly',
});

/** Orders that went the whole way: each has its purchase orders sent (their jobs are gone once done). */
export const DELIVERED_ORDERS: StoredKind = {
  noun: 'orders',
  countRows: 'select count(*) as n from orders',
  followUps: 'purchase orders sent',
  countFollowUps: 'select count(*) as n from purchase_orders where sent_at is not null',
  jobsPerRow: 'at-least',
};

export class VerificationError extends Error {}

export function sqliteCounts(path: string, kind: StoredKind): StoredCounts {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      rows: count(kind.countRows),
      jobs: count(kind.countFollowUps),
    };
  } finally {
    db.close();
  }
}

export async function postgresCounts(url: string, kind: StoredKind): Promise<StoredCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    return {
      rows: await count(kind.countRows),
      jobs: await count(kind.countFollowUps),
    };
  } finally {
    await client.end();
  }
}

/**
 * Prints the check and throws when it fails. `abandoned` requests were sent but the load generator hung up before
 * their answer (it stops with one request in flight per connection): the hub may have taken each in, so they widen
 * the allowed range upwards only. Fewer rows than successes is always a failure.
 */
export function checkCounts(
  label: string,
  kind: StoredKind,
  answered: number,
  abandoned: number,
  stored: StoredCounts,
): void {
  const rowsOk = stored.rows >= answered && stored.rows <= answered + abandoned;
  const jobsOk = kind.jobsPerRow === 'exactly' ? stored.jobs === stored.rows : stored.jobs >= stored.rows;
  const verdict = rowsOk && jobsOk ? 'OK' : 'FAILED';
  const relation = kind.jobsPerRow === 'exactly' ? '=' : '>=';
  console.log(
    `${label} verify ${verdict}: ${stored.rows} ${kind.noun} stored = ${answered} answered success + ${stored.rows - answered} of ${abandoned} ` +
      `requests cut off in flight at the end of a run; ${stored.jobs} ${kind.followUps} (${relation} ${kind.noun})`,
  );
  if (!rowsOk)
    throw new VerificationError(
      `${label}: ${answered} ${kind.noun} answered success (+${abandoned} cut off in flight) but ${stored.rows} are in the database`,
    );
  if (!jobsOk)
    throw new VerificationError(`${label}: ${stored.rows} ${kind.noun} but ${stored.jobs} ${kind.followUps}`);
}
