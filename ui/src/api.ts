/**
 * The one place the UI speaks HTTP to the hub: JSON in and out, the session cookie sent by the browser, the CSRF
 * token on every state-changing request, and RFC 9457 problems turned into `Problem` errors.
 */

/** An answer of the hub's that is not a success: its problem document, or what could be made of the answer. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** Seconds to wait, from Retry-After (a locked sign-in). */
    readonly retryAfter: number | null = null,
    /** The input the hub refused, as it names it (`postalCode`, `shippingAddress.postalCode`, `lines[2].sku`). */
    readonly field: string | null = null,
  ) {
    super(detail);
    this.name = 'Problem';
  }
}

// In memory only: a token in localStorage would outlive the session and be readable by any script on the origin.
let csrfToken: string | null = null;
let whenSignedOut: () => void = () => {};

export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when any call answers 401: the session is gone, so the app goes back to its sign-in page. */
export function onSignedOut(handler: () => void): void {
  whenSignedOut = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  signal?: AbortSignal;
  /** Sign-in calls answer 401 for a wrong password: that is the caller's to show, not a lost session. */
  expectUnauthorized?: boolean;
}

/**
 * Calls the hub and returns its JSON answer (undefined for 204).
 *
 * @example
 * const { orders } = await api<OrderList>('/api/v1/orders?limit=50');
 * await api('/api/v1/orders/ord_1/approve', { method: 'POST', body: {} });
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
    signal: options.signal,
  });
  if (response.ok) {
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  const problem = await problemOf(response);
  if (response.status === 401 && !options.expectUnauthorized) whenSignedOut();
  throw problem;
}

async function problemOf(response: Response): Promise<Problem> {
  const retryAfter = Number(response.headers.get('retry-after')) || null;
  let body: { code?: unknown; detail?: unknown; field?: unknown } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is.
  }
  return new Problem(
    response.status,
    typeof body.code === 'string' ? body.code : 'http_' + response.status,
    typeof body.detail === 'string' ? body.detail : `${response.status} ${response.statusText}`,
    retryAfter,
    typeof body.field === 'string' ? body.field : null,
  );
}

/** A query string of the given values, leaving out empty ones. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What to show a person for a failed call. */
export function messageOf(error: unknown): string {
  if (error instanceof Problem) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
