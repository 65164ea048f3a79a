/**
 * The hub's answers as the UI reads them: the parts of the shapes in src/http/schemas.ts and src/http/routes/*.ts
 * that the pages show. GET /openapi.json has them whole.
 */

export interface Money {
  /** Minor units of `currency` (cents for USD): an integer, never a float. */
  amount: number;
  currency: string;
}

export type Role = 'admin' | 'operator' | 'read-only' | 'supplier';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  /** The supplier a portal user works for; null for operators. */
  supplierId: string | null;
  /** False after a sign-in link for someone who has not chosen a password yet. */
  hasPassword: boolean;
}

/** A person who signs in, as the Users page lists them (admins only). */
export interface UserView extends SessionUser {
  createdAt: string;
  /** Set once an admin disabled them: their sessions ended and they sign in no more. */
  disabledAt: string | null;
}

/** An API key as listed: never the key itself, which the hub showed once when it was made. */
export interface ApiKey {
  id: string;
  role: Exclude<Role, 'supplier'>;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
}

export interface OrderSummary {
  id: string;
  channelId: string;
  externalId: string;
  state: string;
  holdReason: string | null;
  total: Money;
  createdAt: string;
}

export interface TaxLine {
  title: string;
  rate: string | null;
  amount: Money;
}

export interface PurchaseOrder {
  id: string;
  poNumber: string;
  supplierId: string;
  state: string;
  currency: string;
  total: Money;
  createdAt: string;
  sentAt: string | null;
  acknowledgedAt: string | null;
  ackDueAt: string | null;
  lines: {
    lineNumber: number;
    sku: string;
    supplierSku: string;
    quantity: number;
    unitCost: Money;
    status: string;
    rejectReason: string | null;
    shippedQuantity: number;
  }[];
}

export interface OrderLine {
  lineNumber: number;
  sku: string;
  title: string | null;
  quantity: number;
  unitPrice: Money;
  requiresShipping: boolean;
  money: { subtotal: Money; discount: Money; taxes: TaxLine[]; total: Money };
  state: string;
  supplierId: string | null;
}

export interface Shipment {
  id: string;
  poId: string;
  supplierId: string;
  carrier: string;
  trackingNumber: string;
  state: string;
  shippedAt: string;
  lines: { orderLineNumber: number; sku: string; quantity: number }[];
}

export interface TimelineEvent {
  seq: number;
  at: string;
  type: string;
  subject: { type: string; id: string };
  data: unknown;
}

/** A shipping address, as the hub stores and takes it (src/http/schemas.ts `address`). */
export interface Address {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2: `US`. */
  country: string;
  phone?: string;
}

export interface Order {
  id: string;
  channelId: string;
  externalId: string;
  state: string;
  holdReason: string | null;
  currency: string;
  total: Money;
  money: {
    taxesIncluded: boolean;
    subtotal: Money;
    discounts: Money;
    shipping: Money;
    fees: Money;
    tax: Money;
    total: Money;
    mismatches: { figure: string; channel: number; parts: number }[];
  };
  customer: { email: string; name?: string; phone?: string };
  shippingAddress: Address;
  placedAt: string;
  lines: OrderLine[];
  purchaseOrders: PurchaseOrder[];
  shipments: Shipment[];
  events: TimelineEvent[];
}

export interface HeldOrder {
  orderId: string;
  channelId: string;
  externalId: string;
  heldSince: string;
  holdReason: string | null;
  reasons: { check: string; message: string; since: string }[];
}

export interface Job {
  id: string;
  kind: string;
  key: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Channel {
  id: string;
  kind: string;
  name: string;
  currency: string;
  polledUntil: string | null;
  /** When the channel was last told a stock level. */
  lastStockSyncAt: string | null;
  /** Its webhook subscriptions as last checked (null: not checked yet). */
  webhooks: { checkedAt: string; webhooks: { topic: string; status: string }[] } | null;
  /** The API version Waybill asks for, for kinds that pin one. */
  apiVersion: { requested: string; supportedUntil: string; served: string | null; warnings: string[] } | null;
}

export interface Supplier {
  id: string;
  name: string;
  currency: string;
  transport: { kind: string };
  ackWithinMinutes: number;
  paused: boolean;
  /** Purchase orders not yet answered, or accepted and not all shipped. */
  openPurchaseOrders: number;
  /** Purchase orders of the last 30 days past their acknowledgement or shipping deadline. */
  slaMisses30d: number;
  /** Its circuit breaker: whether Waybill calls its transport at the moment. */
  circuit: SupplierCircuit;
}

export interface SupplierCircuit {
  /** closed: calls go; open: none until nextProbeAt; half_open: one probe under way. */
  state: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  downSince: string | null;
  nextProbeAt: string | null;
  lastError: string | null;
}

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
  available: number | null;
  /** What each channel was last told it can sell of the SKU. */
  channels: { channelId: string; told: number; toldAt: string }[];
}

export interface ConnectionCheck {
  ok: boolean;
  reason?: string;
  detail: string;
  checkedAt: string;
}

/** A file a supplier's file transport received (GET /api/v1/suppliers/{id}/files). */
export interface SupplierFile {
  id: string;
  name: string;
  size: number;
  sha256: string;
  outcome: 'taken' | 'refused';
  reason: string | null;
  receivedAt: string;
  settledAt: string | null;
}
