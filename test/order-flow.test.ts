import { afterEach, expect, it } from 'vitest';
import { startStorefrontSim, type StorefrontSim } from '../sim/storefront.ts';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';
import { fakeClock } from './support/fake-clock.ts';

const SKUS = [
  { sku: 'MUG-BLUE', unitPrice: 1299 },
  { sku: 'TEE-RED-M', unitPrice: 2500 },
  { sku: 'LAMP-OAK', unitPrice: 8900 },
];

describeEachDatabase('an order from the storefront to the suppliers and back', (dialect) => {
  let t: TestHub;
  const sims: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await t?.close();
  });

  async function world(flaky: { failRate: number; timeoutRate: number }) {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const prompt: SupplierSim = await startSupplierSim({
      name: 'prompt',
      signingSecret: SECRETS.prompt,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.prompt,
      seed: 1,
      ackDelayMs: 5,
      shipDelayMs: 5,
    });
    const slow: SupplierSim = await startSupplierSim({
      name: 'flaky',
      signingSecret: SECRETS.flaky,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.flaky,
      seed: 2,
      ackDelayMs: 20,
      shipDelayMs: 20,
      ...flaky,
    });
    const shop: StorefrontSim = await startStorefrontSim({
      hubUrl: t.url,
      apiKey: t.adminKey,
      channelId: 'storefront',
      notifySecret: SECRETS.storefront,
      seed: 3,
    });
    sims.push(prompt, slow, shop);
    await t.apply(testSetup({ notifyUrl: shop.notifyUrl, prompt: prompt.url, flaky: slow.url }, 300));
    return { prompt, slow, shop };
  }

  it('takes orders in, sends one PO per supplier, follows acks and shipments to fulfilled, and tells the channel', async () => {
    const { prompt, slow, shop } = await world({ failRate: 0.3, timeoutRate: 0.1 });
    const orders = Array.from({ length: 20 }, (_, i) => shop.makeOrder(i, SKUS));
    const answers = await Promise.all(orders.map((o) => shop.placeOrder(o)));
    expect(answers.map((a) => a.status)).toEqual(orders.map(() => 201));

    await until('every order fulfilled at the channel', () => shop.fulfilledOrders.size === orders.length);

    const listed = await t.api('/api/v1/orders?limit=100');
    expect(listed.body.orders).toHaveLength(20);
    for (const summary of listed.body.orders) {
      const { body: order } = await t.api(`/api/v1/orders/${summary.id}`);
      expect(order.state).toBe('fulfilled');
      expect(order.lines.every((l: any) => l.state === 'shipped')).toBe(true);
      const suppliers = order.purchaseOrders.map((po: any) => po.supplierId);
      expect(new Set(suppliers).size).toBe(suppliers.length);
      for (const po of order.purchaseOrders) {
        expect(po.state).toBe('shipped');
        const sim = po.supplierId === 'prompt' ? prompt : slow;
        expect(sim.received.get(po.poNumber)?.idempotencyKey).toBe(po.poNumber);
      }
      const types = order.events.map((e: any) => e.type);
      expect(types.slice(0, 2)).toEqual(['order.received', 'order.routed']);
      expect(types).toContain('purchase_order.sent');
      expect(types).toContain('purchase_order.acknowledged');
      expect(types).toContain('shipment.created');
      expect(types).toContain('order.fulfilled');
      expect(types).toContain('channel.notified');
      // Every unit the customer bought was reported shipped to the channel, once.
      for (const line of order.lines)
        expect(shop.shippedQuantity(order.externalId, line.sku)).toBe(line.quantity);
    }
    const posBySupplier = [...prompt.received.keys(), ...slow.received.keys()];
    expect(new Set(posBySupplier).size).toBe(posBySupplier.length);
    // The flaky supplier failed some deliveries; they were retried, and it never got a PO twice as new.
    expect(slow.deliveries).toBeGreaterThan(slow.received.size);
  });

  it('repeats of an order create nothing new', async () => {
    const { shop } = await world({ failRate: 0, timeoutRate: 0 });
    const order = shop.makeOrder(1, SKUS);
    const first = await shop.placeOrder(order);
    const again = await Promise.all([shop.placeOrder(order), shop.placeOrder(order)]);
    expect(first.status).toBe(201);
    expect(again.map((a) => a.status)).toEqual([200, 200]);
    expect(again.map((a: any) => a.body.id)).toEqual([(first.body as any).id, (first.body as any).id]);
    const pos = await t.hub.store.db.selectFrom('purchase_orders').select('po_number').execute();
    expect(pos.length).toBe((first.body as any).purchaseOrders.length);
  });

  it('a supplier that keeps failing leaves a dead letter, and a replay delivers the PO with the same number', async () => {
    const { slow, shop } = await world({ failRate: 1, timeoutRate: 0 });
    const { body: order } = (await shop.placeOrder(
      shop.makeOrder(7, [{ sku: 'LAMP-OAK', unitPrice: 8900 }]),
    )) as { body: any };
    const poNumber = order.purchaseOrders[0].poNumber;
    // Speed the retries up: the back-off is minutes in production. Each retry is still a real delivery attempt.
    await until('the PO send dead-lettered', async () => {
      await t.hub.store.db
        .updateTable('jobs')
        .set({ run_at: 0 })
        .where('state', '=', 'pending')
        .where('kind', '=', 'po.send')
        .execute();
      const dead = await t.api('/api/v1/dead-letters');
      return dead.body.deadLetters.length === 1;
    });
    const dead = (await t.api('/api/v1/dead-letters')).body.deadLetters[0];
    expect(dead).toMatchObject({ kind: 'po.send', key: `po.send:${poNumber}`, attempts: 8, state: 'dead' });
    expect(dead.lastError).toContain('500');
    expect((await t.api(`/api/v1/orders/${order.id}`)).body.purchaseOrders[0].state).toBe('send_failed');
    expect(slow.received.size).toBe(0);

    // The supplier has recovered (the operator checked): replay.
    slow.setFaults({ failRate: 0 });
    const replayed = await t.api(`/api/v1/dead-letters/${dead.id}/replay`, { method: 'POST' });
    expect(replayed.status).toBe(200);
    expect(replayed.body.state).toBe('pending');
    await until('fulfilled after the replay', () => shop.fulfilledOrders.has(order.externalId));
    expect(slow.received.get(poNumber)?.count).toBe(1);
    const again = await t.api(`/api/v1/dead-letters/${dead.id}/replay`, { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('flags a purchase order its supplier did not acknowledge in time, once, and not one that was acknowledged', async () => {
    const clock = fakeClock(new Date());
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 }, clock });
    // prompt accepts at once; flaky takes the PO and never answers.
    const prompt = await startSupplierSim({
      name: 'prompt',
      signingSecret: SECRETS.prompt,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.prompt,
      seed: 1,
      ackDelayMs: 1,
      shipDelayMs: 60_000,
    });
    const silent = await startSupplierSim({
      name: 'flaky',
      signingSecret: SECRETS.flaky,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.flaky,
      seed: 2,
      autoFulfil: false,
    });
    const shop = await startStorefrontSim({
      hubUrl: t.url,
      apiKey: t.adminKey,
      channelId: 'storefront',
      notifySecret: SECRETS.storefront,
      seed: 3,
    });
    sims.push(prompt, silent, shop);
    await t.apply(testSetup({ notifyUrl: shop.notifyUrl, prompt: prompt.url, flaky: silent.url }, 300));
    const both = {
      ...shop.makeOrder(1, SKUS),
      lines: [
        { sku: 'MUG-BLUE', quantity: 1, unitPrice: 1299 },
        { sku: 'LAMP-OAK', quantity: 1, unitPrice: 8900 },
      ],
    };
    const { body: order } = (await shop.placeOrder(both)) as { body: any };
    const pos = new Map<string, string>(order.purchaseOrders.map((po: any) => [po.supplierId, po.poNumber]));
    expect([...pos.keys()].sort()).toEqual(['flaky', 'prompt']);
    await until('both POs sent, the prompt one accepted', async () => {
      const { body } = await t.api(`/api/v1/orders/${order.id}`);
      const state = (supplier: string) =>
        body.purchaseOrders.find((po: any) => po.supplierId === supplier).state;
      return state('flaky') === 'sent' && state('prompt') === 'accepted';
    });
    const overdue = async () =>
      (await t.api(`/api/v1/orders/${order.id}`)).body.events.filter(
        (e: any) => e.type === 'purchase_order.ack_overdue',
      );
    expect(await overdue()).toEqual([]);

    // A day and two minutes on (the default window is a day; the sweep runs every minute).
    clock.advance(24 * 60 * 60_000 + 2 * 60_000);
    await until('the silent supplier flagged', async () => (await overdue()).length > 0);
    clock.advance(5 * 60_000);
    await until(
      'the sweep ran again',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('jobs')
            .select('run_at')
            .where('kind', '=', 'po.ack-sweep')
            .executeTakeFirstOrThrow()
        ).run_at > clock.now().getTime(),
    );
    const flagged = await overdue();
    expect(flagged).toHaveLength(1);
    expect(flagged[0].data).toMatchObject({ poNumber: pos.get('flaky') });
  });
});

describeEachDatabase('shipments of one order', (dialect) => {
  let t: TestHub;
  const sims: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await t?.close();
  });

  it('two parcels recorded in the same millisecond are told in order: the last one says fulfilled, and is the latest', async () => {
    // The clock stands still: without care both shipments would carry the same time.
    const clock = fakeClock(new Date());
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 }, clock });
    // Both accept at once and would ship in a minute: the test ships their parcels itself, back to back.
    const prompt = await startSupplierSim({
      name: 'prompt',
      signingSecret: SECRETS.prompt,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.prompt,
      seed: 1,
      ackDelayMs: 1,
      shipDelayMs: 60_000,
    });
    const flaky = await startSupplierSim({
      name: 'flaky',
      signingSecret: SECRETS.flaky,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.flaky,
      seed: 2,
      ackDelayMs: 1,
      shipDelayMs: 60_000,
    });
    const shop = await startStorefrontSim({
      hubUrl: t.url,
      apiKey: t.adminKey,
      channelId: 'storefront',
      notifySecret: SECRETS.storefront,
      seed: 3,
    });
    sims.push(prompt, flaky, shop);
    await t.apply(testSetup({ notifyUrl: shop.notifyUrl, prompt: prompt.url, flaky: flaky.url }, 300));
    const both = {
      ...shop.makeOrder(1, SKUS),
      lines: [
        { sku: 'MUG-BLUE', quantity: 1, unitPrice: 1299 },
        { sku: 'LAMP-OAK', quantity: 1, unitPrice: 8900 },
      ],
    };
    const { body: order } = (await shop.placeOrder(both)) as { body: any };
    await until('both POs accepted', async () =>
      (await t.api(`/api/v1/orders/${order.id}`)).body.purchaseOrders.every(
        (po: any) => po.state === 'accepted',
      ),
    );
    for (const po of order.purchaseOrders) {
      const token = po.supplierId === 'prompt' ? SUPPLIER_TOKENS.prompt : SUPPLIER_TOKENS.flaky;
      const answer = await fetch(`${t.url}/supplier-api/v1/purchase-orders/${po.poNumber}/shipments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          carrier: 'UPS',
          // Two valid UPS numbers (their check digits right).
          trackingNumber: po.supplierId === 'prompt' ? '1Z5R89390357567127' : '1Z879E930346834440',
          lines: [{ lineNumber: 1, quantity: 1 }],
        }),
      });
      expect([answer.status, answer.status === 201 ? '' : await answer.text()]).toEqual([201, '']);
    }
    const shipments = await t.hub.store.db
      .selectFrom('shipments')
      .select(['created_at'])
      .where('order_id', '=', order.id)
      .orderBy('created_at')
      .execute();
    expect(shipments).toHaveLength(2);
    expect(shipments[1]!.created_at).toBeGreaterThan(shipments[0]!.created_at);
    await until('the channel told the order is fulfilled', () => shop.fulfilledOrders.has(order.externalId));
  });
});
