/** Helpers for the simulator tests: a tiny recording fake of the hub, and a signer written straight from the doc. */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { closeServer, listen, parseJson, readBody } from './shared.ts';

export interface HubCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** Decides the answer to a call; `sameCalls` counts earlier calls to the same path (for "503 the first n times"). */
export type HubReply = (call: HubCall, sameCalls: number) => number | { status: number; body?: unknown };

export interface FakeHub {
  url: string;
  calls: HubCall[];
  close(): Promise<void>;
}

export async function startFakeHub(reply: HubReply, port = 0): Promise<FakeHub> {
  const calls: HubCall[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const call = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: parseJson(raw),
      };
      const sameCalls = calls.filter((c) => c.path === call.path).length;
      calls.push(call);
      const answer = reply(call, sameCalls);
      const { status, body } = typeof answer === 'number' ? { status: answer, body: undefined } : answer;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
  });
  const bound = await listen(server, port);
  return { url: `http://127.0.0.1:${bound}`, calls, close: () => closeServer(server) };
}

/** The X-Waybill-Signature value for a raw body, computed independently of sim/shared.ts to cross-check it. */
export function sign(secret: string, raw: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')}`;
}

export interface SignedPostOptions {
  /** Idempotency-Key; left out when not given. */
  key?: string;
  /** A literal X-Waybill-Signature; null leaves it out. Default: a valid one. */
  signature?: string | null;
  timeoutMs?: number;
}

export async function signedPost(
  url: string,
  secret: string,
  body: unknown,
  opts: SignedPostOptions = {},
): Promise<{ status: number; body: unknown }> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = opts.signature === undefined ? sign(secret, raw) : opts.signature;
  if (signature !== null) headers['x-waybill-signature'] = signature;
  if (opts.key) headers['idempotency-key'] = opts.key;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: raw,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : parseJson(Buffer.from(text)) };
}

/** Polls until the condition holds; fails the test after the timeout instead of hanging it. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
