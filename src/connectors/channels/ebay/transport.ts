import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AnswerHeaders,
  DETAIL_CHARS,
  failureDetails,
  retryAfterMs,
  sendJson,
  statusFailure,
  tryJson,
  urlOf,
  type PathRequest,
} from '../../shared/json-http.ts';
import type { EbayEndpoint } from './endpoint.ts';
import { accessToken } from './token.ts';

/** A call under the API root: /sell/fulfillment/v1/order; timeoutMs by default REQUEST_TIMEOUT_MS. */
export type EbayRequest = PathRequest<'GET' | 'POST'>;

/** A 2xx answer: its status (207 for a bulk call that partly failed), parsed JSON body and headers. */
export interface EbayAnswer {
  status: number;
  body: unknown;
  headers: AnswerHeaders;
}

/** One request with the seller's token; a 2xx is returned, anything else thrown, classified for the job worker. */
export type EbayCall = (request: EbayRequest) => Promise<EbayAnswer>;

/** eBay's error body: `{ errors: [{ errorId, domain, category, message, longMessage, parameters }] }`. */
export interface EbayFailure {
  status: number;
  errorIds: number[];
  message: string | undefined;
}
const failures = failureDetails<EbayFailure>();

/** The answer behind an error an EbayCall threw (a 409 a caller tells from others); undefined for anything else. */
export const ebayFailureOf = failures.of;

const REQUEST_TIMEOUT_MS = 15_000;
/**
 * eBay's call limits are per app and API per day (and some per second); a call over one is answered 429 and did
 * nothing, so it is sent again after a back-off: Retry-After when eBay gives it, else 0.5 s, 1 s, 2 s. A longer
 * throttle goes up to the job, whose own back-off takes over.
 */
const THROTTLE_TRIES = 4;
const THROTTLE_BASE_MS = 500;
const THROTTLE_MAX_WAIT_MS = 10_000;

export interface EbayClientOptions {
  signal: AbortSignal;
  now: () => number;
  /** How long to sit out a 429 before trying again (tests shorten it); the attempt counts from 0. */
  throttleWaitMs?: (attempt: number, retryAfterSeconds: number | undefined) => number;
}

/** An EbayCall bound to one seller and one job's signal. */
export function ebayClient(endpoint: EbayEndpoint, options: EbayClientOptions): EbayCall {
  return (request) => exchange(endpoint, request, options);
}

/**
 * The only place this adapter speaks to the Sell APIs. An access token eBay refuses (401: revoked early, or the
 * clocks differ) is renewed once and the call sent again; 429s are sat out as above; 401/403 after that, 404 and
 * the other 4xx are PermanentError (the same request cannot succeed); 5xx and no answer are plain Errors, retried.
 */
async function exchange(
  endpoint: EbayEndpoint,
  request: EbayRequest,
  options: EbayClientOptions,
): Promise<EbayAnswer> {
  const where = `${request.method} ${request.path} at ${endpoint.host}`;
  const url = urlOf(endpoint.root, request.path, request.query);
  let token = await accessToken(endpoint, options);
  let renewed = false;
  for (let attempt = 0; ; attempt++) {
    const answer = await sendJson({
      method: request.method,
      url,
      headers: { authorization: `Bearer ${token}`, 'x-ebay-c-marketplace-id': endpoint.marketplaceId },
      body: request.body,
      timeoutMs: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
      signal: options.signal,
      // No answer: a write may or may not have happened; the callers look before they write again.
      where,
      peer: 'eBay',
      redact: endpoint.redact,
    });
    // An empty 2xx (204) reads as {}.
    if (answer.ok)
      return { status: answer.status, body: tryJson(answer.text) ?? {}, headers: answer.headers };
    if (answer.status === 401 && !renewed) {
      renewed = true;
      token = await accessToken(endpoint, { ...options, stale: token });
      continue;
    }
    if (answer.status === 429 && attempt + 1 < THROTTLE_TRIES) {
      const wait = throttleWait(options, attempt, answer.headers.get('retry-after'));
      if (wait <= THROTTLE_MAX_WAIT_MS) {
        await sleep(wait, undefined, { signal: options.signal });
        continue;
      }
    }
    throw classify(answer.status, answer.text, where);
  }
}

function throttleWait(options: EbayClientOptions, attempt: number, retryAfter: string | null): number {
  const ms = retryAfterMs(retryAfter, options.now());
  if (options.throttleWaitMs)
    return options.throttleWaitMs(attempt, ms === undefined ? undefined : ms / 1_000);
  return ms ?? THROTTLE_BASE_MS * 2 ** attempt;
}

function classify(status: number, text: string, where: string): Error {
  const errors = ebayErrors(tryJson(text));
  const detail = errors.length
    ? errors.map((e) => `${e.errorId ?? '?'} ${e.longMessage ?? e.message ?? ''}`.trim()).join('; ')
    : text.slice(0, DETAIL_CHARS);
  const error = statusFailure(status, (kind) => {
    switch (kind) {
      case 'credentials':
        return `${where}: eBay refused the seller's access (${status} ${detail}); check that the seller granted Waybill's scopes, then test the channel`;
      case 'throttled':
        return `${where}: eBay's call limit was reached (429 ${detail}); tried again later`;
      case 'unavailable':
        return `${where}: eBay answered ${status}: ${detail}`;
      case 'not-found':
      case 'refused':
        return `${where}: eBay refused the request (${status} ${detail})`;
    }
  });
  return failures.keep(error, {
    status,
    errorIds: errors.flatMap((e) => (e.errorId === undefined ? [] : [e.errorId])),
    message: errors[0]?.message,
  });
}

interface EbayError {
  errorId?: number;
  message?: string;
  longMessage?: string;
}

function ebayErrors(body: unknown): EbayError[] {
  if (typeof body !== 'object' || body === null) return [];
  const { errors } = body as { errors?: unknown };
  if (!Array.isArray(errors)) return [];
  return errors.filter((e): e is EbayError => typeof e === 'object' && e !== null);
}
