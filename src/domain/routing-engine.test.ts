import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sku, SupplierId } from './ids.ts';
import { money } from './money.ts';
import {
  routeOrder,
  type FulfilmentNode,
  type LineToPlace,
  type NodeOffer,
  type Place,
  type RoutingRules,
} from './routing-engine.ts';

const US: Place = { country: 'US', region: 'IL', postalCode: '62701' };
const id = (s: string) => s as SupplierId;
const sku = (s: string) => s as Sku;

const RULES: RoutingRules = {
  version: 1,
  assignments: [],
  shipsTo: [],
  ownStock: 'any',
  objective: { kind: 'landed_cost' },
  fewestShipments: false,
};

function node(name: string, over: Partial<FulfilmentNode> = {}): FulfilmentNode {
  return { id: id(name), kind: 'supplier', paused: false, score: 50, ...over };
}

function offer(
  nodeName: string,
  skuName: string,
  over: Partial<Omit<NodeOffer, 'cost'>> & { cost?: number } = {},
): NodeOffer {
  const { cost = 500, ...rest } = over;
  return {
    nodeId: id(nodeName),
    sku: sku(skuName),
    cost: money(cost, 'USD'),
    active: true,
    stock: null,
    leadDays: 2,
    shippingEstimate: 300,
    dropShipFee: 100,
    minQuantity: 1,
    packSize: 1,
    priority: 1,
    ...rest,
  };
}

function route(
  lines: LineToPlace[],
  offers: NodeOffer[],
  nodes: FulfilmentNode[],
  rules: Partial<RoutingRules> = {},
  to: Place = US,
) {
  const bySku = new Map<Sku, NodeOffer[]>();
  for (const o of offers) bySku.set(o.sku, [...(bySku.get(o.sku) ?? []), o]);
  return routeOrder({ destination: to, lines }, bySku, new Map(nodes.map((n) => [n.id, n])), {
    ...RULES,
    ...rules,
  });
}

const line = (
  lineNumber: number,
  skuName: string,
  quantity = 1,
  over: Partial<LineToPlace> = {},
): LineToPlace => ({
  lineNumber,
  sku: sku(skuName),
  quantity,
  ...over,
});

function winners(decision: ReturnType<typeof route>): (string | null)[] {
  return decision.lines.map((l) => (l.kind === 'routed' ? l.offer.nodeId : null));
}

describe('routeOrder: who may ship a line', () => {
  const nodes = [node('a'), node('b')];

  it('passes over a paused node, an inactive offer and a node short of stock, saying why for each', () => {
    const decision = route(
      [line(1, 'MUG', 2)],
      [
        offer('a', 'MUG', { cost: 100 }),
        offer('b', 'MUG', { cost: 200, active: false }),
        offer('c', 'MUG', { cost: 300, stock: 1 }),
        offer('d', 'MUG', { cost: 900 }),
      ],
      [node('a', { paused: true }), node('b'), node('c'), node('d')],
    );
    expect(winners(decision)).toEqual(['d']);
    expect(decision.lines[0]!.candidates.map((c) => [c.nodeId, c.eligible, c.reason])).toEqual([
      ['a', false, 'supplier paused'],
      ['b', false, 'offer inactive'],
      ['c', false, 'stock 1 < quantity 2'],
      ['d', true, 'eligible'],
    ]);
  });

  it('refuses a quantity under the minimum or outside the pack size', () => {
    const decision = route(
      [line(1, 'MUG', 5)],
      [offer('a', 'MUG', { minQuantity: 6 }), offer('b', 'MUG', { packSize: 2 })],
      nodes,
    );
    expect(decision.lines[0]).toMatchObject({ kind: 'unroutable', reason: 'no eligible offer for MUG' });
    expect(decision.lines[0]!.candidates.map((c) => c.reason)).toEqual([
      'quantity 5 below its minimum 6',
      'quantity 5 not in packs of 2',
    ]);
  });

  it('keeps a node to the areas it ships to: country, region, postal-code prefix', () => {
    const offers = [offer('a', 'MUG', { cost: 100 }), offer('b', 'MUG', { cost: 900 })];
    const shipsTo = [
      {
        node: id('a'),
        areas: [
          { country: 'US', regions: ['CA', 'NV'] },
          { country: 'GB', postalPrefixes: ['SW1'] },
        ],
      },
    ];
    expect(winners(route([line(1, 'MUG')], offers, nodes, { shipsTo }, US))).toEqual(['b']);
    expect(
      winners(route([line(1, 'MUG')], offers, nodes, { shipsTo }, { country: 'US', region: 'CA' })),
    ).toEqual(['a']);
    expect(
      winners(route([line(1, 'MUG')], offers, nodes, { shipsTo }, { country: 'GB', postalCode: 'sw1a 1aa' })),
    ).toEqual(['a']);
    const refused = route(
      [line(1, 'MUG')],
      offers,
      nodes,
      { shipsTo },
      { country: 'GB', postalCode: 'EC1A 1BB' },
    );
    expect(refused.lines[0]!.candidates[0]!.reason).toBe('does not ship to GB EC1A 1BB');
  });

  it('sends lines an assignment names to its nodes, primary first, failing over to the backup', () => {
    const assignments = [{ name: 'mugs to acme', match: { tags: ['mug'] }, to: [id('b'), id('c')] }];
    const offers = [
      offer('a', 'MUG', { cost: 100 }),
      offer('b', 'MUG', { cost: 900 }),
      offer('c', 'MUG', { cost: 500 }),
    ];
    const all = [node('a'), node('b'), node('c')];
    const tagged = line(1, 'MUG', 1, { tags: ['mug'] });
    expect(winners(route([tagged], offers, all, { assignments }))).toEqual(['b']);
    expect(
      winners(route([tagged], offers, [node('a'), node('b', { paused: true }), node('c')], { assignments })),
    ).toEqual(['c']);
    expect(route([tagged], offers, all, { assignments }).lines[0]!.candidates[0]!.reason).toBe(
      'not among the nodes of rule mugs to acme',
    );
    // A line the rule does not match is routed as usual.
    expect(winners(route([line(1, 'MUG')], offers, all, { assignments }))).toEqual(['a']);
  });

  it('never sends a line to a node an exclusion names', () => {
    const assignments = [{ name: 'no lamps from a', match: { categories: ['lamps'] }, exclude: [id('a')] }];
    const decision = route(
      [line(1, 'LAMP', 1, { category: 'lamps' })],
      [offer('a', 'LAMP', { cost: 1 }), offer('b', 'LAMP')],
      nodes,
      { assignments },
    );
    expect(winners(decision)).toEqual(['b']);
    expect(decision.lines[0]!.candidates[0]!.reason).toBe('excluded by rule no lamps from a');
  });

  it('routes a line short everywhere to its first choice among the nodes otherwise allowed, for the reservation to decide', () => {
    const decision = route(
      [line(1, 'MUG', 3)],
      [offer('a', 'MUG', { stock: 1, cost: 100 }), offer('b', 'MUG', { stock: 2, cost: 50 })],
      [node('a'), node('b', { paused: true })],
    );
    expect(decision.lines[0]).toMatchObject({
      kind: 'routed',
      offer: { nodeId: 'a' },
      reason: 'no candidate has 3 in stock; first choice a',
    });
  });
});

describe('routeOrder: which eligible node wins', () => {
  const offers = [
    offer('cheap', 'MUG', { cost: 100, leadDays: 5 }),
    offer('fast', 'MUG', { cost: 400, leadDays: 1 }),
    offer('trusted', 'MUG', { cost: 300, leadDays: 3 }),
  ];
  const nodes = [node('cheap', { score: 40 }), node('fast', { score: 60 }), node('trusted', { score: 95 })];

  it('by landed cost (item cost × quantity + drop-ship fee + shipping), fastest, or best score', () => {
    expect(
      winners(route([line(1, 'MUG', 2)], offers, nodes, { objective: { kind: 'landed_cost' } })),
    ).toEqual(['cheap']);
    expect(winners(route([line(1, 'MUG', 2)], offers, nodes, { objective: { kind: 'fastest' } }))).toEqual([
      'fast',
    ]);
    expect(winners(route([line(1, 'MUG', 2)], offers, nodes, { objective: { kind: 'score' } }))).toEqual([
      'trusted',
    ]);
    const landed = route([line(1, 'MUG', 2)], offers, nodes).lines[0]!.candidates.map((c) => c.landedCost);
    expect(landed).toEqual([100 * 2 + 100 + 300, 400 * 2 + 400, 300 * 2 + 400]);
  });

  it("by the retailer's own order of the offers (the default before rules), the cheaper of equals first", () => {
    const ranked = [
      offer('a', 'MUG', { priority: 2, cost: 1 }),
      offer('b', 'MUG', { priority: 1, cost: 900 }),
      offer('c', 'MUG', { priority: 1, cost: 800 }),
    ];
    expect(
      winners(
        route([line(1, 'MUG')], ranked, [node('a'), node('b'), node('c')], {
          objective: { kind: 'priority' },
        }),
      ),
    ).toEqual(['c']);
  });

  it('by a weighted mix of the three, each scaled across the candidates', () => {
    expect(
      winners(
        route([line(1, 'MUG')], offers, nodes, {
          objective: { kind: 'weighted', cost: 1, speed: 1, score: 1 },
        }),
      ),
    ).toEqual(['trusted']);
    expect(
      winners(
        route([line(1, 'MUG')], offers, nodes, {
          objective: { kind: 'weighted', cost: 0.1, speed: 1, score: 0 },
        }),
      ),
    ).toEqual(['fast']);
  });

  it("puts the retailer's own stock first or last when the rules say so", () => {
    const withWarehouse = [...offers, offer('shelf', 'MUG', { cost: 900, leadDays: 9 })];
    const all = [...nodes, node('shelf', { kind: 'warehouse' })];
    expect(winners(route([line(1, 'MUG')], withWarehouse, all, { ownStock: 'first' }))).toEqual(['shelf']);
    expect(
      winners(
        route([line(1, 'MUG')], [offer('shelf', 'MUG', { cost: 1 }), offers[0]!], all, { ownStock: 'last' }),
      ),
    ).toEqual(['cheap']);
  });

  it('keeps an order together on one node that can ship all of it, even when another is cheaper for one line', () => {
    const two = [
      offer('a', 'MUG', { cost: 100 }),
      offer('b', 'MUG', { cost: 200 }),
      offer('b', 'LAMP', { cost: 900 }),
      offer('c', 'LAMP', { cost: 100 }),
    ];
    const all = [node('a'), node('b'), node('c')];
    const lines = [line(1, 'MUG'), line(2, 'LAMP')];
    expect(winners(route(lines, two, all))).toEqual(['a', 'c']);
    const together = route(lines, two, all, { fewestShipments: true });
    expect(winners(together)).toEqual(['b', 'b']);
    expect(together.lines[0]!.kind === 'routed' && together.lines[0]!.reason).toMatch(
      /^keeps the order together at b/,
    );
  });

  it('prefers a node shipping from the destination region, then its country, when the rules ask for the nearest', () => {
    const near = [
      offer('abroad', 'MUG', { cost: 100, shipFrom: { country: 'CA', region: 'ON' } }),
      offer('country', 'MUG', { cost: 200, shipFrom: { country: 'US', region: 'CA' } }),
      offer('region', 'MUG', { cost: 300, shipFrom: { country: 'US', region: 'IL' } }),
    ];
    const all = [node('abroad'), node('country'), node('region')];
    expect(winners(route([line(1, 'MUG')], near, all))).toEqual(['abroad']);
    const nearest = route([line(1, 'MUG')], near, all, { preferNearest: true });
    expect(winners(nearest)).toEqual(['region']);
    expect(nearest.lines[0]!.candidates.map((c) => [c.nodeId, c.zone])).toEqual([
      ['abroad', 2],
      ['country', 1],
      ['region', 0],
    ]);
    expect(winners(route([line(1, 'MUG')], near.slice(0, 2), all, { preferNearest: true }))).toEqual([
      'country',
    ]);
  });

  it("keeps an order together even over the assignment's primary, never with a node it does not name", () => {
    const two = [
      offer('primary', 'LAMP', { cost: 900 }),
      offer('backup', 'LAMP', { cost: 100 }),
      offer('outsider', 'LAMP', { cost: 10 }),
      offer('backup', 'MUG', { cost: 100 }),
      offer('outsider', 'MUG', { cost: 10 }),
    ];
    const all = [node('primary'), node('backup'), node('outsider')];
    const lines = [line(1, 'LAMP', 1, { category: 'lighting' }), line(2, 'MUG')];
    const assignments = [
      { name: 'lamps', match: { categories: ['lighting'] }, to: [id('primary'), id('backup')] },
    ];
    // Line by line: the lamp to the assignment's primary, the mug to the cheapest.
    expect(winners(route(lines, two, all, { assignments }))).toEqual(['primary', 'outsider']);
    // Together: the backup ships both; the outsider, cheaper and able to ship both, is not among the lamp's nodes.
    expect(winners(route(lines, two, all, { assignments, fewestShipments: true }))).toEqual([
      'backup',
      'backup',
    ]);
  });

  it("reads a region with or without its country's prefix", () => {
    const areas = [{ node: id('a'), areas: [{ country: 'US', regions: ['US-IL'] }] }];
    expect(winners(route([line(1, 'MUG')], [offer('a', 'MUG')], [node('a')], { shipsTo: areas }))).toEqual([
      'a',
    ]);
    const nearest = route(
      [line(1, 'MUG')],
      [offer('a', 'MUG', { shipFrom: { country: 'US', region: 'us-il' } })],
      [node('a')],
      { preferNearest: true },
    );
    expect(nearest.lines[0]!.candidates[0]!.zone).toBe(0);
  });

  it('records the version of the rules that decided', () => {
    expect(route([line(1, 'MUG')], offers, nodes, { version: 7 }).rulesVersion).toBe(7);
  });
});

describe('routeOrder: properties', () => {
  const NODES = ['n0', 'n1', 'n2', 'n3'];
  const SKUS = ['S0', 'S1', 'S2'];
  const arbOffer = fc.record({
    node: fc.constantFrom(...NODES),
    sku: fc.constantFrom(...SKUS),
    cost: fc.integer({ min: 0, max: 5_000 }),
    stock: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 2 }),
    // Mostly active, mostly unpaused: a node eligible for a whole order must come up often enough to be tested.
    active: fc.constantFrom(true, true, true, false),
    leadDays: fc.integer({ min: 0, max: 10 }),
    packSize: fc.constantFrom(1, 1, 1, 2),
  });
  const arbNode = fc.record({
    paused: fc.boolean(),
    warehouse: fc.boolean(),
    score: fc.integer({ min: 0, max: 100 }),
  });
  const arbCase = fc.record({
    offers: fc.array(arbOffer, { maxLength: 24 }),
    nodes: fc.tuple(...NODES.map(() => arbNode)),
    lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 5 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
    ships: fc.array(fc.constantFrom(...NODES), { maxLength: 2 }),
    objective: fc.constantFrom<RoutingRules['objective']>(
      { kind: 'landed_cost' },
      { kind: 'fastest' },
      { kind: 'score' },
      { kind: 'weighted', cost: 1, speed: 2, score: 0.5 },
    ),
    ownStock: fc.constantFrom<RoutingRules['ownStock']>('first', 'last', 'any'),
    fewestShipments: fc.boolean(),
  });

  type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

  function decideCase(c: Case) {
    // One offer per node and SKU, as the catalog holds them.
    const unique = [...new Map(c.offers.map((o) => [`${o.node} ${o.sku}`, o])).values()];
    const offers = unique.map((o) =>
      offer(o.node, o.sku, {
        cost: o.cost,
        stock: o.stock,
        active: o.active,
        leadDays: o.leadDays,
        packSize: o.packSize,
      }),
    );
    const nodes = NODES.map((n, i) =>
      node(n, {
        paused: c.nodes[i]!.paused,
        kind: c.nodes[i]!.warehouse ? 'warehouse' : 'supplier',
        score: c.nodes[i]!.score,
      }),
    );
    // Some nodes ship only to Canada: for the US destination they are never eligible.
    const shipsTo = c.ships.map((n) => ({ node: id(n), areas: [{ country: 'CA' }] }));
    const lines = c.lines.map((l, i) => line(i + 1, l.sku, l.quantity));
    const rules = {
      objective: c.objective,
      ownStock: c.ownStock,
      fewestShipments: c.fewestShipments,
      shipsTo,
    };
    return { lines, decision: route(lines, offers, nodes, rules) };
  }

  it('never picks a node that is paused, not allowed to ship there, or short, while an eligible one exists', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { decision } = decideCase(c);
        for (const placed of decision.lines) {
          const anyEligible = placed.candidates.some((cand) => cand.eligible);
          if (!anyEligible) continue;
          expect(placed.kind).toBe('routed');
          const pick = placed.candidates.find(
            (cand) => placed.kind === 'routed' && cand.nodeId === placed.offer.nodeId,
          )!;
          expect(pick.eligible).toBe(true);
        }
      }),
    );
  });

  it('with fewest shipments, never splits an order one node could ship whole', () => {
    let wholeOrders = 0;
    fc.assert(
      fc.property(arbCase, (c) => {
        const { decision } = decideCase({ ...c, fewestShipments: true });
        const eligibleSets = decision.lines.map(
          (l) => new Set(l.candidates.filter((cand) => cand.eligible).map((cand) => cand.nodeId)),
        );
        const wholeOrder = [...(eligibleSets[0] ?? [])].some((n) => eligibleSets.every((s) => s.has(n)));
        if (!wholeOrder) return;
        wholeOrders += 1;
        expect(new Set(winners(decision)).size).toBe(1);
      }),
      { numRuns: 400 },
    );
    // Cases where it matters came up, and were checked.
    expect(wholeOrders).toBeGreaterThan(10);
  });

  it('routes every line once, keeping its number, whatever the order the offers are listed in', () => {
    fc.assert(
      fc.property(arbCase, fc.integer(), (c, seed) => {
        const { lines, decision } = decideCase(c);
        expect(decision.lines.map((l) => l.lineNumber)).toEqual(lines.map((l) => l.lineNumber));
        const shuffled = {
          ...c,
          offers: [...c.offers].sort((a, b) => ((a.cost ^ seed) % 7) - ((b.cost ^ seed) % 7)),
        };
        // Reordering the listing changes which duplicate of a node and SKU survives; compare only cases without duplicates.
        if (new Set(c.offers.map((o) => `${o.node} ${o.sku}`)).size !== c.offers.length) return;
        expect(winners(decideCase(shuffled).decision)).toEqual(winners(decision));
      }),
    );
  });
});
