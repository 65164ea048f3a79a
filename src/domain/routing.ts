import type { Sku, SupplierId } from './ids.ts';
import type { Money } from './money.ts';
import {
  DEFAULT_RULES,
  routeOrder,
  type FulfilmentNode,
  type NodeOffer,
  type Place,
  type RoutingRules,
} from './routing-engine.ts';

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
  /** A supplier drop-ships; a warehouse ships the retailer's own stock. Default: supplier. */
  nodeKind?: 'supplier' | 'warehouse';
  /** 0–100, the node's; default 50. */
  nodeScore?: number;
  /** The node's carriers deliver to PO boxes; default true. */
  nodePoBoxes?: boolean;
  /** What routing weighs beyond the cost (default: nothing; any quantity). */
  leadDays?: number;
  shippingEstimate?: number;
  dropShipFee?: number;
  minQuantity?: number;
  packSize?: number;
  shipFrom?: Place | undefined;
}

export interface LineToRoute {
  lineNumber: number;
  sku: Sku;
  quantity: number;
  tags?: readonly string[];
  category?: string | null;
}

/** Why each candidate was or was not chosen: the operator reads this in the order's timeline. */
export interface CandidateVerdict {
  supplierId: SupplierId;
  priority: number;
  cost: Money;
  eligible: boolean;
  reason: string;
  /** Item cost × quantity + the supplier's drop-ship fee and shipping estimate. */
  landedCost?: number;
  leadDays?: number;
  score?: number;
}

export type LineRoute =
  | { kind: 'routed'; lineNumber: number; offer: Offer; candidates: CandidateVerdict[]; reason: string }
  | { kind: 'unroutable'; lineNumber: number; candidates: CandidateVerdict[]; reason: string };

/**
 * Routes each line of an order by the retailer's rules (routing-engine.ts; by default the offers' own priority, then
 * the lowest cost, then the supplier id, so the choice is deterministic), the candidates and reasons recorded. What
 * an offer does not say (lead days, fees, minimums) weighs nothing.
 *
 * @example
 * routeLines([{ lineNumber: 1, sku, quantity: 2 }], new Map([[sku, offers]]))
 * // → [{ kind: 'routed', lineNumber: 1, offer: <priority 1 offer>, candidates: [...], reason: 'acme: priority 1, …' }]
 */
export function routeLines(
  lines: readonly LineToRoute[],
  offersBySku: ReadonlyMap<Sku, readonly Offer[]>,
  options: { destination?: Place; rules?: RoutingRules; avoid?: ReadonlyMap<SupplierId, string> } = {},
): LineRoute[] {
  const nodes = new Map<SupplierId, FulfilmentNode>();
  const weighed = new Map<Sku, (NodeOffer & { source: Offer })[]>();
  for (const line of lines) {
    if (weighed.has(line.sku)) continue;
    const offers = offersBySku.get(line.sku) ?? [];
    for (const o of offers)
      nodes.set(o.supplierId, {
        id: o.supplierId,
        kind: o.nodeKind ?? 'supplier',
        paused: o.supplierPaused ?? false,
        score: o.nodeScore ?? 50,
        deliversToPoBoxes: o.nodePoBoxes ?? true,
      });
    weighed.set(
      line.sku,
      offers.map((o) => ({
        nodeId: o.supplierId,
        sku: o.sku,
        cost: o.cost,
        active: o.active,
        stock: o.stock,
        priority: o.priority,
        leadDays: o.leadDays ?? 0,
        shippingEstimate: o.shippingEstimate ?? 0,
        dropShipFee: o.dropShipFee ?? 0,
        minQuantity: o.minQuantity ?? 1,
        packSize: o.packSize ?? 1,
        shipFrom: o.shipFrom,
        source: o,
      })),
    );
  }
  const decision = routeOrder(
    { destination: options.destination ?? NOWHERE, lines, ...(options.avoid && { avoid: options.avoid }) },
    weighed,
    nodes,
    options.rules ?? DEFAULT_RULES,
  );
  return decision.lines.map((placed) => {
    const sources = new Map(
      (weighed.get(lines.find((l) => l.lineNumber === placed.lineNumber)!.sku) ?? []).map((o) => [
        o.nodeId,
        o.source,
      ]),
    );
    const candidates = placed.candidates.map((c): CandidateVerdict => {
      const source = sources.get(c.nodeId)!;
      return {
        supplierId: c.nodeId,
        priority: source.priority,
        cost: source.cost,
        eligible: c.eligible,
        reason: c.reason,
        landedCost: c.landedCost,
        leadDays: c.leadDays,
        score: c.score,
      };
    });
    return placed.kind === 'routed'
      ? {
          kind: 'routed',
          lineNumber: placed.lineNumber,
          offer: placed.offer.source,
          candidates,
          reason: placed.reason,
        }
      : { kind: 'unroutable', lineNumber: placed.lineNumber, candidates, reason: placed.reason };
  });
}

/** A destination for rules that name no area (the defaults): nothing is refused for where it goes. */
const NOWHERE: Place = { country: '' };
