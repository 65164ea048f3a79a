import { Link, useParams } from 'react-router';
import { api, Problem } from '../../api.ts';
import { formatDateTime, formatMoney } from '../../format.ts';
import { ErrorMessage } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { StateBadge } from '../../state-badge.tsx';
import type { Order } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { AddressCorrection } from '../address-correction.tsx';
import { OrderActions } from '../order-actions.tsx';
import { useChannelNames } from '../partners.ts';
import { LinesTable, MoneyAsCharged, PurchaseOrders, Shipments, Timeline } from '../order-sections.tsx';
import { Routing } from '../routing-section.tsx';

/** One order, all of it: lines, money as charged, purchase orders, shipments, how each line was routed, its timeline. */
export function OrderPage() {
  const { orderId = '' } = useParams();
  const channelName = useChannelNames();
  const [order, reload] = useLoad(
    (signal) => api<Order>(`/api/v1/orders/${encodeURIComponent(orderId)}`, { signal }),
    [orderId],
  );
  return (
    <ShowLoaded
      loaded={order}
      failed={(error) =>
        error instanceof Problem && error.status === 404 ? (
          <>
            <PageTitle>Order not found</PageTitle>
            <p>
              There is no order {orderId}. <Link to="/orders">Back to the orders</Link>.
            </p>
          </>
        ) : (
          <>
            <PageTitle>Order</PageTitle>
            <ErrorMessage>{error.message}</ErrorMessage>
          </>
        )
      }
    >
      {(o) => (
        <>
          <div className="page-head">
            <PageTitle>{`Order ${o.externalId}`}</PageTitle>
            <OrderActions
              orderId={o.id}
              name={o.externalId}
              state={o.state}
              lines={o.lines}
              onDone={reload}
            />
          </div>
          <p>
            <StateBadge state={o.state} /> {o.holdReason && <span>Held: {o.holdReason}. </span>}
            <span className="muted">
              From {channelName(o.channelId)}, placed {formatDateTime(o.placedAt)}; {formatMoney(o.total)}.
              Waybill id {o.id}.
            </span>
          </p>
          <h2>Customer</h2>
          <p>
            {o.customer.name ?? o.shippingAddress.name} · {o.customer.email}
            {o.customer.phone && ` · ${o.customer.phone}`}
            <br />
            Ships to {o.shippingAddress.name}, {o.shippingAddress.line1}
            {o.shippingAddress.line2 && `, ${o.shippingAddress.line2}`}, {o.shippingAddress.city}
            {o.shippingAddress.region && `, ${o.shippingAddress.region}`} {o.shippingAddress.postalCode},{' '}
            {o.shippingAddress.country}
          </p>
          <AddressCorrection order={o} onDone={reload} />
          <LinesTable order={o} />
          <MoneyAsCharged order={o} />
          <Routing order={o} />
          <PurchaseOrders order={o} />
          <Shipments order={o} />
          <Timeline order={o} />
        </>
      )}
    </ShowLoaded>
  );
}
