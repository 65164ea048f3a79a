import { describe, expect, it } from 'vitest';
import type { OrderId, Sku, SupplierId } from './ids.ts';
import { money } from './money.ts';
import type { PurchaseOrderState } from './purchase-order.machine.ts';
import {
  describeAckChanges,
  decideAcknowledgement,
  decideShipment,
  planPurchaseOrders,
  poNumberFor,
  type AckLine,
  type PoLineStatus,
  type PurchaseOrderLine,
} from './purchase-order.ts';
import type { LineRoute, Offer } from './routing.ts';

const ORDER = 'ord_01JD3K8Z9Q' as OrderId;

function offer(supplierId: string, sku: string, cost: number, currencyCode = 'USD'): Offer {
  return {
    supplierId: supplierId as SupplierId,
    sku: sku as Sku,
    supplierSku: `${supplierId.toUpperCase()}-${sku}`,
    cost: money(cost, currencyCode),
    priority: 1,
    active: true,
    stock: null,
  };
}

const routed = (lineNumber: number, o: Offer): LineRoute => ({
  kind: 'routed',
  lineNumber,
  offer: o,
  candidates: [],
  reason: 'test',
});
const unroutable = (lineNumber: number): LineRoute => ({
  kind: 'unroutable',
  lineNumber,
  candidates: [],
  reason: 'no supplier offers X',
});

describe('poNumberFor', () => {
  it('is deterministic: the same order and supplier always give the same number', () => {
    expect(poNumberFor(ORDER, 'acme' as SupplierId)).toBe(poNumberFor(ORDER, 'acme' as SupplierId));
  });

  it('fits X12 (22 characters for a PO number) with room for a later PO of the same order, in plain base 32', () => {
    expect(poNumberFor(ORDER, 'a-supplier-with-a-long-name' as SupplierId)).toMatch(
      /^PO-[0-9A-HJKMNP-TV-Z]{14}$/,
    );
    expect(poNumberFor(ORDER, 'acme' as SupplierId, 12).length).toBeLessThanOrEqual(22);
  });

  it('does not collide across 200,000 orders and three suppliers', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++)
      for (const supplier of ['acme', 'globex', 'initech'])
        seen.add(poNumberFor(`ord_${i.toString(36).padStart(26, '0')}` as OrderId, supplier as SupplierId));
    expect(seen.size).toBe(600_000);
  });

  it('differs per supplier for the same order', () => {
    expect(poNumberFor(ORDER, 'acme' as SupplierId)).not.toBe(poNumberFor(ORDER, 'globex' as SupplierId));
  });

  it('differs per order for the same supplier', () => {
    expect(poNumberFor(ORDER, 'acme' as SupplierId)).not.toBe(
      poNumberFor('ord_01JD3K8Z9R' as OrderId, 'acme' as SupplierId),
    );
  });
});

describe('planPurchaseOrders', () => {
  const orderLines = [
    { lineNumber: 1, quantity: 2 },
    { lineNumber: 2, quantity: 1 },
    { lineNumber: 3, quantity: 5 },
    { lineNumber: 4, quantity: 3 },
  ];
  const routes: LineRoute[] = [
    routed(1, offer('acme', 'MUG', 450)),
    routed(2, offer('globex', 'LAMP', 3000)),
    unroutable(3),
    routed(4, offer('acme', 'TEE', 1200)),
  ];
  const plans = planPurchaseOrders(ORDER, orderLines, routes);
  const plan = (supplier: string) => plans.find((p) => p.supplierId === supplier)!;

  it('makes one purchase order per supplier, in order of first appearance', () => {
    expect(plans.map((p) => p.supplierId)).toEqual(['acme', 'globex']);
  });

  it('numbers each PO from poNumberFor', () => {
    expect(plan('acme').poNumber).toBe(poNumberFor(ORDER, 'acme' as SupplierId));
    expect(plan('globex').poNumber).toBe(poNumberFor(ORDER, 'globex' as SupplierId));
  });

  it('gives a later PO to a supplier the order already has one with the next number, the same each time', () => {
    const taken = new Set([
      poNumberFor(ORDER, 'acme' as SupplierId),
      poNumberFor(ORDER, 'acme' as SupplierId, 2),
    ]);
    const later = planPurchaseOrders(ORDER, orderLines, routes, taken);
    expect(later.map((p) => p.poNumber)).toEqual([
      `${poNumberFor(ORDER, 'acme' as SupplierId)}-3`,
      poNumberFor(ORDER, 'globex' as SupplierId),
    ]);
    expect(planPurchaseOrders(ORDER, orderLines, routes, taken).map((p) => p.poNumber)).toEqual(
      later.map((p) => p.poNumber),
    );
  });

  it('renumbers the lines from 1 within each PO and keeps the order line number', () => {
    expect(plan('acme').lines.map((l) => [l.lineNumber, l.orderLineNumber])).toEqual([
      [1, 1],
      [2, 4],
    ]);
    expect(plan('globex').lines.map((l) => [l.lineNumber, l.orderLineNumber])).toEqual([[1, 2]]);
  });

  it('takes the quantity from the order line and the SKUs and unit cost from the chosen offer', () => {
    expect(plan('acme').lines[1]).toEqual({
      lineNumber: 2,
      orderLineNumber: 4,
      sku: 'TEE',
      supplierSku: 'ACME-TEE',
      quantity: 3,
      unitCost: money(1200, 'USD'),
      status: 'open',
      rejectReason: null,
      shippedQuantity: 0,
    });
  });

  it('totals each PO as the sum of unit cost × quantity, in the offer currency', () => {
    expect(plan('acme').total).toEqual(money(2 * 450 + 3 * 1200, 'USD'));
    expect(plan('acme').currency).toBe('USD');
    expect(plan('globex').total).toEqual(money(3000, 'USD'));
  });

  it("uses the supplier's currency, not an assumed one", () => {
    const [eur] = planPurchaseOrders(
      ORDER,
      [{ lineNumber: 1, quantity: 2 }],
      [routed(1, offer('euro', 'MUG', 399, 'EUR'))],
    );
    expect(eur!.currency).toBe('EUR');
    expect(eur!.total).toEqual(money(798, 'EUR'));
  });

  it('leaves unroutable lines out of every PO', () => {
    expect(plans.flatMap((p) => p.lines.map((l) => l.orderLineNumber))).not.toContain(3);
  });

  it('plans nothing when no line was routed', () => {
    expect(planPurchaseOrders(ORDER, [{ lineNumber: 1, quantity: 1 }], [unroutable(1)])).toEqual([]);
  });
});

// ── Acknowledgement ────────────────────────────────────────────────────────────────────────────────────────────

function poLine(lineNumber: number, over: Partial<PurchaseOrderLine> = {}): PurchaseOrderLine {
  return {
    lineNumber,
    orderLineNumber: lineNumber,
    sku: `SKU-${lineNumber}` as Sku,
    supplierSku: `S-${lineNumber}`,
    quantity: 3,
    unitCost: money(100, 'USD'),
    status: 'open',
    rejectReason: null,
    shippedQuantity: 0,
    ...over,
  };
}

function po(state: PurchaseOrderState, ...statuses: PoLineStatus[]) {
  return { state, lines: statuses.map((status, i) => poLine(i + 1, { status })) };
}

const accept = (lineNumber: number): AckLine => ({ lineNumber, status: 'accepted' });
const reject = (lineNumber: number, reason?: string): AckLine => ({ lineNumber, status: 'rejected', reason });

describe('decideAcknowledgement', () => {
  it('accepts the PO when every line is accepted', () => {
    const decision = decideAcknowledgement(po('sent', 'open', 'open'), [accept(1), accept(2)]);
    expect(decision).toMatchObject({ kind: 'applied', state: 'accepted' });
    if (decision.kind !== 'applied') return;
    expect(decision.lines.map((l) => [l.status, l.rejectReason])).toEqual([
      ['accepted', null],
      ['accepted', null],
    ]);
  });

  it('partially accepts the PO when some lines are accepted and some rejected, keeping the reason', () => {
    const decision = decideAcknowledgement(po('sent', 'open', 'open'), [
      accept(1),
      reject(2, 'discontinued'),
    ]);
    expect(decision).toMatchObject({ kind: 'applied', state: 'partially_accepted' });
    if (decision.kind !== 'applied') return;
    expect(decision.lines.map((l) => [l.lineNumber, l.status, l.rejectReason])).toEqual([
      [1, 'accepted', null],
      [2, 'rejected', 'discontinued'],
    ]);
  });

  it('rejects the PO when every line is rejected, with a default reason where the supplier gave none', () => {
    const decision = decideAcknowledgement(po('sent', 'open', 'open'), [
      reject(1, 'out of stock'),
      reject(2),
    ]);
    expect(decision).toMatchObject({ kind: 'applied', state: 'rejected' });
    if (decision.kind !== 'applied') return;
    expect(decision.lines.map((l) => l.rejectReason)).toEqual(['out of stock', 'rejected by supplier']);
  });

  it('takes a backordered line as accepted on the PO, with the day the supplier expects it; a repeat is a duplicate', () => {
    const backordered = { lineNumber: 2, status: 'backordered' as const, availableOn: '2026-12-20' };
    const decision = decideAcknowledgement(po('sent', 'open', 'open'), [accept(1), backordered]);
    expect(decision).toMatchObject({
      kind: 'applied',
      state: 'accepted',
      backordered: [{ lineNumber: 2, availableOn: '2026-12-20' }],
    });
    if (decision.kind !== 'applied') return;
    expect(decision.lines.map((l) => l.status)).toEqual(['accepted', 'accepted']);
    const after = po('accepted', 'accepted', 'accepted');
    expect(decideAcknowledgement(after, [accept(1), backordered])).toEqual({ kind: 'duplicate' });
    expect(decideAcknowledgement(after, [accept(1), reject(2, 'gone')])).toMatchObject({ kind: 'conflict' });
  });

  it('matches acknowledgement lines by line number, not by position', () => {
    const decision = decideAcknowledgement(po('sent', 'open', 'open'), [reject(2, 'gone'), accept(1)]);
    if (decision.kind !== 'applied') throw new Error(decision.kind);
    expect(decision.lines.map((l) => [l.lineNumber, l.status])).toEqual([
      [1, 'accepted'],
      [2, 'rejected'],
    ]);
  });

  it('leaves the PO it was given unchanged', () => {
    const before = po('sent', 'open', 'open');
    const snapshot = structuredClone(before);
    decideAcknowledgement(before, [accept(1), reject(2)]);
    expect(before).toEqual(snapshot);
  });

  it.each<PurchaseOrderState>(['pending', 'sent', 'send_failed'])(
    'is legal from %s (an ack may overtake the record of the send)',
    (state) => {
      expect(decideAcknowledgement(po(state, 'open'), [accept(1)])).toMatchObject({
        kind: 'applied',
        state: 'accepted',
      });
    },
  );

  it('is a conflict on a cancelled PO, with the refused transition as the reason', () => {
    expect(decideAcknowledgement(po('cancelled', 'open'), [accept(1)])).toEqual({
      kind: 'conflict',
      reason: 'purchase order cannot go from cancelled to accepted',
    });
  });

  it('recognises a repeat of the same acknowledgement as a duplicate', () => {
    const first = decideAcknowledgement(po('sent', 'open', 'open'), [accept(1), reject(2, 'gone')]);
    if (first.kind !== 'applied') throw new Error(first.kind);
    const repeat = decideAcknowledgement({ state: first.state, lines: first.lines }, [
      accept(1),
      reject(2, 'gone'),
    ]);
    expect(repeat).toEqual({ kind: 'duplicate' });
  });

  it('recognises a repeat as a duplicate even after the PO has moved on to shipping', () => {
    expect(
      decideAcknowledgement(po('partially_shipped', 'accepted', 'accepted'), [accept(1), accept(2)]),
    ).toEqual({ kind: 'duplicate' });
  });

  it('is a conflict when a different acknowledgement follows the first', () => {
    expect(decideAcknowledgement(po('accepted', 'accepted', 'accepted'), [accept(1), reject(2)])).toEqual({
      kind: 'conflict',
      reason: 'the purchase order was already acknowledged differently',
    });
    expect(decideAcknowledgement(po('rejected', 'rejected'), [accept(1)])).toMatchObject({
      kind: 'conflict',
    });
  });

  it.each<[string, AckLine[], string, string]>([
    ['a line is missing', [accept(1)], 'lines', 'every line must be acknowledged; missing 2'],
    ['every line is missing', [], 'lines', 'every line must be acknowledged; missing 1, 2'],
    [
      'an unknown line is named',
      [accept(1), accept(7), accept(2)],
      'lines[1].lineNumber',
      'no line 7 on this purchase order',
    ],
    ['a line is named twice', [accept(1), reject(1), accept(2)], 'lines[1].lineNumber', 'line 1 named twice'],
  ])('is invalid when %s, naming the field', (_what, ack, field, reason) => {
    expect(decideAcknowledgement(po('sent', 'open', 'open'), ack)).toEqual({
      kind: 'invalid',
      field,
      reason,
    });
  });

  it('checks the acknowledgement is well-formed before treating it as a duplicate or conflict', () => {
    expect(decideAcknowledgement(po('accepted', 'accepted', 'accepted'), [accept(1)])).toMatchObject({
      kind: 'invalid',
      field: 'lines',
    });
  });
});

// ── Shipment ───────────────────────────────────────────────────────────────────────────────────────────────────

describe('decideShipment', () => {
  const acceptedPo = (state: PurchaseOrderState = 'accepted') => ({
    state,
    lines: [poLine(1, { status: 'accepted', quantity: 3 }), poLine(2, { status: 'accepted', quantity: 1 })],
  });

  it('moves to partially_shipped on a partial quantity, then to shipped when the rest follows', () => {
    const first = decideShipment(acceptedPo(), [{ lineNumber: 1, quantity: 2 }]);
    if (first.kind !== 'applied') throw new Error(first.reason);
    expect(first.state).toBe('partially_shipped');
    expect(first.lines.map((l) => l.shippedQuantity)).toEqual([2, 0]);

    const second = decideShipment({ state: first.state, lines: first.lines }, [
      { lineNumber: 1, quantity: 1 },
      { lineNumber: 2, quantity: 1 },
    ]);
    if (second.kind !== 'applied') throw new Error(second.reason);
    expect(second.state).toBe('shipped');
    expect(second.lines.map((l) => l.shippedQuantity)).toEqual([3, 1]);
  });

  it('moves straight to shipped when everything ships at once', () => {
    expect(
      decideShipment(acceptedPo(), [
        { lineNumber: 1, quantity: 3 },
        { lineNumber: 2, quantity: 1 },
      ]),
    ).toMatchObject({ kind: 'applied', state: 'shipped' });
  });

  it('stays partially_shipped while something is still open', () => {
    const po1 = {
      state: 'partially_shipped' as const,
      lines: [poLine(1, { status: 'accepted', quantity: 3, shippedQuantity: 1 })],
    };
    expect(decideShipment(po1, [{ lineNumber: 1, quantity: 1 }])).toMatchObject({
      kind: 'applied',
      state: 'partially_shipped',
    });
  });

  it('counts only accepted lines on a partially accepted PO: shipping them all ships the PO', () => {
    const partial = {
      state: 'partially_accepted' as const,
      lines: [poLine(1, { status: 'accepted', quantity: 2 }), poLine(2, { status: 'rejected' })],
    };
    expect(decideShipment(partial, [{ lineNumber: 1, quantity: 2 }])).toMatchObject({
      kind: 'applied',
      state: 'shipped',
    });
  });

  it('leaves the PO it was given unchanged', () => {
    const before = acceptedPo();
    const snapshot = structuredClone(before);
    decideShipment(before, [{ lineNumber: 1, quantity: 2 }]);
    expect(before).toEqual(snapshot);
  });

  it.each<[string, { lineNumber: number; quantity: number }[], string, string]>([
    [
      'more than was ordered',
      [{ lineNumber: 1, quantity: 4 }],
      'lines[0].quantity',
      'only 3 of line 1 left to ship',
    ],
    [
      'the same line twice, together more than ordered',
      [
        { lineNumber: 1, quantity: 2 },
        { lineNumber: 1, quantity: 2 },
      ],
      'lines[1].quantity',
      'only 1 of line 1 left to ship',
    ],
    [
      'an unknown line',
      [
        { lineNumber: 2, quantity: 1 },
        { lineNumber: 9, quantity: 1 },
      ],
      'lines[1].lineNumber',
      'no line 9 on this purchase order',
    ],
  ])('is invalid when shipping %s, naming the field', (_what, lines, field, reason) => {
    expect(decideShipment(acceptedPo(), lines)).toEqual({ kind: 'invalid', field, reason });
  });

  it('is invalid when shipping more than is left after an earlier shipment', () => {
    const po1 = {
      state: 'partially_shipped' as const,
      lines: [poLine(1, { status: 'accepted', quantity: 3, shippedQuantity: 2 })],
    };
    expect(decideShipment(po1, [{ lineNumber: 1, quantity: 2 }])).toEqual({
      kind: 'invalid',
      field: 'lines[0].quantity',
      reason: 'only 1 of line 1 left to ship',
    });
  });

  it('is invalid when shipping a rejected line, naming the line number field', () => {
    const partial = {
      state: 'partially_accepted' as const,
      lines: [poLine(1, { status: 'accepted' }), poLine(2, { status: 'rejected' })],
    };
    expect(decideShipment(partial, [{ lineNumber: 2, quantity: 1 }])).toEqual({
      kind: 'invalid',
      field: 'lines[0].lineNumber',
      reason: 'line 2 is rejected, not accepted',
    });
  });

  it('is invalid when shipping a line the supplier has not acknowledged yet', () => {
    expect(decideShipment(po('sent', 'open'), [{ lineNumber: 1, quantity: 1 }])).toMatchObject({
      kind: 'invalid',
      field: 'lines[0].lineNumber',
      reason: 'line 1 is open, not accepted',
    });
  });
});

describe('describeAckChanges', () => {
  const lines = [
    { lineNumber: 1, quantity: 2, unitCost: money(450, 'USD') },
    { lineNumber: 2, quantity: 1, unitCost: money(1000, 'USD') },
  ];

  it('names each real change of an accepted line: quantity, cost, ship date', () => {
    expect(
      describeAckChanges('PO-1', lines, [
        { lineNumber: 1, status: 'accepted', change: { quantity: 1, unitCost: 480 } },
        { lineNumber: 2, status: 'accepted', change: { shipOn: '2026-12-20' } },
      ]),
    ).toEqual(['PO-1 line 1: quantity 2 → 1, unit cost $4.50 → $4.80', 'PO-1 line 2: ships on 2026-12-20']);
  });

  it('finds nothing when the supplier repeats the PO or changes nothing', () => {
    expect(
      describeAckChanges('PO-1', lines, [
        { lineNumber: 1, status: 'accepted', change: { quantity: 2, unitCost: 450 } },
        { lineNumber: 2, status: 'accepted' },
      ]),
    ).toEqual([]);
  });
});
