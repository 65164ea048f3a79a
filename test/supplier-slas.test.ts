import { afterEach, expect, it } from 'vitest';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { fakeClock, type FakeClock } from './support/fake-clock.ts';
import { orderBody, SECRETS, startTestHub, SUPPLIER_TOKENS, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const HOUR = 60 * 60_000;

/**
 * Suppliers held to their SLAs, with the hub's clock in the test's hand: deadlines counted in the supplier's working
 * hours (its time zone, weekends and public holidays skipped), and a missed one handled as the retailer's policy says.
 */
describeEachDatabase('supplier SLAs', (dialect) => {
  let t: TestHub;
  let clock: FakeClock;
  const sims: SupplierSim[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await t?.close();
  });

  /** flaky: takes POs and never answers (or answers its cancel `too late`); prompt: accepts at once, ships much later. */
  async function world(
    at: string,
    options: {
      routing?: object;
      flakyHours?: object;
      promptShipWithin?: number;
      refuseCancel?: boolean;
      promptOffersTee?: boolean;
      /** flaky answers at once, rejecting its tee. */
      flakyRejectsTee?: boolean;
      flakyShipWithin?: number;
    },
  ) {
    clock = fakeClock(at);
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 }, clock });
    const flaky = await startSupplierSim({
      name: 'flaky',
      signingSecret: SECRETS.flaky,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.flaky,
      seed: 2,
      clock,
      ...(options.flakyRejectsTee
        ? { ackDelayMs: 1, shipDelayMs: 10 * 60_000, rejectSkus: ['F-TEE'] }
        : { autoFulfil: false }),
      ...(options.refuseCancel ? { refuseCancel: true } : {}),
    });
    const prompt = await startSupplierSim({
      name: 'prompt',
      signingSecret: SECRETS.prompt,
      hubUrl: t.url,
      apiToken: SUPPLIER_TOKENS.prompt,
      seed: 1,
      clock,
      ackDelayMs: 1,
      shipDelayMs: 10 * 60_000,
    });
    sims.push(flaky, prompt);
    const usd = (amount: number) => ({ amount, currency: 'USD' });
    await t.apply({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'flaky',
          name: 'Flaky',
          currency: 'USD',
          apiToken: SUPPLIER_TOKENS.flaky,
          ackWithinMinutes: 240,
          ...(options.flakyShipWithin ? { shipWithinMinutes: options.flakyShipWithin } : {}),
          ...(options.flakyHours ? { workingHours: options.flakyHours } : {}),
          transport: { kind: 'rest-json', url: flaky.url, signingSecret: SECRETS.flaky, timeoutMs: 2_000 },
        },
        {
          id: 'prompt',
          name: 'Prompt',
          currency: 'USD',
          apiToken: SUPPLIER_TOKENS.prompt,
          ...(options.promptShipWithin ? { shipWithinMinutes: options.promptShipWithin } : {}),
          transport: { kind: 'rest-json', url: prompt.url, signingSecret: SECRETS.prompt, timeoutMs: 2_000 },
        },
      ],
      products: [
        {
          sku: 'TEE-RED-M',
          name: 'Red tee, M',
          offers: [
            { supplier: 'flaky', supplierSku: 'F-TEE', cost: usd(700), priority: 1, stock: 10 },
            ...(options.promptOffersTee === false
              ? []
              : [{ supplier: 'prompt', supplierSku: 'P-TEE', cost: usd(900), priority: 2, stock: 10 }]),
          ],
        },
        {
          sku: 'MUG-BLUE',
          name: 'Blue mug',
          offers: [{ supplier: 'prompt', supplierSku: 'P-MUG', cost: usd(450), stock: 10 }],
        },
      ],
      ...(options.routing ? { routing: options.routing } : {}),
    });
    return { flaky, prompt };
  }

  const place = async (lines: { sku: string; quantity: number }[]) => {
    const created = await t.api('/api/v1/channels/storefront/orders', { body: orderBody('o-1', lines) });
    expect(created.status).toBe(201);
    return created.body as { id: string; purchaseOrders: { supplierId: string; poNumber: string }[] };
  };
  const orderView = async (id: string) => (await t.api(`/api/v1/orders/${id}`)).body;
  const eventsOf = async (id: string, type: string) =>
    (await orderView(id)).events.filter((e: { type: string }) => e.type === type);
  /** Moves the hub's clock and waits for the sweep's next run after it. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await until(
      'the SLA sweep ran',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('jobs')
            .select('run_at')
            .where('kind', '=', 'po.ack-sweep')
            .executeTakeFirstOrThrow()
        ).run_at > clock.now().getTime(),
    );
  };

  it('counts the acknowledgement deadline in working hours: across a holiday and a weekend, in the supplier’s zone', async () => {
    // Wednesday 2026-11-25, 14:00 in Chicago; Thursday is Thanksgiving. Four working hours: three on Wednesday, the
    // fourth on Friday from 09:00, so the PO is due Friday 10:00 Chicago (16:00Z), not Wednesday evening.
    const { flaky } = await world('2026-11-25T20:00:00Z', {
      flakyHours: {
        timeZone: 'America/Chicago',
        days: [1, 2, 3, 4, 5],
        opens: '09:00',
        closes: '17:00',
        holidays: { country: 'US' },
      },
    });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    const po = (await orderView(order.id)).purchaseOrders[0];
    expect(po).toMatchObject({ supplierId: 'flaky', ackDueAt: '2026-11-27T16:00:00.000Z' });
    await until('the PO delivered', () => flaky.received.has(po.poNumber));

    await advance(20 * HOUR); // Thursday 16:00Z: a day of plain minutes has gone by, no working one
    expect(await eventsOf(order.id, 'purchase_order.ack_overdue')).toEqual([]);
    await advance(24 * HOUR); // Friday 16:00Z, the deadline itself
    await advance(2 * 60_000);
    const overdue = await eventsOf(order.id, 'purchase_order.ack_overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0].data).toMatchObject({ poNumber: po.poNumber, supplierId: 'flaky', policy: 'hold' });
    // The default policy holds the order for a person, naming the PO and the supplier.
    expect(await orderView(order.id)).toMatchObject({
      state: 'on_hold',
      holdReason: expect.stringContaining(
        `${po.poNumber} was not acknowledged by supplier flaky within its SLA`,
      ),
    });
    await advance(5 * 60_000);
    expect(await eventsOf(order.id, 'purchase_order.ack_overdue')).toHaveLength(1);
    // The suppliers page counts it against flaky: open, and a miss; the dashboard as past its SLA.
    const suppliers = (await t.api('/api/v1/suppliers')).body.suppliers;
    expect(suppliers.find((s: any) => s.id === 'flaky')).toMatchObject({
      openPurchaseOrders: 1,
      slaMisses30d: 1,
    });
    expect(suppliers.find((s: any) => s.id === 'prompt')).toMatchObject({
      openPurchaseOrders: 0,
      slaMisses30d: 0,
    });
    expect((await t.api('/api/v1/dashboard')).body.attention.overduePurchaseOrders).toBe(1);
  });

  it('a deadline survives a restart: the hub that comes back flags what was due while none ran', async () => {
    const { flaky } = await world('2026-12-07T12:00:00Z', {});
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    await until('the PO delivered', () => flaky.received.has(order.purchaseOrders[0]!.poNumber));
    await t.stop();
    clock.advance(5 * HOUR);
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      clock,
      database: t.database,
    });
    await until(
      'the missed acknowledgement flagged',
      async () => (await eventsOf(order.id, 'purchase_order.ack_overdue')).length === 1,
    );
    expect((await orderView(order.id)).state).toBe('on_hold');
  });

  it('reroute: the silent supplier’s PO is withdrawn (told over its transport) and the line goes to the next node', async () => {
    const { flaky, prompt } = await world('2026-12-07T12:00:00Z', { routing: { onAckTimeout: 'reroute' } });
    const order = await place([
      { sku: 'TEE-RED-M', quantity: 2 },
      { sku: 'MUG-BLUE', quantity: 1 },
    ]);
    const first = order.purchaseOrders.find((po) => po.supplierId === 'flaky')!;
    await until('the PO delivered to flaky', () => flaky.received.has(first.poNumber));
    await until('the mug PO accepted', async () =>
      (await orderView(order.id)).purchaseOrders.some((po: any) => po.state === 'accepted'),
    );
    const stockBefore = (await t.api('/api/v1/stock')).body.levels.find((l: any) => l.sku === 'TEE-RED-M');

    await advance(4 * HOUR + 2 * 60_000);
    await until('flaky told its PO is cancelled', () => flaky.cancelled.has(first.poNumber));
    const mug = order.purchaseOrders.find((po) => po.supplierId === 'prompt')!;
    const view = await orderView(order.id);
    expect(view.purchaseOrders.find((po: any) => po.poNumber === first.poNumber).state).toBe('cancelled');
    const second = view.purchaseOrders.find(
      (po: any) => po.supplierId === 'prompt' && po.poNumber !== mug.poNumber,
    );
    expect(second.poNumber).not.toBe(mug.poNumber);
    await until('the new PO delivered to prompt', () => prompt.received.has(second.poNumber));
    await until('the line accepted by prompt', async () =>
      (await orderView(order.id)).lines.some(
        (l: any) => l.sku === 'TEE-RED-M' && l.state === 'accepted' && l.supplierId === 'prompt',
      ),
    );
    const [rerouted] = await eventsOf(order.id, 'order.rerouted');
    expect(rerouted.data.rerouted).toEqual([{ line: 1, supplierId: 'prompt' }]);
    expect(rerouted.data.routes[0].candidates).toEqual([
      expect.objectContaining({
        supplierId: 'flaky',
        eligible: false,
        reason: 'missed its acknowledgement SLA',
      }),
      expect.objectContaining({ supplierId: 'prompt', eligible: true }),
    ]);
    await until(
      'flaky’s cancellation confirmed',
      async () => (await eventsOf(order.id, 'purchase_order.cancel_confirmed')).length === 1,
    );
    // The units held at flaky went back; the customer sees one order, still routed.
    const stockAfter = (await t.api('/api/v1/stock')).body.levels.find((l: any) => l.sku === 'TEE-RED-M');
    expect(stockAfter.reserved).toBe(stockBefore.reserved);
    expect((await orderView(order.id)).state).toBe('routed');
  });

  it('reroute with no other node, and cancel: the lines are cancelled and refunded with a note to the customer', async () => {
    const { flaky } = await world('2026-12-07T12:00:00Z', {
      routing: { onAckTimeout: 'reroute' },
      promptOffersTee: false,
    });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    await until('the PO delivered', () => flaky.received.has(order.purchaseOrders[0]!.poNumber));
    await advance(4 * HOUR + 2 * 60_000);
    await until(
      'the refund recorded',
      async () => (await eventsOf(order.id, 'channel.refund_owed')).length === 1,
    );
    const view = await orderView(order.id);
    expect(view.state).toBe('cancelled');
    expect(view.lines[0]).toMatchObject({ state: 'cancelled' });
    const [owed] = await eventsOf(order.id, 'channel.refund_owed');
    expect(owed.data).toMatchObject({ amount: { amount: 1299, currency: 'USD' } });
    expect(owed.data.reason).toContain('TEE-RED-M');
    await until('flaky told', () => flaky.cancelled.has(order.purchaseOrders[0]!.poNumber));
  });

  it('a supplier that says it is too late to stop the PO holds the order for a person', async () => {
    const { flaky } = await world('2026-12-07T12:00:00Z', {
      routing: { onAckTimeout: 'cancel' },
      refuseCancel: true,
    });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    await until('the PO delivered', () => flaky.received.has(order.purchaseOrders[0]!.poNumber));
    await advance(4 * HOUR + 2 * 60_000);
    await until(
      'the refusal recorded',
      async () => (await eventsOf(order.id, 'purchase_order.cancel_refused')).length === 1,
    );
    // Cancelled for the customer (refunded), and a person is asked to sort out the parcel that may still come.
    await until('the order held', async () => (await orderView(order.id)).holdReason?.includes('too late'));
  });

  it('a PO acknowledged but not shipped in time holds the order, naming the supplier', async () => {
    const { prompt } = await world('2026-12-07T12:00:00Z', { promptShipWithin: 60 });
    const order = await place([{ sku: 'MUG-BLUE', quantity: 1 }]);
    const po = order.purchaseOrders[0]!;
    await until('accepted', async () => (await orderView(order.id)).purchaseOrders[0].state === 'accepted');
    // The simulator notes its acknowledgement when the hub's answer reaches it, which may be after the hub commits.
    await until('the simulator saw its acknowledgement taken', () => prompt.acknowledged.has(po.poNumber));
    await advance(30 * 60_000);
    expect(await eventsOf(order.id, 'purchase_order.ship_overdue')).toEqual([]);
    await advance(32 * 60_000);
    const [late] = await eventsOf(order.id, 'purchase_order.ship_overdue');
    expect(late.data).toMatchObject({ poNumber: po.poNumber, supplierId: 'prompt' });
    expect((await orderView(order.id)).holdReason).toContain(
      `${po.poNumber} was not shipped by supplier prompt`,
    );
  });

  it('a rejected line fails over to the next node by default; with none, it waits for a person', async () => {
    const { prompt } = await world(new Date().toISOString(), { flakyRejectsTee: true });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    const first = order.purchaseOrders[0]!;
    expect(first.supplierId).toBe('flaky');
    await until('the line accepted by prompt', async () =>
      (await orderView(order.id)).lines.some((l: any) => l.state === 'accepted' && l.supplierId === 'prompt'),
    );
    const view = await orderView(order.id);
    expect(view.state).toBe('routed');
    expect(view.holdReason).toBeNull();
    const second = view.purchaseOrders.find((po: any) => po.supplierId === 'prompt');
    expect(prompt.received.has(second.poNumber)).toBe(true);
    const [rerouted] = await eventsOf(order.id, 'order.rerouted');
    expect(rerouted.data.routes[0].candidates[0]).toMatchObject({
      supplierId: 'flaky',
      eligible: false,
      reason: expect.stringMatching(/^rejected the line/),
    });
  });

  it('a rejected line nobody else offers waits for a person, the reason named', async () => {
    await world(new Date().toISOString(), { flakyRejectsTee: true, promptOffersTee: false });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    await until('held', async () => (await orderView(order.id)).state === 'on_hold');
    const held = await orderView(order.id);
    expect(held.lines[0]).toMatchObject({ state: 'rejected' });
    expect(held.holdReason).toMatch(/lines 1: no other node can ship them \(PO-\w+ line 1 rejected/);
  });

  it('with onReject cancel, a rejected line is cancelled and refunded with a note to the customer', async () => {
    await world(new Date().toISOString(), { flakyRejectsTee: true, routing: { onReject: 'cancel' } });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    await until('refund owed', async () => (await eventsOf(order.id, 'channel.refund_owed')).length === 1);
    expect((await orderView(order.id)).state).toBe('cancelled');
  });

  const acknowledge = (poNumber: string, lines: object[]) =>
    t.api(`/supplier-api/v1/purchase-orders/${poNumber}/acknowledgement`, {
      key: SUPPLIER_TOKENS.flaky,
      body: { lines },
    });

  it('a line the supplier backorders stays with it by default: the shipping deadline moves to its date, the customer note is kept', async () => {
    const { flaky } = await world('2026-12-07T12:00:00Z', { flakyShipWithin: 120 });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    const po = order.purchaseOrders[0]!;
    await until('the PO delivered', () => flaky.received.has(po.poNumber));
    const refused = await acknowledge(po.poNumber, [{ lineNumber: 1, status: 'backordered' }]);
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('lines[0].availableOn');
    const taken = await acknowledge(po.poNumber, [
      { lineNumber: 1, status: 'backordered', availableOn: '2026-12-20' },
    ]);
    expect(taken.status).toBe(200);
    expect(
      (await acknowledge(po.poNumber, [{ lineNumber: 1, status: 'backordered', availableOn: '2026-12-20' }]))
        .status,
    ).toBe(200);
    const [backordered] = await eventsOf(order.id, 'purchase_order.lines_backordered');
    expect(backordered.data).toMatchObject({
      poNumber: po.poNumber,
      lines: [{ line: 1, availableOn: '2026-12-20' }],
      customerNote: 'TEE-RED-M is on backorder and expected to ship after 2026-12-20.',
    });
    const view = await orderView(order.id);
    expect(view.state).toBe('routed');
    expect(view.lines[0]).toMatchObject({ state: 'accepted', supplierId: 'flaky' });
    // Two hours to ship, counted from the day the supplier expects the goods (not from the acknowledgement).
    const { ship_due_at } = await t.hub.store.db
      .selectFrom('purchase_orders')
      .select('ship_due_at')
      .where('po_number', '=', po.poNumber)
      .executeTakeFirstOrThrow();
    expect(new Date(Number(ship_due_at)).toISOString()).toBe('2026-12-20T02:00:00.000Z');
  });

  it('with onBackorder failover, the backordered PO is withdrawn and the line goes to the next node', async () => {
    const { flaky, prompt } = await world('2026-12-07T12:00:00Z', { routing: { onBackorder: 'failover' } });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    const po = order.purchaseOrders[0]!;
    await until('the PO delivered', () => flaky.received.has(po.poNumber));
    await acknowledge(po.poNumber, [{ lineNumber: 1, status: 'backordered', availableOn: '2027-01-15' }]);
    await until('flaky told', () => flaky.cancelled.has(po.poNumber));
    const view = await orderView(order.id);
    const fresh = view.purchaseOrders.find((p: any) => p.supplierId === 'prompt');
    await until('prompt has it', () => prompt.received.has(fresh.poNumber));
    const [rerouted] = await eventsOf(order.id, 'order.rerouted');
    expect(rerouted.data.routes[0].candidates[0]).toMatchObject({
      supplierId: 'flaky',
      reason: 'backordered until 2027-01-15',
    });
  });

  it('with onReject hold, a rejected line waits for a person, the reason named in the review queue', async () => {
    await world(new Date().toISOString(), { flakyRejectsTee: true, routing: { onReject: 'hold' } });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    await until('held', async () => (await orderView(order.id)).state === 'on_hold');
    expect((await orderView(order.id)).lines[0]).toMatchObject({ state: 'rejected' });
    expect(await eventsOf(order.id, 'order.rerouted')).toEqual([]);
    const queued = (await t.api('/api/v1/review?reason=supplier.rejected')).body.orders;
    expect(queued.map((o: any) => o.orderId)).toEqual([order.id]);
  });

  it('with onBackorder cancel, the backordered PO is withdrawn and the line cancelled and refunded', async () => {
    const { flaky } = await world('2026-12-07T12:00:00Z', { routing: { onBackorder: 'cancel' } });
    const order = await place([{ sku: 'TEE-RED-M', quantity: 1 }]);
    const po = order.purchaseOrders[0]!;
    await until('the PO delivered', () => flaky.received.has(po.poNumber));
    await acknowledge(po.poNumber, [{ lineNumber: 1, status: 'backordered', availableOn: '2027-01-15' }]);
    await until('refund owed', async () => (await eventsOf(order.id, 'channel.refund_owed')).length === 1);
    await until('flaky told', () => flaky.cancelled.has(po.poNumber));
    expect((await orderView(order.id)).state).toBe('cancelled');
  });
});
