import type { Insertable } from 'kysely';
import type { Database } from '../../src/store/schema.ts';

/**
 * A job that ran out of attempts, as the queue leaves one: for tests of what lists, counts and replays dead letters
 * without making a job fail eight times. `id` and `key` name it; the rest may be given.
 *
 * @example
 * await t.hub.store.db.insertInto('jobs').values(deadJob('job_dead_1', { updated_at: 2_001 })).execute();
 */
export function deadJob(
  id: string,
  fields: Partial<Insertable<Database['jobs']>> = {},
): Insertable<Database['jobs']> {
  return {
    id,
    kind: 'channel.notify',
    key: id,
    payload: '{}',
    state: 'dead',
    attempts: 8,
    max_attempts: 8,
    run_at: 1_000,
    locked_by: null,
    locked_until: null,
    last_error: 'HTTP 500',
    created_at: 1_000,
    updated_at: 2_000,
    ...fields,
  };
}
