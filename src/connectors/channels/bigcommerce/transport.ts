import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { answeredWith } from '../../shared/http-failure.ts';
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

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Under /stores/{store_hash}: `/v2/orders/118/shipments`, `/v3/catalog/variants`. */
  path: string;
  query?: Readonly<Record<string, string>>;
  body?: unknown;
  /** How long this one call may take; default REQUEST_TIMEOUT_MS. The job's own timeout still bounds it. */
  timeoutMs?: number;
}

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
const failures = new WeakMap<Error, BigCommerceFailure>();

export function bigCommerceFailureOf(error: unknown): BigCommerceFailure | undefined {
  return error instanceof Error ? failures.get(error) : undefined;
}

const REQUEST_TIMEOUT_MS = 10_000;
const DETAIL_CHARS = 300;
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
  for (let attempt = 1; ; attempt++) {
    await waitForQuota(endpoint.window, signal, where);
    const response = await exchange(endpoint, request, signal, where);
    const resetMs = headerCount(response.headers.get('x-rate-limit-time-reset-ms'));
    endpoint.window.observe(headerCount(response.headers.get('x-rate-limit-requests-left')), resetMs);
    const text = redact(await response.text().catch(() => ''), endpoint.accessToken);
    if (response.status === 429) {
      endpoint.window.throttled(resetMs);
      if (attempt < THROTTLED_TRIES) continue;
    }
    if (!response.ok) throw classify(response.status, text, where, endpoint.store);
    if (response.status === 204 || text.trim() === '') return undefined;
    const parsed = tryJson(text);
    // A 2xx that is not JSON comes from something in between (a proxy, a maintenance page).
    if (parsed === undefined)
      throw new Error(`${where}: the answer is not JSON: ${text.slice(0, DETAIL_CHARS)}`);
    return parsed;
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

async function exchange(
  endpoint: BigCommerceEndpoint,
  request: ApiRequest,
  signal: AbortSignal,
  where: string,
): Promise<Response> {
  const url = new URL(`${endpoint.base}${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  try {
    return await fetch(url, {
      method: request.method,
      // Content-Type on every call, bodies or not: the v2 API's reference requires both headers on each operation.
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-auth-token': endpoint.accessToken,
        'user-agent': 'Waybill/0.1',
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(request.timeoutMs ?? REQUEST_TIMEOUT_MS)]),
    });
  } catch (error) {
    // No answer: a write may or may not have happened. The callers' idempotency checks settle that on the retry.
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new Error(`${where}: no answer from BigCommerce: ${redact(reason, endpoint.accessToken)}`);
  }
}

function classify(status: number, text: string, where: string, store: string): Error {
  const message = errorMessage(text);
  const detail = `${status}${message ? ` ${message}` : ''}`;
  const error =
    status === 401
      ? new PermanentError(
          `${where}: BigCommerce refused the access token (${detail}); check the channel's accessToken (a store-level API account's token for store ${store}) and its storeHash`,
        )
      : status === 403
        ? new PermanentError(
            `${where}: BigCommerce refused the access token this call (${detail}); give the store API account the OAuth scopes Waybill needs (Orders modify, Order Transactions modify, Products modify, Information & Settings read-only)`,
          )
        : status === 429
          ? new Error(`${where}: BigCommerce is still rate limiting (429) after ${THROTTLED_TRIES} tries`)
          : status === 408 || status >= 500
            ? new Error(`${where}: BigCommerce answered ${detail}`)
            : new PermanentError(`${where}: BigCommerce refused the request (${detail})`);
  failures.set(error, { status, message });
  return answeredWith(error, status);
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

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Whatever answers (a proxy echoing the request, say), the token must not reach a log line or a dead letter. */
function redact(text: string, token: string): string {
  return token ? text.split(token).join('[redacted]') : text;
}
