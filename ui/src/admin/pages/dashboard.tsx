import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../../api.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { useLoad } from '../../use-load.ts';
import { OrdersChart } from '../orders-chart.tsx';
import { useChannelNames } from '../partners.ts';

const DAYS = 14;

interface Dashboard {
  attention: {
    reviewQueue: number;
    deadLetters: number;
    overduePurchaseOrders: number;
    channels: { id: string; name: string; reasons: string[] }[];
  };
  ordersPerDay: { day: string; channels: Record<string, number> }[];
}

/** The operator's first screen: what needs a person now, and how orders came in over the last two weeks. */
export function DashboardPage() {
  const [dashboard] = useLoad((signal) => api<Dashboard>(`/api/v1/dashboard?days=${DAYS}`, { signal }), []);
  return (
    <>
      <PageTitle>Dashboard</PageTitle>
      <ShowLoaded loaded={dashboard}>
        {({ attention, ordersPerDay }) => (
          <>
            <div className="cards">
              <Count id="review-count" title="Held for review" count={attention.reviewQueue}>
                <Link to="/review">Open the review queue</Link>
              </Count>
              <Count id="dead-count" title="Dead letters" count={attention.deadLetters}>
                <Link to="/dead-letters">Open the dead letters</Link>
              </Count>
              <Count
                id="overdue-count"
                title="Purchase orders overdue"
                count={attention.overduePurchaseOrders}
              >
                <span className="muted">Past their answer or shipping deadline</span>
              </Count>
            </div>
            {attention.channels.length > 0 && (
              <>
                <h2>Channels that need action</h2>
                <ul>
                  {attention.channels.map((c) => (
                    <li key={c.id}>
                      <Link to="/channels">{c.name}</Link>: {c.reasons.join('; ')}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <OrdersPerDay days={ordersPerDay} />
          </>
        )}
      </ShowLoaded>
    </>
  );
}

function Count({
  id,
  title,
  count,
  children,
}: {
  id: string;
  title: string;
  count: number;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <span className="count">{count}</span>
      {children}
    </section>
  );
}

function OrdersPerDay({ days }: { days: Dashboard['ordersPerDay'] }) {
  const nameOf = useChannelNames();
  return (
    <section aria-labelledby="orders-per-day">
      <h2 id="orders-per-day">Orders per day</h2>
      <OrdersChart days={days} nameOf={nameOf} />
    </section>
  );
}
