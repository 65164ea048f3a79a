/** Drives order intake with autocannon from this process (it shares the machine's cores with the hub). */
import autocannon from 'autocannon';
import { CHANNEL_ID } from './catalog.ts';

export interface LoadOptions {
  url: string;
  apiKey: string;
  connections: number;
  durationS: number;
  nextOrder: () => string;
}

export interface LoadOutcome {
  /** 201s: orders the hub says it committed. */
  created: number;
  /** 2xx other than 201 (a 200 would mean a duplicate externalId: the bench's mistake, not the hub's). */
  other2xx: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Every status code seen and how often, to say what the non-201s were. */
  statuses: Record<string, number>;
  /**
   * Requests sent whose answer never came back: autocannon closes its connections when the time is up, with (at
   * most) one request in flight on each. The hub still takes those orders in, so the database holds them too.
   */
  abandoned: number;
  durationS: number;
  ordersPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds the load generator (this process) used during the run. */
  loadCpuS: number;
}

export async function driveOrders(options: LoadOptions): Promise<LoadOutcome> {
  const cpuBefore = process.cpuUsage();
  let sent = 0;
  // autocannon builds each request right before writing it, so a build is a request sent. A fresh body every
  // time: every request is a distinct order.
  const nextRequest = (request: autocannon.Request): autocannon.Request => {
    sent += 1;
    return { ...request, body: options.nextOrder() };
  };
  const result = await autocannon({
    url: `${options.url}/api/v1/channels/${CHANNEL_ID}/orders`,
    connections: options.connections,
    duration: options.durationS,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
    requests: [{ setupRequest: nextRequest }],
  });
  const cpu = process.cpuUsage(cpuBefore);
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
  );
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  const created = statuses['201'] ?? 0;
  return {
    created,
    other2xx: result['2xx'] - created,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
    abandoned: sent - answered,
    durationS: result.duration,
    ordersPerS: created / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    loadCpuS: (cpu.user + cpu.system) / 1e6,
  };
}
