import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import OAuth from 'oauth-1.0a';
import { PermanentError } from '../../../domain/permanent-error.ts';
import {
  DETAIL_CHARS,
  failureDetails,
  jsonBody,
  retryAfterMs,
  sendJson,
  statusFailure,
  tryJson,
  type PathRequest,
  type StatusClass,
} from '../../shared/json-http.ts';
import { isLoopbackHost } from '../woocommerce/credentials.ts';
import type { MagentoAuthMode, MagentoConfig, MagentoSecrets } from './credentials.ts';

/** Where and as whom Waybill calls one store's REST API. */
export interface MagentoEndpoint {
  /** {baseUrl}/rest/{storeCode}/V1, without a trailing slash. */
  base: string;
  /** Names the store in messages. */
  host: string;
  auth: MagentoAuthMode;
  /** Adds the Authorization header of one request (signed afresh each time: a nonce is good once). */
  authorize(method: string, url: URL, query: readonly QueryPair[]): string;
  /** What must never reach a message. */
  redact: readonly (string | undefined)[];
}

/** One query parameter, in the order sent (searchCriteria's indices are in the names). */
export type QueryPair = readonly [name: string, value: string];

/** A call under /V1: `/orders/12/…`, its query in order; timeoutMs by default REQUEST_TIMEOUT_MS. */
export type MagentoRequest = PathRequest<'GET' | 'POST', readonly QueryPair[]>;

/** One request, answered with the parsed JSON of a 2xx; anything else thrown, classified for the job worker. */
export type MagentoCall = (request: MagentoRequest) => Promise<unknown>;

/** What Magento answered when a call failed: its message with the placeholders filled, and the raw template. */
export interface MagentoFailure {
  status: number;
  message: string;
  template: string | undefined;
  parameters: unknown;
}
const failures = failureDetails<MagentoFailure>();

/** The answer behind an error thrown by a MagentoCall; undefined for anything else (no answer at all). */
export const magentoFailureOf = failures.of;

const REQUEST_TIMEOUT_MS = 15_000;
/**
 * Magento itself does not rate-limit its REST API; a store may (its web server, a CDN or WAF in front, Adobe
 * Commerce Cloud's) and answers 429. Such an answer is waited out here a few times, as Retry-After says or doubling
 * from a second; a longer wait is the job's back-off's to keep.
 */
export const THROTTLE_POLICY = { attempts: 4, firstWaitMs: 1_000, maxWaitMs: 10_000 } as const;

/**
 * The REST root and the signer for a channel. OAuth 1.0a per RFC 5849 with HMAC-SHA256 (Magento\Framework\Oauth\Oauth
 * takes HMAC-SHA1 and HMAC-SHA256), the access token as oauth_token, signed by the oauth-1.0a library.
 */
export function magentoEndpoint(config: MagentoConfig, secrets: MagentoSecrets): MagentoEndpoint {
  const url = new URL(config.baseUrl);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname))
    throw new PermanentError(
      `the Magento store ${url.host} is not an https:// address: its credentials would travel in clear`,
    );
  const auth = config.auth ?? 'oauth';
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}/rest/${config.storeCode ?? 'default'}/V1`;
  const redact = [
    secrets.accessToken,
    secrets.accessTokenSecret,
    secrets.consumerKey,
    secrets.consumerSecret,
  ];
  if (auth === 'bearer') {
    return { base, host: url.host, auth, authorize: () => `Bearer ${secrets.accessToken}`, redact };
  }
  const { consumerKey, consumerSecret, accessTokenSecret } = secrets;
  if (!consumerKey || !consumerSecret || !accessTokenSecret)
    throw new PermanentError(
      `the Magento channel for ${url.host} signs with OAuth 1.0a but lacks the integration's consumerKey, consumerSecret or accessTokenSecret`,
    );
  const oauth = new OAuth({
    consumer: { key: consumerKey, secret: consumerSecret },
    signature_method: 'HMAC-SHA256',
    hash_function: (text, key) => createHmac('sha256', key).update(text).digest('base64'),
  });
  const token = { key: secrets.accessToken, secret: accessTokenSecret };
  return {
    base,
    host: url.host,
    auth,
    authorize: (method, target, query) => {
      // The query goes in as data (decoded), not in the URL: the library would not decode its names.
      const data = Object.fromEntries(query.map(([name, value]) => [name, value]));
      const signed = oauth.authorize({ url: `${target.origin}${target.pathname}`, method, data }, token);
      return oauth.toHeader(signed).Authorization;
    },
    redact,
  };
}

/** A MagentoCall bound to one endpoint and one job's signal. */
export function magentoClient(endpoint: MagentoEndpoint, signal: AbortSignal): MagentoCall {
  return (request) => sendMagento(endpoint, request, signal);
}

/**
 * The only place this adapter speaks HTTP. Returns the parsed JSON of a 2xx. A 429 is waited out (THROTTLE_POLICY);
 * then 401/403 (credentials, the integration's API resources), 404 and the other 4xx → PermanentError; 429, 408,
 * 5xx and no answer at all → a plain Error, retried with back-off. No secret appears in a message.
 */
export async function sendMagento(
  endpoint: MagentoEndpoint,
  request: MagentoRequest,
  signal: AbortSignal,
): Promise<unknown> {
  const where = `${request.method} ${request.path} at ${endpoint.host}`;
  const url = new URL(`${endpoint.base}${request.path}`);
  const query = request.query ?? [];
  // %20 for a space, never '+': Magento decodes the query it signs with rawurldecode-compatible rules.
  url.search = query.map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`).join('&');
  for (let attempt = 1; ; attempt++) {
    const answer = await sendJson({
      method: request.method,
      url,
      headers: { authorization: endpoint.authorize(request.method, url, query) },
      body: request.body,
      timeoutMs: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
      signal,
      where,
      peer: 'Magento',
      redact: endpoint.redact,
    });
    // A 2xx that is not JSON comes from something in between (a maintenance page, a proxy).
    if (answer.ok) return jsonBody(answer.text, where);
    const wait = answer.status === 429 ? throttleWaitMs(answer.headers.get('retry-after'), attempt) : null;
    if (wait !== null && attempt < THROTTLE_POLICY.attempts && wait <= THROTTLE_POLICY.maxWaitMs) {
      await sleep(wait, undefined, { signal });
      continue;
    }
    throw classify(endpoint, answer.status, answer.text, where);
  }
}

/** Retry-After (seconds or an HTTP date), else 1 s, 2 s, 4 s … */
export function throttleWaitMs(retryAfter: string | null, attempt: number, now = Date.now()): number {
  return retryAfterMs(retryAfter, now) ?? THROTTLE_POLICY.firstWaitMs * 2 ** (attempt - 1);
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function classify(endpoint: MagentoEndpoint, status: number, text: string, where: string): Error {
  const error = magentoError(text);
  const detail = error?.message ?? text.slice(0, DETAIL_CHARS);
  return failures.keep(statusFailure(status, describe(endpoint, status, detail, where)), {
    status,
    message: detail,
    template: error?.template,
    parameters: error?.parameters,
  });
}

function describe(
  endpoint: MagentoEndpoint,
  status: number,
  detail: string,
  where: string,
): (kind: StatusClass) => string {
  return (kind) => {
    switch (kind) {
      case 'credentials': {
        const hint =
          endpoint.auth === 'bearer'
            ? "; since Magento 2.4.4 an integration's access token is refused as a bearer token unless the store allows it (oauth/consumer/enable_integration_as_bearer): set auth: oauth and give the integration's four values"
            : "; check the channel's consumerKey, consumerSecret, accessToken and accessTokenSecret (System → Extensions → Integrations, the integration active), and that the integration may use the Sales and Inventory resources";
        return `${where}: Magento refused the integration (${status} ${detail})${hint}`;
      }
      case 'throttled':
        return `${where}: the store is rate limiting (429): ${detail}`;
      case 'unavailable':
        return `${where}: Magento answered ${status}: ${detail}`;
      case 'not-found':
        return `${where}: Magento answered 404 (${detail}); check baseUrl and storeCode, and that the record exists`;
      case 'refused':
        return `${where}: Magento refused the request (${status} ${detail})`;
    }
  };
}

/**
 * Magento's error body: `{ message, parameters }`, the message with placeholders (%1 for a list of parameters,
 * %name for an object of them), and with developer mode a trace. Read back with the placeholders filled.
 */
function magentoError(text: string): { message: string; template: string; parameters: unknown } | undefined {
  const body = tryJson(text);
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, parameters } = body as { message?: unknown; parameters?: unknown };
  if (typeof message !== 'string') return undefined;
  return {
    message: fillPlaceholders(message, parameters).slice(0, DETAIL_CHARS),
    template: message,
    parameters,
  };
}

export function fillPlaceholders(template: string, parameters: unknown): string {
  if (Array.isArray(parameters))
    return template.replace(/%(\d+)/g, (whole, n: string) => {
      const value: unknown = parameters[Number(n) - 1];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : whole;
    });
  if (typeof parameters === 'object' && parameters !== null) {
    const named = parameters as Record<string, unknown>;
    return template.replace(/%([a-zA-Z_]\w*)/g, (whole, name: string) => {
      const value = named[name];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : whole;
    });
  }
  return template;
}
