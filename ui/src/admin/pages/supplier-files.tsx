import { Link, useParams } from 'react-router';
import { api, query } from '../../api.ts';
import { formatDateTime, humanize } from '../../format.ts';
import { SelectField } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { Pager, useFilterDraft, useFilteredPages } from '../../paging.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { SupplierFile } from '../../types.ts';
import { useLoad } from '../../use-load.ts';

const FILTERS = ['outcome'] as const;
const OUTCOMES = [
  { value: 'refused', label: 'Refused' },
  { value: 'taken', label: 'Taken' },
];
const PAGE_SIZE = 50;

/**
 * The files a supplier's file transport received (EDI or CSV over SFTP), newest first: each taken, or refused and
 * moved aside with why, so the supplier can be told what to send again.
 */
export function SupplierFilesPage() {
  const { supplierId = '' } = useParams();
  const list = useFilteredPages(FILTERS);
  const [draft, bind] = useFilterDraft(list.filters);
  const [files] = useLoad(
    (signal) =>
      api<{ files: SupplierFile[]; next: string | null }>(
        `/api/v1/suppliers/${encodeURIComponent(supplierId)}/files${query({
          outcome: list.filters.outcome || undefined,
          before: list.cursor || undefined,
          limit: list.limit ?? PAGE_SIZE,
        })}`,
        { signal },
      ),
    [supplierId, list.key],
  );
  return (
    <>
      <PageTitle>{`Files from ${supplierId}`}</PageTitle>
      <p>
        <Link to="/suppliers">All suppliers</Link>
      </p>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          list.search(draft);
        }}
      >
        <SelectField label="Outcome" options={OUTCOMES} empty="Any" {...bind('outcome')} />
        <button type="submit">Show</button>
      </form>
      <ShowLoaded loaded={files}>
        {({ files, next }) =>
          files.length === 0 ? (
            <p>No file{list.filters.outcome ? ` ${list.filters.outcome}` : ''} from this supplier yet.</p>
          ) : (
            <>
              <div className="table-scroll">
                <table>
                  <caption>Answer files, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">File</th>
                      <th scope="col">Outcome</th>
                      <th scope="col">Why refused</th>
                      <th scope="col">Received</th>
                      <th scope="col">Put away</th>
                    </tr>
                  </thead>
                  <tbody>
                    {files.map((f) => (
                      <tr key={f.id}>
                        <th scope="row">
                          {f.name} <small>({f.size.toLocaleString()} bytes)</small>
                        </th>
                        <td>{humanize(f.outcome)}</td>
                        <td>{f.reason ?? ''}</td>
                        <td>{formatDateTime(f.receivedAt)}</td>
                        <td>{f.settledAt ? formatDateTime(f.settledAt) : 'not yet'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager list={list} next={next} />
            </>
          )
        }
      </ShowLoaded>
    </>
  );
}
