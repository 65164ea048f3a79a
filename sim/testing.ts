/**
 * Helpers for the simulator tests: a tiny recording fake of the hub, a receiver of a store's webhooks, and
 * signatures computed straight from the docs (never through the simulators' own code).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, expect } from 'vitest';
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

/** Something a test opens (a server, a simulator's API) and must close. */
export interface Closable {
  close(): Promise<void>;
}

/** A list whose contents are closed after each test of the file that calls this (at its top level). */
export function closedAfterEach(): Closable[] {
  const open: Closable[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  return open;
}

/** One request a receiver got, its body byte for byte. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** How a receiver answers its call number `call` (from 0): a status, after a delay when given. */
export type ReceiverAnswer = (call: number) => { status: number; delayMs?: number };

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** What a receiver's answers carry: by default what Waybill's webhook route says. */
export interface ReceiverReply {
  contentType: string;
  body: string;
}

const ACCEPTED: ReceiverReply = { contentType: 'application/json', body: '{"status":"accepted"}' };

/**
 * A stand-in for Waybill's webhook route (or an app's callback endpoint) at `path`: records the raw bytes and
 * headers of every request, and answers as told, by call number.
 *
 * @example const hub = await startReceiver('/webhooks/shopify/chn_shop', (call) => ({ status: call ? 200 : 503 }));
 */
export async function startReceiver(
  path: string,
  answer: ReceiverAnswer = () => ({ status: 200 }),
  reply: ReceiverReply = ACCEPTED,
): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then(async (raw) => {
      const { status, delayMs } = answer(received.length);
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw });
      if (delayMs) await delay(delayMs);
      if (!res.destroyed) res.writeHead(status, { 'content-type': reply.contentType }).end(reply.body);
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}${path}`, received, close: () => closeServer(server) };
}

/**
 * A raw GraphQL POST to a simulated shop's Admin API (version 2026-10), written from the docs rather than through
 * Waybill's client. A null token sends no X-Shopify-Access-Token at all.
 */
export async function postAdminGraphql(
  adminUrl: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['x-shopify-access-token'] = token;
  const res = await fetch(`${adminUrl}/admin/api/2026-10/graphql.json`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

/** Base64 HMAC-SHA256 of the bytes as received: what Shopify's and WooCommerce's signature headers hold. */
export function base64Hmac(secret: string, raw: Buffer): string {
  return createHmac('sha256', secret).update(raw).digest('base64');
}

/** The item at `index` (the first by default); fails the test when there is none. */
export function only<T>(items: T[], index = 0): T {
  const item = items[index];
  if (item === undefined) throw new Error(`nothing at ${index}`);
  return item;
}

/** Decimal string → minor units with string operations only, so the check does not share the sim's parser. */
export function cents(amount: string): number {
  expect(amount).toMatch(/^\d+\.\d{2}$/);
  return Number(amount.replace('.', ''));
}
