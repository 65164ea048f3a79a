import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { api, query } from '../../api.ts';
import { formatDateTime, formatMoney } from '../../format.ts';
import { Field, SelectField } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { Pager, useFilterDraft, useFilteredPages } from '../../paging.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { StateBadge } from '../../state-badge.tsx';
import type { PurchaseOrder } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { STAGES } from '../stages.ts';

interface PoPage {
  purchaseOrders: PurchaseOrder[];
  next: string | null;
}

const FILTERS = ['state', 'q'] as const;

/** The supplier's purchase orders, newest first, by stage (new, acknowledged, to ship, shipped) and searched. */
export function PurchaseOrdersPage() {
  const list = useFilteredPages(FILTERS);
  const [page] = useLoad(
    (signal) =>
      api<PoPage>(
        `/supplier-api/v1/purchase-orders${query({ ...list.filters, before: list.cursor, limit: list.limit ?? 50 })}`,
        {
          signal,
        },
      ),
    [list.key],
  );
  const [draft, bind] = useFilterDraft(list.filters);
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    list.search(draft);
  };

  return (
    <>
      <PageTitle>Purchase orders</PageTitle>
      <form role="search" className="filters" onSubmit={search}>
        <SelectField
          label="Stage"
          empty="All"
          options={STAGES.map((s) => ({ value: s.id, label: s.label }))}
          {...bind('state')}
        />
        <Field label="Search" type="search" hint="A PO number (or its start), or a SKU." {...bind('q')} />
        <div className="actions">
          <button type="submit" className="primary">
            Search
          </button>
        </div>
      </form>
      <ShowLoaded loaded={page}>
        {({ purchaseOrders, next }) => (
          <>
            <PoTable purchaseOrders={purchaseOrders} />
            <Pager list={list} next={next} />
          </>
        )}
      </ShowLoaded>
    </>
  );
}

function PoTable({ purchaseOrders }: { purchaseOrders: PurchaseOrder[] }) {
  if (purchaseOrders.length === 0) return <p>No purchase order matches.</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption>Purchase orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">PO number</th>
            <th scope="col">Received</th>
            <th scope="col">State</th>
            <th scope="col" className="number">
              Lines
            </th>
            <th scope="col" className="number">
              Total
            </th>
            <th scope="col">Answer due</th>
          </tr>
        </thead>
        <tbody>
          {purchaseOrders.map((po) => (
            <tr key={po.id}>
              <th scope="row">
                <Link to={`/purchase-orders/${encodeURIComponent(po.poNumber)}`}>{po.poNumber}</Link>
              </th>
              <td>{formatDateTime(po.sentAt ?? po.createdAt)}</td>
              <td>
                <StateBadge state={po.state} />
              </td>
              <td className="number">{po.lines.length}</td>
              <td className="number">{formatMoney(po.total)}</td>
              <td>{po.acknowledgedAt ? '—' : formatDateTime(po.ackDueAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
