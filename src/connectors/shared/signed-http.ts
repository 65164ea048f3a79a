import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PermanentError } from '../../domain/permanent-error.ts';
import { signPayload } from '../../infra/tokens.ts';
import { answeredWith } from './http-failure.ts';

export interface SignedPost {
  url: string;
  body: unknown;
  secret: string;
  idempotencyKey: string;
  timeoutMs: number;
  signal?: AbortSignal;
  now: Date;
}

/**
 * Connections are kept open between posts: a stock fan-out sends thousands of batches to one endpoint, and
 * node:http costs about a third of the CPU of fetch (undici) per post on the bench machine.
 */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** The most of an error answer kept for the message. */
const DETAIL_BYTES = 200;

/**
 * POSTs JSON signed with `X-Waybill-Signature` (docs/wire-formats.md) and classifies the answer for the job
 * worker: 2xx and 409 (the receiver already has it) succeed; 408, 429 and 5xx are retried; any other 4xx will not
 * get better by retrying and throws PermanentError. A redirect is not followed (a signed body goes only where it
 * was configured to): it is permanent too, naming where it pointed.
 */
export async function postSigned(request: SignedPost): Promise<{ status: number }> {
  const raw = JSON.stringify(request.body);
  const deadline = withDeadline(request.timeoutMs, request.signal);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(raw)),
    'idempotency-key': request.idempotencyKey,
    'x-waybill-signature': signPayload(request.secret, raw, Math.floor(request.now.getTime() / 1000)),
    'user-agent': 'Waybill/0.1',
  };
  const { status, detail, location } = await post(request.url, raw, headers, deadline.signal).finally(
    deadline.clear,
  );
  if ((status >= 200 && status < 300) || status === 409) return { status };
  const message = `${request.url} answered ${status}: ${location ? `redirect to ${location}` : detail}`;
  if (status === 408 || status === 429 || status >= 500) throw answeredWith(new Error(message), status);
  throw answeredWith(new PermanentError(message), status);
}

/**
 * A signal that aborts after `timeoutMs` or with `outer`, whichever comes first; `clear` stops both. One timer and
 * one listener: AbortSignal.any and AbortSignal.timeout cost more per post than the post's own bytes.
 */
function withDeadline(
  timeoutMs: number,
  outer: AbortSignal | undefined,
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  ).unref();
  const follow = () => controller.abort(outer!.reason);
  if (outer?.aborted) follow();
  else outer?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', follow);
    },
  };
}

interface Answer {
  status: number;
  /** The start of the body of an answer that is not a success, for the message. */
  detail: string;
  location: string | undefined;
}

function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Answer> {
  const https = url.startsWith('https:');
  const send = https ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const req = send(
      url,
      { method: 'POST', headers, agent: https ? agents.https : agents.http, signal },
      (res) => {
        readDetail(res).then(
          (detail) => resolve({ status: res.statusCode ?? 0, detail, location: res.headers.location }),
          reject,
        );
      },
    );
    req.on('error', (error) => reject(describeFailure(url, error, signal)));
    req.end(body);
  });
}

/** Reads the answer to its end (so the connection can be used again), keeping the first bytes of a failure. */
function readDetail(res: IncomingMessage): Promise<string> {
  const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    res.on('data', (chunk: Buffer) => {
      if (ok || kept >= DETAIL_BYTES) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, DETAIL_BYTES)));
    res.on('error', reject);
    // Cut off half-way (a timeout while the body was still coming): no 'end', perhaps no 'error'.
    res.on('close', () => {
      if (!res.complete) reject(new Error('the answer was cut off'));
    });
  });
}

/** Says what went wrong in words: the timeout or the cancellation that aborted the post, or the network error. */
function describeFailure(url: string, error: Error, signal: AbortSignal): Error {
  if (signal.aborted)
    return new Error(`${url}: ${signal.reason instanceof Error ? signal.reason.message : 'aborted'}`, {
      cause: error,
    });
  return new Error(`${url}: ${error.message}`, { cause: error });
}
