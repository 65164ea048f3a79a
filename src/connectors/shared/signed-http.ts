import { PermanentError } from '../../jobs/job.ts';
import { signPayload } from '../../infra/tokens.ts';

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
 * POSTs JSON signed with `X-Waybill-Signature` (docs/wire-formats.md) and classifies the answer for the job
 * worker: 2xx and 409 (the receiver already has it) succeed; 408, 429 and 5xx are retried; any other 4xx will not
 * get better by retrying and throws PermanentError.
 */
export async function postSigned(request: SignedPost): Promise<{ status: number }> {
  const raw = JSON.stringify(request.body);
  const signals = [AbortSignal.timeout(request.timeoutMs), ...(request.signal ? [request.signal] : [])];
  const response = await fetch(request.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': request.idempotencyKey,
      'x-waybill-signature': signPayload(request.secret, raw, Math.floor(request.now.getTime() / 1000)),
      'user-agent': 'Waybill/0.1',
    },
    body: raw,
    signal: AbortSignal.any(signals),
  });
  const detail = await response.text().catch(() => '');
  if (response.ok || response.status === 409) return { status: response.status };
  const message = `${request.url} answered ${response.status}: ${detail.slice(0, 200)}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(message);
  throw new PermanentError(message);
}
