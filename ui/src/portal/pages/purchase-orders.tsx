import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, messageOf, query } from '../../api.ts';
import { formatDateTime, formatMoney } from '../../format.ts';
import { ErrorMessage, Field, SelectField } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { StateBadge } from '../../state-badge.tsx';
import type { PurchaseOrder } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { inStage, STAGES, type Stage } from '../stages.ts';

interface PoPage {
  purchaseOrders: PurchaseOrder[];
  next: string | null;
}

/**
 * The supplier's purchase orders, newest first, by stage (new, acknowledged, to ship, shipped) and searched by PO
 * number or SKU. The hub filters by one state at a time and a stage spans several, so the stage and the search are
 * applied here, to the pages loaded so far ("Load more" brings the next).
 */
export function PurchaseOrdersPage() {
  const [params, setParams] = useSearchParams();
  const stage = (params.get('stage') ?? '') as Stage | '';
  const search = params.get('q') ?? '';
  const [extra, setExtra] = useState<{ pages: PurchaseOrder[]; next: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [first] = useLoad(
    (signal) => api<PoPage>(`/supplier-api/v1/purchase-orders${query({ limit: 100 })}`, { signal }),
    [],
  );

  const loadMore = async (before: string) => {
    setMoreError(null);
    try {
      const page = await api<PoPage>(`/supplier-api/v1/purchase-orders${query({ limit: 100, before })}`);
      setExtra((e) => ({ pages: [...(e?.pages ?? []), ...page.purchaseOrders], next: page.next }));
    } catch (error) {
      setMoreError(messageOf(error));
    }
  };

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <PageTitle>Purchase orders</PageTitle>
      <form role="search" className="filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Stage"
          value={stage}
          onChange={(e) => setFilter('stage', e.target.value)}
          empty="All"
          options={STAGES.map((s) => ({ value: s.id, label: s.label }))}
        />
        <Field
          label="Search"
          type="search"
          value={search}
          onChange={(e) => setFilter('q', e.target.value)}
          hint="A PO number or SKU."
        />
      </form>
      <ShowLoaded loaded={first}>
        {(page) => {
          const all = [...page.purchaseOrders, ...(extra?.pages ?? [])];
          const next = extra ? extra.next : page.next;
          const shown = all.filter((po) => (!stage || inStage(po, stage)) && matches(po, search));
          return (
            <>
              <PoTable purchaseOrders={shown} />
              <ErrorMessage>{moreError}</ErrorMessage>
              {next && (
                <button type="button" onClick={() => loadMore(next)}>
                  Load more
                </button>
              )}
            </>
          );
        }}
      </ShowLoaded>
    </>
  );
}

function matches(po: PurchaseOrder, search: string): boolean {
  const s = search.trim().toLowerCase();
  if (!s) return true;
  return (
    po.poNumber.toLowerCase().includes(s) ||
    po.lines.some((l) => l.sku.toLowerCase().includes(s) || l.supplierSku.toLowerCase().includes(s))
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
