import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderId, Sku, SupplierId } from './ids.ts';
import { planPurchaseOrders } from './purchase-order.ts';
import { money } from './money.ts';
import { routeLines, type LineRoute, type Offer } from './routing.ts';

const SKU = 'MUG-BLUE' as Sku;

function offer(
  supplierId: string,
  over: Partial<Omit<Offer, 'supplierId' | 'cost'>> & { cost?: number } = {},
): Offer {
  const { cost = 500, ...rest } = over;
  return {
    supplierId: supplierId as SupplierId,
    sku: SKU,
    supplierSku: `${supplierId}-${SKU}`,
    cost: money(cost, 'USD'),
    priority: 1,
    active: true,
    stock: null,
    ...rest,
  };
}

function route1(offers: readonly Offer[], quantity = 2, sku: Sku = SKU): LineRoute {
  const [route] = routeLines([{ lineNumber: 1, sku, quantity }], new Map([[SKU, offers]]));
  return route!;
}

function winner(route: LineRoute): string {
  if (route.kind !== 'routed') throw new Error(`expected routed, got unroutable: ${route.reason}`);
  return route.offer.supplierId;
}

describe('routeLines ranking', () => {
  it('chooses the lowest priority number, whatever the cost', () => {
    expect(
      winner(
        route1([
          offer('expensive-first', { priority: 1, cost: 900 }),
          offer('cheap-second', { priority: 2, cost: 100 }),
        ]),
      ),
    ).toBe('expensive-first');
    expect(
      winner(
        route1([
          offer('cheap-second', { priority: 2, cost: 100 }),
          offer('expensive-first', { priority: 1, cost: 900 }),
        ]),
      ),
    ).toBe('expensive-first');
  });

  it('breaks a priority tie by the lowest cost', () => {
    expect(
      winner(
        route1([
          offer('dear', { cost: 700 }),
          offer('cheap', { cost: 450 }),
          offer('middling', { cost: 500 }),
        ]),
      ),
    ).toBe('cheap');
  });

  it('breaks a priority and cost tie by the supplier id', () => {
    expect(winner(route1([offer('sup-c'), offer('sup-a'), offer('sup-b')]))).toBe('sup-a');
  });

  it('does not depend on the order in which the offers are listed (property)', () => {
    const offers = fc.uniqueArray(
      fc.record({
        supplierId: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
        priority: fc.integer({ min: 0, max: 3 }),
        cost: fc.integer({ min: 0, max: 5 }),
      }),
      { selector: (o) => o.supplierId, minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(offers, (specs) => {
        const list = specs.map((s) => offer(s.supplierId, { priority: s.priority, cost: s.cost }));
        expect(winner(route1([...list].reverse()))).toBe(winner(route1(list)));
      }),
    );
  });

  it('states the winning priority, cost and how many offers were eligible', () => {
    const route = route1([
      offer('a', { priority: 1, cost: 450 }),
      offer('b', { priority: 2 }),
      offer('c', { active: false }),
    ]);
    expect(route.reason).toBe('a: priority 1, landed cost $9.00; 2 of 3 candidates eligible');
  });

  it('routes every line independently and keeps the line numbers', () => {
    const other = 'LAMP-OAK' as Sku;
    const routes = routeLines(
      [
        { lineNumber: 1, sku: SKU, quantity: 1 },
        { lineNumber: 2, sku: other, quantity: 1 },
        { lineNumber: 3, sku: 'NOBODY-SELLS' as Sku, quantity: 1 },
      ],
      new Map([
        [SKU, [offer('mugs')]],
        [other, [{ ...offer('lamps'), sku: other }]],
      ]),
    );
    expect(routes.map((r) => [r.lineNumber, r.kind])).toEqual([
      [1, 'routed'],
      [2, 'routed'],
      [3, 'unroutable'],
    ]);
    expect(winner(routes[1]!)).toBe('lamps');
  });
});

describe('routeLines eligibility', () => {
  it('skips an inactive offer and records why', () => {
    const route = route1([offer('closed', { priority: 1, active: false }), offer('open', { priority: 2 })]);
    expect(winner(route)).toBe('open');
    expect(route.candidates).toEqual([
      {
        supplierId: 'closed',
        priority: 1,
        cost: money(500, 'USD'),
        eligible: false,
        reason: 'offer inactive',
        landedCost: 1000,
        leadDays: 0,
        score: 50,
      },
      {
        supplierId: 'open',
        priority: 2,
        cost: money(500, 'USD'),
        eligible: true,
        reason: 'eligible',
        landedCost: 1000,
        leadDays: 0,
        score: 50,
      },
    ]);
  });

  it('skips an offer whose stock is below the quantity and records the numbers', () => {
    const route = route1(
      [offer('short', { priority: 1, stock: 2 }), offer('stocked', { priority: 2, stock: 10 })],
      3,
    );
    expect(winner(route)).toBe('stocked');
    expect(route.candidates[0]).toMatchObject({
      supplierId: 'short',
      eligible: false,
      reason: 'stock 2 < quantity 3',
    });
    expect(route.candidates[1]).toMatchObject({ supplierId: 'stocked', eligible: true, reason: 'eligible' });
  });

  it('treats stock equal to the quantity as enough', () => {
    expect(winner(route1([offer('exact', { stock: 3 })], 3))).toBe('exact');
  });

  it('treats stock 0 as out of stock', () => {
    const route = route1([offer('empty', { stock: 0 }), offer('stocked', { priority: 2, stock: 1 })], 1);
    expect(winner(route)).toBe('stocked');
    expect(route.candidates[0]).toMatchObject({ eligible: false, reason: 'stock 0 < quantity 1' });
  });

  it('routes a line every offer is short of to the first choice, saying so: the reservation decides backorder or cancel', () => {
    const route = route1(
      [
        offer('second', { priority: 2, stock: 1 }),
        offer('first', { priority: 1, stock: 0 }),
        offer('off', { priority: 0, active: false }),
      ],
      3,
    );
    expect(winner(route)).toBe('first');
    expect(route.reason).toMatch(/^no candidate has 3 in stock; first choice /);
  });

  it('treats stock null as "does not report stock", so the offer stays eligible for any quantity', () => {
    const route = route1([offer('silent', { stock: null })], 100_000);
    expect(winner(route)).toBe('silent');
    expect(route.candidates[0]).toMatchObject({ eligible: true, reason: 'eligible' });
  });

  it('reports inactivity before stock when an offer is both inactive and short', () => {
    const route = route1([offer('both', { active: false, stock: 0 })], 1);
    expect(route.candidates[0]).toMatchObject({ eligible: false, reason: 'offer inactive' });
  });

  it('lists every offer as a candidate, in the order given', () => {
    const route = route1([offer('z'), offer('a', { active: false }), offer('m', { stock: 0 })]);
    expect(route.candidates.map((c) => c.supplierId)).toEqual(['z', 'a', 'm']);
  });
});

describe('routeLines unroutable lines', () => {
  it('marks a SKU that nobody offers as unroutable, with a reason naming the SKU and no candidates', () => {
    const route = route1([], 1, 'NOBODY-SELLS' as Sku);
    expect(route).toEqual({
      kind: 'unroutable',
      lineNumber: 1,
      candidates: [],
      reason: 'nobody offers NOBODY-SELLS',
    });
  });

  it('marks a SKU with an empty offer list as unroutable', () => {
    expect(route1([], 1)).toMatchObject({ kind: 'unroutable', reason: 'nobody offers MUG-BLUE' });
  });

  it('marks a line unroutable when every offer is inactive, keeping the verdicts', () => {
    const route = route1([offer('closed', { active: false }), offer('off', { active: false, stock: 1 })], 2);
    expect(route.kind).toBe('unroutable');
    expect(route.reason).toBe('no eligible offer for MUG-BLUE');
    expect(route.candidates.map((c) => [c.supplierId, c.eligible, c.reason])).toEqual([
      ['closed', false, 'offer inactive'],
      ['off', false, 'offer inactive'],
    ]);
  });

  it('keeps the verdicts of a line routed short: the active offer that is short, the inactive one', () => {
    const route = route1([offer('closed', { active: false }), offer('short', { stock: 1 })], 2);
    expect(winner(route)).toBe('short');
    expect(route.candidates.map((c) => [c.supplierId, c.eligible, c.reason])).toEqual([
      ['closed', false, 'offer inactive'],
      ['short', false, 'stock 1 < quantity 2'],
    ]);
  });
});

describe('routeLines property: the choice is eligible and unbeaten', () => {
  const arbOffer = fc.record({
    supplierId: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
    priority: fc.integer({ min: -2, max: 4 }),
    cost: fc.integer({ min: 0, max: 20 }),
    active: fc.boolean(),
    stock: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
  });

  it('routes to an eligible offer, and no eligible candidate has a strictly better (priority, cost)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(arbOffer, { selector: (o) => o.supplierId, maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        (specs, quantity) => {
          const offers = specs.map((s) => offer(s.supplierId, s));
          const route = route1(offers, quantity);
          const isEligible = (o: Offer) => o.active && (o.stock === null || o.stock >= quantity);
          expect(route.candidates.map((c) => c.eligible)).toEqual(offers.map(isEligible));
          if (!offers.some(isEligible)) {
            // Short everywhere goes to the best active offer (the reservation decides); nothing active is unroutable.
            const active = offers.filter((o) => o.active);
            if (active.length === 0) expect(route.kind).toBe('unroutable');
            else if (route.kind === 'routed')
              expect(
                active.every(
                  (o) =>
                    o.priority > route.offer.priority ||
                    (o.priority === route.offer.priority && o.cost.amount >= route.offer.cost.amount),
                ),
              ).toBe(true);
            else throw new Error('an active offer exists but the line is unroutable');
            return;
          }
          if (route.kind !== 'routed') throw new Error('an eligible offer exists but the line is unroutable');
          expect(isEligible(route.offer)).toBe(true);
          expect(offers).toContain(route.offer);
          const better = route.candidates.filter(
            (c) =>
              c.eligible &&
              (c.priority < route.offer.priority ||
                (c.priority === route.offer.priority && c.cost.amount < route.offer.cost.amount)),
          );
          expect(better).toEqual([]);
        },
      ),
    );
  });
});

describe('routing then planning purchase orders (property)', () => {
  it('splits an order across suppliers without losing or doubling a unit: every routed line on exactly one PO', () => {
    const skus = ['A', 'B', 'C', 'D'] as Sku[];
    const suppliers = ['s1', 's2', 's3'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ sku: fc.constantFrom(...skus), quantity: fc.integer({ min: 1, max: 9 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(
          fc.record({
            sku: fc.constantFrom(...skus),
            supplier: fc.constantFrom(...suppliers),
            stock: fc.option(fc.integer({ min: 0, max: 12 })),
            cost: fc.integer({ min: 1, max: 900 }),
          }),
          { maxLength: 12 },
        ),
        (wanted, offered) => {
          const lines = wanted.map((l, i) => ({ lineNumber: i + 1, sku: l.sku, quantity: l.quantity }));
          const offers = new Map<Sku, Offer[]>();
          for (const o of offered) {
            const list = offers.get(o.sku) ?? [];
            if (list.some((x) => x.supplierId === o.supplier)) continue;
            list.push({ ...offer(o.supplier, { stock: o.stock, cost: o.cost }), sku: o.sku });
            offers.set(o.sku, list);
          }
          const routes = routeLines(lines, offers);
          const plans = planPurchaseOrders('ord_1' as OrderId, lines, routes);
          const placed = plans.flatMap((p) =>
            p.lines.map((l) => [l.orderLineNumber, l.quantity, p.supplierId]),
          );
          const routed = routes.filter((r) => r.kind === 'routed');
          expect(placed.map(([n]) => n).sort()).toEqual(routed.map((r) => r.lineNumber).sort());
          for (const [n, quantity, supplierId] of placed) {
            expect(quantity).toBe(lines[(n as number) - 1]!.quantity);
            const route = routed.find((r) => r.lineNumber === n)!;
            expect(route.kind === 'routed' && route.offer.supplierId).toBe(supplierId);
          }
          expect(new Set(plans.map((p) => p.supplierId)).size).toBe(plans.length);
        },
      ),
    );
  });
});
