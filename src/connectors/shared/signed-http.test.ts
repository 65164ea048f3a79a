import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../domain/permanent-error.ts';
import { signPayload } from '../../infra/tokens.ts';
import { postSigned } from './signed-http.ts';

const SECRET = 'a-signing-secret-of-enough-length';
const NOW = new Date('2026-01-02T03:04:05Z');
let server: Server | null = null;

async function serve(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

const send = (url: string, timeoutMs = 5_000) =>
  postSigned({
    url,
    body: { id: 'ev_1', n: 1 },
    secret: SECRET,
    idempotencyKey: 'ev_1',
    timeoutMs,
    now: NOW,
  });

afterEach(async () => {
  const open = server;
  server = null;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

describe('postSigned', () => {
  it('posts the JSON body signed over its exact bytes, with the idempotency key', async () => {
    const seen: { signature?: string; key?: string; type?: string; body?: string }[] = [];
    const url = await serve((req, body, res) => {
      seen.push({
        signature: req.headers['x-waybill-signature'] as string,
        key: req.headers['idempotency-key'] as string,
        type: req.headers['content-type'],
        body,
      });
      res.writeHead(204).end();
    });
    expect(await send(url)).toEqual({ status: 204 });
    expect(await send(url)).toEqual({ status: 204 });
    expect(seen[0]).toEqual({
      signature: signPayload(SECRET, '{"id":"ev_1","n":1}', Math.floor(NOW.getTime() / 1000)),
      key: 'ev_1',
      type: 'application/json',
      body: '{"id":"ev_1","n":1}',
    });
    expect(seen).toHaveLength(2);
  });

  it('takes 409 as already received; retries 408, 429 and 5xx; gives up on other 4xx and on redirects', async () => {
    const answers = [409, 503, 429, 422, 302];
    const url = await serve((_req, _body, res) => {
      const status = answers.shift()!;
      res
        .writeHead(
          status,
          status === 302 ? { location: 'https://elsewhere.example/x' } : { 'content-type': 'text/plain' },
        )
        .end(`answer ${status}`);
    });
    expect(await send(url)).toEqual({ status: 409 });
    for (const status of [503, 429]) {
      const error = await send(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(PermanentError);
      expect((error as Error).message).toBe(`${url} answered ${status}: answer ${status}`);
    }
    await expect(send(url)).rejects.toThrow(new PermanentError(`${url} answered 422: answer 422`));
    await expect(send(url)).rejects.toThrow(
      new PermanentError(`${url} answered 302: redirect to https://elsewhere.example/x`),
    );
  });

  it('gives up after its timeout, saying so, when the receiver does not answer', async () => {
    const url = await serve(() => undefined);
    const error = (await send(url, 200).catch((e: unknown) => e)) as Error;
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/timed? ?out|aborted/i);
  });

  it('says what failed when nothing listens', async () => {
    await expect(send('http://127.0.0.1:9/events')).rejects.toThrow(/127\.0\.0\.1:9.*ECONNREFUSED/);
  });
});
