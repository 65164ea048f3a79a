import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import {
  orderBody,
  SECRETS,
  startTestHub,
  startTestSuppliers,
  SUPPLIER_TOKENS,
  type TestHub,
} from './support/hub.ts';
import { until } from './support/until.ts';

/**
 * Checks before routing hold an order with every reason; the review queue lists held orders by reason, channel and
 * age; an operator corrects an address, approves, re-routes a line by hand or cancels, each recorded in the timeline.
 */
describeEachDatabase('the review queue', (dialect) => {
  let t: TestHub;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
  const usd = (amount: number) => ({ amount, currency: 'USD' });

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 60_000, prompt: 60_000 } });
    await t.apply({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'prompt',
          name: 'Prompt',
          currency: 'USD',
          apiToken: SUPPLIER_TOKENS.prompt,
          transport: { kind: 'rest-json', url: suppliers.prompt.url, signingSecret: SECRETS.prompt },
        },
        {
          id: 'flaky',
          name: 'Flaky',
          currency: 'USD',
          apiToken: SUPPLIER_TOKENS.flaky,
          deliversToPoBoxes: false,
          transport: { kind: 'rest-json', url: suppliers.flaky.url, signingSecret: SECRETS.flaky },
        },
      ],
      products: [
        {
          sku: 'TEE-RED-M',
          name: 'Red tee, M',
          offers: [
            { supplier: 'flaky', supplierSku: 'F-TEE', cost: usd(700), priority: 1, stock: 50 },
            { supplier: 'prompt', supplierSku: 'P-TEE', cost: usd(900), priority: 2, stock: 50 },
          ],
        },
      ],
      routing: {
        checks: {
          postalCodes: true,
          maxOrderValue: [usd(10_000)],
          velocity: { email: { orders: 2, withinMinutes: 60 } },
        },
      },
    });
  });

  afterEach(async () => {
    await Promise.all([t.close(), suppliers.prompt.close(), suppliers.flaky.close()]);
  });

  const place = async (
    externalId: string,
    over: { email?: string; postalCode?: string; line1?: string; quantity?: number } = {},
  ) => {
    const body = orderBody(externalId, [{ sku: 'TEE-RED-M', quantity: over.quantity ?? 1 }]);
    body.customer.email = over.email ?? `${externalId}@example.com`;
    if (over.postalCode) body.shippingAddress.postalCode = over.postalCode;
    if (over.line1) body.shippingAddress.line1 = over.line1;
    const created = await t.api('/api/v1/channels/storefront/orders', { body });
    expect(created.status).toBe(201);
    return created.body as {
      id: string;
      state: string;
      purchaseOrders: { supplierId: string; poNumber: string }[];
    };
  };
  const view = async (id: string) => (await t.api(`/api/v1/orders/${id}`)).body;

  it('holds what fails a check with every reason, lists it by reason, and lets an operator fix and approve it', async () => {
    const badPostal = await place('bad-postal', { postalCode: '1234' });
    const dear = await place('dear', { quantity: 12 }); // 12 × 12.99 = 155.88 USD, above 100.00
    await place('repeat-1', { email: 'ann@example.com' });
    await place('repeat-2', { email: 'ANN@example.com' });
    const third = await place('repeat-3', { email: 'Ann@Example.com' });
    const fine = await place('fine');
    expect([badPostal, dear, third].map((o) => o.state)).toEqual(['on_hold', 'on_hold', 'on_hold']);
    expect(fine.state).toBe('routed');
    expect(badPostal.purchaseOrders).toEqual([]);

    const queue = (await t.api('/api/v1/review')).body;
    expect(queue.orders.map((o: any) => [o.orderId, o.reasons.map((r: any) => r.check)])).toEqual([
      [badPostal.id, ['address.postal_code']],
      [dear.id, ['fraud.order_value']],
      [third.id, ['velocity.email']],
    ]);
    expect(queue.orders[1].reasons[0].message).toBe('order value 155.88 USD above the limit 100.00 USD');
    const fraud = (await t.api('/api/v1/review?reason=fraud')).body.orders;
    expect(fraud.map((o: any) => o.orderId)).toEqual([dear.id]);
    expect((await t.api('/api/v1/review?channel=elsewhere')).body.orders).toEqual([]);
    expect((await t.api('/api/v1/review?reason=fraud.order_value')).body.orders).toHaveLength(1);
    expect((await t.api('/api/v1/review?reason=fraud.order')).body.orders).toEqual([]);
    const badReason = await t.api('/api/v1/review?reason=FRAUD%25');
    expect([badReason.status, badReason.body.field]).toEqual([400, 'query.reason']);
    const badCursor = await t.api('/api/v1/review?after=not-a-cursor');
    expect([badCursor.status, badCursor.body.field]).toEqual([400, 'query.after']);
    expect((await t.api('/api/v1/review?olderThanMinutes=60')).body.orders).toEqual([]);
    const first = (await t.api('/api/v1/review?limit=2')).body;
    const second = (await t.api(`/api/v1/review?limit=2&after=${first.next}`)).body;
    expect([...first.orders, ...second.orders].map((o: any) => o.orderId)).toEqual(
      queue.orders.map((o: any) => o.orderId),
    );
    expect(second.next).toBeNull();

    // The address again: a bad one is refused naming the field, a good one is saved; then the operator approves.
    const address = (await view(badPostal.id)).shippingAddress;
    const refused = await t.api(`/api/v1/orders/${badPostal.id}/shipping-address`, {
      method: 'PUT',
      body: { ...address, postalCode: '6270' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('shippingAddress.postalCode');
    const fixed = await t.api(`/api/v1/orders/${badPostal.id}/shipping-address`, {
      method: 'PUT',
      body: { ...address, postalCode: '62701' },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.state).toBe('on_hold');
    const approved = await t.api(`/api/v1/orders/${badPostal.id}/approve`, {
      body: { note: 'called the customer' },
    });
    expect(approved.body).toEqual({ state: 'routed', holdReason: null });
    const after = await view(badPostal.id);
    expect(after.purchaseOrders.map((po: any) => po.supplierId)).toEqual(['flaky']);
    expect(after.events.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['order.address_changed', 'order.approved', 'purchase_order.created']),
    );
    expect((await t.api('/api/v1/review')).body.orders.map((o: any) => o.orderId)).not.toContain(
      badPostal.id,
    );
    expect((await t.api(`/api/v1/orders/${fine.id}/approve`, { body: {} })).status).toBe(409);
  });

  it('routes a PO-box address away from a node that cannot deliver there, at intake and when approved', async () => {
    const boxed = await place('boxed', { line1: 'PO Box 123' });
    expect(boxed.purchaseOrders.map((po) => po.supplierId)).toEqual(['prompt']);
    const held = await place('boxed-and-held', { line1: 'P.O. Box 9', postalCode: '1234' });
    expect(held.state).toBe('on_hold');
    const address = (await view(held.id)).shippingAddress;
    await t.api(`/api/v1/orders/${held.id}/shipping-address`, {
      method: 'PUT',
      body: { ...address, postalCode: '62701' },
    });
    await t.api(`/api/v1/orders/${held.id}/approve`, { body: {} });
    expect((await view(held.id)).purchaseOrders.map((po: any) => po.supplierId)).toEqual(['prompt']);
    const routed = (await view(boxed.id)).events.find((e: any) => e.type === 'order.routed');
    expect(routed.data.routes[0].candidates[0]).toMatchObject({
      supplierId: 'flaky',
      eligible: false,
      reason: 'does not deliver to PO boxes',
    });
  });

  it('an operator re-routes a line by hand: the old PO is withdrawn from its supplier, the new one goes out', async () => {
    const order = await place('by-hand');
    const old = order.purchaseOrders[0]!;
    expect(old.supplierId).toBe('flaky');
    await until('flaky has it', () => suppliers.flaky.received.has(old.poNumber));
    const twice = await t.api(`/api/v1/orders/${order.id}/reroute`, { body: { lines: [1, 1] } });
    expect([twice.status, twice.body.field]).toEqual([422, 'lines[1]']);
    const refused = await t.api(`/api/v1/orders/${order.id}/reroute`, { body: { lines: [1], to: 'nobody' } });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('to');
    const moved = await t.api(`/api/v1/orders/${order.id}/reroute`, {
      body: { lines: [1], to: 'prompt', note: 'flaky is slow this week' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ rerouted: [{ line: 1, supplierId: 'prompt' }], stranded: [] });
    await until('flaky told', () => suppliers.flaky.cancelled.has(old.poNumber));
    const after = await view(order.id);
    const fresh = after.purchaseOrders.find((po: any) => po.supplierId === 'prompt');
    await until('prompt has the new one', () => suppliers.prompt.received.has(fresh.poNumber));
    const [rerouted] = after.events.filter((e: any) => e.type === 'order.rerouted');
    expect(rerouted.data.why).toBe('sent elsewhere by an operator: flaky is slow this week');
    expect(rerouted.data.routes[0].candidates[0]).toMatchObject({
      supplierId: 'flaky',
      reason: 'the operator chose prompt',
    });
  });

  it('an operator cancels an order: its PO withdrawn from the supplier, the lines refunded with the note', async () => {
    const order = await place('cancel-me', { quantity: 2 });
    await until('flaky has it', () => suppliers.flaky.received.has(order.purchaseOrders[0]!.poNumber));
    const cancelled = await t.api(`/api/v1/orders/${order.id}/cancel`, {
      body: { reason: 'The customer asked us to cancel.' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelled).toEqual([1]);
    await until('flaky told', () => suppliers.flaky.cancelled.has(order.purchaseOrders[0]!.poNumber));
    await until('the refund recorded', async () =>
      (await view(order.id)).events.some((e: any) => e.type === 'channel.refund_owed'),
    );
    const after = await view(order.id);
    expect(after.state).toBe('cancelled');
    const owed = after.events.find((e: any) => e.type === 'channel.refund_owed');
    expect(owed.data).toMatchObject({ amount: usd(2598), reason: 'The customer asked us to cancel.' });
  });
});
