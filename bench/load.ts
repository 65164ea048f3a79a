/** Drives one POST route with autocannon from this process (it shares the machine's cores with the hub). */
import autocannon from 'autocannon';
import { CHANNEL_ID } from './catalog.ts';

/** One request's body and the headers that belong to it alone (a signature, a delivery id). */
export interface NextRequest {
  body: string | Buffer;
  headers?: Record<string, string>;
}

export interface LoadOptions {
  url: string;
  path: string;
  /** Headers every request carries. */
  headers: Record<string, string>;
  /** The status a success answers with (201 for an order, 200 for a webhook delivery). */
  successStatus: number;
  connections: number;
  durationS: number;
  next: () => NextRequest;
}

export interface LoadOutcome {
  /** Answers with the success status: units of work the hub says it committed. */
  succeeded: number;
  /** 2xx other than the success status (a 200 on the intake route would mean a duplicate: the bench's mistake). */
  other2xx: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Every status code seen and how often, to say what the failures were. */
  statuses: Record<string, number>;
  /**
   * Requests sent whose answer never came back: autocannon closes its connections when the time is up, with (at
   * most) one request in flight on each. The hub still takes those in, so the database holds them too.
   */
  abandoned: number;
  durationS: number;
  succeededPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds the load generator (this process) used during the run. */
  loadCpuS: number;
}

export async function drive(options: LoadOptions): Promise<LoadOutcome> {
  const cpuBefore = process.cpuUsage();
  let sent = 0;
  // autocannon builds each request right before writing it, so a build is a request sent.
  const nextRequest = (request: autocannon.Request): autocannon.Request => {
    sent += 1;
    const { body, headers } = options.next();
    return headers ? { ...request, body, headers: { ...request.headers, ...headers } } : { ...request, body };
  };
  const result = await autocannon({
    url: `${options.url}${options.path}`,
    connections: options.connections,
    duration: options.durationS,
    method: 'POST',
    headers: options.headers,
    requests: [{ setupRequest: nextRequest }],
  });
  const cpu = process.cpuUsage(cpuBefore);
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
  );
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  const succeeded = statuses[String(options.successStatus)] ?? 0;
  const success2xx = options.successStatus >= 200 && options.successStatus < 300 ? succeeded : 0;
  return {
    succeeded,
    other2xx: result['2xx'] - success2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
    abandoned: sent - answered,
    durationS: result.duration,
    succeededPerS: succeeded / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    loadCpuS: (cpu.user + cpu.system) / 1e6,
  };
}

/** Order intake through the operator API: a fresh order (distinct externalId) every request, answered 201. */
export function driveOrders(options: {
  url: string;
  apiKey: string;
  connections: number;
  durationS: number;
  nextOrder: () => string;
}): Promise<LoadOutcome> {
  return drive({
    url: options.url,
    path: `/api/v1/channels/${CHANNEL_ID}/orders`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
    successStatus: 201,
    connections: options.connections,
    durationS: options.durationS,
    next: () => ({ body: options.nextOrder() }),
  });
}
