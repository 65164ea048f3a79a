import { throttledFor } from '../../shared/http-failure.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { answeredWith } from '../../shared/http-failure.ts';
import type { AmazonEndpoint } from './credentials.ts';
import { accessToken, forgetAccessToken } from './lwa.ts';
import { bucketOf, rateLimitHeader, USAGE_PLANS, type AmazonOperation } from './usage-plan.ts';

/** One SP-API call, named by its operation (its usage plan). Paths are from the root: `/orders/2026-01-01/orders`. */
export interface SpApiRequest {
  operation: AmazonOperation;
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** Arrays go comma-separated: Swagger 2.0's default collectionFormat, which every model here uses. */
  query?: Readonly<Record<string, string | readonly string[]>>;
  body?: unknown;
  /** Statuses the caller reads itself rather than have thrown (404: no subscription of that type). */
  accept?: readonly number[];
}

export interface SpApiAnswer {
  status: number;
  body: unknown;
}

export type SpApiCall = (request: SpApiRequest) => Promise<SpApiAnswer>;

/** Amazon's usage plan has no token for this call within the wait the caller allows; nothing was sent. */
export class AmazonThrottledError extends Error {
  constructor(
    readonly operation: AmazonOperation | 'JSON_LISTINGS_FEED',
    readonly waitMs: number,
    rate: number,
  ) {
    super(
      `Amazon's usage plan for ${operation} (${rate} requests a second) has no request left for ${Math.ceil(waitMs / 1_000)} s; retried later`,
    );
    this.name = 'AmazonThrottledError';
    throttledFor(this, waitMs);
  }
}

export interface SpApiOptions {
  /** The longest this job sits out the usage plan for one call before giving the job back to its back-off. */
  maxWaitMs: number;
  /** The clock the buckets run on (tests move it); default Date.now. */
  now?: () => number;
}

const REQUEST_TIMEOUT_MS = 15_000;
/** Sends after a 429 (each after the bucket says a token is back). */
const THROTTLED_RETRIES = 3;
const DETAIL_CHARS = 300;

/**
 * Takes a token of a limit that is not one operation's (the feed type's own), waiting as a call would; throws
 * AmazonThrottledError, having taken nothing, when it is further away than `maxWaitMs`.
 */
export async function awaitFeedTypeLimit(
  endpoint: AmazonEndpoint,
  signal: AbortSignal,
  options: SpApiOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const bucket = bucketOf(endpoint.key, 'JSON_LISTINGS_FEED', now());
  for (let wait = bucket.take(now()); wait > 0; wait = bucket.take(now())) {
    if (wait > options.maxWaitMs) throw new AmazonThrottledError('JSON_LISTINGS_FEED', wait, bucket.rate);
    await sleep(wait, undefined, { signal });
  }
}

/**
 * The only place this adapter speaks SP-API. Waits for the operation's usage plan, sends with the LWA access token,
 * adopts the rate Amazon says it applies, sits out a 429, and returns the JSON of a 2xx (or an accepted status).
 * Anything else is classified for the job worker: 400, 404, 413, 415 → PermanentError (the same request fails the
 * same way); 401/403 → PermanentError after one fresh access token; 429, 5xx, no answer → a plain Error, retried
 * with back-off. No secret reaches a message.
 */
export function spApi(endpoint: AmazonEndpoint, signal: AbortSignal, options: SpApiOptions): SpApiCall {
  const now = options.now ?? Date.now;
  return async (request) => {
    const where = `${request.method} ${request.path} (${request.operation}) at ${new URL(endpoint.base).host}`;
    const bucket = bucketOf(endpoint.key, request.operation, now());
    let freshToken = false;
    let throttled = 0;
    for (;;) {
      const wait = bucket.take(now());
      if (wait > 0) {
        if (wait > options.maxWaitMs) throw new AmazonThrottledError(request.operation, wait, bucket.rate);
        await sleep(wait, undefined, { signal });
        continue;
      }
      const token = await accessToken(endpoint, signal, now());
      const response = await send(endpoint, request, token, signal, where);
      const adopted = rateLimitHeader(response.headers.get('x-amzn-ratelimit-limit'));
      if (adopted !== undefined) bucket.adopt(adopted, now());
      const text = redact(await response.text().catch(() => ''), endpoint, token);
      if (response.ok || request.accept?.includes(response.status))
        return { status: response.status, body: text ? tryJson(text) : undefined };
      if (response.status === 429 && throttled++ < THROTTLED_RETRIES) {
        bucket.drain(now());
        continue;
      }
      // An access token Amazon no longer takes (revoked, expired early): one more try with a fresh one.
      if ((response.status === 401 || response.status === 403) && !freshToken) {
        forgetAccessToken(endpoint);
        freshToken = true;
        continue;
      }
      throw classify(response, text, where, request.operation);
    }
  };
}

async function send(
  endpoint: AmazonEndpoint,
  request: SpApiRequest,
  token: string,
  signal: AbortSignal,
  where: string,
): Promise<Response> {
  const url = new URL(`${endpoint.base}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {}))
    url.searchParams.set(name, typeof value === 'string' ? value : value.join(','));
  const hasBody = request.body !== undefined;
  try {
    return await fetch(url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        'x-amz-access-token': token,
        'user-agent': 'Waybill/0.1 (Language=TypeScript)',
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
      },
      body: hasBody ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new Error(`${where}: no answer from Amazon: ${redact(reason, endpoint, token)}`);
  }
}

function classify(response: Response, text: string, where: string, operation: AmazonOperation): Error {
  const { status } = response;
  const said = amazonErrors(text) ?? (text.slice(0, DETAIL_CHARS) || `HTTP ${status}`);
  const requestId = response.headers.get('x-amzn-requestid');
  const detail = `${status} ${said}${requestId ? `; x-amzn-RequestId ${requestId}` : ''}`;
  if (status === 401 || status === 403)
    return answeredWith(
      new PermanentError(
        `${where}: Amazon refused access (${detail}); check that the app has the role ${operation} needs, that the seller authorised it, and that region and sellerId are the seller's`,
      ),
      status,
    );
  if (status === 429)
    return answeredWith(
      new Error(
        `${where}: Amazon throttled ${operation} (${detail}; plan ${USAGE_PLANS[operation].rate}/s); retried later`,
      ),
      status,
    );
  if (status === 408 || status >= 500)
    return answeredWith(new Error(`${where}: Amazon answered ${detail}`), status);
  return answeredWith(new PermanentError(`${where}: Amazon refused the request (${detail})`), status);
}

/** SP-API's error body: `{ errors: [{ code, message, details }] }` (v0 and the Notifications API nest it the same way). */
function amazonErrors(text: string): string | undefined {
  const body = tryJson(text) as { errors?: unknown } | undefined;
  if (!body || !Array.isArray(body.errors)) return undefined;
  const said = body.errors
    .filter((e): e is { code?: unknown; message?: unknown } => typeof e === 'object' && e !== null)
    .map((e) => `${String(e.code ?? '')}: ${String(e.message ?? '')}`)
    .join('; ');
  return said.slice(0, DETAIL_CHARS) || undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Whatever answers (a proxy echoing the request, say), no credential reaches a log line or a dead letter. */
function redact(text: string, endpoint: AmazonEndpoint, token: string): string {
  return [endpoint.refreshToken, endpoint.clientSecret, token].reduce(
    (out, secret) => (secret ? out.split(secret).join('[redacted]') : out),
    text,
  );
}
