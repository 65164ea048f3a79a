import { Link } from 'react-router';
import { api } from '../../api.ts';
import { formatDateTime, formatMinutes } from '../../format.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { Supplier, SupplierCircuit } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { useCanAct } from '../can-act.ts';
import { ConnectionTest } from '../connection-test.tsx';

/** Transports that take the supplier's answers as files: their files are listed, refused ones with why. */
const FILE_TRANSPORTS = new Set(['edi-x12-sftp', 'csv-sftp']);

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
        last 30 days that missed their answer or shipping deadline. A transport marked down failed several
        times in a row: Waybill holds its purchase orders and tries one again at the time shown.
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
                    <td>
                      {s.transport.kind} <CircuitState circuit={s.circuit} />
                      {FILE_TRANSPORTS.has(s.transport.kind) && (
                        <>
                          {' '}
                          <Link to={`/suppliers/${encodeURIComponent(s.id)}/files`}>Files</Link>
                        </>
                      )}
                    </td>
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

/**
 * The transport's circuit breaker: nothing shown while it works; down (open) with since when, when it is tried again
 * and what it last said; or being tried (half open).
 */
function CircuitState({ circuit }: { circuit: SupplierCircuit }) {
  if (circuit.state === 'closed') {
    if (circuit.consecutiveFailures === 0) return null;
    return (
      <div className="muted">
        {circuit.consecutiveFailures} failed in a row: {circuit.lastError}
      </div>
    );
  }
  return (
    <div>
      <span className="badge warn">{circuit.state === 'open' ? 'down' : 'trying again'}</span>{' '}
      <span className="muted">
        since {formatDateTime(circuit.downSince)}
        {circuit.state === 'open' && <>, next try {formatDateTime(circuit.nextProbeAt)}</>}
      </span>
      {circuit.lastError && <div className="muted">{circuit.lastError}</div>}
    </div>
  );
}
