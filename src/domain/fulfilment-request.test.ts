import { describe, expect, it } from 'vitest';
import type { PurchaseOrderForCancel } from './cancellation.ts';
import { decideCancellationRequest, decideFulfilmentRequest } from './fulfilment-request.ts';
import type { CancelReason } from './order.ts';
import type { OrderLineState } from './order.machine.ts';

type Line = [sku: string, state: OrderLineState, cancelReason?: CancelReason];
const order = (...lines: Line[]) => ({
  lines: lines.map(
    ([sku, state, cancelReason], i) =>
      ({ lineNumber: i + 1, sku, state, cancelReason: cancelReason ?? null }) as never,
  ),
});
const request = (...skus: string[]) => ({
  lines: skus.map((sku, i) => ({ id: `fol-${i + 1}`, sku, quantity: 1 })),
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

describe('decideFulfilmentRequest', () => {
  it('accepts a request whose lines all went to suppliers', () => {
    const decision = decideFulfilmentRequest(order(['A', 'routed'], ['B', 'accepted']), request('A', 'B'));
    expect(decision).toEqual({
      kind: 'accept',
      message: 'Waybill ships this order through its suppliers',
      short: [],
    });
  });

  it('accepts backordered lines, saying they ship when stock comes back', () => {
    const decision = decideFulfilmentRequest(order(['A', 'backordered'], ['B', 'routed']), request('A', 'B'));
    expect(decision.kind).toBe('accept');
    expect(decision.message).toContain('1 line(s) backordered');
  });

  it('rejects as out of stock when every line was cancelled for want of stock, naming each line', () => {
    const decision = decideFulfilmentRequest(
      order(['A', 'cancelled', 'stock'], ['B', 'cancelled', 'stock']),
      request('A', 'B'),
    );
    expect(decision).toMatchObject({
      kind: 'reject',
      reason: 'out_of_stock',
      lines: [
        { id: 'fol-1', sku: 'A', reason: 'out_of_stock' },
        { id: 'fol-2', sku: 'B', reason: 'out_of_stock' },
      ],
    });
    expect(decision.message).toContain('A is out of stock; B is out of stock');
  });

  it('accepts a mixed request, naming the lines it cannot ship (already refunded)', () => {
    const decision = decideFulfilmentRequest(
      order(['A', 'routed'], ['B', 'cancelled', 'stock']),
      request('A', 'B'),
    );
    expect(decision).toMatchObject({ kind: 'accept', short: [{ id: 'fol-2', reason: 'out_of_stock' }] });
    expect(decision.message).toContain('B is out of stock (refunded)');
  });

  it('names lines no supplier carries, SKUs the order does not have, and lines cancelled at the channel', () => {
    expect(decideFulfilmentRequest(order(['A', 'pending']), request('A'))).toMatchObject({
      kind: 'reject',
      reason: 'no_supplier',
    });
    expect(decideFulfilmentRequest(order(['A', 'cancelled', 'channel']), request('A'))).toMatchObject({
      kind: 'reject',
      reason: 'cancelled',
    });
    expect(decideFulfilmentRequest(order(['A', 'routed']), request('', 'Z'))).toMatchObject({
      kind: 'reject',
      reason: 'unknown_sku',
      lines: [{ message: 'a line has no SKU' }, { message: 'Waybill has no line with SKU Z in this order' }],
    });
  });

  it('takes a SKU on two lines as shippable when either line is', () => {
    expect(
      decideFulfilmentRequest(order(['A', 'cancelled', 'stock'], ['A', 'routed']), request('A')).kind,
    ).toBe('accept');
  });
});

describe('decideCancellationRequest', () => {
  it('accepts when no requested line reached a supplier, cancelling exactly those lines', () => {
    const decision = decideCancellationRequest(
      order(['A', 'routed'], ['B', 'routed'], ['C', 'routed']),
      [po('a', 'pending', [1, 2], true), po('c', 'sent', [3])],
      request('A', 'B'),
    );
    expect(decision).toEqual({
      kind: 'accept',
      cancelLines: [1, 2],
      message: 'cancelled before any supplier had it',
    });
  });

  it('rejects, cancelling nothing, when a supplier has a line or a line has shipped', () => {
    const withSupplier = decideCancellationRequest(
      order(['A', 'routed'], ['B', 'routed']),
      [po('a', 'draft', [1]), po('b', 'sent', [2])],
      request('A', 'B'),
    );
    expect(withSupplier).toEqual({
      kind: 'reject',
      message: 'Waybill cannot cancel this any more: PO-b is with supplier s-b',
    });
    const shipped = decideCancellationRequest(
      order(['A', 'shipped']),
      [po('a', 'shipped', [1])],
      request('A'),
    );
    expect(shipped).toEqual({
      kind: 'reject',
      message: 'Waybill cannot cancel this any more: line(s) 1 already shipped',
    });
  });

  it('accepts again once the lines are cancelled (a repeat after a lost answer changes nothing)', () => {
    expect(
      decideCancellationRequest(
        order(['A', 'cancelled', 'channel']),
        [po('a', 'cancelled', [])],
        request('A'),
      ),
    ).toEqual({ kind: 'accept', cancelLines: [], message: 'cancelled before any supplier had it' });
  });
});
