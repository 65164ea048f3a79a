import { request as undiciRequest } from 'undici';
import { PermanentError } from '../../domain/permanent-error.ts';
import { answeredWith } from './http-failure.ts';

/**
 * One HTTP exchange with a JSON API, as every REST channel adapter makes it: what differs between them (the URL and
 * its query encoding, the credentials' headers, the platform's name, its error bodies and throttling) stays in the
 * adapter's transport.ts; what is the same (the deadline, "no answer", redaction, the status classes, the JSON of a
 * 2xx, Retry-After) is here.
 */
export interface JsonRequest {
  method: string;
  url: URL | string;
  /** The adapter's own headers (credentials, a platform header); they win over accept and user-agent. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Sent as JSON, with content-type: application/json, when defined; URLSearchParams go form-encoded (an OAuth token
   * request), with content-type: application/x-www-form-urlencoded;charset=UTF-8.
   */
  body?: unknown;
  /** How long this one call may take; the job's `signal` still bounds it. */
  timeoutMs: number;
  signal: AbortSignal;
  /** Names the call in messages: `GET /orders at shop.example.com`. */
  where: string;
  /** Who did not answer, in the message when nothing came back: `WooCommerce`, or a host. */
  peer: string;
  /** What must never reach a message; each also as it travels URL-encoded. */
  redact: readonly (string | undefined)[];
  /**
   * When the job's own `signal` ends the call, throw its abort as fetch did rather than "no answer": for a caller
   * that tells a stopped job from a platform that did not answer.
   */
  abortAsIs?: boolean;
}

/**
 * One call of a REST API as an adapter's callers write it: the path under the API's root (the adapter's endpoint
 * knows the root and the credentials), its query and JSON body.
 *
 * @example
 * export type RestRequest = PathRequest<'GET' | 'POST' | 'PUT'>;
 * const request: RestRequest = { method: 'GET', path: '/orders/4750/notes', query: { per_page: '100' } };
 */
export interface PathRequest<Method extends string, Query = Readonly<Record<string, string>>> {
  method: Method;
  /** Under the API's root: `/orders/4750/notes`. */
  path: string;
  query?: Query;
  body?: unknown;
  /** How long this one call may take; default the adapter's. The job's own timeout still bounds it. */
  timeoutMs?: number;
}

/** `base` + `path`, with each query parameter set (URL-encoded as a form: a space as '+'). */
export function urlOf(base: string, path: string, query: Readonly<Record<string, string>> = {}): URL {
  const url = new URL(`${base}${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

/** An answer's headers, read by name (any case); a header sent more than once is its values joined by ", ". */
export interface AnswerHeaders {
  get(name: string): string | null;
}

/** An answer of any status, its body read as text with every secret taken out. */
export interface JsonAnswer {
  status: number;
  ok: boolean;
  headers: AnswerHeaders;
  text: string;
}

/** The most of an answer kept in a message. */
export const DETAIL_CHARS = 300;

/**
 * Sends one request and reads the answer's text, whatever its status. A redirect is answered as it came, not
 * followed: the adapters' tokens travel in headers of their own, which a client following Location would send to
 * another host (fetch followed, stripping only Authorization). No answer at all (refused, reset, the
 * deadline) is a plain Error naming where, for the job's back-off: a write may or may not have happened, and the
 * callers' idempotency checks settle that on the retry.
 *
 * @example
 * const answer = await sendJson({ method: 'GET', url, timeoutMs: 10_000, signal, where, peer: 'Magento', redact });
 * if (!answer.ok) throw statusFailure(answer.status, (kind) => `${where}: Magento answered ${answer.status}`);
 * return jsonBody(answer.text, where);
 */
export async function sendJson(request: JsonRequest): Promise<JsonAnswer> {
  const { body } = request;
  const form = body instanceof URLSearchParams;
  // One deadline over the whole exchange (answer and body), and the job's own abort: one controller and one timer
  // rather than AbortSignal.any/timeout, whose cost shows at thousands of calls a second (a stock fan-out).
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    request.timeoutMs,
  );
  const stop = () => deadline.abort(request.signal.reason);
  if (request.signal.aborted) stop();
  else request.signal.addEventListener('abort', stop, { once: true });
  try {
    const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
    // Credentials go in headers, never in the URL (where a proxy or a log would keep them): refused, as fetch does.
    if (url.username || url.password)
      throw new Error(`Request cannot be constructed from a URL that includes credentials: ${url.href}`);
    // undici's request, not fetch: the same client (Node's fetch is built on it) without the WHATWG streams and
    // signals around every call.
    const answer = await undiciRequest(url, {
      method: request.method as 'GET',
      headers: {
        accept: 'application/json',
        'user-agent': 'Waybill/0.1',
        ...(body === undefined
          ? {}
          : {
              'content-type': form ? 'application/x-www-form-urlencoded;charset=UTF-8' : 'application/json',
            }),
        ...request.headers,
      },
      body: body === undefined ? undefined : form ? body.toString() : JSON.stringify(body),
      signal: deadline.signal,
    });
    const text = await answer.body.text();
    const status = answer.statusCode;
    return {
      status,
      ok: status >= 200 && status < 300,
      headers: headersOf(answer.headers),
      text: redact(text, request.redact),
    };
  } catch (error) {
    if (request.abortAsIs && request.signal.aborted) throw error;
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new Error(`${request.where}: no answer from ${request.peer}: ${redact(reason, request.redact)}`);
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener('abort', stop);
  }
}

function headersOf(raw: Readonly<Record<string, string | string[] | undefined>>): AnswerHeaders {
  return {
    get: (name) => {
      const value = raw[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** The JSON of a 2xx; one that is not JSON comes from something in between (a proxy, a maintenance page): retried. */
export function jsonBody(text: string, where: string): unknown {
  const parsed = tryJson(text);
  if (parsed === undefined)
    throw new Error(`${where}: the answer is not JSON: ${text.slice(0, DETAIL_CHARS)}`);
  return parsed;
}

/**
 * Whether a 2xx's text is JSON at all, without parsing it, for an answer the caller does not read: an object or an
 * array opens it, where a proxy's or a maintenance page's HTML opens with `<`.
 */
export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What a status says about trying again: `credentials` (401, 403), `not-found` (404) and `refused` (the other 4xx)
 * will answer the same to the same request; `throttled` (429) and `unavailable` (408, 5xx) may pass later.
 */
export type StatusClass = 'credentials' | 'not-found' | 'throttled' | 'unavailable' | 'refused';

export function statusClass(status: number): StatusClass {
  if (status === 401 || status === 403) return 'credentials';
  if (status === 404) return 'not-found';
  if (status === 429) return 'throttled';
  if (status === 408 || status >= 500) return 'unavailable';
  return 'refused';
}

/**
 * The error to throw for an answer of `status`, in the platform's words: a PermanentError for what a retry would
 * only repeat, a plain Error (the job's back-off) for the rest; marked with the status (answeredStatus).
 *
 * @example
 * throw statusFailure(404, (kind) => kind === 'not-found' ? `${where}: no such order` : `${where}: …`);
 */
export function statusFailure(status: number, describe: (kind: StatusClass) => string): Error {
  const kind = statusClass(status);
  const message = describe(kind);
  const retryable = kind === 'throttled' || kind === 'unavailable';
  return answeredWith(retryable ? new Error(message) : new PermanentError(message), status);
}

/**
 * What an adapter keeps of a failed answer beside the error it threw (not in its class, so that the error stays a
 * PermanentError or a plain Error for the job worker), for the callers that tell one refusal from another.
 *
 * @example
 * const failures = failureDetails<{ status: number; message: string }>();
 * export const shopFailureOf = failures.of;
 * throw failures.keep(statusFailure(status, describe), { status, message });
 */
export function failureDetails<T>(): {
  keep: <E extends Error>(error: E, details: T) => E;
  of: (error: unknown) => T | undefined;
} {
  const kept = new WeakMap<Error, T>();
  return {
    keep: (error, details) => {
      kept.set(error, details);
      return error;
    },
    of: (error) => (error instanceof Error ? kept.get(error) : undefined),
  };
}

/** Retry-After in milliseconds: seconds (`2`, `2.0`) or an HTTP date; undefined when absent or neither. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d{1,6}(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1_000);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Takes every secret out of `text`, longest first (a secret that were part of another must not leave the rest of
 * that one readable), each as written and as a URL's query carries it (a proxy echoing the request, say). Runs on
 * every answer: a secret not in the text costs one search, not a copy of the text.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const form of secretForms(secrets)) if (out.includes(form)) out = out.split(form).join('[redacted]');
  return out;
}

/** The forms of each secret, longest first; kept per list (an adapter passes the same list on every call). */
const formsOf = new WeakMap<readonly (string | undefined)[], string[]>();

function secretForms(secrets: readonly (string | undefined)[]): string[] {
  let forms = formsOf.get(secrets);
  if (!forms) {
    forms = secrets
      .filter((secret): secret is string => Boolean(secret))
      .flatMap((secret) => [
        secret,
        encodeURIComponent(secret),
        new URLSearchParams({ s: secret }).toString().slice(2),
      ])
      .sort((a, b) => b.length - a.length);
    formsOf.set(secrets, forms);
  }
  return forms;
}
