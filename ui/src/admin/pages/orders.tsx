import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { api, query } from '../../api.ts';
import { formatDateTime, formatMoney, humanize } from '../../format.ts';
import { Field, SelectField } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { Pager, useFilterDraft, useFilteredPages } from '../../paging.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { OrderSummary } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { useChannelNames, usePartners } from '../partners.ts';
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

/** The filters, as the query string of the page. */
const FILTERS = ['q', 'channelId', 'state', 'supplierId', 'from', 'to'] as const;
const PAGE_SIZE = 50;

interface OrderList {
  orders: OrderSummary[];
  next: string | null;
}

/** Orders, the last placed first, a page at a time, filtered and searched by the hub. */
export function OrdersPage() {
  const list = useFilteredPages(FILTERS);
  const { from, to, ...rest } = list.filters;
  const [orders] = useLoad(
    (signal) =>
      api<OrderList>(
        `/api/v1/orders${query({ ...rest, from: startOfDay(from), to: endOfDay(to), before: list.cursor, limit: list.limit ?? PAGE_SIZE })}`,
        { signal },
      ),
    [list.key],
  );

  return (
    <>
      <PageTitle>Orders</PageTitle>
      <Filters list={list} />
      <ShowLoaded loaded={orders}>
        {({ orders, next }) => (
          <>
            <OrdersTable orders={orders} />
            <Pager list={list} next={next} />
          </>
        )}
      </ShowLoaded>
    </>
  );
}

/** The first instant of a day the person picked, in their own time zone (the hub takes instants as given). */
function startOfDay(day: string): string | undefined {
  if (!day) return undefined;
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d!).toISOString();
}

/** The last instant of the day picked: "placed to the 6th" includes the 6th. */
function endOfDay(day: string): string | undefined {
  if (!day) return undefined;
  const [y, m, d] = day.split('-').map(Number);
  return new Date(new Date(y!, m! - 1, d! + 1).getTime() - 1).toISOString();
}

function Filters({ list }: { list: ReturnType<typeof useFilteredPages<(typeof FILTERS)[number]>> }) {
  const { channels, suppliers } = usePartners();
  const [draft, bind] = useFilterDraft(list.filters);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    list.search(draft);
  };
  return (
    <form role="search" className="filters" onSubmit={submit}>
      <div className="search">
        <Field
          label="Search"
          type="search"
          hint="An order number, customer name or email, SKU, or purchase order number."
          {...bind('q')}
        />
      </div>
      <SelectField
        label="Channel"
        empty="Any channel"
        options={channels.map((c) => ({ value: c.id, label: c.name }))}
        {...bind('channelId')}
      />
      <SelectField
        label="State"
        empty="Any state"
        options={ORDER_STATES.map((s) => ({ value: s, label: humanize(s) }))}
        {...bind('state')}
      />
      <SelectField
        label="Supplier"
        empty="Any supplier"
        options={suppliers.map((s) => ({ value: s.id, label: s.name }))}
        {...bind('supplierId')}
      />
      <Field label="Placed from" type="date" {...bind('from')} />
      <Field label="Placed to" type="date" {...bind('to')} />
      <div className="actions">
        <button type="submit" className="primary">
          Search
        </button>
      </div>
    </form>
  );
}

function OrdersTable({ orders }: { orders: OrderSummary[] }) {
  const channelName = useChannelNames();
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
              <td>{channelName(o.channelId)}</td>
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
