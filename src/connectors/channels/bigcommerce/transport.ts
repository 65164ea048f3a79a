import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DETAIL_CHARS,
  failureDetails,
  jsonBody,
  looksLikeJson,
  sendJson,
  statusFailure,
  tryJson,
  urlOf,
  type PathRequest,
} from '../../shared/json-http.ts';
import { BIGCOMMERCE_API_URL, type BigCommerceConfig, type BigCommerceSecrets } from './credentials.ts';
import { headerCount, RateWindow } from './throttle.ts';

/** Where and as whom Waybill calls one store's REST API. */
export interface BigCommerceEndpoint {
  /** https://api.bigcommerce.com/stores/{store_hash}, without a trailing slash. */
  base: string;
  /** Names the store in messages: its hash. */
  store: string;
  /** The store and the token, the token hashed: what this process keeps per store (its quota, its catalog) is keyed by it. */
  key: string;
  accessToken: string;
  /** The store's rate-limit window, shared by every call to it from this process. */
  window: RateWindow;
}

/** A call under /stores/{store_hash}: `/v2/orders/118/shipments`; timeoutMs by default REQUEST_TIMEOUT_MS. */
export type ApiRequest = PathRequest<'GET' | 'POST' | 'PUT'> & {
  /**
   * The caller does not read the answer (the variants batch answers every variant whole): a 2xx is only checked to
   * be JSON at all, not parsed, and undefined is returned.
   */
  unread?: true;
};

/**
 * One request, answered with the parsed JSON of a 2xx (undefined for 204 No Content, which the v2 API answers for
 * an empty collection); anything else is thrown, classified for the job worker.
 */
export type ApiCall = (request: ApiRequest) => Promise<unknown>;

/** What BigCommerce said when a call failed, for callers that tell one refusal from another (a refund's 422). */
export interface BigCommerceFailure {
  status: number;
  message: string;
}
const failures = failureDetails<BigCommerceFailure>();

export const bigCommerceFailureOf = failures.of;

const REQUEST_TIMEOUT_MS = 10_000;
/** 429s sat out within one call before the error goes up to the job's own back-off. */
const THROTTLED_TRIES = 5;
/** A wait for the quota longer than this (a window is 30 s) is left to the job's back-off, not sat out here. */
const MAX_WAIT_MS = 35_000;

/** Windows by store and token: every job of this process that calls the store shares one. */
const windows = new Map<string, RateWindow>();

/** The store's API root and credentials; the access token goes only over TLS (or to a loopback host). */
export function apiEndpoint(config: BigCommerceConfig, secrets: BigCommerceSecrets): BigCommerceEndpoint {
  const root = (config.apiUrl ?? BIGCOMMERCE_API_URL).replace(/\/+$/, '');
  const key = `${root} ${config.storeHash} ${createHash('sha256').update(secrets.accessToken).digest('hex')}`;
  let window = windows.get(key);
  if (!window) windows.set(key, (window = new RateWindow()));
  return {
    base: `${root}/stores/${config.storeHash}`,
    store: config.storeHash,
    key,
    accessToken: secrets.accessToken,
    window,
  };
}

/** An ApiCall bound to one endpoint and one job's signal. */
export function apiClient(endpoint: BigCommerceEndpoint, signal: AbortSignal): ApiCall {
  return (request) => send(endpoint, request, signal);
}

/**
 * The only place this adapter speaks HTTP. Waits for the store's quota before each request and sits out a 429 for
 * as long as X-Rate-Limit-Time-Reset-Ms says (a few times, then the job's back-off takes over). Anything else that
 * is not a 2xx is classified: 401/403 (the token, its scopes), 404 and the other 4xx → PermanentError (a retry sends
 * the same); 5xx, 408 and no answer → a plain Error, retried with back-off. The token never reaches a message.
 */
async function send(
  endpoint: BigCommerceEndpoint,
  request: ApiRequest,
  signal: AbortSignal,
): Promise<unknown> {
  const where = `${request.method} ${request.path} at BigCommerce store ${endpoint.store}`;
  const url = urlOf(endpoint.base, request.path, request.query);
  for (let attempt = 1; ; attempt++) {
    await waitForQuota(endpoint.window, signal, where);
    const answer = await sendJson({
      method: request.method,
      url,
      // Content-Type on every call, bodies or not: the v2 API's reference requires both headers on each operation.
      headers: { 'content-type': 'application/json', 'x-auth-token': endpoint.accessToken },
      body: request.body,
      timeoutMs: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
      signal,
      where,
      peer: 'BigCommerce',
      redact: [endpoint.accessToken],
    });
    const resetMs = headerCount(answer.headers.get('x-rate-limit-time-reset-ms'));
    endpoint.window.observe(headerCount(answer.headers.get('x-rate-limit-requests-left')), resetMs);
    if (answer.status === 429) {
      endpoint.window.throttled(resetMs);
      if (attempt < THROTTLED_TRIES) continue;
    }
    if (!answer.ok) throw classify(answer.status, answer.text, where, endpoint.store);
    if (answer.status === 204 || answer.text.trim() === '') return undefined;
    // A 2xx that is not JSON comes from something in between (a proxy, a maintenance page).
    if (request.unread && looksLikeJson(answer.text)) return undefined;
    return jsonBody(answer.text, where);
  }
}

async function waitForQuota(window: RateWindow, signal: AbortSignal, where: string): Promise<void> {
  for (let delay = window.delayBeforeSend(); delay > 0; delay = window.delayBeforeSend()) {
    if (delay > MAX_WAIT_MS)
      throw new Error(
        `${where}: the store's API quota is spent; it refreshes in ${Math.ceil(delay / 1000)} s`,
      );
    await sleep(delay, undefined, { signal });
  }
}

function classify(status: number, text: string, where: string, store: string): Error {
  const message = errorMessage(text);
  const detail = `${status}${message ? ` ${message}` : ''}`;
  const error = statusFailure(status, (kind) => {
    switch (kind) {
      case 'credentials':
        return status === 401
          ? `${where}: BigCommerce refused the access token (${detail}); check the channel's accessToken (a store-level API account's token for store ${store}) and its storeHash`
          : `${where}: BigCommerce refused the access token this call (${detail}); give the store API account the OAuth scopes Waybill needs (Orders modify, Order Transactions modify, Products modify, Information & Settings read-only)`;
      case 'throttled':
        return `${where}: BigCommerce is still rate limiting (429) after ${THROTTLED_TRIES} tries`;
      case 'unavailable':
        return `${where}: BigCommerce answered ${detail}`;
      case 'not-found':
      case 'refused':
        return `${where}: BigCommerce refused the request (${detail})`;
    }
  });
  return failures.keep(error, { status, message });
}

/**
 * BigCommerce's error bodies: v3 `{ status, title, type, errors: { field: why } }`, v2 `[{ status, message }]`.
 * The message and the fields named, cut short.
 */
function errorMessage(text: string): string {
  const body = tryJson(text);
  const first = Array.isArray(body) ? (body[0] as unknown) : body;
  if (typeof first !== 'object' || first === null) return text.slice(0, DETAIL_CHARS);
  const { title, message, errors } = first as Record<string, unknown>;
  const head = typeof title === 'string' ? title : typeof message === 'string' ? message : '';
  const fields =
    typeof errors === 'object' && errors !== null
      ? Object.entries(errors)
          .map(([field, why]) => `${field}: ${String(why)}`)
          .join('; ')
      : '';
  return [head, fields].filter(Boolean).join(': ').slice(0, DETAIL_CHARS);
}
