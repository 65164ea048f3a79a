import type { Sku, SupplierId } from './ids.ts';
import { formatMoney, money, type Money } from './money.ts';

/** Where goods ship from, or to. */
export interface Place {
  /** ISO 3166-1 alpha-2. */
  country: string;
  region?: string | undefined;
  postalCode?: string | undefined;
  /** The address is a PO box: only nodes whose carriers deliver to them may ship there. */
  poBox?: boolean | undefined;
}

/** What fulfils lines: a supplier drop-ships them; a warehouse ships the retailer's own stock. */
export interface FulfilmentNode {
  id: SupplierId;
  kind: 'supplier' | 'warehouse';
  /** Orders stop going to it (its open purchase orders continue). */
  paused: boolean;
  /** 0–100: how much the retailer trusts it (an input now; the scorecard computes it later). */
  score: number;
  /** Its carriers deliver to PO boxes (default: they do). */
  deliversToPoBoxes?: boolean;
}

/** What one node offers of a SKU, with what routing weighs. Money in the node's currency, minor units. */
export interface NodeOffer {
  nodeId: SupplierId;
  sku: Sku;
  /** Per unit. */
  cost: Money;
  active: boolean;
  /** Units the node last reported; null when it does not report stock. */
  stock: number | null;
  /** Days between the order and the node handing it to the carrier. */
  leadDays: number;
  /** Per shipment from this node: its carrier's estimate, and its fee for drop-shipping an order. */
  shippingEstimate: number;
  dropShipFee: number;
  /** The fewest units it takes, and the pack they come in (a quantity must be a multiple). */
  minQuantity: number;
  packSize: number;
  /** The retailer's own order among equals: lower first. */
  priority: number;
  /** Where it ships from, when known: nearer the destination is preferred when the rules say so. */
  shipFrom?: Place | undefined;
}

export interface LineToPlace {
  lineNumber: number;
  sku: Sku;
  quantity: number;
  tags?: readonly string[];
  category?: string | null;
}

/** Which areas a node may ship to: a country, narrowed to regions or postal-code prefixes when given. */
export interface Area {
  country: string;
  regions?: readonly string[];
  postalPrefixes?: readonly string[];
}

/**
 * Lines matching (any SKU, tag or category named) go to the nodes in `to`, in that order of preference (the primary
 * first, then the backups), and never to those in `exclude`.
 */
export interface AssignmentRule {
  name: string;
  match: { skus?: readonly string[]; tags?: readonly string[]; categories?: readonly string[] };
  to?: readonly SupplierId[];
  exclude?: readonly SupplierId[];
}

/**
 * What decides among the eligible: the retailer's own order of the offers (their priority: what Waybill did before
 * rules, and the default), the lowest landed cost, the soonest shipped, the best score, or a weighted mix.
 */
export type Objective =
  | { kind: 'priority' }
  | { kind: 'landed_cost' }
  | { kind: 'fastest' }
  | { kind: 'score' }
  | { kind: 'weighted'; cost: number; speed: number; score: number };

export interface RoutingRules {
  /** Recorded with every order routed by these rules. */
  version: number;
  assignments: readonly AssignmentRule[];
  /** Where each node may ship; a node not named ships anywhere. */
  shipsTo: readonly { node: SupplierId; areas: readonly Area[] }[];
  /** The retailer's own stock before suppliers, after them, or as any other node. */
  ownStock: 'first' | 'last' | 'any';
  objective: Objective;
  /** Keep an order together: one node for all of it when one can, else as few as can. */
  fewestShipments: boolean;
  /** Ship from as near the destination as can (same region, then same country, then abroad) before the objective. */
  preferNearest?: boolean;
}

/** One candidate as the decision saw it: the operator reads this in the order's timeline. */
export interface Candidate {
  nodeId: SupplierId;
  eligible: boolean;
  reason: string;
  /** Item cost × quantity + the node's drop-ship fee and shipping estimate, as if the line went alone. */
  landedCost: number;
  leadDays: number;
  score: number;
  /** How far it ships from: 0 the destination's region, 1 its country, 2 abroad or unknown. */
  zone: number;
}

/** A line's decision; `offer` is the caller's own offer object, as it was given. */
export type PlacedLine<O extends NodeOffer = NodeOffer> =
  | { kind: 'routed'; lineNumber: number; offer: O; candidates: Candidate[]; reason: string }
  | { kind: 'unroutable'; lineNumber: number; candidates: Candidate[]; reason: string };

export interface RoutingDecision<O extends NodeOffer = NodeOffer> {
  rulesVersion: number;
  lines: PlacedLine<O>[];
}

/** The rules of a retailer who wrote none: the offers' own priority, as Waybill routed before rules. */
export const DEFAULT_RULES: RoutingRules = {
  version: 0,
  assignments: [],
  shipsTo: [],
  ownStock: 'any',
  objective: { kind: 'priority' },
  fewestShipments: false,
};

interface Judged<O extends NodeOffer = NodeOffer> {
  offer: O;
  candidate: Candidate;
  /** Passes every rule but stock: where a line short everywhere waits (a backorder). */
  allowed: boolean;
  /** Position in the line's assignment (0: primary), or 0 when no rule assigns it. */
  preference: number;
  warehouse: boolean;
}

/**
 * Decides the node of every line of an order, by the retailer's rules: a node paused, excluded, not assigned, not
 * shipping to the destination, under its minimum or pack size, or short of stock is not eligible; among the
 * eligible the assignment's order comes first, then own stock first or last, then the objective, then the
 * retailer's priority and the node id (so the same input always decides the same). With `fewestShipments`, a node
 * that can ship the whole order takes it, else as few nodes as can: keeping the order together comes before the
 * assignment's order of preference and own stock first or last (an assignment still limits who may ship a line). A line short everywhere goes to its first
 * choice among the nodes otherwise allowed, for the stock reservation to backorder or cancel. Pure.
 *
 * @example
 * routeOrder({ destination: { country: 'US', region: 'IL' }, lines }, offersBySku, nodes, rules)
 * // → { rulesVersion: 3, lines: [{ kind: 'routed', lineNumber: 1, offer, candidates, reason: 'landed cost 1450 …' }] }
 */
export function routeOrder<O extends NodeOffer>(
  order: {
    destination: Place;
    lines: readonly LineToPlace[];
    /** Nodes this order must not go to now, each with why (it missed its SLA, it rejected the line). */
    avoid?: ReadonlyMap<SupplierId, string>;
  },
  offersBySku: ReadonlyMap<Sku, readonly O[]>,
  nodes: ReadonlyMap<SupplierId, FulfilmentNode>,
  rules: RoutingRules,
): RoutingDecision<O> {
  // What of the rules applies is looked up once per order (areas by node) and once per line (its assignment and
  // exclusions), not once per candidate.
  const areasOf = new Map(rules.shipsTo.map((s) => [s.node, s.areas] as const));
  const judged = order.lines.map((line) => {
    const applying: Applying = {
      assignment: rules.assignments.find((r) => r.to?.length && matches(r, line)),
      exclusions: rules.assignments.filter((r) => r.exclude?.length && matches(r, line)),
      areasOf,
    };
    return (offersBySku.get(line.sku) ?? []).map((offer) =>
      judge(line, offer, nodes.get(offer.nodeId), order, applying),
    );
  });
  const chosen = rules.fewestShipments
    ? fewestNodes(order.lines, judged, rules.objective)
    : new Map<number, SupplierId>();
  const lines = order.lines.map((line, i) => decide(line, judged[i]!, rules, chosen.get(line.lineNumber)));
  return { rulesVersion: rules.version, lines };
}

/** The rules that bear on one line: the assignment that sends it (the first that matches), the exclusions. */
interface Applying {
  assignment: AssignmentRule | undefined;
  exclusions: readonly AssignmentRule[];
  areasOf: ReadonlyMap<SupplierId, readonly Area[]>;
}

function judge<O extends NodeOffer>(
  line: LineToPlace,
  offer: O,
  node: FulfilmentNode | undefined,
  order: { destination: Place; avoid?: ReadonlyMap<SupplierId, string> },
  applying: Applying,
): Judged<O> {
  const to = order.destination;
  const preference = applying.assignment?.to?.indexOf(offer.nodeId) ?? 0;
  const landedCost = offer.cost.amount * line.quantity + offer.dropShipFee + offer.shippingEstimate;
  const base = {
    nodeId: offer.nodeId,
    landedCost,
    leadDays: offer.leadDays,
    score: node?.score ?? 0,
    zone: zoneOf(offer.shipFrom, to),
  };
  const refusal = order.avoid?.get(offer.nodeId) ?? refusedBy(line, offer, node, to, applying);
  const short = offer.stock !== null && offer.stock < line.quantity;
  const reason = refusal ?? (short ? `stock ${offer.stock} < quantity ${line.quantity}` : 'eligible');
  return {
    offer,
    candidate: { ...base, eligible: !refusal && !short, reason },
    allowed: !refusal,
    preference: Math.max(preference, 0),
    warehouse: node?.kind === 'warehouse',
  };
}

/** The first rule a node breaks for this line, in the order an operator would look; null when none. */
function refusedBy(
  line: LineToPlace,
  offer: NodeOffer,
  node: FulfilmentNode | undefined,
  to: Place,
  { assignment, exclusions, areasOf }: Applying,
): string | null {
  if (!node) return 'no such node';
  if (node.paused) return `${node.kind} paused`;
  if (!offer.active) return 'offer inactive';
  const excluded = exclusions.find((r) => r.exclude!.includes(node.id));
  if (excluded) return `excluded by rule ${excluded.name}`;
  if (assignment && !assignment.to!.includes(node.id))
    return `not among the nodes of rule ${assignment.name}`;
  if (to.poBox && node.deliversToPoBoxes === false) return 'does not deliver to PO boxes';
  const areas = areasOf.get(node.id);
  if (areas && !areas.some((area) => covers(area, to))) return `does not ship to ${describePlace(to)}`;
  if (line.quantity < offer.minQuantity)
    return `quantity ${line.quantity} below its minimum ${offer.minQuantity}`;
  if (line.quantity % offer.packSize !== 0)
    return `quantity ${line.quantity} not in packs of ${offer.packSize}`;
  return null;
}

function matches(rule: AssignmentRule, line: LineToPlace): boolean {
  const { skus, tags, categories } = rule.match;
  return Boolean(
    skus?.includes(line.sku) ||
    tags?.some((t) => line.tags?.includes(t)) ||
    (line.category && categories?.includes(line.category)),
  );
}

function covers(area: Area, to: Place): boolean {
  if (area.country !== to.country) return false;
  const region = regionOf(to);
  if (
    area.regions?.length &&
    !(region && area.regions.some((r) => regionOf({ country: area.country, region: r }) === region))
  )
    return false;
  const postal = (to.postalCode ?? '').replace(/\s+/g, '').toUpperCase();
  return (
    !area.postalPrefixes?.length ||
    area.postalPrefixes.some((p) => postal.startsWith(p.replace(/\s+/g, '').toUpperCase()))
  );
}

function zoneOf(from: Place | undefined, to: Place): number {
  if (!from || from.country !== to.country) return 2;
  const region = regionOf(from);
  return region && region === regionOf(to) ? 0 : 1;
}

/** A region as its subdivision code alone, upper case: 'US-IL', 'il' and 'IL' are one. */
function regionOf(place: Place): string | undefined {
  const region = place.region?.trim().toUpperCase();
  return region?.startsWith(`${place.country.toUpperCase()}-`)
    ? region.slice(place.country.length + 1)
    : region;
}

function describePlace(place: Place): string {
  return [place.country, place.region, place.postalCode].filter(Boolean).join(' ');
}

function decide<O extends NodeOffer>(
  line: LineToPlace,
  judged: readonly Judged<O>[],
  rules: RoutingRules,
  together: SupplierId | undefined,
): PlacedLine<O> {
  const candidates = judged.map((j) => j.candidate);
  const eligible = judged.filter((j) => j.candidate.eligible);
  // One shipment for the whole order outweighs the assignment's order of preference and own stock first or last
  // (never its exclusions: every candidate here is eligible).
  const kept = together ? eligible.find((j) => j.offer.nodeId === together) : undefined;
  if (kept)
    return routed(
      line,
      kept,
      candidates,
      `keeps the order together at ${together}; ${explain(kept, rules.objective)}`,
    );
  if (eligible.length) {
    const winner = rank(eligible, rules)[0]!;
    return routed(
      line,
      winner,
      candidates,
      `${explain(winner, rules.objective)}; ${eligible.length} of ${judged.length} candidates eligible`,
    );
  }
  const allowed = judged.filter((j) => j.allowed);
  if (allowed.length) {
    // Short everywhere is not unroutable: the first choice holds it, and the reservation backorders or cancels it.
    const first = rank(allowed, rules)[0]!;
    return routed(
      line,
      first,
      candidates,
      `no candidate has ${line.quantity} in stock; first choice ${first.offer.nodeId}`,
    );
  }
  const reason = judged.length === 0 ? `nobody offers ${line.sku}` : `no eligible offer for ${line.sku}`;
  return { kind: 'unroutable', lineNumber: line.lineNumber, candidates, reason };
}

function routed<O extends NodeOffer>(
  line: LineToPlace,
  winner: Judged<O>,
  candidates: Candidate[],
  reason: string,
): PlacedLine<O> {
  return { kind: 'routed', lineNumber: line.lineNumber, offer: winner.offer, candidates, reason };
}

/** Best first: the assignment's order, own stock first or last, the nearest (when asked), the objective, the priority, the landed cost, the node id. */
function rank<O extends NodeOffer>(judged: readonly Judged<O>[], rules: RoutingRules): Judged<O>[] {
  const value = objectiveValue(judged, rules.objective);
  const own = (j: Judged) =>
    rules.ownStock === 'any' ? 0 : j.warehouse === (rules.ownStock === 'first') ? 0 : 1;
  const zone = (j: Judged) => (rules.preferNearest ? j.candidate.zone : 0);
  return [...judged].sort(
    (a, b) =>
      a.preference - b.preference ||
      own(a) - own(b) ||
      zone(a) - zone(b) ||
      value(a) - value(b) ||
      a.offer.priority - b.offer.priority ||
      a.candidate.landedCost - b.candidate.landedCost ||
      a.offer.nodeId.localeCompare(b.offer.nodeId),
  );
}

/** Lower is better. A weighted mix scales each measure to 0–1 across the candidates before weighing it. */
function objectiveValue(judged: readonly Judged[], objective: Objective): (j: Judged) => number {
  const cost = (j: Judged) => j.candidate.landedCost;
  const speed = (j: Judged) => j.candidate.leadDays;
  const distrust = (j: Judged) => 100 - j.candidate.score;
  switch (objective.kind) {
    case 'priority':
      return (j) => j.offer.priority;
    case 'landed_cost':
      return cost;
    case 'fastest':
      return speed;
    case 'score':
      return distrust;
    case 'weighted': {
      const scaled = (measure: (j: Judged) => number) => {
        const values = judged.map(measure);
        const low = Math.min(...values);
        const span = Math.max(...values) - low;
        return (j: Judged) => (span === 0 ? 0 : (measure(j) - low) / span);
      };
      const [c, s, d] = [scaled(cost), scaled(speed), scaled(distrust)];
      return (j) => objective.cost * c(j) + objective.speed * s(j) + objective.score * d(j);
    }
  }
}

function explain(j: Judged, objective: Objective): string {
  const { nodeId, leadDays, score } = j.candidate;
  // In money, as a person reads it: "$9.00", not 900 minor units of a currency unnamed.
  const landedCost = formatMoney(money(j.candidate.landedCost, j.offer.cost.currency));
  const measure =
    objective.kind === 'priority'
      ? `priority ${j.offer.priority}, landed cost ${landedCost}`
      : objective.kind === 'fastest'
        ? `ships in ${leadDays} day(s)`
        : objective.kind === 'score'
          ? `score ${score}`
          : `landed cost ${landedCost}`;
  return `${nodeId}: ${measure}`;
}

/**
 * The nodes for an order kept together: one node eligible for every line when there is one (the best of them by the
 * objective over the whole order), else a greedy cover, each step the node that can ship the most lines still open.
 * Lines no node is eligible for are left to the line-by-line decision. By line number.
 */
function fewestNodes<O extends NodeOffer>(
  lines: readonly LineToPlace[],
  judged: readonly (readonly Judged<O>[])[],
  objective: Objective,
): Map<number, SupplierId> {
  const open = new Map(
    lines.map((line, i) => [line.lineNumber, judged[i]!.filter((j) => j.candidate.eligible)] as const),
  );
  for (const [lineNumber, eligible] of open) if (eligible.length === 0) open.delete(lineNumber);
  const chosen = new Map<number, SupplierId>();
  while (open.size > 0) {
    const reach = new Map<SupplierId, Judged[]>();
    for (const eligible of open.values())
      for (const j of eligible) reach.set(j.offer.nodeId, [...(reach.get(j.offer.nodeId) ?? []), j]);
    const total = (js: readonly Judged[]) => js.reduce((sum, j) => sum + orderMeasure(j, objective), 0);
    const [node] = [...reach].sort(
      ([a, ja], [b, jb]) => jb.length - ja.length || total(ja) - total(jb) || a.localeCompare(b),
    )[0]!;
    for (const [lineNumber, eligible] of open) {
      if (!eligible.some((j) => j.offer.nodeId === node)) continue;
      chosen.set(lineNumber, node);
      open.delete(lineNumber);
    }
  }
  return chosen;
}

/** A line's share of an order-level comparison: its landed cost, its lead time, or its node's distrust. */
function orderMeasure(j: Judged, objective: Objective): number {
  if (objective.kind === 'fastest') return j.candidate.leadDays;
  if (objective.kind === 'score') return 100 - j.candidate.score;
  return j.candidate.landedCost;
}
