import type { Sku, SupplierId } from './ids.ts';
import type { Money } from './money.ts';

/** A supplier's offer to ship a SKU: what routing chooses between. */
export interface Offer {
  supplierId: SupplierId;
  sku: Sku;
  supplierSku: string;
  cost: Money;
  /** Lower wins. */
  priority: number;
  active: boolean;
  /** Units the supplier last reported, or null when it does not report stock. */
  stock: number | null;
  /** The supplier is paused: orders do not go to it (its open purchase orders go on). */
  supplierPaused?: boolean;
}

export interface LineToRoute {
  lineNumber: number;
  sku: Sku;
  quantity: number;
}

/** Why each candidate was or was not chosen: the operator reads this in the order's timeline. */
export interface CandidateVerdict {
  supplierId: SupplierId;
  priority: number;
  cost: Money;
  eligible: boolean;
  reason: string;
}

export type LineRoute =
  | { kind: 'routed'; lineNumber: number; offer: Offer; candidates: CandidateVerdict[]; reason: string }
  | { kind: 'unroutable'; lineNumber: number; candidates: CandidateVerdict[]; reason: string };

/**
 * First routing rule: each line goes to the eligible offer with the lowest priority number, then the lowest cost,
 * then the supplier id (so the choice is deterministic). The full engine (geography, speed, score, fewest
 * shipments) replaces the ranking later; the recorded candidates and reasons stay.
 *
 * @example
 * routeLines([{ lineNumber: 1, sku, quantity: 2 }], new Map([[sku, offers]]))
 * // → [{ kind: 'routed', lineNumber: 1, offer: <priority 1 offer>, candidates: [...], reason: 'priority 1 of 2 offers' }]
 */
export function routeLines(
  lines: readonly LineToRoute[],
  offersBySku: ReadonlyMap<Sku, readonly Offer[]>,
): LineRoute[] {
  return lines.map((line) => routeLine(line, offersBySku.get(line.sku) ?? []));
}

function routeLine(line: LineToRoute, offers: readonly Offer[]): LineRoute {
  const judged = offers.map((offer) => ({ offer, verdict: judge(offer, line.quantity) }));
  const candidates = judged.map((j) => j.verdict);
  const eligible = judged.filter((j) => j.verdict.eligible).map((j) => j.offer);
  if (eligible.length === 0) {
    // Short everywhere is not unroutable: the line goes to the first choice, and the stock reservation decides
    // whether it waits for stock (a backorder) or is cancelled, as the channel's policy says.
    const active = offers.filter((o) => o.active && !o.supplierPaused);
    if (active.length > 0) {
      const first = [...active].sort(byPreference)[0]!;
      return {
        kind: 'routed',
        lineNumber: line.lineNumber,
        offer: first,
        candidates,
        reason: `no offer has ${line.quantity} in stock; first choice priority ${first.priority}`,
      };
    }
    const reason =
      offers.length === 0 ? `no supplier offers ${line.sku}` : `no eligible offer for ${line.sku}`;
    return { kind: 'unroutable', lineNumber: line.lineNumber, candidates, reason };
  }
  const winner = [...eligible].sort(byPreference)[0]!;
  const reason = `priority ${winner.priority}, cost ${winner.cost.amount} ${winner.cost.currency}; ${eligible.length} of ${offers.length} offers eligible`;
  return { kind: 'routed', lineNumber: line.lineNumber, offer: winner, candidates, reason };
}

function judge(offer: Offer, quantity: number): CandidateVerdict {
  const base = { supplierId: offer.supplierId, priority: offer.priority, cost: offer.cost };
  if (offer.supplierPaused) return { ...base, eligible: false, reason: 'supplier paused' };
  if (!offer.active) return { ...base, eligible: false, reason: 'offer inactive' };
  if (offer.stock !== null && offer.stock < quantity) {
    return { ...base, eligible: false, reason: `stock ${offer.stock} < quantity ${quantity}` };
  }
  return { ...base, eligible: true, reason: 'eligible' };
}

function byPreference(a: Offer, b: Offer): number {
  return a.priority - b.priority || a.cost.amount - b.cost.amount || a.supplierId.localeCompare(b.supplierId);
}
