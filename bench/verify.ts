/**
 * After the hub has stopped, the database must hold exactly the orders it answered 201 for, each with its PO send
 * queued: a 201 the database does not have is a lost order, a row without a 201 is an answer that never arrived.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

export interface StoredCounts {
  orders: number;
  poSendJobs: number;
}

export class VerificationError extends Error {}

export function sqliteCounts(path: string): StoredCounts {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      orders: count('select count(*) as n from orders'),
      poSendJobs: count("select count(*) as n from jobs where kind = 'po.send'"),
    };
  } finally {
    db.close();
  }
}

export async function postgresCounts(url: string): Promise<StoredCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    return {
      orders: await count('select count(*) as n from orders'),
      poSendJobs: await count("select count(*) as n from jobs where kind = 'po.send'"),
    };
  } finally {
    await client.end();
  }
}

/**
 * Prints the check and throws when it fails. `abandoned` requests were sent but the load generator hung up before
 * their answer (it stops with one request in flight per connection): the hub may have taken each in, so they widen
 * the allowed range upwards only. Fewer rows than 201s is always a failure.
 */
export function checkCounts(label: string, created: number, abandoned: number, stored: StoredCounts): void {
  const ordersOk = stored.orders >= created && stored.orders <= created + abandoned;
  const jobsOk = stored.poSendJobs >= stored.orders;
  const verdict = ordersOk && jobsOk ? 'OK' : 'FAILED';
  console.log(
    `${label} verify ${verdict}: ${stored.orders} orders stored = ${created} answered 201 + ${stored.orders - created} of ${abandoned} ` +
      `requests cut off in flight at the end of a run; ${stored.poSendJobs} po.send jobs queued (>= orders)`,
  );
  if (!ordersOk)
    throw new VerificationError(
      `${label}: ${created} orders answered 201 (+${abandoned} cut off in flight) but ${stored.orders} are in the database`,
    );
  if (!jobsOk)
    throw new VerificationError(
      `${label}: ${stored.orders} orders but only ${stored.poSendJobs} po.send jobs`,
    );
}
