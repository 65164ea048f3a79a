import { formatDateTime, formatMoney, humanize } from '../format.ts';
import { StateBadge } from '../state-badge.tsx';
import type { Money, Order } from '../types.ts';

/** The parts of the order page, each a section under its own heading. */

export function LinesTable({ order }: { order: Order }) {
  return (
    <>
      <h2>Lines</h2>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Item</th>
              <th scope="col" className="number">
                Quantity
              </th>
              <th scope="col" className="number">
                Unit price
              </th>
              <th scope="col" className="number">
                Charged
              </th>
              <th scope="col">State</th>
              <th scope="col">Supplier</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((l) => (
              <tr key={l.lineNumber}>
                <th scope="row">{l.lineNumber}</th>
                <td>
                  {l.title ? (
                    <>
                      {l.title} <span className="muted">{l.sku}</span>
                    </>
                  ) : (
                    l.sku
                  )}
                </td>
                <td className="number">{l.quantity}</td>
                <td className="number">{formatMoney(l.unitPrice)}</td>
                <td className="number">{formatMoney(l.money.total)}</td>
                <td>
                  <StateBadge state={l.state} />
                </td>
                <td>{l.supplierId ?? (l.requiresShipping ? '—' : 'not shipped')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function MoneyAsCharged({ order }: { order: Order }) {
  const m = order.money;
  const rows: [string, Money][] = [
    ['Lines', m.subtotal],
    ['Discounts', { ...m.discounts, amount: -m.discounts.amount }],
    ['Shipping', m.shipping],
    ...(m.fees.amount !== 0 ? [['Fees', m.fees] as [string, Money]] : []),
    [m.taxesIncluded ? 'Tax (included)' : 'Tax', m.tax],
    ['Total charged', m.total],
  ];
  return (
    <>
      <h2>Money as charged</h2>
      <dl className="figures">
        {rows.map(([label, money]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{formatMoney(money)}</dd>
          </div>
        ))}
      </dl>
      {m.mismatches.map((x) => (
        <p key={x.figure} className="error">
          The channel&apos;s {x.figure} ({formatMoney({ amount: x.channel, currency: order.currency })}) is
          not the sum of its parts ({formatMoney({ amount: x.parts, currency: order.currency })}).
        </p>
      ))}
    </>
  );
}

export function PurchaseOrders({ order }: { order: Order }) {
  return (
    <>
      <h2>Purchase orders</h2>
      {order.purchaseOrders.length === 0 && <p>None yet.</p>}
      {order.purchaseOrders.map((po) => (
        <section key={po.id} aria-labelledby={`po-${po.id}`}>
          <h3 id={`po-${po.id}`}>
            {po.poNumber} to {po.supplierId} <StateBadge state={po.state} />
          </h3>
          <p className="muted">
            {formatMoney(po.total)}; sent {formatDateTime(po.sentAt)}; acknowledged{' '}
            {formatDateTime(po.acknowledgedAt)}
            {po.ackDueAt && !po.acknowledgedAt && `; answer due ${formatDateTime(po.ackDueAt)}`}
          </p>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">PO line</th>
                  <th scope="col">SKU (supplier&apos;s)</th>
                  <th scope="col" className="number">
                    Quantity
                  </th>
                  <th scope="col" className="number">
                    Shipped
                  </th>
                  <th scope="col" className="number">
                    Unit cost
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {po.lines.map((l) => (
                  <tr key={l.lineNumber}>
                    <th scope="row">{l.lineNumber}</th>
                    <td>
                      {l.sku} <span className="muted">({l.supplierSku})</span>
                    </td>
                    <td className="number">{l.quantity}</td>
                    <td className="number">{l.shippedQuantity}</td>
                    <td className="number">{formatMoney(l.unitCost)}</td>
                    <td>
                      <StateBadge state={l.status} />
                      {l.rejectReason && <span className="muted"> {l.rejectReason}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </>
  );
}

export function Shipments({ order }: { order: Order }) {
  return (
    <>
      <h2>Shipments</h2>
      {order.shipments.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Tracking</th>
                <th scope="col">Carrier</th>
                <th scope="col">Supplier</th>
                <th scope="col">Shipped</th>
                <th scope="col">State</th>
                <th scope="col">Lines</th>
              </tr>
            </thead>
            <tbody>
              {order.shipments.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.trackingNumber}</th>
                  <td>{s.carrier}</td>
                  <td>{s.supplierId}</td>
                  <td>{formatDateTime(s.shippedAt)}</td>
                  <td>
                    <StateBadge state={s.state} />
                  </td>
                  <td>
                    {s.lines.map((l) => `line ${l.orderLineNumber}: ${l.quantity} × ${l.sku}`).join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The plain facts of an event's data (its nested parts are on the API), as "key: value" pairs. */
function facts(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  return Object.entries(data)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .slice(0, 6)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

export function Timeline({ order }: { order: Order }) {
  const events = [...order.events].sort((a, b) => a.seq - b.seq);
  return (
    <>
      <h2>Timeline</h2>
      <ol className="timeline" aria-label="Timeline">
        {events.map((e) => (
          <li key={e.seq}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            <strong>{humanize(e.type)}</strong>
            {e.subject.type !== 'order' && <span className="muted"> ({humanize(e.subject.type)})</span>}
            {facts(e.data) && <div className="muted">{facts(e.data)}</div>}
          </li>
        ))}
      </ol>
    </>
  );
}
