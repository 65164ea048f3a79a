import { answeredWith } from '../../shared/http-failure.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { SHOPIFY_API_VERSION } from './api-version.ts';
import type { ShopifyConfig, ShopifySecrets } from './credentials.ts';
import { costOf, describeCost, ShopifyThrottledError, throttleWaitMs } from './throttle.ts';

/** Where and as whom Waybill calls a shop's Admin GraphQL API. */
export interface AdminEndpoint {
  url: string;
  accessToken: string;
  /** Told X-Shopify-API-Version of every answer: the version that answered (./api-version.ts). */
  servedVersion?: (version: string | null) => void;
}

export interface GraphqlRequest {
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
}

/** One call may take this long; the notify job's own timeout bounds the whole notice. */
const REQUEST_TIMEOUT_MS = 10_000;
const DETAIL_CHARS = 300;

/** https://{shop}/admin/api/{version}/graphql.json, or the same path under the configured adminUrl. */
export function adminEndpoint(
  config: ShopifyConfig,
  secrets: ShopifySecrets,
  servedVersion?: AdminEndpoint['servedVersion'],
): AdminEndpoint {
  if (!secrets.accessToken) {
    throw new PermanentError(
      `the Shopify channel for ${config.shopDomain} has no Admin API access token (accessToken in the setup document)`,
    );
  }
  return {
    url: `${adminBase(config)}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`,
    accessToken: secrets.accessToken,
    ...(servedVersion && { servedVersion }),
  };
}

/** Where the shop's Admin API answers, without the version path: https://{shop}, or the configured adminUrl. */
export function adminBase(config: Pick<ShopifyConfig, 'shopDomain' | 'adminUrl'>): string {
  return (config.adminUrl ?? `https://${config.shopDomain}`).replace(/\/+$/, '');
}

/**
 * The only place this adapter speaks HTTP. POSTs one GraphQL request and returns the parsed JSON of a 2xx answer;
 * any other answer is classified for the job worker: THROTTLED (429) → ShopifyThrottledError, sat out by the
 * caller; 401/403 and other 4xx (a wrong token, a missing scope, an unknown or frozen shop) → PermanentError;
 * 5xx, 408, no answer at all → a plain Error, retried with back-off. The token never appears in a message.
 */
export async function postGraphql(
  endpoint: AdminEndpoint,
  request: GraphqlRequest,
  signal: AbortSignal,
): Promise<unknown> {
  const response = await send(endpoint, request, signal);
  endpoint.servedVersion?.(response.headers.get('x-shopify-api-version'));
  const text = redact(await response.text().catch(() => ''), endpoint.accessToken);
  if (response.ok) return parseJson(text, endpoint, request);
  if (response.status === 429) {
    const cost = costOf(tryJson(text));
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    throw new ShopifyThrottledError(
      throttleWaitMs(cost, Number.isNaN(retryAfter) ? undefined : retryAfter),
      `429, ${describeCost(cost)}`,
    );
  }
  throw answeredWith(classify(response.status, text, endpoint, request), response.status);
}

async function send(
  endpoint: AdminEndpoint,
  request: GraphqlRequest,
  signal: AbortSignal,
): Promise<Response> {
  try {
    return await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-shopify-access-token': endpoint.accessToken,
        'user-agent': 'Waybill/0.1',
      },
      body: JSON.stringify(request),
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
  } catch (error) {
    // No answer: Shopify may or may not have run a mutation. The caller's idempotency check settles that on retry.
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw new Error(
      `${request.operationName}: no answer from ${hostOf(endpoint)}: ${redact(reason, endpoint.accessToken)}`,
    );
  }
}

function classify(status: number, text: string, endpoint: AdminEndpoint, request: GraphqlRequest): Error {
  const detail = text.slice(0, DETAIL_CHARS);
  const where = `${request.operationName} at ${hostOf(endpoint)}`;
  if (status === 401 || status === 403) {
    return new PermanentError(
      `${where}: Shopify refused the Admin API access token (${status}): ${detail}; check the channel's accessToken and the app's access scopes`,
    );
  }
  if (status === 404)
    return new PermanentError(
      `${where}: no Admin API there (404): check the channel's shopDomain: ${detail}`,
    );
  if (status === 408 || status >= 500) return new Error(`${where}: Shopify answered ${status}: ${detail}`);
  // 402 (the shop is frozen for an unpaid bill), 423 (locked) and the rest: not going to change by retrying soon.
  return new PermanentError(`${where}: Shopify answered ${status}: ${detail}`);
}

function parseJson(text: string, endpoint: AdminEndpoint, request: GraphqlRequest): unknown {
  const parsed = tryJson(text);
  // A 200 that is not JSON comes from something in between (a proxy, a maintenance page), not from Shopify itself.
  if (parsed === undefined)
    throw new Error(
      `${request.operationName} at ${hostOf(endpoint)}: the answer is not JSON: ${text.slice(0, DETAIL_CHARS)}`,
    );
  return parsed;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function hostOf(endpoint: AdminEndpoint): string {
  return new URL(endpoint.url).host;
}

/** Whatever answers (a proxy echoing headers, say), the token must not reach a log line or a dead letter. */
function redact(text: string, token: string): string {
  return token ? text.split(token).join('[redacted]') : text;
}
