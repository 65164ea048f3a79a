import {
  DETAIL_CHARS,
  jsonBody,
  retryAfterMs,
  sendJson,
  statusFailure,
  tryJson,
} from '../../shared/json-http.ts';
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
  const host = new URL(endpoint.url).host;
  const where = `${request.operationName} at ${host}`;
  const answer = await sendJson({
    method: 'POST',
    url: endpoint.url,
    headers: { 'x-shopify-access-token': endpoint.accessToken },
    body: request,
    timeoutMs: REQUEST_TIMEOUT_MS,
    signal,
    // No answer: Shopify may or may not have run a mutation. The caller's idempotency check settles that on retry.
    where: request.operationName,
    peer: host,
    redact: [endpoint.accessToken],
  });
  endpoint.servedVersion?.(answer.headers.get('x-shopify-api-version'));
  // A 200 that is not JSON comes from something in between (a proxy, a maintenance page), not from Shopify itself.
  if (answer.ok) return jsonBody(answer.text, where);
  if (answer.status === 429) {
    const cost = costOf(tryJson(answer.text));
    const retryAfter = retryAfterMs(answer.headers.get('retry-after'));
    throw new ShopifyThrottledError(
      throttleWaitMs(cost, retryAfter === undefined ? undefined : retryAfter / 1_000),
      `429, ${describeCost(cost)}`,
    );
  }
  const detail = answer.text.slice(0, DETAIL_CHARS);
  throw statusFailure(answer.status, (kind) => {
    switch (kind) {
      case 'credentials':
        return `${where}: Shopify refused the Admin API access token (${answer.status}): ${detail}; check the channel's accessToken and the app's access scopes`;
      case 'not-found':
        return `${where}: no Admin API there (404): check the channel's shopDomain: ${detail}`;
      case 'throttled':
      case 'unavailable':
        return `${where}: Shopify answered ${answer.status}: ${detail}`;
      case 'refused':
        // 402 (the shop is frozen for an unpaid bill), 423 (locked) and the rest: not going to change by retrying soon.
        return `${where}: Shopify answered ${answer.status}: ${detail}`;
    }
  });
}

/** A bulk operation's file may be large and slow to come: 100,000 variants are ~20 MB. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/**
 * Fetches the file of a bulk operation from the URL Shopify gave for it (a signed link to its storage, valid for a
 * week). No Shopify token goes with it: the link is its own credential, and is kept out of messages like one.
 */
export async function downloadExport(url: string, signal: AbortSignal): Promise<string> {
  const link = new URL(url);
  const where = `the bulk operation's file at ${link.host}`;
  const answer = await sendJson({
    method: 'GET',
    url: link,
    headers: { accept: 'application/jsonl, */*' },
    timeoutMs: DOWNLOAD_TIMEOUT_MS,
    signal,
    where,
    peer: link.host,
    redact: [link.search.slice(1)],
  });
  if (!answer.ok)
    throw new Error(`${where}: answered ${answer.status}: ${answer.text.slice(0, DETAIL_CHARS)}`);
  return answer.text;
}
