import {
  type AnswerHeaders,
  DETAIL_CHARS,
  failureDetails,
  jsonBody,
  looksLikeJson,
  sendJson,
  statusFailure,
  tryJson,
  urlOf,
  type JsonAnswer,
  type PathRequest,
  type StatusClass,
} from '../../shared/json-http.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { isLoopbackHost, type WooCommerceConfig, type WooCommerceSecrets } from './credentials.ts';

/** Where and as whom Waybill calls a store's REST API v3. */
export interface RestEndpoint {
  /** https://{store}/wp-json/wc/v3, without a trailing slash. */
  base: string;
  /** Names the store in messages. */
  host: string;
  /** The Authorization header (restAuth basic), or undefined when the keys go in the query. */
  authorization: string | undefined;
  /** consumer_key and consumer_secret (restAuth query-string), or nothing. */
  credentialQuery: Readonly<Record<string, string>>;
  /** What must never reach a message: the key pair, and the header that carries it (json-http adds URL forms). */
  redact: readonly string[];
}

/** A call under /wp-json/wc/v3: `/orders/4750/notes`; timeoutMs by default REQUEST_TIMEOUT_MS. */
export type RestRequest = PathRequest<'GET' | 'POST' | 'PUT'> & {
  /**
   * The caller reads the answer only when it holds this text: a batch answers every product whole, and only a
   * refused one ("error") is read. Without it, a 2xx is only checked to be JSON, not parsed, and undefined returned.
   */
  readIfIncludes?: string;
};

/** One request, answered with the parsed JSON of a 2xx; anything else is thrown, classified for the job worker. */
export type RestCall = (request: RestRequest) => Promise<unknown>;

/** One page of a collection: the parsed JSON and X-WP-TotalPages (undefined when a proxy dropped the header). */
export interface RestPage {
  body: unknown;
  totalPages: number | undefined;
}
export type RestListCall = (request: RestRequest) => Promise<RestPage>;

/** Both ways of calling one store within one job: a single resource, or a page of a collection. */
export interface RestApi {
  call: RestCall;
  list: RestListCall;
}

/**
 * What WooCommerce answered when a call failed, for the callers that tell one refusal from another (a refund the
 * payment gateway cannot make is a 500 whose message says so). Kept beside the thrown error, not in its class, so
 * that the error stays a PermanentError or a plain Error for the job worker.
 */
export interface RestFailure {
  status: number;
  code: string | undefined;
  message: string | undefined;
}
const failures = failureDetails<RestFailure>();

/** The answer behind an error thrown by sendRest; undefined for anything else (no answer at all, say). */
export const restFailureOf = failures.of;

/** One call may take this long; the job's own timeout bounds the whole notice or sync. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The REST API root under the store's address (a WordPress in a subdirectory keeps its path) and the HTTP Basic
 * credentials. WooCommerce reads Basic auth only over TLS: plain http is refused here too, except on a loopback host.
 */
export function restEndpoint(config: WooCommerceConfig, secrets: WooCommerceSecrets): RestEndpoint {
  const url = new URL(config.storeUrl);
  if (!secrets.consumerKey || !secrets.consumerSecret) {
    throw new PermanentError(
      `the WooCommerce channel for ${url.host} has no REST API keys (consumerKey and consumerSecret in the setup document)`,
    );
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new PermanentError(
      `the WooCommerce store ${url.host} is not an https:// address: its consumer secret would travel in clear`,
    );
  }
  const { consumerKey: key, consumerSecret: secret } = secrets;
  const token = Buffer.from(`${key}:${secret}`, 'utf8').toString('base64');
  const inQuery = config.restAuth === 'query-string';
  return {
    base: `${url.origin}${url.pathname.replace(/\/+$/, '')}/wp-json/wc/v3`,
    host: url.host,
    authorization: inQuery ? undefined : `Basic ${token}`,
    credentialQuery: inQuery ? { consumer_key: key, consumer_secret: secret } : {},
    redact: [secret, token, key],
  };
}

/** A RestCall bound to one endpoint and one job's signal. */
export function restClient(endpoint: RestEndpoint, signal: AbortSignal): RestCall {
  return (request) => sendRest(endpoint, request, signal);
}

/** A RestCall and a RestListCall bound to one endpoint and one job's signal. */
export function restApi(endpoint: RestEndpoint, signal: AbortSignal): RestApi {
  return { call: restClient(endpoint, signal), list: (request) => sendRestPage(endpoint, request, signal) };
}

/**
 * The only place this adapter speaks HTTP. Sends one request and returns the parsed JSON of a 2xx answer. Anything
 * else is classified for the job worker: 401/403 (wrong keys, a read-only key), 404 (no such order, no REST API at
 * that address) and the other 4xx → PermanentError; 429, 408, 5xx and no answer at all → a plain Error, retried with
 * back-off. The consumer secret never appears in a message.
 */
export async function sendRest(
  endpoint: RestEndpoint,
  request: RestRequest,
  signal: AbortSignal,
): Promise<unknown> {
  return (await exchange(endpoint, request, signal)).body;
}

/** sendRest for a collection: the page and WordPress's X-WP-TotalPages. */
export async function sendRestPage(
  endpoint: RestEndpoint,
  request: RestRequest,
  signal: AbortSignal,
): Promise<RestPage> {
  const { body, headers } = await exchange(endpoint, request, signal);
  const header = headers.get('x-wp-totalpages');
  const totalPages = header !== null && /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : undefined;
  return { body, totalPages };
}

async function exchange(
  endpoint: RestEndpoint,
  request: RestRequest,
  signal: AbortSignal,
): Promise<{ body: unknown; headers: AnswerHeaders }> {
  const where = `${request.method} ${request.path} at ${endpoint.host}`;
  const url = urlOf(endpoint.base, request.path, { ...request.query, ...endpoint.credentialQuery });
  const answer = await sendJson({
    method: request.method,
    url,
    headers: endpoint.authorization ? { authorization: endpoint.authorization } : {},
    body: request.body,
    timeoutMs: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
    signal,
    where,
    peer: 'WooCommerce',
    redact: endpoint.redact,
  });
  // A 2xx that is not JSON comes from something in between (a cache, a maintenance page, a security plugin).
  if (answer.ok) {
    const skimmed =
      request.readIfIncludes !== undefined &&
      !answer.text.includes(request.readIfIncludes) &&
      looksLikeJson(answer.text);
    return { body: skimmed ? undefined : jsonBody(answer.text, where), headers: answer.headers };
  }
  const error = wooError(answer.text);
  throw failures.keep(statusFailure(answer.status, describe(answer, error, where)), {
    status: answer.status,
    code: error?.code,
    message: error?.message,
  });
}

function describe(
  answer: JsonAnswer,
  error: { code: string; message: string } | undefined,
  where: string,
): (kind: StatusClass) => string {
  const { status } = answer;
  const detail = error ? `${error.code}: ${error.message}` : answer.text.slice(0, DETAIL_CHARS);
  return (kind) => {
    switch (kind) {
      case 'credentials': {
        // woocommerce_rest_cannot_*: WooCommerce saw no user behind the request, though Waybill sent the keys.
        const hint = error?.code.startsWith('woocommerce_rest_cannot_')
          ? "; if the keys are right, the web server may be dropping the Authorization header (the channel's restAuth: query-string sends the keys in the query instead), or the key's user may lack the capability"
          : '';
        return `${where}: WooCommerce refused the REST API keys (${status} ${detail}); check the channel's consumerKey and consumerSecret and that the key has Read/Write permission${hint}`;
      }
      case 'not-found': {
        const hint =
          error?.code === 'rest_no_route' || !error
            ? ': no WooCommerce REST API v3 there (check storeUrl; WordPress needs pretty permalinks)'
            : '';
        return `${where}: WooCommerce answered 404 (${detail})${hint}`;
      }
      case 'throttled': {
        const retryAfter = answer.headers.get('retry-after');
        return `${where}: WooCommerce is rate limiting (429${retryAfter ? `, retry after ${retryAfter} s` : ''}): ${detail}`;
      }
      case 'unavailable':
        return `${where}: WooCommerce answered ${status}: ${detail}`;
      case 'refused':
        // 400 (a parameter WooCommerce does not take), 413 (a batch over its limit) and the rest: a retry sends the same.
        return `${where}: WooCommerce refused the request (${status} ${detail})`;
    }
  };
}

/** WooCommerce's (and WordPress's) error body: `{ code, message, data: { status } }`. */
function wooError(text: string): { code: string; message: string } | undefined {
  const body = tryJson(text);
  if (typeof body !== 'object' || body === null) return undefined;
  const { code, message } = body as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string'
    ? { code, message: message.slice(0, DETAIL_CHARS) }
    : undefined;
}
