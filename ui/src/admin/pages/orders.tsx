import type { FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { api, query } from '../../api.ts';
import { formatDateTime, formatMoney, humanize } from '../../format.ts';
import { Field, SelectField } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { OrderSummary } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { usePartners } from '../partners.ts';
import { StateBadge } from '../../state-badge.tsx';

export const ORDER_STATES = [
  'received',
  'awaiting_payment',
  'on_hold',
  'routed',
  'partially_fulfilled',
  'fulfilled',
  'completed',
  'cancelled',
] as const;

/** The filters, as the query string of the page and of GET /api/v1/orders alike. */
const FILTERS = ['q', 'channelId', 'state', 'supplierId', 'from', 'to'] as const;
const PAGE_SIZE = 50;

interface OrderList {
  orders: OrderSummary[];
  next: string | null;
}

/**
 * Orders, newest first, a page at a time. The filters and the page's cursor live in the address, so a filtered list
 * can be bookmarked and Back goes where it should; the cursors of the pages before ride in the history entry.
 */
export function OrdersPage() {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const trail = (location.state as { trail?: string[] } | null)?.trail ?? [];
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? '']));
  const before = params.get('before') ?? '';
  const [orders] = useLoad(
    (signal) =>
      api<OrderList>(`/api/v1/orders${query({ ...filters, before, limit: PAGE_SIZE })}`, { signal }),
    [params.toString()],
  );

  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };

  const page = (cursor: string, nextTrail: string[]) => {
    const next = new URLSearchParams(params);
    if (cursor) next.set('before', cursor);
    else next.delete('before');
    setParams(next, { state: { trail: nextTrail } });
  };

  return (
    <>
      <PageTitle>Orders</PageTitle>
      <Filters values={filters} onSubmit={search} />
      <ShowLoaded loaded={orders}>
        {({ orders, next }) => (
          <>
            <OrdersTable orders={orders} />
            <nav className="pager" aria-label="Pages">
              <button
                type="button"
                disabled={!before}
                onClick={() => page(trail.at(-1) ?? '', trail.slice(0, -1))}
              >
                Previous
              </button>
              <button type="button" disabled={!next} onClick={() => next && page(next, [...trail, before])}>
                Next
              </button>
            </nav>
          </>
        )}
      </ShowLoaded>
    </>
  );
}

function Filters({
  values,
  onSubmit,
}: {
  values: Record<string, string>;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
}) {
  const { channels, suppliers, ready } = usePartners();
  // Uncontrolled: set again from the address when it changes (Back), and once the pickers' choices have come.
  const key = [ready, ...Object.values(values)].join('|');
  return (
    <form key={key} role="search" className="filters" onSubmit={onSubmit}>
      <div className="search">
        <Field
          label="Search"
          name="q"
          type="search"
          defaultValue={values.q}
          hint="An order number, customer name or email, SKU, or purchase order number."
        />
      </div>
      <SelectField
        label="Channel"
        name="channelId"
        defaultValue={values.channelId}
        empty="Any channel"
        options={channels.map((c) => ({ value: c.id, label: c.name }))}
      />
      <SelectField
        label="State"
        name="state"
        defaultValue={values.state}
        empty="Any state"
        options={ORDER_STATES.map((s) => ({ value: s, label: humanize(s) }))}
      />
      <SelectField
        label="Supplier"
        name="supplierId"
        defaultValue={values.supplierId}
        empty="Any supplier"
        options={suppliers.map((s) => ({ value: s.id, label: s.name }))}
      />
      <Field label="Placed from" name="from" type="date" defaultValue={values.from} />
      <Field label="Placed to" name="to" type="date" defaultValue={values.to} />
      <div className="actions">
        <button type="submit" className="primary">
          Search
        </button>
      </div>
    </form>
  );
}

function OrdersTable({ orders }: { orders: OrderSummary[] }) {
  if (orders.length === 0) return <p>No orders match.</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption>Orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Channel</th>
            <th scope="col">Placed</th>
            <th scope="col">State</th>
            <th scope="col" className="number">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id}>
              <th scope="row">
                <Link to={`/orders/${encodeURIComponent(o.id)}`}>{o.externalId}</Link>
              </th>
              <td>{o.channelId}</td>
              <td>{formatDateTime(o.createdAt)}</td>
              <td>
                <StateBadge state={o.state} />
                {o.holdReason && <span className="muted"> {o.holdReason}</span>}
              </td>
              <td className="number">{formatMoney(o.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
