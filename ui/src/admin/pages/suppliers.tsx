import { api } from '../../api.ts';
import { formatMinutes } from '../../format.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { Supplier } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { useCanAct } from '../can-act.ts';
import { ConnectionTest } from '../connection-test.tsx';

/**
 * The suppliers: how purchase orders reach each, what it agreed to (an answer within so long; paused or not), and how
 * it keeps to it: its open purchase orders and those of the last 30 days that missed a deadline.
 */
export function SuppliersPage() {
  const canAct = useCanAct();
  const [suppliers] = useLoad(
    (signal) => api<{ suppliers: Supplier[] }>('/api/v1/suppliers', { signal }),
    [],
  );
  return (
    <>
      <PageTitle>Suppliers</PageTitle>
      <p className="muted">
        Open: purchase orders not yet answered, or accepted and not all shipped. Late: purchase orders of the
        last 30 days that missed their answer or shipping deadline.
      </p>
      <ShowLoaded loaded={suppliers}>
        {({ suppliers }) => (
          <div className="table-scroll">
            <table>
              <caption>Suppliers and how they keep to their agreement</caption>
              <thead>
                <tr>
                  <th scope="col">Supplier</th>
                  <th scope="col">Transport</th>
                  <th scope="col">Currency</th>
                  <th scope="col">Agreement</th>
                  <th scope="col" className="number">
                    Open POs
                  </th>
                  <th scope="col" className="number">
                    Late, 30 days
                  </th>
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
                    <td>
                      answers within {formatMinutes(s.ackWithinMinutes)}
                      {s.paused && (
                        <>
                          {' '}
                          <span className="badge warn">paused</span>
                        </>
                      )}
                    </td>
                    <td className="number">{s.openPurchaseOrders}</td>
                    <td className="number">
                      {s.slaMisses30d > 0 ? <span className="badge warn">{s.slaMisses30d}</span> : 0}
                    </td>
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
