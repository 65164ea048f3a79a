import { answeredStatus } from './http-failure.ts';

/** Why a connection test failed, in terms an operator acts on. */
export const CONNECTION_FAILURES = [
  'unauthorized',
  'missing_scope',
  'unreachable',
  'refused',
  'not_configured',
] as const;
export type ConnectionFailure = (typeof CONNECTION_FAILURES)[number];

/**
 * What an adapter's connection test found: `ok` with what answered (the shop's name, say), or the reason and what
 * was seen. A test makes one cheap real request with the stored settings and secrets, and changes nothing.
 *
 * @example
 * const result = await adapter.test(config, secrets, { signal, now });
 * if (!result.ok) console.log(`${result.reason}: ${result.detail}`);   // "unauthorized: … answered 401 …"
 */
export type ConnectionTestResult =
  { ok: true; detail: string } | { ok: false; reason: ConnectionFailure; detail: string };

export interface ConnectionTestOptions {
  signal: AbortSignal;
  now: Date;
}

/** A test that got no further than this error: refused credentials, no answer at all, or another refusal. */
export function failedConnection(error: unknown): ConnectionTestResult {
  const detail = error instanceof Error ? error.message : String(error);
  const status = answeredStatus(error);
  if (status === undefined) return { ok: false, reason: 'unreachable', detail };
  if (status === 401 || status === 403) return { ok: false, reason: 'unauthorized', detail };
  return { ok: false, reason: 'refused', detail };
}
