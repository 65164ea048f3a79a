import type { OrderId, PoNumber, Sku, SupplierId } from './ids.ts';
import { formatMoney, sum, times, type CurrencyCode, type Money } from './money.ts';
import type { LineRoute } from './routing.ts';
import { purchaseOrderMachine, type PurchaseOrderState } from './purchase-order.machine.ts';

export type PoLineStatus = 'open' | 'accepted' | 'rejected' | 'cancelled';

export interface PurchaseOrderLine {
  lineNumber: number;
  orderLineNumber: number;
  sku: Sku;
  supplierSku: string;
  quantity: number;
  unitCost: Money;
  status: PoLineStatus;
  rejectReason: string | null;
  shippedQuantity: number;
}

export interface PurchaseOrderPlan {
  supplierId: SupplierId;
  poNumber: PoNumber;
  currency: CurrencyCode;
  total: Money;
  lines: PurchaseOrderLine[];
}

/**
 * The PO number is a function of the order and the supplier, so it is the same however often it is computed:
 * a resend after a crash carries the number the supplier already has, and the supplier can drop the duplicate.
 */
export function poNumberFor(orderId: OrderId, supplierId: SupplierId, sequence = 1): PoNumber {
  const base = `PO-${digest70(`${orderId}\n${supplierId}`)}`;
  return (sequence === 1 ? base : `${base}-${sequence}`) as PoNumber;
}

/** Crockford's base 32: no I, L, O or U, so a number read aloud or typed is not misread. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/**
 * 70 bits of two FNV-1a hashes of `text` as 14 base-32 characters. A PO number must fit the 22 characters X12 gives it
 * (BEG03) with its `-2` suffix, and be the same whenever it is computed: a hash of the order and the supplier is both.
 * 70 bits make a collision between two POs about one in 10^6 at 10^8 POs (the number is unique in the store).
 */
function digest70(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const fnv = (offset: bigint) => {
    let hash = offset;
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
    return hash;
  };
  // The standard offset basis, and a second one, for 128 bits of which 70 are kept.
  let bits = (fnv(0xcbf29ce484222325n) << 64n) | fnv(0x84222325cbf29ce4n);
  let out = '';
  for (let i = 0; i < 14; i++) {
    out = CROCKFORD[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}

/** One purchase order per supplier per order, at the wholesale cost of the chosen offer. */
export function planPurchaseOrders(
  orderId: OrderId,
  lines: readonly { lineNumber: number; quantity: number }[],
  routes: readonly LineRoute[],
  /**
   * PO numbers the order has already (lines routed later, when backordered stock arrived): a later PO to the same
   * supplier takes the next number, `…-2`, still the same however often it is computed from the same history.
   */
  taken: ReadonlySet<string> = new Set(),
): PurchaseOrderPlan[] {
  const quantities = new Map(lines.map((l) => [l.lineNumber, l.quantity]));
  const bySupplier = new Map<SupplierId, PurchaseOrderLine[]>();
  for (const route of routes) {
    if (route.kind !== 'routed') continue;
    const poLines = bySupplier.get(route.offer.supplierId) ?? [];
    poLines.push({
      lineNumber: poLines.length + 1,
      orderLineNumber: route.lineNumber,
      sku: route.offer.sku,
      supplierSku: route.offer.supplierSku,
      quantity: quantities.get(route.lineNumber)!,
      unitCost: route.offer.cost,
      status: 'open',
      rejectReason: null,
      shippedQuantity: 0,
    });
    bySupplier.set(route.offer.supplierId, poLines);
  }
  return [...bySupplier].map(([supplierId, poLines]) => {
    const currency = poLines[0]!.unitCost.currency;
    return {
      supplierId,
      poNumber: nextFree(orderId, supplierId, taken),
      currency,
      total: sum(
        poLines.map((l) => times(l.unitCost, l.quantity)),
        currency,
      ),
      lines: poLines,
    };
  });
}

function nextFree(orderId: OrderId, supplierId: SupplierId, taken: ReadonlySet<string>): PoNumber {
  let sequence = 1;
  while (taken.has(poNumberFor(orderId, supplierId, sequence))) sequence++;
  return poNumberFor(orderId, supplierId, sequence);
}

// ── Acknowledgement ────────────────────────────────────────────────────────────────────────────────────────────

export interface AckLine {
  lineNumber: number;
  /** `backordered`: the supplier takes the line but has no stock until `availableOn`. */
  status: 'accepted' | 'rejected' | 'backordered';
  reason?: string | undefined;
  /** 'YYYY-MM-DD', for a backordered line. */
  availableOn?: string | undefined;
  /**
   * An accepted line the supplier changed (EDI 855 ACK01 IQ, IP, DR): the quantity it will ship, the unit cost it
   * will charge (minor units), the date it will ship ('YYYY-MM-DD'). Applied as accepted; a person reviews the change.
   */
  change?:
    { quantity?: number | undefined; unitCost?: number | undefined; shipOn?: string | undefined } | undefined;
}

/**
 * What the supplier changed on the lines it accepted (EDI 855 IQ, IP, DR), in words a person reads: only real
 * changes (a quantity or cost equal to the PO's is none). Empty when it took the PO as written.
 *
 * @example
 * describeAckChanges('PO-1', po.lines, [{ lineNumber: 1, status: 'accepted', change: { quantity: 1 } }]);
 * // ['PO-1 line 1: quantity 2 → 1']
 */
export function describeAckChanges(
  poNumber: string,
  lines: readonly Pick<PurchaseOrderLine, 'lineNumber' | 'quantity' | 'unitCost'>[],
  ack: readonly AckLine[],
): string[] {
  const byNumber = new Map(lines.map((l) => [l.lineNumber, l]));
  const described: string[] = [];
  for (const { lineNumber, change } of ack) {
    const line = byNumber.get(lineNumber);
    if (!change || !line) continue;
    const parts: string[] = [];
    if (change.quantity !== undefined && change.quantity !== line.quantity)
      parts.push(`quantity ${line.quantity} → ${change.quantity}`);
    if (change.unitCost !== undefined && change.unitCost !== line.unitCost.amount)
      parts.push(
        `unit cost ${formatMoney(line.unitCost)} → ${formatMoney({ ...line.unitCost, amount: change.unitCost })}`,
      );
    if (change.shipOn !== undefined) parts.push(`ships on ${change.shipOn}`);
    if (parts.length) described.push(`${poNumber} line ${lineNumber}: ${parts.join(', ')}`);
  }
  return described;
}

export type AckDecision =
  | {
      kind: 'applied';
      state: PurchaseOrderState;
      lines: PurchaseOrderLine[];
      /** Lines the supplier took but will ship late (accepted on the PO), by PO line number. */
      backordered: { lineNumber: number; availableOn: string }[];
    }
  | { kind: 'duplicate' }
  | { kind: 'conflict'; reason: string }
  | { kind: 'invalid'; field: string; reason: string };

/** Decide what a supplier's acknowledgement does to its PO. Pure: the caller saves the result. */
export function decideAcknowledgement(
  po: { state: PurchaseOrderState; lines: readonly PurchaseOrderLine[] },
  ack: readonly AckLine[],
): AckDecision {
  const invalid = checkAckCoversEveryLine(po.lines, ack);
  if (invalid) return invalid;
  const byLine = new Map(ack.map((a) => [a.lineNumber, a]));
  const alreadyAcked = po.lines.some((l) => l.status !== 'open');
  // A backordered line is an accepted one on the PO (the supplier keeps it), shipped later.
  const statusOf = (a: AckLine): PoLineStatus => (a.status === 'backordered' ? 'accepted' : a.status);
  if (alreadyAcked) {
    const same = po.lines.every((l) => l.status === statusOf(byLine.get(l.lineNumber)!));
    return same
      ? { kind: 'duplicate' }
      : { kind: 'conflict', reason: 'the purchase order was already acknowledged differently' };
  }
  const lines = po.lines.map((l) => {
    const a = byLine.get(l.lineNumber)!;
    return {
      ...l,
      status: statusOf(a),
      rejectReason: a.status === 'rejected' ? (a.reason ?? 'rejected by supplier') : null,
    };
  });
  const backordered = ack
    .filter((a) => a.status === 'backordered')
    .map((a) => ({ lineNumber: a.lineNumber, availableOn: a.availableOn ?? '' }));
  const accepted = lines.filter((l) => l.status === 'accepted').length;
  const state: PurchaseOrderState =
    accepted === lines.length ? 'accepted' : accepted === 0 ? 'rejected' : 'partially_accepted';
  const move = purchaseOrderMachine.check(po.state, state);
  if (!move.ok) return { kind: 'conflict', reason: move.reason };
  return { kind: 'applied', state, lines, backordered };
}

function checkAckCoversEveryLine(
  lines: readonly PurchaseOrderLine[],
  ack: readonly AckLine[],
): Extract<AckDecision, { kind: 'invalid' }> | null {
  const known = new Set(lines.map((l) => l.lineNumber));
  const seen = new Set<number>();
  for (const [i, a] of ack.entries()) {
    if (!known.has(a.lineNumber))
      return {
        kind: 'invalid',
        field: `lines[${i}].lineNumber`,
        reason: `no line ${a.lineNumber} on this purchase order`,
      };
    if (seen.has(a.lineNumber))
      return { kind: 'invalid', field: `lines[${i}].lineNumber`, reason: `line ${a.lineNumber} named twice` };
    seen.add(a.lineNumber);
  }
  const missing = [...known].filter((n) => !seen.has(n));
  if (missing.length)
    return {
      kind: 'invalid',
      field: 'lines',
      reason: `every line must be acknowledged; missing ${missing.join(', ')}`,
    };
  return null;
}

// ── Shipment ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface ShipLine {
  lineNumber: number;
  quantity: number;
}

export type ShipmentDecision =
  | { kind: 'applied'; state: PurchaseOrderState; lines: PurchaseOrderLine[] }
  | { kind: 'invalid'; field: string; reason: string };

/** Decide what a reported shipment does to its PO: quantities may not exceed what was accepted and not yet shipped. */
export function decideShipment(
  po: { state: PurchaseOrderState; lines: readonly PurchaseOrderLine[] },
  shipped: readonly ShipLine[],
): ShipmentDecision {
  const lines = po.lines.map((l) => ({ ...l }));
  const byNumber = new Map(lines.map((l) => [l.lineNumber, l]));
  for (const [i, s] of shipped.entries()) {
    const line = byNumber.get(s.lineNumber);
    const field = `lines[${i}]`;
    if (!line)
      return {
        kind: 'invalid',
        field: `${field}.lineNumber`,
        reason: `no line ${s.lineNumber} on this purchase order`,
      };
    if (line.status !== 'accepted')
      return {
        kind: 'invalid',
        field: `${field}.lineNumber`,
        reason: `line ${s.lineNumber} is ${line.status}, not accepted`,
      };
    const open = line.quantity - line.shippedQuantity;
    if (s.quantity > open)
      return {
        kind: 'invalid',
        field: `${field}.quantity`,
        reason: `only ${open} of line ${s.lineNumber} left to ship`,
      };
    line.shippedQuantity += s.quantity;
  }
  const accepted = lines.filter((l) => l.status === 'accepted');
  const state: PurchaseOrderState = accepted.every((l) => l.shippedQuantity === l.quantity)
    ? 'shipped'
    : 'partially_shipped';
  const move = state === po.state ? { ok: true as const } : purchaseOrderMachine.check(po.state, state);
  if (!move.ok) return { kind: 'invalid', field: 'lineNumber', reason: move.reason };
  return { kind: 'applied', state, lines };
}
