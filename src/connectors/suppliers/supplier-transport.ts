import type { z } from 'zod';
import type { Address } from '../../domain/order.ts';

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

/**
 * How purchase orders reach one kind of supplier system (REST/JSON, EDI over SFTP, CSV, email, portal).
 * `send` must be safe to repeat: the PO number travels as the idempotency key, so a resend after a timeout or a
 * crash is recognised by the supplier. Throw PermanentError when retrying cannot help.
 *
 * @example
 * const transport = restJson.create({ url, timeoutMs: 5000 }, { signingSecret });
 * await transport.send(po, { signal, now: new Date() });
 */
export interface SupplierTransport {
  send(po: PurchaseOrderMessage, options: { signal: AbortSignal; now: Date }): Promise<void>;
}

/** One adapter: its declared settings and secrets (validated by `apply`), and how to build a transport from them. */
export interface SupplierTransportAdapter<C = unknown, S = unknown> {
  readonly kind: string;
  readonly config: z.ZodType<C>;
  /** Secrets are stored encrypted and never returned by the API. */
  readonly secrets: z.ZodType<S>;
  create(config: C, secrets: S): SupplierTransport;
}
