import { Link, useParams } from 'react-router';
import { api, Problem } from '../../api.ts';
import { formatDateTime, formatMoney } from '../../format.ts';
import { ErrorMessage } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { StateBadge } from '../../state-badge.tsx';
import type { PurchaseOrder } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { AcknowledgementForm } from '../acknowledgement-form.tsx';
import { ShipmentForm } from '../shipment-form.tsx';
import { awaitsAnswer, awaitsShipment } from '../stages.ts';

/** One purchase order: its lines, the answer to give when it is new, and a shipment to report when it is accepted. */
export function PurchaseOrderPage() {
  const { poNumber = '' } = useParams();
  const path = `/supplier-api/v1/purchase-orders/${encodeURIComponent(poNumber)}`;
  const [po, reload] = useLoad((signal) => api<PurchaseOrder>(path, { signal }), [path]);
  return (
    <ShowLoaded
      loaded={po}
      failed={(error) =>
        // Another supplier's PO answers 404 too: the portal never tells whether it exists.
        error instanceof Problem && error.status === 404 ? (
          <>
            <PageTitle>Purchase order not found</PageTitle>
            <p>
              There is no purchase order {poNumber} for you. <Link to="/">Back to your purchase orders</Link>.
            </p>
          </>
        ) : (
          <>
            <PageTitle>Purchase order</PageTitle>
            <ErrorMessage>{error.message}</ErrorMessage>
          </>
        )
      }
    >
      {(po) => (
        <>
          <PageTitle>{`Purchase order ${po.poNumber}`}</PageTitle>
          <p>
            <StateBadge state={po.state} />{' '}
            <span className="muted">
              Received {formatDateTime(po.sentAt ?? po.createdAt)}; {formatMoney(po.total)}
              {po.acknowledgedAt
                ? `; answered ${formatDateTime(po.acknowledgedAt)}`
                : po.ackDueAt && `; answer due ${formatDateTime(po.ackDueAt)}`}
            </span>
          </p>
          <p>
            <a href={`${path}/packing-slip`} target="_blank" rel="noopener">
              Packing slip (PDF, opens in a new tab)
            </a>
          </p>
          <PoLines po={po} />
          {awaitsAnswer(po) && <AcknowledgementForm po={po} path={path} onDone={reload} />}
          {(awaitsShipment(po) || po.state === 'shipped') && (
            <ShipmentForm po={po} path={path} onDone={reload} />
          )}
        </>
      )}
    </ShowLoaded>
  );
}

function PoLines({ po }: { po: PurchaseOrder }) {
  return (
    <>
      <h2>Lines</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Your SKU</th>
              <th scope="col" className="number">
                Quantity
              </th>
              <th scope="col" className="number">
                Unit cost
              </th>
              <th scope="col" className="number">
                Shipped
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {po.lines.map((l) => (
              <tr key={l.lineNumber}>
                <th scope="row">{l.lineNumber}</th>
                <td>
                  {l.supplierSku} <span className="muted">({l.sku})</span>
                </td>
                <td className="number">{l.quantity}</td>
                <td className="number">{formatMoney(l.unitCost)}</td>
                <td className="number">{l.shippedQuantity}</td>
                <td>
                  <StateBadge state={l.status} />
                  {l.rejectReason && <span className="muted"> {l.rejectReason}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
