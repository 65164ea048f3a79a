import { describe, expect, it } from 'vitest';
import { planCancellation, type PurchaseOrderForCancel } from './cancellation.ts';
import type { OrderLineState } from './order.machine.ts';

const order = (...states: OrderLineState[]) => ({
  lines: states.map((state, i) => ({ lineNumber: i + 1, state }) as never),
});
const po = (
  id: string,
  state: PurchaseOrderForCancel['state'],
  orderLines: number[],
  neverSent = false,
): PurchaseOrderForCancel => ({
  id,
  poNumber: `PO-${id}`,
  supplierId: `s-${id}`,
  state,
  orderLines,
  neverSent,
});

describe('planCancellation', () => {
  it('cancels lines and draft purchase orders of an order awaiting payment', () => {
    const plan = planCancellation(
      order('routed', 'routed', 'cancelled'),
      [po('a', 'draft', [1]), po('b', 'draft', [2])],
      [1, 2, 3],
    );
    expect(plan).toEqual({
      cancelLines: [1, 2],
      cancelPurchaseOrders: ['a', 'b'],
      withSuppliers: [],
      alreadyShipped: [],
    });
  });

  it('stops a queued purchase order only when its send never started', () => {
    const plan = planCancellation(
      order('routed', 'routed'),
      [po('a', 'pending', [1], true), po('b', 'pending', [2], false)],
      [1, 2],
    );
    expect(plan.cancelLines).toEqual([1]);
    expect(plan.cancelPurchaseOrders).toEqual(['a']);
    expect(plan.withSuppliers).toEqual([{ poNumber: 'PO-b', supplierId: 's-b', lines: [2] }]);
  });

  it('leaves lines a supplier has, and shipped lines, for a person', () => {
    const plan = planCancellation(
      order('accepted', 'shipped', 'routed'),
      [po('a', 'accepted', [1]), po('b', 'sent', [2, 3])],
      [1, 2, 3],
    );
    expect(plan.cancelLines).toEqual([]);
    expect(plan.alreadyShipped).toEqual([2]);
    expect(plan.withSuppliers).toEqual([
      { poNumber: 'PO-a', supplierId: 's-a', lines: [1] },
      { poNumber: 'PO-b', supplierId: 's-b', lines: [3] },
    ]);
  });

  it('cancels a purchase order only whole: one line of a two-line draft stays with it', () => {
    const plan = planCancellation(order('routed', 'routed'), [po('a', 'draft', [1, 2])], [1]);
    expect(plan.cancelLines).toEqual([]);
    expect(plan.withSuppliers).toEqual([{ poNumber: 'PO-a', supplierId: 's-a', lines: [1] }]);
  });

  it('cancels lines no supplier holds whatever their purchase order does', () => {
    const plan = planCancellation(
      order('backordered', 'rejected', 'pending', 'routed'),
      [po('a', 'partially_accepted', [4]), po('r', 'rejected', [])],
      [1, 2, 3],
    );
    expect(plan.cancelLines).toEqual([1, 2, 3]);
    expect(plan.cancelPurchaseOrders).toEqual([]);
  });

  it('touches only the lines asked for', () => {
    const plan = planCancellation(
      order('routed', 'routed'),
      [po('a', 'draft', [1]), po('b', 'draft', [2])],
      [2],
    );
    expect(plan).toEqual({
      cancelLines: [2],
      cancelPurchaseOrders: ['b'],
      withSuppliers: [],
      alreadyShipped: [],
    });
  });
});
