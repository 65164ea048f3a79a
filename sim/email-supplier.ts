/**
 * A drop-ship supplier that reads email and nothing else (demo and tests only): its mailbox (sim/mailbox.ts) takes
 * each purchase order email, the supplier reads the lines from the attached CSV, follows the signed portal link in
 * the text (its token in the URL fragment, posted as the portal page does, for a session cookie), and acknowledges
 * and ships through the supplier API with that session, on the shared supplier behaviour. A withdrawal email stops
 * a PO that has not left. Written from docs/email-transport.md, the retailer's guide.
 */
import type { Email } from 'postal-mime';
import {
  followPortalLink,
  portalLinkIn,
  rawHeader,
  readMail,
  startMailbox,
  type Mailbox,
  type PortalSession,
} from './mailbox.ts';
import { deriveSeed, seededRandom, sleep, unboundedController } from './shared.ts';
import { fulfil, upsTrackingNumber, type OrderedLine, type SupplierBehaviour } from './supplier-behaviour.ts';

export interface EmailSupplierOptions extends SupplierBehaviour {
  name: string;
  /** Acknowledges and ships on its own (the default). */
  autoFulfil?: boolean;
}

/** The fields of the `email` transport entry (docs/email-transport.md) that reach this supplier's mailbox. */
export interface EmailTransportSettings {
  kind: 'email';
  host: string;
  port: number;
  secure: false;
  requireTLS: false;
  fromAddress: string;
  to: string[];
}

/**
 * The simulated email supplier.
 *
 * @example
 * const supplier = await startEmailSupplier({ name: 'letters', ackDelayMs: 50 });
 * await hub.apply({ ...doc, suppliers: [{ id: 'letters', …, transport: supplier.transportSettings() }] });
 */
export interface EmailSupplier {
  readonly name: string;
  readonly mailbox: Mailbox;
  /** Purchase orders read, by number, with how many emails brought each (a resend is a duplicate). */
  readonly received: Map<string, { lines: OrderedLine[]; count: number; messageId: string }>;
  duplicatesDropped: number;
  readonly acknowledged: Set<string>;
  readonly shipped: Set<string>;
  /** POs withdrawn by email before they left. */
  readonly cancelled: Set<string>;
  transportSettings(): EmailTransportSettings;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startEmailSupplier(options: EmailSupplierOptions): Promise<EmailSupplier> {
  const supplier = new LetterSupplier(options);
  supplier.mailbox = await startMailbox({ onMessage: (message) => supplier.take(message.raw) });
  return supplier;
}

type Po = { poNumber: string; lines: OrderedLine[] };

class LetterSupplier implements EmailSupplier {
  mailbox!: Mailbox;
  readonly received = new Map<string, { lines: OrderedLine[]; count: number; messageId: string }>();
  duplicatesDropped = 0;
  readonly acknowledged = new Set<string>();
  readonly shipped = new Set<string>();
  readonly cancelled = new Set<string>();
  readonly #dispatched = new Set<string>();
  readonly #cancelledUnseen = new Set<string>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #closing = unboundedController();

  constructor(private readonly options: EmailSupplierOptions) {}

  get name(): string {
    return this.options.name;
  }

  transportSettings(): EmailTransportSettings {
    return {
      kind: 'email',
      host: this.mailbox.host,
      port: this.mailbox.port,
      secure: false,
      requireTLS: false,
      fromAddress: 'orders@retailer.example',
      to: [`orders@${this.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.example`],
    };
  }

  /** Each message as the order desk reads it: a PO, a withdrawal, or something for a person. */
  take(raw: Buffer): void {
    const type = rawHeader(raw, 'X-Waybill-Type');
    const poNumber = rawHeader(raw, 'X-Waybill-PO');
    if (!poNumber) return;
    if (type === 'purchase-order-cancel') return this.withdraw(poNumber);
    if (type === 'purchase-order') this.track(this.takeOrder(poNumber, raw));
  }

  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([this.mailbox.close(), this.idle()]);
  }

  /** Too late once the parcel left; remembered for a PO whose email has not come yet. */
  private withdraw(poNumber: string): void {
    if (this.#dispatched.has(poNumber)) return;
    if (this.received.has(poNumber)) this.cancelled.add(poNumber);
    else this.#cancelledUnseen.add(poNumber);
  }

  private async takeOrder(poNumber: string, raw: Buffer): Promise<void> {
    const mail = await readMail(raw);
    const known = this.received.get(poNumber);
    if (known) {
      known.count++;
      this.duplicatesDropped++;
      return;
    }
    const po = { poNumber, lines: linesOf(mail) };
    this.received.set(poNumber, { lines: po.lines, count: 1, messageId: mail.messageId ?? '' });
    if (this.#cancelledUnseen.has(poNumber)) return void this.cancelled.add(poNumber);
    if (!(this.options.autoFulfil ?? true)) return;
    const portal = await followPortalLink(portalLinkIn(mail));
    await fulfil(po, {
      behaviour: this.options,
      signal: this.#closing.signal,
      cancelled: () => this.cancelled.has(poNumber),
      acknowledge: async (_, answers) => {
        const done = await this.post(portal, po, 'acknowledgement', { lines: answers });
        if (done) this.acknowledged.add(poNumber);
        return done;
      },
      dispatching: () => this.#dispatched.add(poNumber),
      ship: async (_, toShip) => {
        const random = seededRandom(deriveSeed(this.options.seed ?? 1, poNumber));
        const shipment = {
          carrier: this.options.carrier ?? 'UPS',
          trackingNumber: upsTrackingNumber(random),
          shippedAt: new Date().toISOString(),
          lines: toShip.map(({ lineNumber, quantity }) => ({ lineNumber, quantity })),
        };
        const done = await this.post(portal, po, 'shipments', shipment);
        if (done) this.shipped.add(poNumber);
        return done;
      },
    });
  }

  /** True once the hub has it (2xx, or 409: already recorded); retried while the hub is busy or away. */
  private async post(portal: PortalSession, po: Po, what: string, body: object): Promise<boolean> {
    const path = `/supplier-api/v1/purchase-orders/${encodeURIComponent(po.poNumber)}/${what}`;
    for (let attempt = 0; !this.#closing.signal.aborted; attempt++) {
      const answer = await portal.call('POST', path, body).catch(() => ({ status: 0, body: undefined }));
      if ((answer.status >= 200 && answer.status < 300) || answer.status === 409) return true;
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        console.warn(`[supplier ${this.name}] ${what} for ${po.poNumber} refused (${answer.status})`);
        return false;
      }
      await sleep(Math.min(100 * 2 ** attempt, 2_000), this.#closing.signal);
    }
    return false;
  }

  private track(task: Promise<void>): void {
    const quiet = task.catch((error: unknown) => console.warn(`[supplier ${this.name}] ${String(error)}`));
    this.#tasks.add(quiet);
    void quiet.finally(() => this.#tasks.delete(quiet));
  }
}

/** The lines of the attached `PO-….csv`: `line,supplier_sku,sku,quantity,unit_cost,currency` (RFC 4180). */
function linesOf(mail: Email): OrderedLine[] {
  const csv = mail.attachments.find((a) => a.filename?.toLowerCase().endsWith('.csv'));
  if (!csv) throw new Error(`no CSV attached to "${mail.subject ?? ''}"`);
  const text =
    typeof csv.content === 'string' ? csv.content : Buffer.from(csv.content as ArrayBuffer).toString('utf8');
  const [header, ...rows] = parseCsv(text);
  const column = (name: string) => header!.indexOf(name);
  const [line, sku, quantity] = [column('line'), column('supplier_sku'), column('quantity')];
  return rows
    .filter((row) => row.length > 1)
    .map((row) => ({
      lineNumber: Number(row[line]),
      supplierSku: row[sku]!,
      quantity: Number(row[quantity]),
    }));
}

/** RFC 4180: fields split by commas, quoted fields may hold commas, CRLFs and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [[]];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      rows.at(-1)!.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rows.at(-1)!.push(field);
      field = '';
      rows.push([]);
    } else field += ch;
  }
  if (field !== '' || rows.at(-1)!.length > 0) rows.at(-1)!.push(field);
  return rows.filter((row) => row.length > 0);
}
