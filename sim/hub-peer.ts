/**
 * The HTTP side shared by the simulators Waybill calls with signed POSTs and that call Waybill back (a storefront,
 * a supplier): a server on 127.0.0.1 with one path, the signature check of docs/wire-formats.md, the hub's current
 * address, and one signal that ends every pending callback when the simulator closes. Demo and test use only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  closeServer,
  headerValue,
  listen,
  readBody,
  sendJson,
  unboundedController,
  verifySignature,
} from './shared.ts';

/** What a simulator does with each request; the peer answers 500 for it if it throws before answering. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * A simulator's server and its way back to the hub.
 *
 * @example
 * const peer = new HubPeer(opts.hubUrl, (req, res) => this.handle(req, res));
 * this.url = await peer.start(opts.port ?? 0, '/purchase-orders');
 */
export class HubPeer {
  /** Where the hub is now; a test may move it (setHubUrl) while callbacks are being retried. */
  hubUrl: string;
  // Every pending callback and request listens to this one signal: many at once is normal here.
  readonly closing = unboundedController();
  private readonly server: Server;

  constructor(hubUrl: string, handle: RequestHandler, onError: (err: unknown) => void = () => undefined) {
    this.hubUrl = hubUrl;
    this.server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        onError(err);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
    });
  }

  /** Listens (port 0: any free one) and gives the full URL of `path` on this server. */
  async start(port: number, path: string): Promise<string> {
    return `http://127.0.0.1:${await listen(this.server, port)}${path}`;
  }

  /** A path on the hub, whether or not its configured URL ends with a slash. */
  hubEndpoint(path: string): string {
    return `${this.hubUrl.replace(/\/+$/, '')}${path}`;
  }

  /** Ends pending callbacks and open sockets (a simulated timeout holds one open on purpose). */
  async close(): Promise<void> {
    this.closing.abort();
    await closeServer(this.server);
  }
}

/**
 * Answers 404 unless the request is for `path`, and 405 unless it is a POST; true when it answered (the request is
 * dealt with), false when the caller goes on.
 */
export function refusedUnlessPostTo(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (new URL(req.url ?? '/', 'http://sim').pathname !== path) {
    sendJson(res, 404, { error: 'not found' });
    return true;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'method not allowed' });
    return true;
  }
  return false;
}

/**
 * The raw body when its X-Waybill-Signature checks out with `secret` (its time checked against `clock`: a test that
 * moves the hub's clock gives the simulator the same one); otherwise answers 401 and gives undefined.
 */
export async function readSignedBody(
  req: IncomingMessage,
  res: ServerResponse,
  secret: string,
  clock: { now(): Date } = { now: () => new Date() },
): Promise<Buffer | undefined> {
  const raw = await readBody(req);
  const nowSeconds = Math.floor(clock.now().getTime() / 1000);
  if (verifySignature(headerValue(req, 'x-waybill-signature'), raw, secret, nowSeconds)) return raw;
  sendJson(res, 401, { error: 'invalid signature' });
  return undefined;
}
