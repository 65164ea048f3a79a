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
 * const transport = restJson.open('acme', { url, timeoutMs: 5000 }, { signingSecret });
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
   * The supplier's answers that came since `cursor` (a transport that receives them on its side: files in an SFTP
   * folder, a mailbox), read, not yet applied: Waybill applies each (an answer told twice is applied once) and keeps
   * the returned cursor with the job that asked. Absent for transports whose suppliers answer through the supplier
   * API. Safe to repeat: the same cursor gives the same answers, or later ones too.
   */
  receive?(options: { signal: AbortSignal; now: Date; cursor: string | null }): Promise<SupplierAnswers>;
}

/** What a supplier said about its purchase orders, as its transport read it. */
export interface SupplierAnswers {
  acknowledgements: { poNumber: string; lines: AckLine[] }[];
  shipments: {
    poNumber: string;
    carrier: string;
    trackingNumber: string;
    shippedAt?: Date | undefined;
    lines: ShipLine[];
  }[];
  /** Where the next look starts (the transport's own bookmark); null: nothing to keep. */
  cursor: string | null;
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
  create(config: Out<CS>, secrets: Out<SS>, supplier: { id: string }): SupplierTransport;
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
  open(supplierId: string, config: unknown, secrets: unknown): SupplierTransport;
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
    open: (supplierId, config, secrets) =>
      adapter.create(
        readStoredSettings(adapter.config, config, `supplier ${supplierId}'s transport settings`),
        readStoredSettings(adapter.secrets, secrets, `supplier ${supplierId}'s transport secrets`),
        { id: supplierId },
      ),
    test: (config, secrets, options) =>
      adapter.test(
        readStoredSettings(adapter.config, config, 'the transport settings'),
        readStoredSettings(adapter.secrets, secrets, 'the transport secrets'),
        options,
      ),
  };
}
