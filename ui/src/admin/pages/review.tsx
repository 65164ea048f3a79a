import { Link } from 'react-router';
import { api, query } from '../../api.ts';
import { formatDateTime } from '../../format.ts';
import { PageTitle } from '../../layout.tsx';
import { Pager, useFilteredPages } from '../../paging.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { HeldOrder } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { OrderActions } from '../order-actions.tsx';
import { useChannelNames } from '../partners.ts';

const NO_FILTERS = [] as const;
const PAGE_SIZE = 50;

/**
 * Orders held for a person, longest held first, a page at a time (the queue's cursor is `after`), with every reason
 * and what can be done about each.
 */
export function ReviewPage() {
  const list = useFilteredPages(NO_FILTERS, { cursorName: 'after' });
  const channelName = useChannelNames();
  const [review, reload] = useLoad(
    (signal) =>
      api<{ orders: HeldOrder[]; next: string | null }>(
        `/api/v1/review${query({ after: list.cursor, limit: list.limit ?? PAGE_SIZE })}`,
        { signal },
      ),
    [list.key],
  );
  return (
    <>
      <PageTitle>Review</PageTitle>
      <ShowLoaded loaded={review}>
        {({ orders, next }) =>
          orders.length === 0 && !list.cursor ? (
            <p>No order is waiting for review.</p>
          ) : (
            <>
              {orders.length === 0 ? (
                <p>No more held orders on this page.</p>
              ) : (
                <div className="table-scroll">
                  <table>
                    <caption>Held orders, longest held first</caption>
                    <thead>
                      <tr>
                        <th scope="col">Order</th>
                        <th scope="col">Channel</th>
                        <th scope="col">Held since</th>
                        <th scope="col">Why</th>
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      {orders.map((o) => (
                        <tr key={o.orderId}>
                          <th scope="row">
                            <Link to={`/orders/${encodeURIComponent(o.orderId)}`}>{o.externalId}</Link>
                          </th>
                          <td>{channelName(o.channelId)}</td>
                          <td>{formatDateTime(o.heldSince)}</td>
                          <td>
                            <ul className="reasons">
                              {o.reasons.map((r) => (
                                <li key={r.check}>{r.message}</li>
                              ))}
                              {o.reasons.length === 0 && o.holdReason && <li>{o.holdReason}</li>}
                            </ul>
                          </td>
                          <td>
                            <OrderActions
                              orderId={o.orderId}
                              name={o.externalId}
                              state="on_hold"
                              onDone={reload}
                            />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <Pager list={list} next={next} />
            </>
          )
        }
      </ShowLoaded>
    </>
  );
}
