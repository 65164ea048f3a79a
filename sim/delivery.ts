/**
 * Sending a store's webhook, the part the simulated platforms do alike: the exact body bytes POSTed with a timeout
 * per attempt, redirects not followed, and the same bytes sent again on a failed attempt. What each platform decides
 * for itself comes in as parameters: the headers and the signature in them, the timeout, how many attempts and how
 * far apart. Demo and test use only.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { backoffMs, positiveInteger } from './shared.ts';

/** An answer as a delivery sees it: status 0 and body '' when there was none (refused, reset, timed out). */
export interface Answer {
  status: number;
  body: string;
}

const NO_ANSWER: Answer = { status: 0, body: '' };

/** One POST, everything fixed: sending it again sends the same bytes. */
export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Per attempt, covering the whole exchange. */
  timeoutMs: number;
}

/** A delivery as prepared once: sending it again (a retry, a duplicate) sends it byte for byte. */
export interface WebhookPost extends PostRequest {
  maxAttempts: number;
}

/** The caller's options for a delivery, checked; the platform names its own timeout, and one attempt is the default. */
export function attemptLimits(
  opts: { maxAttempts?: number; timeoutMs?: number },
  defaultTimeoutMs: number,
): Pick<WebhookPost, 'maxAttempts' | 'timeoutMs'> {
  return {
    maxAttempts: positiveInteger(opts.maxAttempts ?? 1, 'maxAttempts'),
    timeoutMs: positiveInteger(opts.timeoutMs ?? defaultTimeoutMs, 'timeoutMs'),
  };
}

/**
 * One attempt. A webhook delivery does not follow redirects (Shopify and WooCommerce alike judge the redirect
 * itself); a caller that does, like WooCommerce's ping, says so.
 */
export async function postOnce(request: PostRequest, redirect: RequestRedirect = 'manual'): Promise<Answer> {
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: new Uint8Array(request.body),
      redirect,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // Read inside the timeout too: the limit covers the whole answer, and reading frees the connection.
    return { status: res.status, body: await res.text() };
  } catch {
    return NO_ANSWER;
  }
}

/**
 * Attempts until a 2xx answer or maxAttempts, the same bytes every time. Between attempts it waits
 * backoffMs(attempt, backoffCapMs): the platform's retry schedule, compressed from hours to milliseconds.
 *
 * @example const { answer, attempts } = await postUntilAccepted(prepared, 1_000);
 */
export async function postUntilAccepted(
  post: WebhookPost,
  backoffCapMs: number,
): Promise<{ answer: Answer; attempts: number }> {
  let answer = NO_ANSWER;
  let attempts = 0;
  while (attempts < post.maxAttempts) {
    if (attempts > 0) await delay(backoffMs(attempts - 1, backoffCapMs));
    attempts++;
    answer = await postOnce(post);
    if (answer.status >= 200 && answer.status < 300) break;
  }
  return { answer, attempts };
}

/** Base64 HMAC-SHA256 of the exact body bytes; which key, and which header carries it, is the platform's choice. */
export function hmacBase64(key: string, body: Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

/** JSON.stringify of a payload, refusing one that has no JSON form (undefined, a function). */
export function jsonText(payload: unknown): string {
  const text = JSON.stringify(payload);
  if (text === undefined) throw new TypeError('the payload has no JSON form; pass rawBody to send raw bytes');
  return text;
}
