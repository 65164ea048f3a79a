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
  /** Server-side time of the intake route's 201s (seconds, summed) and how many there were. */
  intakeSeconds: number;
  intakeCount: number;
  eventLoopLagP99S: number;
}

const INTAKE = { method: 'POST', route: '/api/v1/channels/:channelId/orders', status: '201' };

export function hubCounters(text: string): HubCounters {
  const samples = parsePrometheus(text);
  return {
    cpuSeconds: sumOf(samples, 'process_cpu_seconds_total'),
    unitsPerBatch: sumOf(samples, 'waybill_commit_units_per_batch'),
    intakeSeconds: sumOf(samples, 'waybill_http_request_duration_seconds_sum', INTAKE),
    intakeCount: sumOf(samples, 'waybill_http_request_duration_seconds_count', INTAKE),
    eventLoopLagP99S: sumOf(samples, 'nodejs_eventloop_lag_p99_seconds'),
  };
}
