import { throttledFor } from '../../shared/http-failure.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DETAIL_CHARS,
  sendJson,
  statusFailure,
  tryJson,
  urlOf,
  type JsonAnswer,
  type PathRequest,
} from '../../shared/json-http.ts';
import type { AmazonEndpoint } from './credentials.ts';
import { accessToken, forgetAccessToken } from './lwa.ts';
import {
  bucketOf,
  rateLimitHeader,
  USAGE_PLANS,
  type AmazonOperation,
  type TokenBucket,
} from './usage-plan.ts';

/**
 * One SP-API call, named by its operation (its usage plan). Paths are from the root: `/orders/2026-01-01/orders`;
 * query arrays go comma-separated (Swagger 2.0's default collectionFormat, which every model here uses).
 */
export interface SpApiRequest extends PathRequest<
  'GET' | 'POST' | 'PATCH',
  Readonly<Record<string, string | readonly string[]>>
> {
  operation: AmazonOperation;
  /**
   * A limit Amazon counts the call against besides its operation's usage plan: a feed type's, whose slot the caller
   * took beforehand (awaitFeedTypeLimit). A 429 may be that limit's.
   */
  alsoLimitedBy?: 'JSON_LISTINGS_FEED';
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

/**
 * Takes a token of the feed type's own limit (not one operation's) once it and the calls a feed makes
 * (createFeedDocument, createFeed) are all there, waiting as a call would; throws AmazonThrottledError, having taken
 * nothing, when one of them is further away than `maxWaitMs`.
 */
export async function awaitFeedTypeLimit(
  endpoint: AmazonEndpoint,
  signal: AbortSignal,
  options: SpApiOptions,
): Promise<void> {
  const now = options.now ?? Date.now;
  const feedType = bucketOf(endpoint.key, 'JSON_LISTINGS_FEED', now());
  // A feed also takes a createFeedDocument and a createFeed call, each with its own usage plan: the feed type's slot
  // is taken only when those are there too, or it would be spent on a feed that then waits (or gives up) for them.
  const limits: Limit[] = [
    { name: 'JSON_LISTINGS_FEED', bucket: feedType },
    ...(['createFeedDocument', 'createFeed'] as const).map((name) => ({
      name,
      bucket: bucketOf(endpoint.key, name, now()),
    })),
  ];
  for (;;) {
    const longest = furthest(limits, now());
    if (longest.wait === 0 && feedType.take(now()) === 0) return;
    if (longest.wait > options.maxWaitMs)
      throw new AmazonThrottledError(longest.name, longest.wait, longest.bucket.rate);
    await sleep(Math.max(1, longest.wait), undefined, { signal });
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
    const query = Object.fromEntries(
      Object.entries(request.query ?? {}).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : value.join(','),
      ]),
    );
    let freshToken = false;
    let throttled = 0;
    // The operation's plan; after a 429 of the feed type's limit, that one too (a slot of it taken again).
    let limits: Limit[] = [{ name: request.operation, bucket }];
    for (;;) {
      const longest = furthest(limits, now());
      if (longest.wait > 0) {
        if (longest.wait > options.maxWaitMs)
          throw new AmazonThrottledError(longest.name, longest.wait, longest.bucket.rate);
        await sleep(longest.wait, undefined, { signal });
        continue;
      }
      for (const limit of limits) limit.bucket.take(now());
      limits = limits.slice(0, 1);
      const token = await accessToken(endpoint, signal, now());
      const answer = await sendJson({
        method: request.method,
        url: urlOf(endpoint.base, request.path, query),
        headers: { 'x-amz-access-token': token, 'user-agent': 'Waybill/0.1 (Language=TypeScript)' },
        body: request.body,
        timeoutMs: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
        signal,
        where,
        peer: 'Amazon',
        redact: [endpoint.refreshToken, endpoint.clientSecret, token],
        abortAsIs: true,
      });
      const adopted = rateLimitHeader(answer.headers.get('x-amzn-ratelimit-limit'));
      if (adopted !== undefined) bucket.adopt(adopted, now());
      if (answer.ok || request.accept?.includes(answer.status))
        return { status: answer.status, body: answer.text ? tryJson(answer.text) : undefined };
      if (answer.status === 429 && throttled++ < THROTTLED_RETRIES) {
        // Amazon's 429 does not say which limit it hit (no code of its own, no x-amzn-RateLimit-Limit). With calls
        // of the operation's plan left over, it was the feed type's: draining the operation's bucket would hold
        // every feed back for createFeed's refill (two minutes) when the feed type's is a minute at most.
        const other = request.alsoLimitedBy;
        if (other && bucket.waitFor(now()) === 0) {
          const feedType = bucketOf(endpoint.key, other, now());
          feedType.drain(now());
          limits = [...limits, { name: other, bucket: feedType }];
        } else bucket.drain(now());
        continue;
      }
      // An access token Amazon no longer takes (revoked, expired early): one more try with a fresh one.
      if ((answer.status === 401 || answer.status === 403) && !freshToken) {
        forgetAccessToken(endpoint);
        freshToken = true;
        continue;
      }
      throw classify(answer, where, request.operation);
    }
  };
}

/** A limit a call waits for: an operation's usage plan, or a feed type's. */
interface Limit {
  name: AmazonOperation | 'JSON_LISTINGS_FEED';
  bucket: TokenBucket;
}

/** The limit whose next token is furthest away, and in how many ms (0: every one has a token now). */
function furthest(limits: readonly Limit[], now: number): Limit & { wait: number } {
  return limits
    .map((limit) => ({ ...limit, wait: limit.bucket.waitFor(now) }))
    .reduce((a, b) => (b.wait > a.wait ? b : a));
}

function classify(answer: JsonAnswer, where: string, operation: AmazonOperation): Error {
  const { status } = answer;
  const said = amazonErrors(answer.text) ?? (answer.text.slice(0, DETAIL_CHARS) || `HTTP ${status}`);
  const requestId = answer.headers.get('x-amzn-requestid');
  const detail = `${status} ${said}${requestId ? `; x-amzn-RequestId ${requestId}` : ''}`;
  return statusFailure(status, (kind) => {
    switch (kind) {
      case 'credentials':
        return `${where}: Amazon refused access (${detail}); check that the app has the role ${operation} needs, that the seller authorised it, and that region and sellerId are the seller's`;
      case 'throttled':
        return `${where}: Amazon throttled ${operation} (${detail}; plan ${USAGE_PLANS[operation].rate}/s); retried later`;
      case 'unavailable':
        return `${where}: Amazon answered ${detail}`;
      case 'not-found':
      case 'refused':
        return `${where}: Amazon refused the request (${detail})`;
    }
  });
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
