import { formatDateTime, formatMoney, humanize } from '../format.ts';
import type { Money, Order, Supplier, TimelineEvent } from '../types.ts';
import { usePartners } from './partners.ts';

/**
 * One candidate as the timeline records it (src/app/place-lines.ts `describeRoute`): the offer weighed, and what the
 * routing engine made of it. Older events lack the later measures.
 */
interface Candidate {
  supplierId: string;
  priority?: number;
  /** The offer's cost of one unit. */
  cost?: Money;
  eligible: boolean;
  reason: string;
  /** Item cost × quantity + drop-ship fee + shipping estimate, in minor units of the cost's currency. */
  landedCost?: number;
  leadDays?: number;
  score?: number;
  /** 0 ships from the destination's region, 1 its country, 2 abroad or unknown. */
  zone?: number;
}

/** A line's decision as the timeline's events record it (`routes` in their data). */
interface RouteExplained {
  line: number;
  outcome: string;
  supplierId: string | null;
  reason: string;
  candidates?: Candidate[];
}

/** Each line's latest routing decision, read from the timeline's events that carry `routes`. */
function latestRoutes(events: readonly TimelineEvent[]): Map<number, RouteExplained & { at: string }> {
  const byLine = new Map<number, RouteExplained & { at: string }>();
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const routes = (event.data as { routes?: RouteExplained[] } | null)?.routes;
    if (Array.isArray(routes)) for (const r of routes) byLine.set(r.line, { ...r, at: event.at });
  }
  return byLine;
}

/**
 * How each line was routed: the outcome, the supplier, why (the winner's measure by the rules' objective), and every
 * candidate the decision weighed, eligible or not and why, under a disclosure per line.
 */
export function Routing({ order }: { order: Order }) {
  const { suppliers } = usePartners();
  const routes = [...latestRoutes(order.events).values()];
  return (
    <>
      <h2>Routing</h2>
      {routes.length === 0 ? (
        <p>No line has been routed yet.</p>
      ) : (
        <>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Supplier</th>
                  <th scope="col">Why</th>
                  <th scope="col">Decided</th>
                </tr>
              </thead>
              <tbody>
                {routes.map((r) => (
                  <tr key={r.line}>
                    <th scope="row">{r.line}</th>
                    <td>{humanize(r.outcome)}</td>
                    <td>{r.supplierId ?? '—'}</td>
                    <td>{r.reason}</td>
                    <td>{formatDateTime(r.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {routes.map(
            (r) =>
              r.candidates &&
              r.candidates.length > 0 && (
                <Candidates key={r.line} route={r} candidates={r.candidates} suppliers={suppliers} />
              ),
          )}
        </>
      )}
    </>
  );
}

const ZONES = ['same region', 'same country', 'farther'];

function Candidates({
  route,
  candidates,
  suppliers,
}: {
  route: RouteExplained;
  candidates: Candidate[];
  suppliers: Supplier[];
}) {
  const name = (id: string) => suppliers.find((s) => s.id === id)?.name ?? id;
  const landed = (c: Candidate) =>
    c.cost && c.landedCost !== undefined
      ? formatMoney({ amount: c.landedCost, currency: c.cost.currency })
      : '—';
  const zones = candidates.some((c) => c.zone !== undefined);
  return (
    <details className="candidates">
      <summary>
        Line {route.line}: the {candidates.length === 1 ? 'one candidate' : `${candidates.length} candidates`}
      </summary>
      <div className="table-scroll">
        <table>
          <caption>Candidates for line {route.line}</caption>
          <thead>
            <tr>
              <th scope="col">Supplier</th>
              <th scope="col">Eligible</th>
              <th scope="col" className="number">
                Priority
              </th>
              <th scope="col" className="number">
                Landed cost
              </th>
              <th scope="col" className="number">
                Ships in
              </th>
              <th scope="col" className="number">
                Score
              </th>
              {zones && <th scope="col">Ships from</th>}
            </tr>
          </thead>
          <tbody>
            {candidates.map((c) => (
              <tr key={c.supplierId}>
                <th scope="row">
                  {name(c.supplierId)}
                  {c.supplierId === route.supplierId && (
                    <>
                      {' '}
                      <span className="badge">chosen</span>
                    </>
                  )}
                </th>
                <td>{c.eligible ? 'yes' : `no: ${c.reason}`}</td>
                <td className="number">{c.priority ?? '—'}</td>
                <td className="number">{landed(c)}</td>
                <td className="number">
                  {c.leadDays === undefined ? '—' : `${c.leadDays} ${c.leadDays === 1 ? 'day' : 'days'}`}
                </td>
                <td className="number">{c.score ?? '—'}</td>
                {zones && <td>{c.zone === undefined ? '—' : (ZONES[c.zone] ?? '—')}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
