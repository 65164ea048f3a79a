import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { answeredWith } from '../../shared/http-failure.ts';
import { sendJson, tryJson } from '../../shared/json-http.ts';
import type { AmazonEndpoint } from './credentials.ts';

/**
 * Login with Amazon's refresh-token exchange (https://developer-docs.amazon.com/sp-api/docs/connecting-to-the-selling-partner-api):
 * POST the token endpoint, form-encoded, grant_type=refresh_token with the refresh token and the app's client id and
 * secret; the answer's access_token goes in x-amz-access-token on every SP-API call and lasts expires_in seconds
 * (an hour). Tokens are kept per credentials until shortly before they expire, so a process asks LWA about once an
 * hour per seller, however many jobs it runs.
 */
const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() });
const errorAnswer = z.object({ error: z.string(), error_description: z.string().optional() });

/** A token is not used in its last minute: a call made with it must still reach Amazon in time. */
const EXPIRY_MARGIN_MS = 60_000;
const TIMEOUT_MS = 10_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}
const tokens = new Map<string, CachedToken>();
const inFlight = new Map<string, Promise<CachedToken>>();

/** The access token for these credentials: cached, or exchanged now (one exchange however many callers wait). */
export async function accessToken(
  endpoint: AmazonEndpoint,
  signal: AbortSignal,
  now = Date.now(),
): Promise<string> {
  const key = credentialsKey(endpoint);
  const cached = tokens.get(key);
  if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now) return cached.token;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = exchange(endpoint, signal, now).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const fresh = await pending;
  tokens.set(key, fresh);
  return fresh.token;
}

/** Amazon refused the token (expired early, revoked): the next call exchanges the refresh token again. */
export function forgetAccessToken(endpoint: AmazonEndpoint): void {
  tokens.delete(credentialsKey(endpoint));
}

/** The cache is per secret as well as per seller: a changed refresh token must never be served another's token. */
function credentialsKey(endpoint: AmazonEndpoint): string {
  return createHash('sha256')
    .update([endpoint.lwaUrl, endpoint.clientId, endpoint.clientSecret, endpoint.refreshToken].join('\n'))
    .digest('hex');
}

async function exchange(endpoint: AmazonEndpoint, signal: AbortSignal, now: number): Promise<CachedToken> {
  const url = new URL(endpoint.lwaUrl);
  const { host } = url;
  const { status, ok, text } = await sendJson({
    method: 'POST',
    url,
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: endpoint.refreshToken,
      client_id: endpoint.clientId,
      client_secret: endpoint.clientSecret,
    }),
    timeoutMs: TIMEOUT_MS,
    signal,
    where: `POST ${url.pathname} at ${host}`,
    peer: 'Login with Amazon',
    redact: [endpoint.refreshToken, endpoint.clientSecret],
  });
  const body = tryJson(text);
  if (ok) {
    const parsed = tokenAnswer.safeParse(body);
    if (!parsed.success)
      throw new Error(`Login with Amazon at ${host} answered ${status} without an access token`);
    return { token: parsed.data.access_token, expiresAt: now + parsed.data.expires_in * 1_000 };
  }
  throw refusal(status, errorAnswer.safeParse(body).data, host);
}

function refusal(status: number, error: z.infer<typeof errorAnswer> | undefined, host: string): Error {
  const said = error
    ? `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`
    : `HTTP ${status}`;
  // The OAuth 2.0 error codes LWA uses (RFC 6749 §5.2): each names the setup field to fix.
  if (error?.error === 'invalid_grant')
    return answeredWith(
      new PermanentError(
        `Login with Amazon refused the channel's refreshToken (${said}): the seller must authorise Waybill's app again in Seller Central and the new refresh token replace refreshToken`,
      ),
      401,
    );
  if (error?.error === 'invalid_client' || error?.error === 'unauthorized_client')
    return answeredWith(
      new PermanentError(
        `Login with Amazon refused the app's credentials (${said}): check the channel's clientId and clientSecret`,
      ),
      401,
    );
  if (status === 429 || status >= 500)
    return answeredWith(new Error(`Login with Amazon at ${host} answered ${said}; retried later`), status);
  return answeredWith(
    new PermanentError(`Login with Amazon at ${host} refused the exchange (${said})`),
    status,
  );
}
