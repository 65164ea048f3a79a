/**
 * A drop-ship supplier on the `rest-json` transport, for the demo and the tests (never the production path).
 * It takes purchase orders and their cancels as docs/wire-formats.md describes, misbehaves on request (500s, hung
 * sockets), and then acknowledges and ships through Waybill's supplier API, retrying while the hub is down.
 * `startSimulatedSupplier` runs the same supplier (sim/supplier-behaviour.ts) on the other transports too: EDI X12
 * over its own SFTP server (sim/edi-partner.ts), and email with the portal link (sim/email-supplier.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startEdiPartner, type EdiPartnerOptions, type EdiTransportSettings } from './edi-partner.ts';
import { startEmailSupplier, type EmailTransportSettings } from './email-supplier.ts';
import { HubPeer, readSignedBody, refusedUnlessPostTo } from './hub-peer.ts';
import {
  deriveSeed,
  headerValue,
  isRecord,
  parseJson,
  postUntilSettled,
  seededRandom,
  sendJson,
} from './shared.ts';
import {
  fulfil,
  upsTrackingNumber,
  type LineAnswer,
  type OrderedLine,
  type SupplierBehaviour,
} from './supplier-behaviour.ts';

export { upsCheckDigit, upsTrackingNumber } from './supplier-behaviour.ts';

export interface SupplierSimOptions extends SupplierBehaviour {
  name: string;
  signingSecret: string;
  hubUrl: string;
  apiToken: string;
  port?: number;
  failRate?: number;
  timeoutRate?: number;
  autoFulfil?: boolean;
  /** Answers every cancel of a PO it has with 409 too late, as a supplier that cannot stop its warehouse. */
  refuseCancel?: boolean;
  /** The clock signatures are checked against: the hub's, when a test moves it. */
  clock?: { now(): Date };
}

export interface SupplierSim {
  url: string;
  deliveries: number;
  /** Connection tests taken (signed pings; each is a delivery too). */
  pings: number;
  received: Map<string, { body: unknown; count: number; idempotencyKey: string }>;
  duplicatesDropped: number;
  acknowledged: Set<string>;
  shipped: Set<string>;
  /** POs it had and withdrew at Waybill's cancel (never acknowledged or shipped afterwards). */
  cancelled: Set<string>;
  setHubUrl(url: string): void;
  /** Changes the failure behaviour while running (a supplier that recovers, or starts failing). */
  setFaults(faults: { failRate?: number; timeoutRate?: number }): void;
  idle(): Promise<void>;
  close(): Promise<void>;
}

const PO_PATH = '/purchase-orders';

/** The part of a purchase order the supplier acts on; the rest is kept verbatim in `received`. */
type PoLine = OrderedLine;
interface PurchaseOrder {
  poNumber: string;
  lines: PoLine[];
}

/** A purchase order Waybill withdraws (docs/wire-formats.md, "Cancel"). */
const CANCEL_TYPE = 'purchase_order.cancel';

export async function startSupplierSim(opts: SupplierSimOptions): Promise<SupplierSim> {
  const sim = new Supplier(opts);
  await sim.start(opts.port ?? 0);
  return sim;
}

class Supplier implements SupplierSim {
  url = '';
  deliveries = 0;
  pings = 0;
  duplicatesDropped = 0;
  readonly received = new Map<string, { body: unknown; count: number; idempotencyKey: string }>();
  readonly acknowledged = new Set<string>();
  readonly shipped = new Set<string>();
  readonly cancelled = new Set<string>();
  /** POs cancelled before they came (a cancel can overtake its PO): taken if they come, never fulfilled. */
  readonly cancelledUnseen = new Set<string>();

  private readonly peer: HubPeer;
  private readonly random: () => number;
  private readonly tasks = new Set<Promise<void>>();
  /** POs whose parcel has left (its shipment is being told to the hub, or was): too late to cancel. */
  private readonly dispatched = new Set<string>();

  constructor(private opts: SupplierSimOptions) {
    this.random = seededRandom(opts.seed ?? 1);
    this.peer = new HubPeer(
      opts.hubUrl,
      (req, res) => this.handle(req, res),
      (err) => this.log(`request failed: ${String(err)}`),
    );
  }

  async start(port: number): Promise<void> {
    this.url = await this.peer.start(port, PO_PATH);
  }

  setHubUrl(url: string): void {
    this.peer.hubUrl = url;
  }

  setFaults(faults: { failRate?: number; timeoutRate?: number }): void {
    this.opts = { ...this.opts, ...faults };
  }

  async idle(): Promise<void> {
    // A loop, not a single await: a task may finish while another delivery schedules a new one.
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  async close(): Promise<void> {
    await Promise.all([this.peer.close(), this.idle()]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (refusedUnlessPostTo(req, res, PO_PATH)) return;
    this.deliveries++;
    const raw = await readSignedBody(req, res, this.opts.signingSecret, this.opts.clock);
    if (!raw) return;
    const body = parseJson(raw);
    // Waybill's connection test (docs/wire-formats.md, "Ping"): the signature checked, nothing stored.
    if (isRecord(body) && body.type === 'ping') {
      if (typeof body.id !== 'string' || headerValue(req, 'idempotency-key') !== body.id)
        return sendJson(res, 400, { error: 'Idempotency-Key must be the ping id' });
      this.pings++;
      return sendJson(res, 200, { status: 'pong' });
    }
    const idempotencyKey = headerValue(req, 'idempotency-key');
    if (isRecord(body) && body.type === CANCEL_TYPE) return this.takeCancel(res, body, idempotencyKey);
    const po = parsePurchaseOrder(body);
    if (!po) return sendJson(res, 400, { error: 'not a purchase order' });
    if (idempotencyKey !== po.poNumber)
      return sendJson(res, 400, { error: 'Idempotency-Key must be the poNumber' });
    if (!this.faulted(res)) this.answer(res, po, body, idempotencyKey);
  }

  /**
   * True when the delivery meets a simulated fault (answered 500, or never answered). Both rolls are always drawn,
   * so one rate does not shift the other's sequence for a given seed.
   */
  private faulted(res: ServerResponse): boolean {
    const failRoll = this.random();
    const hangRoll = this.random();
    if (failRoll < (this.opts.failRate ?? 0)) {
      sendJson(res, 500, { error: 'simulated failure' });
      return true;
    }
    // Never answering holds the socket open until the client's own timeout gives up on it.
    return hangRoll < (this.opts.timeoutRate ?? 0);
  }

  private answer(res: ServerResponse, po: PurchaseOrder, body: unknown, idempotencyKey: string): void {
    const known = this.received.get(po.poNumber);
    if (known) {
      known.count++;
      this.duplicatesDropped++;
      return sendJson(res, 200, { status: 'duplicate' });
    }
    this.received.set(po.poNumber, { body, count: 1, idempotencyKey });
    sendJson(res, 202, { status: 'received' });
    if (this.cancelledUnseen.has(po.poNumber)) return;
    if (this.opts.autoFulfil ?? true) this.track(this.fulfil(po));
  }

  /**
   * Waybill withdraws a PO: too late once its parcel has left (or always, told to refuse). A PO it never had has
   * nothing to stop yet, but is remembered: should it come after its cancel, it is never fulfilled. A repeat gets
   * the same answer.
   */
  private takeCancel(res: ServerResponse, body: Record<string, unknown>, idempotencyKey?: string): void {
    const poNumber = parseCancel(body);
    if (poNumber === undefined) return sendJson(res, 400, { error: 'not a purchase order cancel' });
    if (idempotencyKey !== `cancel:${poNumber}`)
      return sendJson(res, 400, { error: 'Idempotency-Key must be cancel:{poNumber}' });
    if (this.faulted(res)) return;
    if (this.cancelled.has(poNumber)) return sendJson(res, 200, { status: 'cancelled' });
    const known = this.received.has(poNumber);
    const gone = this.dispatched.has(poNumber) || this.shipped.has(poNumber); // A test may mark one shipped.
    if (gone || (known && this.opts.refuseCancel)) return sendJson(res, 409, { status: 'too_late' });
    if (known) this.cancelled.add(poNumber);
    else this.cancelledUnseen.add(poNumber);
    sendJson(res, 200, { status: 'cancelled' });
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** Checks for a cancel after each wait: a cancelled PO is neither acknowledged nor shipped from then on. */
  private fulfil(po: PurchaseOrder): Promise<void> {
    return fulfil(po, {
      behaviour: this.opts,
      signal: this.peer.closing.signal,
      cancelled: () => this.cancelled.has(po.poNumber),
      acknowledge: async (_, answers: LineAnswer[]) => {
        if (!(await this.callback(po.poNumber, 'acknowledgement', { lines: answers }))) return false;
        this.acknowledged.add(po.poNumber);
        return true;
      },
      dispatching: () => this.dispatched.add(po.poNumber),
      ship: async (_, toShip) => {
        const done = await this.callback(po.poNumber, 'shipments', this.shipment(po, toShip));
        if (done) this.shipped.add(po.poNumber);
        return done;
      },
    });
  }

  /** Built once per PO, so every retry resends the same tracking number and the hub can recognise it. */
  private shipment(po: PurchaseOrder, accepted: PoLine[]): object {
    return {
      carrier: this.opts.carrier ?? 'UPS',
      // Derived from the PO rather than drawn from the shared stream: stable however deliveries interleave.
      trackingNumber: upsTrackingNumber(seededRandom(deriveSeed(this.opts.seed ?? 1, po.poNumber))),
      shippedAt: new Date().toISOString(),
      lines: accepted.map(({ lineNumber, quantity }) => ({ lineNumber, quantity })),
    };
  }

  /** True once the hub has the call (2xx or 409); false when it refused for good or the sim closed. */
  private async callback(
    poNumber: string,
    what: 'acknowledgement' | 'shipments',
    body: object,
  ): Promise<boolean> {
    const path = `/supplier-api/v1/purchase-orders/${encodeURIComponent(poNumber)}/${what}`;
    const outcome = await postUntilSettled({
      url: () => this.peer.hubEndpoint(path),
      headers: { authorization: `Bearer ${this.opts.apiToken}` },
      body: JSON.stringify(body),
      signal: this.peer.closing.signal,
    });
    if (outcome.kind === 'gave-up')
      this.log(`${what} for ${poNumber} refused (${outcome.status}): ${outcome.body}`);
    return outcome.kind === 'done';
  }

  private log(message: string): void {
    console.warn(`[supplier ${this.opts.name}] ${message}`);
  }
}

function parsePurchaseOrder(body: unknown): PurchaseOrder | undefined {
  if (!isRecord(body) || typeof body.poNumber !== 'string' || body.poNumber === '') return undefined;
  if (!Array.isArray(body.lines) || body.lines.length === 0) return undefined;
  const lines = body.lines.map(parsePoLine);
  return lines.every((line): line is PoLine => line !== undefined)
    ? { poNumber: body.poNumber, lines }
    : undefined;
}

/** The poNumber of a cancel body, when it has the fields docs/wire-formats.md lists. */
function parseCancel(body: Record<string, unknown>): string | undefined {
  const { poNumber, orderRef, reason, cancelledAt } = body;
  if (typeof poNumber !== 'string' || poNumber === '') return undefined;
  return [orderRef, reason, cancelledAt].every((field) => typeof field === 'string') ? poNumber : undefined;
}

function parsePoLine(line: unknown): PoLine | undefined {
  if (!isRecord(line)) return undefined;
  const { lineNumber, supplierSku, quantity } = line;
  if (!Number.isInteger(lineNumber) || !Number.isInteger(quantity) || typeof supplierSku !== 'string')
    return undefined;
  return { lineNumber: lineNumber as number, supplierSku, quantity: quantity as number };
}

/** The transports a simulated supplier can trade on. */
export type SupplierSimTransport = 'rest-json' | 'edi-x12-sftp' | 'email';

/** The REST supplier's `transport` entry in the setup document. */
export interface RestTransportSettings {
  kind: 'rest-json';
  url: string;
  signingSecret: string;
  timeoutMs: number;
}

export type SimulatedTransportSettings =
  RestTransportSettings | EdiTransportSettings | EmailTransportSettings;

/**
 * One simulated supplier on any transport, as the demo and the hub tests see it: the same behaviour (delays,
 * rejected and backordered SKUs, parcels, cancels) whatever carries the purchase orders.
 *
 * @example
 * const edi = await startSimulatedSupplier('edi-x12-sftp', { name: 'acme', hubUrl, apiToken, signingSecret,
 *   ackDelayMs: 50, edi: { interchangeId: 'ACMEEDI' } });
 * await hub.apply({ …, suppliers: [{ id: 'acme', …, transport: edi.transportSettings() }] });
 * await until('shipped', () => edi.shipped.has(poNumber));
 */
export interface SimulatedSupplier {
  readonly transport: SupplierSimTransport;
  readonly name: string;
  /** POs taken, by number, with how many times each came. */
  readonly received: ReadonlyMap<string, { count: number }>;
  readonly acknowledged: ReadonlySet<string>;
  readonly shipped: ReadonlySet<string>;
  readonly cancelled: ReadonlySet<string>;
  /** Resends recognised (REST: deliveries of a PO it had; EDI: interchanges and POs again; email: mails again). */
  duplicates(): number;
  /** What carried the POs, in words (for the demo's summary). */
  describe(): string;
  transportSettings(): SimulatedTransportSettings;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface SimulatedSupplierOptions extends SupplierBehaviour {
  name: string;
  /** Acknowledges and ships on its own (the default). */
  autoFulfil?: boolean;
  /** REST: where the hub is, how to sign and be signed, faults; and the hub's timeout for a PO delivery. */
  rest?: Omit<SupplierSimOptions, keyof SupplierBehaviour | 'name' | 'autoFulfil'> & { timeoutMs?: number };
  /** EDI: the partner's ids, delimiters, faults… (its name and behaviour come from the options above). */
  edi?: Omit<EdiPartnerOptions, keyof SupplierBehaviour | 'name' | 'autoFulfil'>;
}

/** Starts `options`' supplier on `transport`. */
export async function startSimulatedSupplier(
  transport: SupplierSimTransport,
  options: SimulatedSupplierOptions,
): Promise<SimulatedSupplier> {
  if (transport === 'edi-x12-sftp') {
    const { rest: _, edi, ...behaviour } = options;
    const partner = await startEdiPartner({
      interchangeId: options.name.toUpperCase(),
      ...edi,
      ...behaviour,
    });
    return {
      transport,
      name: options.name,
      received: partner.received,
      acknowledged: partner.acknowledged,
      shipped: partner.shipped,
      cancelled: partner.cancelled,
      duplicates: () => partner.duplicates,
      describe: () =>
        `${partner.received.size} POs; ${partner.filesTaken} files taken (850s, 860s, 997s) over SFTP (${partner.server.implementation}), ` +
        `${partner.sent.length} files back, ${partner.duplicates} resends recognised`,
      transportSettings: () => partner.transportSettings(),
      idle: () => partner.idle(),
      close: () => partner.close(),
    };
  }
  if (transport === 'email') {
    const { rest: _, edi: __, ...behaviour } = options;
    const letters = await startEmailSupplier(behaviour);
    return {
      transport,
      name: options.name,
      received: letters.received,
      acknowledged: letters.acknowledged,
      shipped: letters.shipped,
      cancelled: letters.cancelled,
      duplicates: () => letters.duplicatesDropped,
      describe: () =>
        `${letters.received.size} POs in ${letters.mailbox.messages.length} emails, answered through the portal link ` +
        `(${letters.duplicatesDropped} resends recognised)`,
      transportSettings: () => letters.transportSettings(),
      idle: () => letters.idle(),
      close: () => letters.close(),
    };
  }
  const { rest: wire, edi: _, ...behaviour } = options;
  if (!wire) throw new Error(`supplier ${options.name}: a REST supplier needs its rest options`);
  const rest = await startSupplierSim({ ...wire, ...behaviour });
  return {
    transport,
    name: options.name,
    received: rest.received,
    acknowledged: rest.acknowledged,
    shipped: rest.shipped,
    cancelled: rest.cancelled,
    duplicates: () => rest.duplicatesDropped,
    describe: () =>
      `${rest.received.size} POs received in ${rest.deliveries} deliveries (${rest.duplicatesDropped} resends recognised as duplicates)`,
    transportSettings: () => ({
      kind: 'rest-json',
      url: rest.url,
      signingSecret: wire.signingSecret,
      timeoutMs: wire.timeoutMs ?? 5_000,
    }),
    idle: () => rest.idle(),
    close: () => rest.close(),
  };
}
