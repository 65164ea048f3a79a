import type { z } from 'zod';
import type { Address } from '../../domain/order.ts';
import type { AckLine, ShipLine } from '../../domain/purchase-order.ts';
import type { ConnectionTestOptions, ConnectionTestResult } from '../shared/connection-test.ts';
import { readStoredSettings, type SetupFields } from '../shared/setup-fields.ts';

/** A purchase order as it leaves Waybill: blind (the retailer's brand, no retail prices). */
export interface PurchaseOrderMessage {
  poNumber: string;
  orderId: string;
  currency: string;
  createdAt: Date;
  shipTo: Address;
  brand: string;
  lines: { lineNumber: number; supplierSku: string; sku: string; quantity: number; unitCost: number }[];
}

/** Waybill withdraws a purchase order it sent: the supplier should not ship it. */
export interface PurchaseOrderCancelMessage {
  poNumber: string;
  orderId: string;
  /** When the PO was made (the PO date a cancellation names); absent in cancels queued before it was carried. */
  poCreatedAt?: Date | undefined;
  /** Why, in words a supplier's staff read. */
  reason: string;
  cancelledAt: Date;
}

/**
 * The supplier's answer to a cancel. `cancelled`: it will not ship the PO (also for a repeat, or a PO it never had);
 * `too_late`: it shipped it, or cannot stop it.
 */
export type CancelAnswer = 'cancelled' | 'too_late';

/**
 * How purchase orders reach one kind of supplier system (REST/JSON, EDI over SFTP, CSV, email, portal).
 * `send` must be safe to repeat: the PO number travels as the idempotency key, so a resend after a timeout or a
 * crash is recognised by the supplier. Throw PermanentError when retrying cannot help.
 *
 * @example
 * const transport = restJson.open({ id: 'acme', currency: 'USD' }, { url, timeoutMs: 5000 }, { signingSecret }, services);
 * await transport.send(po, { signal, now: new Date() });
 */
export interface SupplierTransport {
  send(po: PurchaseOrderMessage, options: { signal: AbortSignal; now: Date }): Promise<void>;
  /**
   * Withdraws a purchase order `send` delivered (a missed acknowledgement, lines cancelled by an operator or the
   * channel). Safe to repeat: the idempotency key is derived from the PO number, and a repeat gets the same answer.
   * `too_late` is an expected answer, not an error; failures throw as for `send`. Absent for transports that cannot
   * withdraw a PO: then a person asks the supplier.
   *
   * @example
   * const message = { poNumber: 'PO-1', orderId: 'ord_1', reason: 'not acknowledged in 2 days', cancelledAt: now };
   * const answer = await transport.cancel?.(message, { signal, now }); // undefined: it cannot withdraw a PO
   * if (answer !== 'cancelled') askAnOperator(message);
   */
  cancel?(
    message: PurchaseOrderCancelMessage,
    options: { signal: AbortSignal; now: Date },
  ): Promise<CancelAnswer>;
  /**
   * The files of answers waiting on the transport's side (an SFTP folder, a mailbox), read and checked, not yet
   * applied. Waybill takes each file once (a ledger by name, size and SHA-256: the same bytes uploaded again are not
   * applied twice), applies a file's answers (each answer told twice is applied once), then hands every file it saw
   * to `settle`. Absent for transports whose suppliers answer through the supplier API. Safe to repeat: a file not
   * yet settled is listed again.
   */
  receive?(options: { signal: AbortSignal; now: Date; cursor: string | null }): Promise<ReceivedFiles>;
  /**
   * Puts away the files `receive` listed once Waybill has recorded them: uploads each reply (a 997) atomically, then
   * moves the file to the archive (taken, or a duplicate) or aside (refused). Safe to repeat: a reply is written
   * under the same name with the same bytes, and a file already moved is not an error.
   */
  settle?(files: readonly SettledFile[], options: { signal: AbortSignal; now: Date }): Promise<void>;
}

/** What a supplier said about its purchase orders and its goods, as its transport read it. */
export interface SupplierAnswers {
  /**
   * Per PO, a status for each line; or, where the supplier answered the PO as a whole (EDI 855 BAK02 AK or RJ with
   * no lines), `whole` and no lines: every line of the PO takes that answer.
   */
  acknowledgements: { poNumber: string; lines: AckLine[]; whole?: 'accepted' | 'rejected' | undefined }[];
  shipments: {
    poNumber: string;
    carrier: string;
    trackingNumber: string;
    shippedAt?: Date | undefined;
    lines: ShipLine[];
    /** Its packages, when the supplier names more than one tracking number (EDI 856: one per package). */
    packages?: { trackingNumber: string; lines: ShipLine[] }[] | undefined;
  }[];
  /** Invoices (EDI 810, CSV): kept as received, to be matched against POs and shipments. */
  invoices?: SupplierInvoice[] | undefined;
  /** Stock and cost of the supplier's items (EDI 846): applied as a delta through the catalog's feed path. */
  inventory?: { supplierSku: string; quantity: number; unitCost?: number | undefined }[] | undefined;
  /** The supplier's functional acknowledgements (EDI 997) of what Waybill sent, by interchange control number. */
  receipts?: { controlNumber: number; accepted: boolean; errors: string[] }[] | undefined;
}

export interface SupplierInvoice {
  invoiceNumber: string;
  poNumber: string;
  invoicedOn: string;
  currency: string;
  /** Minor units, as the supplier totals it. */
  total: number;
  lines: { lineNumber: number; supplierSku: string; quantity: number; unitCost: number }[];
}

/** One file of answers as found on the transport's side. */
export interface ReceivedFile {
  /** Its name in the supplier's folder; with `size` and `sha256` the ledger's key. */
  name: string;
  size: number;
  sha256: string;
  /** What it says, when it was read whole and valid. */
  answers?: SupplierAnswers | undefined;
  /** Why it was refused (nothing of it is applied), in words an operator reads; the transport moves it aside. */
  refused?: string | undefined;
  /** What goes back for it whatever Waybill does with it (EDI: the 997, negative for a refused file). */
  reply?: { name: string; bytes: Buffer } | undefined;
}

export interface ReceivedFiles {
  files: ReceivedFile[];
  /** More files wait than one look takes: Waybill looks again at once instead of at the next turn. */
  more?: boolean | undefined;
  /**
   * How long a document Waybill sent may wait for the supplier's functional acknowledgement (EDI: the partner's 997
   * window); past it the PO is flagged for a person. Absent: the transport expects none.
   */
  receiptWindowMs?: number | undefined;
  /** Where the next look starts (the transport's own bookmark); null: nothing to keep. */
  cursor: string | null;
}

/** A file Waybill has recorded, for `settle` to put away. */
export interface SettledFile {
  name: string;
  sha256: string;
  /** `taken`: applied; `duplicate`: the same bytes were taken before; `refused`: moved aside with its reason. */
  outcome: 'taken' | 'duplicate' | 'refused';
  reply?: { name: string; bytes: Buffer } | undefined;
}

/**
 * What Waybill keeps for a transport in its database, lent to each transport it builds (SQL stays in the store).
 *
 * @example
 * const isa13 = await services.controlNumber(`850:${po.poNumber}`); // the same number on a resend
 */
export interface TransportServices {
  /**
   * The interchange control number of one outbound document to this supplier (`850:PO-1`, `860:PO-1`,
   * `997:<sha256 of the answered file>`): allocated on the first call from the supplier's own sequence (1 to
   * 999,999,999), the same on every later call, so a resend repeats its envelope and the supplier sees a duplicate.
   */
  controlNumber(subject: string): Promise<number>;
  /** A signed link that opens this PO in the supplier portal, signed in as its supplier, for a limited time. */
  portalLink(poNumber: string): Promise<string>;
}

/** The supplier a transport is built for: its id, and the currency its documents' amounts are in by default. */
export interface TransportSupplier {
  id: string;
  currency: string;
}

type Out<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

/**
 * One kind of supplier transport, as its folder declares it: its settings and secrets (the setup document's
 * `transport` entry is built from them), how to build the transport of one supplier, and a connection test.
 * Joined to Waybill by one line in ./registry.ts.
 */
export interface SupplierTransportAdapter<
  CS extends z.ZodRawShape,
  SS extends z.ZodRawShape,
> extends SetupFields<CS, SS> {
  /** The setup document's `transport.kind`. */
  readonly kind: string;
  readonly label: string;
  create(
    config: Out<CS>,
    secrets: Out<SS>,
    supplier: TransportSupplier,
    services: TransportServices,
  ): SupplierTransport;
  /** One cheap real request (a signed ping, an SFTP login) with these settings and secrets. Changes nothing. */
  test(config: Out<CS>, secrets: Out<SS>, options: ConnectionTestOptions): Promise<ConnectionTestResult>;
  /** Transports whose `receive` Waybill calls: how often it looks for each supplier's answers. */
  readonly receiveEveryMs?: number;
}

/** A transport kind as the rest of Waybill uses it: stored settings and opened secrets checked on the way in. */
export interface TransportKind {
  readonly kind: string;
  readonly label: string;
  readonly setup: SetupFields;
  /** The transport of one stored supplier. Settings a newer Waybill no longer takes throw PermanentError. */
  open(
    supplier: TransportSupplier,
    config: unknown,
    secrets: unknown,
    services: TransportServices,
  ): SupplierTransport;
  test(config: unknown, secrets: unknown, options: ConnectionTestOptions): Promise<ConnectionTestResult>;
  /** Set for kinds that receive their suppliers' answers: the recurring look, per supplier. */
  readonly receiveEveryMs?: number;
}

/** The adapter as a kind among others. */
export function transportKind<CS extends z.ZodRawShape, SS extends z.ZodRawShape>(
  adapter: SupplierTransportAdapter<CS, SS>,
): TransportKind {
  return {
    kind: adapter.kind,
    label: adapter.label,
    setup: adapter,
    ...(adapter.receiveEveryMs !== undefined && { receiveEveryMs: adapter.receiveEveryMs }),
    open: (supplier, config, secrets, services) =>
      adapter.create(
        readStoredSettings(adapter.config, config, `supplier ${supplier.id}'s transport settings`),
        readStoredSettings(adapter.secrets, secrets, `supplier ${supplier.id}'s transport secrets`),
        supplier,
        services,
      ),
    test: (config, secrets, options) =>
      adapter.test(
        readStoredSettings(adapter.config, config, 'the transport settings'),
        readStoredSettings(adapter.secrets, secrets, 'the transport secrets'),
        options,
      ),
  };
}
