/**
 * Routing in-process (src/domain/routing-engine.ts): orders of one to three lines decided against 50 nodes, 100,000
 * offers (20,000 SKUs, five nodes each) and 20 rules (assignments by SKU, tag and category, exclusions, areas a node
 * ships to), with every objective in turn. Its baseline is reading the same lines' offers alone (the lookup and a
 * pass over each offer), so the ratio is what deciding costs beyond looking.
 */
import type { Sku, SupplierId } from '../src/domain/ids.ts';
import { money } from '../src/domain/money.ts';
import {
  routeOrder,
  type FulfilmentNode,
  type LineToPlace,
  type NodeOffer,
  type RoutingRules,
} from '../src/domain/routing-engine.ts';
import { result, type BenchResult } from './report.ts';

export const ROUTING_TARGET_LINES_PER_S = 50_000;
const NODES = 50;
const SKUS = 20_000;
const OFFERS_PER_SKU = 5;
const LINES = 200_000;

/** A fixed pseudo-random stream, so every run decides the same orders. */
function stream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function catalog(random: () => number) {
  const nodeId = (i: number) => `node-${String(i).padStart(2, '0')}` as SupplierId;
  const nodes = new Map<SupplierId, FulfilmentNode>();
  for (let i = 0; i < NODES; i++) {
    nodes.set(nodeId(i), {
      id: nodeId(i),
      kind: i < 5 ? 'warehouse' : 'supplier',
      paused: i % 17 === 0,
      score: Math.floor(random() * 101),
    });
  }
  const offers = new Map<Sku, NodeOffer[]>();
  for (let s = 0; s < SKUS; s++) {
    const sku = `SKU-${String(s).padStart(5, '0')}` as Sku;
    offers.set(
      sku,
      Array.from({ length: OFFERS_PER_SKU }, (_, k) => ({
        nodeId: nodeId((s * 7 + k * 11) % NODES),
        sku,
        cost: money(100 + Math.floor(random() * 9_900), 'USD'),
        active: random() > 0.05,
        stock: random() > 0.3 ? Math.floor(random() * 20) : null,
        leadDays: Math.floor(random() * 8),
        shippingEstimate: 200 + Math.floor(random() * 800),
        dropShipFee: Math.floor(random() * 300),
        minQuantity: 1,
        packSize: random() > 0.9 ? 2 : 1,
        priority: 1 + Math.floor(random() * 3),
      })),
    );
  }
  return { nodes, offers, nodeId };
}

function rules(nodeId: (i: number) => SupplierId, objective: RoutingRules['objective']): RoutingRules {
  const assignments = Array.from({ length: 16 }, (_, i) =>
    i % 4 === 3
      ? { name: `exclude-${i}`, match: { tags: [`tag-${i}`] }, exclude: [nodeId(i), nodeId(i + 20)] }
      : {
          name: `assign-${i}`,
          match: i % 2 ? { categories: [`cat-${i}`] } : { skus: [`SKU-${String(i * 997).padStart(5, '0')}`] },
          to: [nodeId(i), nodeId(i + 16), nodeId(i + 32)],
        },
  );
  const shipsTo = Array.from({ length: 4 }, (_, i) => ({
    node: nodeId(40 + i),
    areas: [{ country: 'US', regions: ['CA', 'NV', 'OR'] }, { country: 'CA' }],
  }));
  return { version: 1, assignments, shipsTo, ownStock: 'first', objective, fewestShipments: true };
}

function orders(random: () => number): LineToPlace[][] {
  const all: LineToPlace[][] = [];
  for (let lines = 0; lines < LINES;) {
    const count = 1 + Math.floor(random() * 3);
    const order = Array.from({ length: count }, (_, i) => ({
      lineNumber: i + 1,
      sku: `SKU-${String(Math.floor(random() * SKUS)).padStart(5, '0')}` as Sku,
      quantity: 1 + Math.floor(random() * 3),
      tags: [`tag-${Math.floor(random() * 20)}`],
      category: `cat-${Math.floor(random() * 20)}`,
    }));
    all.push(order);
    lines += count;
  }
  return all;
}

export function runRouting(): BenchResult[] {
  const random = stream(42);
  const { nodes, offers, nodeId } = catalog(random);
  const batch = orders(random);
  const lineCount = batch.reduce((n, o) => n + o.length, 0);
  const destination = { country: 'US', region: 'IL', postalCode: '62701' };

  // The baseline: each line's offers looked up and read, nothing decided.
  let touched = 0;
  const readStarted = performance.now();
  for (const order of batch)
    for (const line of order)
      for (const o of offers.get(line.sku) ?? []) touched += o.cost.amount > 0 ? 1 : 0;
  const readS = (performance.now() - readStarted) / 1000;

  const objectives: RoutingRules['objective'][] = [
    { kind: 'landed_cost' },
    { kind: 'fastest' },
    { kind: 'score' },
    { kind: 'weighted', cost: 1, speed: 0.5, score: 0.25 },
  ];
  const ruleSets = objectives.map((objective) => rules(nodeId, objective));
  let routedLines = 0;
  let unroutable = 0;
  const started = performance.now();
  for (const [i, order] of batch.entries()) {
    const decision = routeOrder({ destination, lines: order }, offers, nodes, ruleSets[i % ruleSets.length]!);
    routedLines += decision.lines.length;
    unroutable += decision.lines.filter((l) => l.kind === 'unroutable').length;
  }
  const routeS = (performance.now() - started) / 1000;
  const linesPerS = routedLines / routeS;
  const readsPerS = lineCount / readS;
  console.log(
    `routing: ${routedLines} lines in ${routeS.toFixed(2)} s (${Math.round(linesPerS)} lines/s); reading their offers alone ${Math.round(readsPerS)} lines/s (${touched} offers)`,
  );
  return [
    result('routing.lines_per_s', linesPerS, 'lines/s', readsPerS, {
      target_per_s: ROUTING_TARGET_LINES_PER_S,
      met: linesPerS >= ROUTING_TARGET_LINES_PER_S ? 'yes' : 'no',
      nodes: NODES,
      offers: SKUS * OFFERS_PER_SKU,
      rules: 20,
      lines: routedLines,
      unroutable,
      note: 'in-process, src/domain/routing-engine.ts; baseline: the same lines with their offers only read',
    }),
  ];
}
