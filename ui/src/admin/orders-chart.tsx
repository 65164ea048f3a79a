import { useId } from 'react';

/** One day's orders by channel id, as GET /api/v1/dashboard answers them (oldest day first). */
export interface DayCounts {
  day: string;
  channels: Record<string, number>;
}

// Each at least 3:1 against white (WCAG's non-text contrast), and told apart by more than hue alone: the legend and
// the table name them.
const COLOURS = ['#1f5fbf', '#b35c00', '#1b6e3a', '#7b3fa0', '#a3165a', '#00707a', '#5c5c5c'];
const WIDTH = 720;
const HEIGHT = 240;
const AXIS = { left: 36, bottom: 28, top: 8, right: 8 };

/**
 * Orders per day as a stacked bar chart (SVG, no library), one colour per channel, named by the channels' names.
 * The picture is one image to a screen reader, labelled with what it shows and its total; the same numbers follow
 * as a table under a disclosure, for reading them exactly.
 *
 * @example
 * <OrdersChart days={dashboard.ordersPerDay} nameOf={(id) => names.get(id) ?? id} />
 */
export function OrdersChart({ days, nameOf }: { days: readonly DayCounts[]; nameOf(id: string): string }) {
  const captionId = useId();
  const summaryId = useId();
  const channels = [...new Set(days.flatMap((d) => Object.keys(d.channels)))].sort((a, b) =>
    nameOf(a).localeCompare(nameOf(b)),
  );
  const totals = days.map((d) => Object.values(d.channels).reduce((a, b) => a + b, 0));
  const all = totals.reduce((a, b) => a + b, 0);
  const busiest = totals.indexOf(Math.max(0, ...totals));
  const top = niceCeiling(Math.max(0, ...totals));
  const plotWidth = WIDTH - AXIS.left - AXIS.right;
  const plotHeight = HEIGHT - AXIS.top - AXIS.bottom;
  const slot = plotWidth / Math.max(1, days.length);
  const y = (count: number) => AXIS.top + plotHeight - (count / top) * plotHeight;
  // A label under every day when they fit, else under every other (or fewer).
  const labelEvery = Math.ceil(44 / slot);

  return (
    <figure className="chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        Orders placed per day (UTC) and channel, the last {days.length} days
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${captionId} ${summaryId}`}
        preserveAspectRatio="xMinYMin meet"
      >
        <desc id={summaryId}>
          {all === 0
            ? 'No orders in these days.'
            : `${all} orders in all; the most, ${totals[busiest]}, on ${days[busiest]?.day}.`}
        </desc>
        {[0, top / 2, top].map((tick) => (
          <g key={tick}>
            <line x1={AXIS.left} x2={WIDTH - AXIS.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={AXIS.left - 6} y={y(tick) + 4} textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          let base = 0;
          const x = AXIS.left + i * slot + slot * 0.15;
          return (
            <g key={d.day}>
              {channels.map((c, k) => {
                const count = d.channels[c] ?? 0;
                if (count === 0) return null;
                const bar = (
                  <rect
                    key={c}
                    x={x}
                    width={slot * 0.7}
                    y={y(base + count)}
                    height={y(base) - y(base + count)}
                    fill={COLOURS[k % COLOURS.length]}
                  >
                    <title>{`${d.day}, ${nameOf(c)}: ${count}`}</title>
                  </rect>
                );
                base += count;
                return bar;
              })}
              {i % labelEvery === 0 && (
                <text x={x + slot * 0.35} y={HEIGHT - 10} textAnchor="middle">
                  {shortDay(d.day)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ul className="legend" aria-label="Channels">
        {channels.map((c, k) => (
          <li key={c}>
            <span className="swatch" style={{ background: COLOURS[k % COLOURS.length] }} aria-hidden="true" />
            {nameOf(c)}
          </li>
        ))}
      </ul>
      <details>
        <summary>The numbers, as a table</summary>
        <div className="table-scroll">
          <table>
            <caption>Orders placed per day (UTC) and channel</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {channels.map((c) => (
                  <th key={c} scope="col" className="number">
                    {nameOf(c)}
                  </th>
                ))}
                <th scope="col" className="number">
                  All
                </th>
              </tr>
            </thead>
            <tbody>
              {[...days].reverse().map((d, i) => (
                <tr key={d.day}>
                  <th scope="row">{d.day}</th>
                  {channels.map((c) => (
                    <td key={c} className="number">
                      {d.channels[c] ?? 0}
                    </td>
                  ))}
                  <td className="number">{totals[days.length - 1 - i]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** The axis' top: the highest count rounded up to 2, 4, 10, 20, 40, 100… so that its half is a whole number too. */
function niceCeiling(max: number): number {
  if (max <= 2) return 2;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 4, 10].map((m) => m * magnitude).find((m) => m >= max);
  return step ?? 10 * magnitude;
}

/** `2026-12-05` → `Dec 5`: the day as written in UTC, not moved into the browser's time zone. */
function shortDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}
