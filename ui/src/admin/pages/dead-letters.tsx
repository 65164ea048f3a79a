import { api, query } from '../../api.ts';
import { ConfirmAction } from '../../confirm-action.tsx';
import { formatDateTime } from '../../format.ts';
import { PageTitle } from '../../layout.tsx';
import { Pager, useFilteredPages } from '../../paging.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { Job } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { useCanAct } from '../can-act.ts';

const NO_FILTERS = [] as const;
const PAGE_SIZE = 50;

/**
 * Jobs that ran out of attempts, the last to die first, a page at a time; each can be queued again with fresh
 * attempts.
 */
export function DeadLettersPage() {
  const canAct = useCanAct();
  const list = useFilteredPages(NO_FILTERS);
  const [letters, reload] = useLoad(
    (signal) =>
      api<{ deadLetters: Job[]; next: string | null }>(
        `/api/v1/dead-letters${query({ before: list.cursor, limit: list.limit ?? PAGE_SIZE })}`,
        { signal },
      ),
    [list.key],
  );
  return (
    <>
      <PageTitle>Dead letters</PageTitle>
      <ShowLoaded loaded={letters}>
        {({ deadLetters, next }) =>
          deadLetters.length === 0 && !list.cursor ? (
            <p>No job has run out of attempts.</p>
          ) : (
            <>
              {deadLetters.length === 0 ? (
                <p>No more jobs on this page.</p>
              ) : (
                <DeadLettersTable jobs={deadLetters} canAct={canAct} onReplayed={reload} />
              )}
              <Pager list={list} next={next} />
            </>
          )
        }
      </ShowLoaded>
    </>
  );
}

function DeadLettersTable({
  jobs,
  canAct,
  onReplayed,
}: {
  jobs: Job[];
  canAct: boolean;
  onReplayed(): void;
}) {
  return (
    <div className="table-scroll">
      <table>
        <caption>Jobs that ran out of attempts, the last to fail first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Kind</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
            <th scope="col">Failed</th>
            {canAct && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <th scope="row">
                {job.id} <span className="muted">{job.key}</span>
              </th>
              <td>{job.kind}</td>
              <td>
                {job.attempts} of {job.maxAttempts}
              </td>
              <td>{job.lastError ?? '—'}</td>
              <td>{formatDateTime(job.updatedAt)}</td>
              {canAct && (
                <td>
                  <ConfirmAction
                    label="Replay"
                    accessibleLabel={`Replay ${job.id}`}
                    title={`Replay job ${job.id}?`}
                    confirmLabel="Replay"
                    onConfirm={async () => {
                      await api(`/api/v1/dead-letters/${encodeURIComponent(job.id)}/replay`, {
                        method: 'POST',
                      });
                    }}
                    onDone={onReplayed}
                  >
                    <p>
                      The {job.kind} job is queued again with a fresh set of attempts and the same idempotency
                      key.
                    </p>
                  </ConfirmAction>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
