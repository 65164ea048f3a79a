import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { answeredWith } from '../../shared/http-failure.ts';
import { redact, type EbayEndpoint } from './endpoint.ts';
import { accessToken } from './token.ts';

export interface EbayRequest {
  method: 'GET' | 'POST';
  /** Under the API root: /sell/fulfillment/v1/order. */
  path: string;
  query?: Readonly<Record<string, string>>;
  body?: unknown;
}

/** A 2xx answer: its status (207 for a bulk call that partly failed), parsed JSON body and headers. */
export interface EbayAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** One request with the seller's token; a 2xx is returned, anything else thrown, classified for the job worker. */
export type EbayCall = (request: EbayRequest) => Promise<EbayAnswer>;

/** eBay's error body: `{ errors: [{ errorId, domain, category, message, longMessage, parameters }] }`. */
export interface EbayFailure {
  status: number;
  errorIds: number[];
  message: string | undefined;
}
const failures = new WeakMap<Error, EbayFailure>();

/** The answer behind an error an EbayCall threw (a 409 a caller tells from others); undefined for anything else. */
export function ebayFailureOf(error: unknown): EbayFailure | undefined {
  return error instanceof Error ? failures.get(error) : undefined;
}

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
  let token = await accessToken(endpoint, options);
  let renewed = false;
  for (let attempt = 0; ; attempt++) {
    const response = await send(endpoint, request, token, options.signal, where);
    const text = redact(await response.text().catch(() => ''), endpoint.redact);
    if (response.ok) return { status: response.status, body: parse(text) ?? {}, headers: response.headers };
    if (response.status === 401 && !renewed) {
      renewed = true;
      token = await accessToken(endpoint, { ...options, stale: token });
      continue;
    }
    if (response.status === 429 && attempt + 1 < THROTTLE_TRIES) {
      const wait = throttleWait(options, attempt, response.headers.get('retry-after'));
      if (wait <= THROTTLE_MAX_WAIT_MS) {
        await sleep(wait, undefined, { signal: options.signal });
        continue;
      }
    }
    throw classify(response.status, text, where);
  }
}

function throttleWait(options: EbayClientOptions, attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  if (options.throttleWaitMs) return options.throttleWaitMs(attempt, seconds);
  return seconds !== undefined ? seconds * 1_000 : THROTTLE_BASE_MS * 2 ** attempt;
}

async function send(
  endpoint: EbayEndpoint,
  request: EbayRequest,
  token: string,
  signal: AbortSignal,
  where: string,
): Promise<Response> {
  const url = new URL(`${endpoint.root}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  const hasBody = request.body !== undefined;
  try {
    return await fetch(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'x-ebay-c-marketplace-id': endpoint.marketplaceId,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
      },
      body: hasBody ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
  } catch (error) {
    // No answer: a write may or may not have happened; the callers look before they write again.
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : '';
    throw new Error(`${where}: no answer from eBay: ${redact(reason, endpoint.redact)}`);
  }
}

function classify(status: number, text: string, where: string): Error {
  const errors = ebayErrors(parse(text));
  const detail = errors.length
    ? errors.map((e) => `${e.errorId ?? '?'} ${e.longMessage ?? e.message ?? ''}`.trim()).join('; ')
    : text.slice(0, 300);
  const error =
    status === 401 || status === 403
      ? new PermanentError(
          `${where}: eBay refused the seller's access (${status} ${detail}); check that the seller granted Waybill's scopes, then test the channel`,
        )
      : status === 429
        ? new Error(`${where}: eBay's call limit was reached (429 ${detail}); tried again later`)
        : status === 408 || status >= 500
          ? new Error(`${where}: eBay answered ${status}: ${detail}`)
          : new PermanentError(`${where}: eBay refused the request (${status} ${detail})`);
  failures.set(error, {
    status,
    errorIds: errors.flatMap((e) => (e.errorId === undefined ? [] : [e.errorId])),
    message: errors[0]?.message,
  });
  return answeredWith(error, status);
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

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
