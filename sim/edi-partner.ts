/**
 * A drop-ship supplier that trades X12 004010 through its own SFTP server (demo and tests only, never the
 * production path). It owns the server, so it works on its folders on local disk: the buyer (Waybill) uploads 850s,
 * 860s and 997s into `in/`; the supplier answers into `out/`, each file written under a dot-name and then renamed.
 * It takes each purchase order once, answers every functional group but a 997 with a 997, acknowledges (855),
 * ships (856, one or two packages) and optionally invoices (810) on the shared supplier behaviour, stops at an 860
 * cancel, records the buyer's 997s of its own documents, and produces broken documents on request.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkTrailer,
  functionalAck,
  invoice,
  purchaseOrderAck,
  readChange,
  readPurchaseOrder,
  readReceipt,
  shipNotice,
  type BuyerReceipt,
  type EdiPurchaseOrder,
  type SetVerdict,
} from './edi-documents.ts';
import { startSftpServer, type SftpServerOptions, type SftpServerSim } from './sftp-server.ts';
import { queueRepeated, unboundedController } from './shared.ts';
import { fulfil, parcelsFor, type SupplierBehaviour } from './supplier-behaviour.ts';
import {
  DEFAULT_DELIMITERS,
  readInterchange,
  writeInterchange,
  type Delimiters,
  type EnvelopeFaults,
  type ReadGroup,
  type ReadInterchange,
  type Segment,
} from './x12.ts';

export interface EdiPartnerOptions extends SupplierBehaviour {
  name: string;
  /** ISA05/ISA06 (GS02) of the supplier: what the buyer calls its partner. */
  interchangeId: string;
  interchangeIdQualifier?: string;
  applicationCode?: string;
  /**
   * The buyer's ISA05/ISA06 (GS03): interchanges from anyone else are not taken. Absent: answers go to whoever
   * sent what is answered, and a document of its own goes to the sender of the PO it is about.
   */
  buyerId?: string;
  buyerIdQualifier?: string;
  buyerApplicationCode?: string;
  /** ISA15 of what it writes; what it reads must match. */
  usage?: 'P' | 'T';
  delimiters?: Partial<Delimiters>;
  /** Sends an 810 for each shipment. */
  invoices?: boolean;
  /** Where each package's tracking number goes in the 856: `MAN*CP` (the default) or `REF*CN`. */
  trackingIn?: 'MAN' | 'REF';
  /** Acknowledges and ships on its own (the default); tests may drive it by hand instead. */
  autoFulfil?: boolean;
  /** How often it looks in `in/` (default 50 ms). */
  pollMs?: number;
  /** Its first interchange control number (then one more per file). */
  firstControlNumber?: number;
  /** The SFTP server it starts (its root becomes the supplier's folders). */
  sftp?: SftpServerOptions;
}

/** A document the supplier wrote into `out/`. */
export interface SentDocument {
  type: '855' | '856' | '810' | '997';
  /** The PO it is about (none for a 997). */
  poNumber?: string | undefined;
  /** ISA13 and GS06. */
  controlNumber: number;
  file: string;
  faults: string[];
}

/** The faults a test can ask for, once per call, on the next document of a type. */
export type DocumentFault = 'se01' | 'ge02' | 'ack01';

/**
 * The simulated EDI supplier.
 *
 * @example
 * const partner = await startEdiPartner({ name: 'acme', interchangeId: 'ACMEEDI', buyerId: 'WAYBILL', ackDelayMs: 50 });
 * await applySetup(hub.ctx, { ...supplierEntry, transport: partner.transportSettings() });
 * await until('shipped', () => partner.shipped.has(poNumber));
 */
export interface EdiPartner {
  readonly name: string;
  readonly server: SftpServerSim;
  /** Purchase orders taken, by number, with how many times each came (a resend is a duplicate). */
  readonly received: Map<string, { po: EdiPurchaseOrder; count: number }>;
  /** Interchanges taken again (same sender and ISA13) and POs sent again: answered with a 997, never ordered twice. */
  duplicates: number;
  /** Files read from `in/`. */
  filesTaken: number;
  readonly acknowledged: Set<string>;
  readonly shipped: Set<string>;
  readonly invoiced: Set<string>;
  /** POs withdrawn by an 860 before they shipped (never acknowledged or shipped afterwards). */
  readonly cancelled: Set<string>;
  /** POs an 860 came for after they shipped. */
  readonly tooLateToCancel: Set<string>;
  readonly sent: SentDocument[];
  /** The buyer's 997s of the supplier's documents, by the group control number they answer. */
  readonly receipts: Map<number, BuyerReceipt>;
  /** Interchanges not taken (not X12, not addressed to it, the wrong usage), with why. */
  readonly refused: string[];
  /** The buyer's receipt of the supplier's document of `type` about `poNumber` (the latest sent). */
  receiptOf(type: SentDocument['type'], poNumber: string): BuyerReceipt | undefined;
  /** The next `times` documents of `type` carry `fault` (SE01 off by one, GE02 not GS06, ACK01 not a code). */
  breakNext(type: SentDocument['type'], fault: DocumentFault, times?: number): void;
  /** Sends the 855 now (for tests with `autoFulfil: false`). */
  acknowledge(poNumber: string): void;
  /** The setup document's `transport` entry for this partner (the buyer's id as `buyerId` names it). */
  transportSettings(): EdiTransportSettings;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The fields of the `edi-x12-sftp` transport entry (docs/edi-x12.md) that point at this partner. */
export interface EdiTransportSettings {
  kind: 'edi-x12-sftp';
  host: string;
  port: number;
  username: string;
  privateKey: string;
  hostKeySha256: string;
  toSupplier: string;
  fromSupplier: string;
  interchangeIdQualifier: string;
  interchangeId: string;
  partnerIdQualifier: string;
  partnerId: string;
  usageIndicator: 'P' | 'T';
  elementSeparator: string;
  segmentTerminator: string;
  componentSeparator: string;
  newlineAfterSegment: boolean;
}

export const IN = 'in';
export const OUT = 'out';
/** Where taken files go (outside the buyer's folders, so it never sees them again). */
const TAKEN = 'taken';

/** Starts the supplier's SFTP server and the supplier. */
export async function startEdiPartner(options: EdiPartnerOptions): Promise<EdiPartner> {
  const server = await startSftpServer(options.sftp ?? {});
  for (const folder of [IN, OUT, TAKEN]) mkdirSync(join(server.root, folder), { recursive: true });
  const partner = new Partner(options, server);
  partner.start();
  return partner;
}

/** Who sent an interchange: where the answer goes. */
interface Sender {
  qualifier: string;
  id: string;
  application: string;
}

class Partner implements EdiPartner {
  readonly received = new Map<string, { po: EdiPurchaseOrder; count: number }>();
  duplicates = 0;
  filesTaken = 0;
  readonly acknowledged = new Set<string>();
  readonly shipped = new Set<string>();
  readonly invoiced = new Set<string>();
  readonly cancelled = new Set<string>();
  readonly tooLateToCancel = new Set<string>();
  readonly sent: SentDocument[] = [];
  readonly receipts = new Map<number, BuyerReceipt>();
  readonly refused: string[] = [];

  readonly #delimiters: Delimiters;
  readonly #faults = new Map<SentDocument['type'], DocumentFault[]>();
  /** The 997 written for each interchange taken (sender and ISA13): a resend gets the same file again. */
  readonly #answered = new Map<string, { name: string; text: string }>();
  readonly #senderOf = new Map<string, Sender>();
  readonly #cancelledUnseen = new Set<string>();
  readonly #dispatched = new Set<string>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #closing = unboundedController();
  #nextControl: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: EdiPartnerOptions,
    readonly server: SftpServerSim,
  ) {
    this.#delimiters = { ...DEFAULT_DELIMITERS, ...options.delimiters };
    this.#nextControl = options.firstControlNumber ?? 1;
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    this.#timer = setInterval(() => this.scan(), this.options.pollMs ?? 50);
  }

  receiptOf(type: SentDocument['type'], poNumber: string): BuyerReceipt | undefined {
    const document = [...this.sent].reverse().find((d) => d.type === type && d.poNumber === poNumber);
    return document && this.receipts.get(document.controlNumber);
  }

  breakNext(type: SentDocument['type'], fault: DocumentFault, times = 1): void {
    queueRepeated(this.#faults, type, fault, times);
  }

  acknowledge(poNumber: string): void {
    const taken = this.received.get(poNumber);
    if (!taken) throw new Error(`no PO ${poNumber}`);
    this.track(this.fulfil({ ...taken.po }, false));
  }

  transportSettings(): EdiTransportSettings {
    const { host, port, username, privateKey, hostKeySha256 } = this.server;
    return {
      kind: 'edi-x12-sftp',
      ...{ host, port, username, privateKey, hostKeySha256 },
      toSupplier: IN,
      fromSupplier: OUT,
      interchangeIdQualifier: this.options.buyerIdQualifier ?? 'ZZ',
      interchangeId: this.options.buyerId ?? 'WAYBILL',
      partnerIdQualifier: this.options.interchangeIdQualifier ?? 'ZZ',
      partnerId: this.options.interchangeId,
      usageIndicator: this.options.usage ?? 'P',
      elementSeparator: this.#delimiters.element,
      segmentTerminator: this.#delimiters.segment,
      componentSeparator: this.#delimiters.component,
      newlineAfterSegment: this.#delimiters.newline,
    };
  }

  async idle(): Promise<void> {
    // A loop: a file taken while waiting may start new work.
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#closing.abort();
    await this.idle();
    await this.server.stop();
  }

  /** Takes every file in `in/`, oldest first (synchronously: one look can never overlap another). */
  private scan(): void {
    try {
      for (const name of this.waitingFiles()) this.take(name);
    } catch (error) {
      console.warn(`[edi partner ${this.name}] ${String(error)}`);
    }
  }

  private waitingFiles(): string[] {
    const folder = join(this.server.root, IN);
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
      .map((entry) => ({ name: entry.name, at: statSync(join(folder, entry.name)).mtimeMs }))
      .sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1))
      .map((file) => file.name);
  }

  private take(name: string): void {
    const path = join(this.server.root, IN, name);
    const text = readFileSync(path, 'latin1');
    renameSync(path, join(this.server.root, TAKEN, `${++this.filesTaken}-${name}`));
    const interchange = readInterchange(text);
    if (!interchange) return void this.refused.push(`${name}: not X12 (no ISA)`);
    const sender: Sender = {
      qualifier: interchange.isa[5] ?? '',
      id: (interchange.isa[6] ?? '').trim(),
      application: interchange.groups[0]?.gs[2] ?? '',
    };
    const notOurs = this.misaddressed(interchange, sender);
    if (notOurs) return void this.refused.push(`${name}: ${notOurs}`);
    const key = `${sender.qualifier}/${sender.id}/${interchange.isa[13]}`;
    const answered = this.#answered.get(key);
    if (answered) {
      this.duplicates++;
      return this.writeFile(answered.name, answered.text);
    }
    const answers = interchange.groups
      .filter((group) => group.gs[1] !== 'FA')
      .map((group) => this.takeGroup(group, sender, interchange.problems));
    for (const group of interchange.groups.filter((g) => g.gs[1] === 'FA')) this.takeReceipts(group);
    // Never a 997 for a 997: a file of receipts only gets no answer.
    if (answers.length > 0)
      this.#answered.set(key, this.writeDocument('997', undefined, 'FA', answers, sender));
  }

  /** Why an interchange is not for this partner, or undefined. */
  private misaddressed(interchange: ReadInterchange, sender: Sender): string | undefined {
    const receiver = `${interchange.isa[7]}/${(interchange.isa[8] ?? '').trim()}`;
    const us = `${this.options.interchangeIdQualifier ?? 'ZZ'}/${this.options.interchangeId}`;
    if (receiver !== us) return `addressed to ${receiver}, not ${us}`;
    const buyer = this.options.buyerId && `${this.options.buyerIdQualifier ?? 'ZZ'}/${this.options.buyerId}`;
    if (buyer && `${sender.qualifier}/${sender.id}` !== buyer)
      return `sent by ${sender.qualifier}/${sender.id}`;
    if (interchange.isa[15] !== (this.options.usage ?? 'P')) return `usage ${interchange.isa[15]}`;
    return undefined;
  }

  /** Checks a group and its sets, applies the sets accepted, and returns its 997. */
  private takeGroup(group: ReadGroup, sender: Sender, envelopeProblems: string[]): Segment[] {
    const expected = { PO: '850', PC: '860' }[group.gs[1] ?? ''];
    const groupError = !expected
      ? '1'
      : group.gs[8] !== '004010'
        ? '2'
        : !group.ge
          ? '3'
          : group.ge[2] !== group.gs[6]
            ? '4'
            : Number(group.ge[1]) !== group.sets.length
              ? '5'
              : envelopeProblems.length > 0
                ? '' // an envelope fault: rejected, with no AK9 code for it (X12 gives those to a TA1)
                : undefined;
    const sets = group.sets.map((set) => {
      const trailer = checkTrailer(set);
      const verdict: SetVerdict =
        trailer ??
        (set.st[1] !== expected ? { accepted: false, code: '1', notes: [] } : { accepted: true, notes: [] });
      if (!verdict.accepted || groupError !== undefined) return { st: set.st, verdict };
      return { st: set.st, verdict: this.apply(set.st[1]!, set, sender) };
    });
    return functionalAck({
      gs: group.gs,
      sets,
      declaredSets: Number(group.ge?.[1] ?? group.sets.length),
      ...(groupError !== undefined && { groupError }),
    });
  }

  private apply(st01: string, set: ReadGroup['sets'][number], sender: Sender): SetVerdict {
    if (st01 === '850') {
      const po = readPurchaseOrder(set);
      if ('accepted' in po) return po;
      this.takeOrder(po, sender);
    } else {
      const change = readChange(set);
      if ('accepted' in change) return change;
      if (change.cancel) this.takeCancel(change.poNumber);
    }
    return { accepted: true, notes: [] };
  }

  /** A PO number seen before is a duplicate: counted, answered, never ordered twice. */
  private takeOrder(po: EdiPurchaseOrder, sender: Sender): void {
    const known = this.received.get(po.poNumber);
    if (known) {
      known.count++;
      this.duplicates++;
      return;
    }
    this.received.set(po.poNumber, { po, count: 1 });
    this.#senderOf.set(po.poNumber, sender);
    if (this.#cancelledUnseen.has(po.poNumber)) return void this.cancelled.add(po.poNumber);
    if (this.options.autoFulfil ?? true) this.track(this.fulfil(po, true));
  }

  /** An 860 cancel: honoured until the parcel leaves; remembered for a PO that has not come yet. */
  private takeCancel(poNumber: string): void {
    if (this.#dispatched.has(poNumber)) return void this.tooLateToCancel.add(poNumber);
    if (this.received.has(poNumber)) this.cancelled.add(poNumber);
    else this.#cancelledUnseen.add(poNumber);
  }

  private fulfil(po: EdiPurchaseOrder, ship: boolean): Promise<void> {
    const sender = this.#senderOf.get(po.poNumber)!;
    return fulfil(po, {
      behaviour: ship ? this.options : { ...this.options, ackDelayMs: 0 },
      signal: this.#closing.signal,
      cancelled: () => this.cancelled.has(po.poNumber),
      acknowledge: async (_, answers) => {
        const faults = this.#faults.get('855');
        const unknownAckCode = faults?.[0] === 'ack01' && !!faults.shift();
        this.writeDocument('855', po.poNumber, 'PR', [purchaseOrderAck(po, answers, unknownAckCode)], sender);
        this.acknowledged.add(po.poNumber);
        return ship;
      },
      dispatching: () => this.#dispatched.add(po.poNumber),
      ship: async (_, toShip) => {
        const seed = this.options.seed ?? 1;
        const parcels = parcelsFor(po.poNumber, toShip, seed);
        const now = new Date();
        const notice = shipNotice(po, parcels, {
          shipmentId: `SH${shortId(po.poNumber)}`,
          shippedAt: now,
          carrier: this.options.carrier ?? 'UPS',
          supplierName: this.name,
          trackingIn: this.options.trackingIn ?? 'MAN',
        });
        this.writeDocument('856', po.poNumber, 'SH', [notice], sender);
        this.shipped.add(po.poNumber);
        if (this.options.invoices) {
          const bill = invoice(po, toShip, { invoiceNumber: `INV${shortId(po.poNumber)}`, at: now });
          this.writeDocument('810', po.poNumber, 'IN', [bill], sender);
          this.invoiced.add(po.poNumber);
        }
        return true;
      },
    });
  }

  /** The buyer's 997s: each recorded under the group control number of the supplier's document it answers. */
  private takeReceipts(group: ReadGroup): void {
    for (const set of group.sets) {
      if (set.st[1] !== '997' || checkTrailer(set)) continue;
      const receipt = readReceipt(set);
      if (!('accepted' in receipt && 'sets' in receipt)) continue;
      this.receipts.set(receipt.groupControlNumber, receipt);
    }
  }

  /** One interchange of one group in `out/`; returns its file name and text. */
  private writeDocument(
    type: SentDocument['type'],
    poNumber: string | undefined,
    functionalId: string,
    sets: Segment[][],
    to: Sender,
  ): { name: string; text: string } {
    const controlNumber = this.#nextControl++;
    const faults = this.takeEnvelopeFaults(type);
    const o = this.options;
    const text = writeInterchange(
      {
        parties: {
          senderQualifier: o.interchangeIdQualifier ?? 'ZZ',
          senderId: o.interchangeId,
          receiverQualifier: o.buyerIdQualifier ?? to.qualifier,
          receiverId: o.buyerId ?? to.id,
          senderApplication: o.applicationCode,
          receiverApplication: o.buyerApplicationCode ?? (to.application || undefined),
        },
        controlNumber,
        at: new Date(),
        usage: o.usage ?? 'P',
        functionalId,
        sets: sets.map((body) => ({ id: type, body })),
        faults,
      },
      this.#delimiters,
    );
    const isa13 = String(controlNumber).padStart(9, '0');
    const name = `${type}.${poNumber ? `${poNumber.replace(/[^A-Za-z0-9_-]/g, '_')}.` : ''}${isa13}.x12`;
    this.writeFile(name, text);
    this.sent.push({ type, poNumber, controlNumber, file: name, faults: Object.keys(faults) });
    return { name, text };
  }

  private takeEnvelopeFaults(type: SentDocument['type']): EnvelopeFaults {
    const queue = this.#faults.get(type);
    const fault = queue?.[0];
    if (fault !== 'se01' && fault !== 'ge02') return {};
    queue!.shift();
    return { [fault]: true };
  }

  /** Atomic for the reader: written under a dot-name, then renamed. */
  private writeFile(name: string, text: string): void {
    const part = join(this.server.root, OUT, `.${name}.part`);
    writeFileSync(part, text, 'latin1');
    renameSync(part, join(this.server.root, OUT, name));
  }

  private track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }
}

/**
 * A short id derived from a PO number, the same on every run: BSN02 (element 396) holds 30 characters and BIG02
 * (element 76) 22, and the buyer's PO numbers may be longer than either.
 */
function shortId(poNumber: string): string {
  return createHash('sha256').update(poNumber).digest('hex').slice(0, 12).toUpperCase();
}
