/**
 * The storefronts of the stock fan-out: one HTTP server in the bench process, a path per channel
 * (`/channels/{id}/events`). It verifies nothing (the signature is the hub's business and costs the same either way);
 * it counts the `inventory.updated` events and the levels in them, and notes when each channel has heard every SKU
 * it waits for at the value it expects.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one channel received since the last `expect` (or since the start). */
export interface ChannelTally {
  /** HTTP calls that carried an inventory.updated event: the hub's batches. */
  batches: number;
  levels: number;
  /** Distinct SKUs received at the expected value (any value before the first `expect`). */
  matched: number;
  /** performance.now() of the first and the latest batch, and of the batch that completed the set. */
  firstAt: number | null;
  lastAt: number | null;
  completeAt: number | null;
}

interface InventoryEvent {
  type?: unknown;
  data?: { levels?: { sku?: unknown; available?: unknown }[] };
}

class Tally implements ChannelTally {
  batches = 0;
  levels = 0;
  firstAt: number | null = null;
  lastAt: number | null = null;
  completeAt: number | null = null;
  readonly seen = new Set<string>();
  get matched(): number {
    return this.seen.size;
  }
  snapshot(): ChannelTally {
    const { batches, levels, matched, firstAt, lastAt, completeAt } = this;
    return { batches, levels, matched, firstAt, lastAt, completeAt };
  }
}

export class LevelReceiver {
  url = '';
  readonly #server: Server;
  readonly #tallies = new Map<string, Tally>();
  /** null: count every SKU whatever its value (the initial sync). */
  #expected: ((sku: string) => number | undefined) | null = null;
  #target = 0;
  /** Malformed bodies and unknown paths: a bench bug, reported rather than hidden. */
  rejected = 0;

  constructor(private readonly channelIds: readonly string[]) {
    for (const id of channelIds) this.#tallies.set(id, new Tally());
    this.#server = createServer((req, res) => {
      this.#receive(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(400).end(),
      );
    });
    // The hub keeps its connections open between batches; so do we.
    this.#server.keepAliveTimeout = 30_000;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  notifyUrl(channelId: string): string {
    return `${this.url}/channels/${channelId}/events`;
  }

  /** The initial sync: how many SKUs to wait for on each channel, at any value. */
  countAll(target: number): void {
    this.#reset(null, target);
  }

  /** From now on, a channel's set is complete when every one of `target` SKUs arrived at `expected(sku)`. */
  expect(target: number, expected: (sku: string) => number | undefined): void {
    this.#reset(expected, target);
  }

  tally(channelId: string): ChannelTally {
    return this.#tally(channelId).snapshot();
  }

  tallies(): ChannelTally[] {
    return this.channelIds.map((id) => this.tally(id));
  }

  /** Batches received on every channel since the last reset. */
  totalBatches(): number {
    return this.tallies().reduce((sum, t) => sum + t.batches, 0);
  }

  allComplete(): boolean {
    return this.tallies().every((t) => t.completeAt !== null);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #reset(expected: ((sku: string) => number | undefined) | null, target: number): void {
    this.#expected = expected;
    this.#target = target;
    for (const id of this.channelIds) this.#tallies.set(id, new Tally());
  }

  #tally(channelId: string): Tally {
    const tally = this.#tallies.get(channelId);
    if (!tally) throw new Error(`no channel ${channelId} at the receiver`);
    return tally;
  }

  async #receive(req: IncomingMessage): Promise<number> {
    const body = await readAll(req);
    const channelId = /^\/channels\/([^/]+)\/events$/.exec(req.url ?? '')?.[1];
    const tally = channelId ? this.#tallies.get(channelId) : undefined;
    if (req.method !== 'POST' || !tally) {
      this.rejected += 1;
      return 404;
    }
    const event = JSON.parse(body.toString('utf8')) as InventoryEvent;
    if (event.type !== 'inventory.updated') return 204;
    const at = performance.now();
    tally.batches += 1;
    tally.firstAt ??= at;
    tally.lastAt = at;
    const levels = event.data?.levels ?? [];
    tally.levels += levels.length;
    for (const level of levels) {
      if (typeof level.sku !== 'string' || typeof level.available !== 'number') {
        this.rejected += 1;
        continue;
      }
      if (this.#expected === null || this.#expected(level.sku) === level.available) tally.seen.add(level.sku);
    }
    if (tally.completeAt === null && tally.matched >= this.#target) tally.completeAt = at;
    return 204;
  }
}

/** The whole body of a request (the bench's receivers read small ones). */
export function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
