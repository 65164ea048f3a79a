import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { answeredWith } from '../../shared/http-failure.ts';
import { DETAIL_CHARS, sendJson, tryJson } from '../../shared/json-http.ts';
import { EBAY_SCOPES } from './credentials.ts';
import type { EbayEndpoint } from './endpoint.ts';

/**
 * eBay's OAuth refresh-token grant (https://developer.ebay.com/api-docs/static/oauth-refresh-token-request.html):
 * POST {root}/identity/v1/oauth2/token, form-encoded grant_type=refresh_token, the refresh token and the scopes,
 * with the app's client id and secret as HTTP Basic. The answer is a User access token good for `expires_in`
 * seconds (7,200). Tokens are kept per app, seller and host, in this process, until shortly before they expire;
 * concurrent callers share one refresh.
 */
const TOKEN_PATH = '/identity/v1/oauth2/token';
/** A token is renewed this long before eBay's expiry: a call that starts with it must not meet the expiry mid-way. */
const RENEW_BEFORE_MS = 5 * 60_000;
const TOKEN_TIMEOUT_MS = 10_000;

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

interface CachedToken {
  token: string;
  expiresAt: number;
}
const tokens = new Map<string, CachedToken>();
const refreshing = new Map<string, Promise<CachedToken>>();

/** What eBay's token endpoint refused, for the connection test's reason (`invalid_scope` is a missing scope). */
const oauthFailures = new WeakMap<Error, string>();
export function oauthFailureOf(error: unknown): string | undefined {
  return error instanceof Error ? oauthFailures.get(error) : undefined;
}

/**
 * A User access token for the endpoint's seller: the cached one unless it is within RENEW_BEFORE_MS of expiring,
 * or `stale` is that token (eBay refused it: renew once).
 */
export async function accessToken(
  endpoint: EbayEndpoint,
  options: { signal: AbortSignal; now: () => number; stale?: string },
): Promise<string> {
  const cached = tokens.get(endpoint.cacheKey);
  if (cached && cached.token !== options.stale && cached.expiresAt - RENEW_BEFORE_MS > options.now())
    return cached.token;
  let pending = refreshing.get(endpoint.cacheKey);
  if (!pending) {
    pending = refresh(endpoint, options).finally(() => refreshing.delete(endpoint.cacheKey));
    refreshing.set(endpoint.cacheKey, pending);
  }
  return (await pending).token;
}

/** A new access token whatever is cached: the connection test checks the refresh token itself. */
export async function renewAccessToken(
  endpoint: EbayEndpoint,
  options: { signal: AbortSignal; now: () => number },
): Promise<string> {
  tokens.delete(endpoint.cacheKey);
  return accessToken(endpoint, options);
}

/** Forgets every cached token (tests that start a fresh eBay). */
export function forgetAccessTokens(): void {
  tokens.clear();
}

async function refresh(
  endpoint: EbayEndpoint,
  options: { signal: AbortSignal; now: () => number },
): Promise<CachedToken> {
  const where = `POST ${TOKEN_PATH} at ${endpoint.host}`;
  const startedAt = options.now();
  const { status, ok, text } = await sendJson({
    method: 'POST',
    url: `${endpoint.root}${TOKEN_PATH}`,
    headers: {
      authorization: `Basic ${endpoint.clientBasic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: endpoint.refreshToken,
      scope: EBAY_SCOPES.join(' '),
    }),
    timeoutMs: TOKEN_TIMEOUT_MS,
    signal: options.signal,
    where,
    peer: 'eBay',
    redact: endpoint.redact,
  });
  const body = tryJson(text);
  if (ok) {
    const answer = tokenAnswer.safeParse(body);
    if (!answer.success) throw new Error(`${where}: eBay answered without an access token`);
    const token = { token: answer.data.access_token, expiresAt: startedAt + answer.data.expires_in * 1000 };
    tokens.set(endpoint.cacheKey, token);
    return token;
  }
  throw refusal(status, body, text, where);
}

function refusal(status: number, body: unknown, text: string, where: string): Error {
  const parsed = oauthError.safeParse(body);
  const code = parsed.success ? parsed.data.error : undefined;
  const detail = parsed.success
    ? `${parsed.data.error}${parsed.data.error_description ? `: ${parsed.data.error_description}` : ''}`
    : text.slice(0, DETAIL_CHARS);
  const mark = (error: Error, status: number) => {
    if (code) oauthFailures.set(error, code);
    return answeredWith(error, status);
  };
  if (code === 'invalid_grant')
    return mark(
      new PermanentError(
        `${where}: eBay refused the seller's refresh token (${detail}): it was revoked or has expired. The seller must consent again (eBay's authorization-code grant) and the channel's refreshToken be replaced`,
      ),
      401,
    );
  if (code === 'invalid_client' || status === 401)
    return mark(
      new PermanentError(
        `${where}: eBay refused the app's credentials (${detail}): check the channel's clientId and clientSecret (the keyset of the same environment as apiUrl)`,
      ),
      401,
    );
  if (code === 'invalid_scope')
    return mark(
      new PermanentError(
        `${where}: eBay refused the scopes Waybill needs (${detail}): the seller must consent again granting ${EBAY_SCOPES.join(', ')}`,
      ),
      403,
    );
  if (status === 429 || status >= 500)
    return answeredWith(new Error(`${where}: eBay answered ${status}: ${detail}`), status);
  return mark(new PermanentError(`${where}: eBay refused the token request (${status} ${detail})`), status);
}
