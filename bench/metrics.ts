/** Just enough of the Prometheus text format to read the hub's /metrics. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value: Number(match[3]) });
  }
  return samples;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
  return labels;
}

/** The sum of every sample of `name` whose labels include `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** What the bench reads from the hub: counters are cumulative, so the run's share is the difference of two reads. */
export interface HubCounters {
  cpuSeconds: number;
  unitsPerBatch: number;
  /** Server-side time of the measured route's successes (seconds, summed) and how many there were. */
  routeSeconds: number;
  routeCount: number;
  eventLoopLagP99S: number;
}

/** The labels of one route's successes in waybill_http_request_duration_seconds. */
export interface RouteLabels {
  method: string;
  route: string;
  status: string;
}

export const INTAKE_ROUTE: RouteLabels = {
  method: 'POST',
  route: '/api/v1/channels/:channelId/orders',
  status: '201',
};
export const SHOPIFY_WEBHOOK_ROUTE: RouteLabels = {
  method: 'POST',
  route: '/webhooks/shopify/:channelId',
  status: '200',
};

export function hubCounters(text: string, route: RouteLabels): HubCounters {
  const samples = parsePrometheus(text);
  const labels = { ...route };
  return {
    cpuSeconds: sumOf(samples, 'process_cpu_seconds_total'),
    unitsPerBatch: sumOf(samples, 'waybill_commit_units_per_batch'),
    routeSeconds: sumOf(samples, 'waybill_http_request_duration_seconds_sum', labels),
    routeCount: sumOf(samples, 'waybill_http_request_duration_seconds_count', labels),
    eventLoopLagP99S: sumOf(samples, 'nodejs_eventloop_lag_p99_seconds'),
  };
}

/** Just the hub's CPU seconds (the stock fan-out measures nothing else from /metrics). */
export function hubCpuSeconds(text: string): number {
  return sumOf(parsePrometheus(text), 'process_cpu_seconds_total');
}
