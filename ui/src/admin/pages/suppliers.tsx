import { api } from '../../api.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { Supplier } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { useCanAct } from '../can-act.ts';
import { ConnectionTest } from '../connection-test.tsx';

export function SuppliersPage() {
  const canAct = useCanAct();
  const [suppliers] = useLoad(
    (signal) => api<{ suppliers: Supplier[] }>('/api/v1/suppliers', { signal }),
    [],
  );
  return (
    <>
      <PageTitle>Suppliers</PageTitle>
      <ShowLoaded loaded={suppliers}>
        {({ suppliers }) => (
          <div className="table-scroll">
            <table>
              <caption>Suppliers and how purchase orders reach them</caption>
              <thead>
                <tr>
                  <th scope="col">Supplier</th>
                  <th scope="col">Transport</th>
                  <th scope="col">Currency</th>
                  <th scope="col">Answers within</th>
                  <th scope="col">Status</th>
                  {canAct && <th scope="col">Connection</th>}
                </tr>
              </thead>
              <tbody>
                {suppliers.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      {s.name} <span className="muted">{s.id}</span>
                    </th>
                    <td>{s.transport.kind}</td>
                    <td>{s.currency}</td>
                    <td>{s.ackWithinMinutes} minutes</td>
                    <td>{s.paused ? <span className="badge warn">paused</span> : 'active'}</td>
                    {canAct && (
                      <td>
                        <ConnectionTest
                          path={`/api/v1/suppliers/${encodeURIComponent(s.id)}/test`}
                          name={s.name}
                        />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ShowLoaded>
    </>
  );
}
