/**
 * Plumbing shared by the simulators of outside systems (suppliers, storefronts). Demo and test use only: nothing
 * on the production path imports this. Signature checking is written from docs/wire-formats.md on purpose rather
 * than imported from src/, so a simulator catches a hub that drifts from the documented contract.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

/** How far a signature timestamp may be from our clock (the doc: "refuse a timestamp more than 5 minutes old"). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

const MAX_BODY_BYTES = 1024 * 1024;

/** A deterministic PRNG (mulberry32): the same seed replays the same failures, delays and tracking numbers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Folds a seed and a key into a new seed, so per-item randomness does not depend on the order items arrive in. */
export function deriveSeed(seed: number, key: string | number): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0);
}

/** One item of a non-empty list, drawn from the stream (one draw). */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/**
 * Checks `X-Waybill-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Several v1
 * values are allowed (one may match) so a secret can be rotated. A timestamp too far in the future is refused as
 * well, or a forged-ahead clock would stretch the replay window.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return false;
  if (Math.abs(nowSeconds - Number(parsed.t)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${parsed.t}.`).update(rawBody).digest('hex'),
  );
  return parsed.v1.some((given) => {
    const candidate = Buffer.from(given.toLowerCase());
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}

function parseSignatureHeader(header: string | undefined): { t: string; v1: string[] } | undefined {
  if (!header) return undefined;
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = value;
    else if (key === 'v1' && value) v1.push(value);
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

/** A count a caller passes in (attempts, a timeout, a quantity): refused unless a whole number of at least 1. */
export function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/**
 * Appends `times` copies of an item to the queue under `key`: a fault or hook that meets the next `times` calls
 * (each call takes one with `queues.get(key)?.shift()`).
 */
export function queueRepeated<K, V>(queues: Map<K, V[]>, key: K, item: V, times: number): void {
  const queue = queues.get(key) ?? [];
  queues.set(key, [...queue, ...Array.from({ length: positiveInteger(times, 'times') }, () => item)]);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A single-valued request header; a repeated one counts as absent, since it cannot be trusted either way. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The raw body bytes: signatures are over exactly these, so they must be read before any JSON parsing. Read from the
 * stream's events rather than `for await`, whose promise per chunk costs more than the rest of a small request.
 * Refused (and the request destroyed) past `maxBytes`; a request that closes before its end is refused too.
 */
export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  // Listeners passed inline and left on the request (settling twice does nothing): a named closure costs a
  // defineProperty of its name under tsx, on every request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else {
        req.destroy();
        reject(new Error('request body too large'));
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
    // 'close' follows every request: an Error (its stack) only for one that did not arrive whole.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request closed before its body ended'));
    });
  });
}

export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A TCP port free on 127.0.0.1 right now (for a process that must be told its port before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** Listens on 127.0.0.1 (port 0 = ephemeral) and returns the port actually bound. */
export function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops the server, dropping open sockets too: a simulated timeout holds one open on purpose. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Waits, but wakes up early (without throwing) when the simulator closes. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

/** Exponential back-off: 100 ms, 200 ms, 400 ms … capped. */
export function backoffMs(attempt: number, capMs: number): number {
  return Math.min(100 * 2 ** attempt, capMs);
}

export type CallbackOutcome =
  { kind: 'done'; status: number } | { kind: 'gave-up'; status: number; body: string } | { kind: 'closed' };

export interface CallbackRequest {
  /** Re-read on every attempt: the hub may move (setHubUrl) while we are retrying. */
  url: () => string;
  headers: Record<string, string>;
  body: string;
  /** Aborted when the simulator closes; ends the retries. */
  signal: AbortSignal;
}

const CALLBACK_ATTEMPT_TIMEOUT_MS = 5_000;
const CALLBACK_BACKOFF_CAP_MS = 2_000;

/**
 * POSTs until the hub settles the call. The hub may be down (it is kill -9'd and restarted in the crash test), so
 * connection errors, timeouts, 5xx, 408 and 429 are retried forever; 409 means "already recorded" and counts as
 * done; any other 4xx is a permanent refusal and ends the retries.
 */
export async function postUntilSettled(req: CallbackRequest): Promise<CallbackOutcome> {
  for (let attempt = 0; !req.signal.aborted; attempt++) {
    const answer = await attemptPost(req);
    if (answer && isDone(answer.status)) return { kind: 'done', status: answer.status };
    if (answer && !isRetryable(answer.status)) return { kind: 'gave-up', ...answer };
    await sleep(backoffMs(attempt, CALLBACK_BACKOFF_CAP_MS), req.signal);
  }
  return { kind: 'closed' };
}

function isDone(status: number): boolean {
  return (status >= 200 && status < 300) || status === 409;
}

function isRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** One attempt; undefined when there was no answer at all (refused, reset, timed out, closed). */
async function attemptPost(req: CallbackRequest): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(req.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...req.headers },
      body: req.body,
      signal: AbortSignal.any([req.signal, AbortSignal.timeout(CALLBACK_ATTEMPT_TIMEOUT_MS)]),
    });
    // Always read the body, so the keep-alive connection is released back to the pool.
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** An AbortController whose signal may have any number of listeners (one per pending task). */
export function unboundedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
