import { afterEach, beforeEach, expect, it } from 'vitest';
import { IllegalTransitionError } from '../src/domain/state-machine.ts';
import { loadOrder, saveOrderChange } from '../src/store/orders.repo.ts';
import { loadPurchaseOrders, savePurchaseOrder } from '../src/store/purchase-orders.repo.ts';
import { StaleStateError } from '../src/store/transitions.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, startTestHub, testSetup, type TestHub } from './support/hub.ts';

/**
 * The repositories write a state only through its machine, from the state the row is in: an impossible move is an
 * error, and so is a move from a state the row has left meanwhile. Nothing of the refused write stays.
 */
describeEachDatabase('state machines at the write', (dialect) => {
  let t: TestHub;
  let orderId: string;

  beforeEach(async () => {
    t = await startTestHub(dialect);
    await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
    const created = await t.api('/api/v1/channels/storefront/orders', { body: orderBody('guard-1') });
    expect(created.status).toBe(201);
    orderId = created.body.id;
  });
  afterEach(() => t.close());

  const poOf = async () => (await loadPurchaseOrders(t.hub.store.db, { orderId }))[0]!;

  it('a purchase order moves only as its machine allows, and only from the state it is in', async () => {
    const po = await poOf();
    expect(po.state).toBe('pending');
    const save = (from: typeof po.state, to: typeof po.state) =>
      t.hub.store.transact((tx) => savePurchaseOrder(tx, { id: po.id, from, to }, new Date()));
    await expect(save('pending', 'shipped')).rejects.toThrow(IllegalTransitionError);
    await expect(save('sent', 'accepted')).rejects.toThrow(StaleStateError);
    expect((await poOf()).state).toBe('pending');
    await save('pending', 'sent');
    expect((await poOf()).state).toBe('sent');
  });

  it('an order and its lines move only as their machines allow, from the states they are in', async () => {
    const order = (await loadOrder(t.hub.store.db, orderId))!;
    expect(order.state).toBe('routed');
    const change = (to: Parameters<typeof saveOrderChange>[2], before = order) =>
      t.hub.store.transact((tx) =>
        saveOrderChange(
          tx,
          before,
          to,
          new Date(),
          to.lines.map((l) => l.lineNumber),
        ),
      );
    const delivered = order.lines.map((l) => ({ ...l, state: 'delivered' as const }));
    await expect(change({ state: 'routed', holdReason: null, lines: delivered })).rejects.toThrow(
      IllegalTransitionError,
    );
    await expect(change({ state: 'completed', holdReason: null, lines: order.lines })).rejects.toThrow(
      IllegalTransitionError,
    );
    const stale = { ...order, state: 'on_hold' as const };
    await expect(change({ state: 'routed', holdReason: null, lines: order.lines }, stale)).rejects.toThrow(
      StaleStateError,
    );
    expect(await loadOrder(t.hub.store.db, orderId)).toEqual(order);
    await change({ state: 'on_hold', holdReason: 'a person looks', lines: order.lines });
    expect((await loadOrder(t.hub.store.db, orderId))!.state).toBe('on_hold');
  });
});
