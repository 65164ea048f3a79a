import type { Insertable } from 'kysely';
import type { Database, Db } from './schema.ts';
import { statement } from './statement.ts';

export type NewJobRow = Pick<
  Insertable<Database['jobs']>,
  'id' | 'kind' | 'key' | 'payload' | 'max_attempts' | 'run_at'
>;

/** Writes pending jobs in one statement; a key already in the table is skipped (it was enqueued before). */
export async function insertJobs(tx: Db, jobs: readonly NewJobRow[], now: number): Promise<void> {
  if (jobs.length === 0) return;
  await jobsInsert.run(tx, { now }, jobs);
}

const jobsInsert = statement((db, p: { now: number }, rows: readonly NewJobRow[]) =>
  db
    .insertInto('jobs')
    .values(
      rows.map((job) => ({
        id: job.id,
        kind: job.kind,
        key: job.key,
        payload: job.payload,
        state: 'pending',
        attempts: 0,
        max_attempts: job.max_attempts,
        run_at: job.run_at,
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: p.now,
        updated_at: p.now,
      })),
    )
    .onConflict((oc) => oc.column('key').doNothing()),
);
