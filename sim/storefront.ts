/**
 * A generic storefront (sales channel) for the demo and the tests (never the production path): it places orders
 * into Waybill and receives the events Waybill sends back, as docs/wire-formats.md describes.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HubPeer, readSignedBody, refusedUnlessPostTo } from './hub-peer.ts';
import {
  drawApartment,
  exampleEmail,
  fictionalPhoneLine,
  oneToThree,
  orderStream,
} from './order-generator.ts';
import { backoffMs, headerValue, isRecord, parseJson, pick, sendJson, sleep } from './shared.ts';

export interface StorefrontSimOptions {
  hubUrl: string;
  apiKey: string;
  channelId: string;
  notifySecret: string;
  port?: number;
  seed?: number;
}

export interface DemoOrderInput {
  externalId: string;
  lines: { sku: string; quantity: number; unitPrice: number }[];
  currency: string;
}

/** The full order body makeOrder produces (the `POST …/orders` format of the doc). */
export interface DemoOrder extends DemoOrderInput {
  placedAt: string;
  customer: { email: string; name: string; phone: string };
  shippingAddress: Address & { name: string };
}

export interface StorefrontSim {
  notifyUrl: string;
  /** Distinguishes this instance's externalIds from those of earlier runs against the same database. */
  runId: string;
  events: Map<string, { type: string; data: unknown; count: number }>;
  fulfilledOrders: Set<string>;
  shippedQuantity(externalId: string, sku: string): number;
  makeOrder(i: number, skus: { sku: string; unitPrice: number }[], currency?: string): DemoOrder;
  placeOrder(body: unknown): Promise<{ status: number; body: unknown }>;
  setHubUrl(url: string): void;
  close(): Promise<void>;
}

interface Address {
  line1: string;
  line2?: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

interface WaybillEvent {
  id: string;
  type: string;
  createdAt: string | undefined;
  data: unknown;
}

const EVENTS_PATH = '/waybill-events';
/** The hub may be restarting (crash test): connection errors are retried for about this long. */
const PLACE_RETRY_WINDOW_MS = 10_000;
const PLACE_ATTEMPT_TIMEOUT_MS = 30_000;

export async function startStorefrontSim(opts: StorefrontSimOptions): Promise<StorefrontSim> {
  const sim = new Storefront(opts);
  await sim.start(opts.port ?? 0);
  return sim;
}

class Storefront implements StorefrontSim {
  notifyUrl = '';
  readonly runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  readonly events = new Map<string, { type: string; data: unknown; count: number }>();
  readonly fulfilledOrders = new Set<string>();

  private readonly peer: HubPeer;
  private readonly shipped = new Map<string, Map<string, number>>();
  /** Latest orderState per externalId, by event createdAt, so a late resend cannot roll the state back. */
  private readonly latestState = new Map<string, { at: number; state: string }>();

  constructor(private readonly opts: StorefrontSimOptions) {
    this.peer = new HubPeer(opts.hubUrl, (req, res) => this.handle(req, res));
  }

  async start(port: number): Promise<void> {
    this.notifyUrl = await this.peer.start(port, EVENTS_PATH);
  }

  setHubUrl(url: string): void {
    this.peer.hubUrl = url;
  }

  close(): Promise<void> {
    return this.peer.close();
  }

  shippedQuantity(externalId: string, sku: string): number {
    return this.shipped.get(externalId)?.get(sku) ?? 0;
  }

  makeOrder(i: number, skus: { sku: string; unitPrice: number }[], currency = 'USD'): DemoOrder {
    return buildOrder(orderStream(this.opts.seed ?? 1, i), `sf-${this.runId}-${i}`, skus, currency);
  }

  /** Resending after a connection error is safe: the hub answers 200 with the same order for a known externalId. */
  async placeOrder(body: unknown): Promise<{ status: number; body: unknown }> {
    const payload = JSON.stringify(body);
    const deadline = Date.now() + PLACE_RETRY_WINDOW_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.postOrder(payload);
      } catch (err) {
        if (this.peer.closing.signal.aborted || Date.now() >= deadline) throw err;
        await sleep(backoffMs(attempt, 1_000), this.peer.closing.signal);
      }
    }
  }

  private async postOrder(payload: string): Promise<{ status: number; body: unknown }> {
    const url = this.peer.hubEndpoint(`/api/v1/channels/${encodeURIComponent(this.opts.channelId)}/orders`);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.apiKey}` },
      body: payload,
      signal: AbortSignal.any([this.peer.closing.signal, AbortSignal.timeout(PLACE_ATTEMPT_TIMEOUT_MS)]),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (parseJson(Buffer.from(text)) ?? text) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (refusedUnlessPostTo(req, res, EVENTS_PATH)) return;
    const raw = await readSignedBody(req, res, this.opts.notifySecret);
    if (!raw) return;
    const event = parseEvent(parseJson(raw));
    if (!event) return sendJson(res, 400, { error: 'not an event' });
    if (headerValue(req, 'idempotency-key') !== event.id) {
      return sendJson(res, 400, { error: 'Idempotency-Key must be the event id' });
    }
    this.record(event);
    sendJson(res, 204);
  }

  /** A resend (same id) only bumps the count: its shipment must not be counted twice. */
  private record(event: WaybillEvent): void {
    const known = this.events.get(event.id);
    if (known) {
      known.count++;
      return;
    }
    this.events.set(event.id, { type: event.type, data: event.data, count: 1 });
    if (!isRecord(event.data) || typeof event.data.externalId !== 'string') return;
    this.trackState(event.data.externalId, event.data.orderState, event.createdAt);
    if (event.type === 'fulfillment.created') this.addShipment(event.data.externalId, event.data.shipment);
  }

  private trackState(externalId: string, state: unknown, createdAt: string | undefined): void {
    if (typeof state !== 'string') return;
    const at = createdAt ? Date.parse(createdAt) : NaN;
    const previous = this.latestState.get(externalId);
    // Ties and events without a usable time fall back to arrival order.
    if (previous && !Number.isNaN(at) && at < previous.at) return;
    this.latestState.set(externalId, { at: Number.isNaN(at) ? (previous?.at ?? 0) : at, state });
    if (state === 'fulfilled') this.fulfilledOrders.add(externalId);
    else this.fulfilledOrders.delete(externalId);
  }

  private addShipment(externalId: string, shipment: unknown): void {
    if (!isRecord(shipment) || !Array.isArray(shipment.lines)) return;
    const perSku = this.shipped.get(externalId) ?? new Map<string, number>();
    for (const line of shipment.lines) {
      if (isRecord(line) && typeof line.sku === 'string' && typeof line.quantity === 'number') {
        perSku.set(line.sku, (perSku.get(line.sku) ?? 0) + line.quantity);
      }
    }
    this.shipped.set(externalId, perSku);
  }
}

function parseEvent(body: unknown): WaybillEvent | undefined {
  if (!isRecord(body) || typeof body.id !== 'string' || body.id === '' || typeof body.type !== 'string')
    return undefined;
  const createdAt = typeof body.createdAt === 'string' ? body.createdAt : undefined;
  return { id: body.id, type: body.type, createdAt, data: body.data };
}

const FIRST_NAMES = [
  'Ann',
  'Ben',
  'Carla',
  'Dev',
  'Elena',
  'Frank',
  'Grace',
  'Hiro',
  'Imani',
  'Jonas',
  'Kira',
  'Luis',
];
const LAST_NAMES = [
  'Smith',
  'Nguyen',
  'Garcia',
  'Okafor',
  'Miller',
  'Kowalski',
  'Chen',
  'Johnson',
  'Haddad',
  'Reyes',
];
const ADDRESSES: readonly Address[] = [
  { line1: '1208 Maple Ave', city: 'Springfield', region: 'IL', postalCode: '62704', country: 'US' },
  { line1: '45 Harbor View Rd', city: 'Portland', region: 'ME', postalCode: '04101', country: 'US' },
  { line1: '3127 Oak Park Blvd', city: 'Austin', region: 'TX', postalCode: '78704', country: 'US' },
  { line1: '88 Linden St', city: 'Brooklyn', region: 'NY', postalCode: '11221', country: 'US' },
  { line1: '5420 NE Sandy Blvd', city: 'Portland', region: 'OR', postalCode: '97213', country: 'US' },
  { line1: '219 W Franklin St', city: 'Richmond', region: 'VA', postalCode: '23220', country: 'US' },
  { line1: '1716 Pearl St', city: 'Boulder', region: 'CO', postalCode: '80302', country: 'US' },
  { line1: '640 Cedar Ln', city: 'Madison', region: 'WI', postalCode: '53703', country: 'US' },
  { line1: '2950 Mission St', city: 'San Francisco', region: 'CA', postalCode: '94110', country: 'US' },
  { line1: '77 Peachtree Pl NE', city: 'Atlanta', region: 'GA', postalCode: '30309', country: 'US' },
];

/** Everything but externalId's run id and placedAt (now) follows from the random stream, i.e. from seed and i. */
function buildOrder(
  random: () => number,
  externalId: string,
  skus: { sku: string; unitPrice: number }[],
  currency: string,
): DemoOrder {
  if (skus.length === 0) throw new Error('makeOrder needs at least one sku');
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const name = `${first} ${last}`;
  const address = { ...pick(random, ADDRESSES) };
  const apartment = drawApartment(random);
  if (apartment) address.line2 = apartment;
  const phone = `+1 555 ${fictionalPhoneLine(random)}`;
  return {
    externalId,
    placedAt: new Date().toISOString(),
    currency,
    customer: { email: exampleEmail(first, last), name, phone },
    shippingAddress: { name, ...address },
    lines: pickLines(random, skus),
  };
}

/** 1–3 distinct SKUs (fewer if the catalogue is smaller), quantity 1–3 each. */
function pickLines(random: () => number, skus: { sku: string; unitPrice: number }[]): DemoOrder['lines'] {
  const pool = [...skus];
  const count = Math.min(pool.length, oneToThree(random));
  return Array.from({ length: count }, () => {
    const [chosen] = pool.splice(Math.floor(random() * pool.length), 1);
    if (!chosen) throw new Error('unreachable: pool is never empty here');
    return { sku: chosen.sku, quantity: oneToThree(random), unitPrice: chosen.unitPrice };
  });
}
