import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  startMagentoSim,
  type MagentoIntegration,
  type MagentoItemSeed,
  type MagentoOrderOptions,
  type MagentoSim,
  type SimOrder,
} from '../sim/magento.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { bulkSkus, channelTest, setupWithChannel } from './support/channel-test.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const INTEGRATION: MagentoIntegration = {
  consumerKey: 'hubconsumerkey000000000000000001',
  consumerSecret: 'hubconsumersecret000000000000001',
  accessToken: 'hubaccesstoken000000000000000001',
  accessTokenSecret: 'hubaccesstokensecret000000000001',
};
// MUG-BLUE goes to the supplier "prompt" (ships at once), LAMP-OAK to "flaky" (takes a minute): test/support/hub.ts.
const MUG: MagentoItemSeed = { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' };
const LAMP: MagentoItemSeed = { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp', configurable: true };
const BULK = bulkSkus(60);

describeEachDatabase('Adobe Commerce / Magento as a sales channel, through its REST API', (dialect) => {
  let t: TestHub;
  let sim: MagentoSim;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
  let placed = 0;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 60_000 } });
    sim = await startMagentoSim({ integration: INTEGRATION, seed: 3 });
    placed = 0;
  });
  afterEach(async () => {
    expect(sim.violations).toEqual([]);
    await Promise.all([suppliers.prompt.close(), suppliers.flaky.close(), sim.close()]);
    await t?.close();
  });

  async function connect(
    options: { bulk?: boolean; secrets?: Partial<MagentoIntegration>; stockBatchSize?: number } = {},
  ) {
    const channel = {
      id: 'mage',
      kind: 'magento',
      name: 'Magento store',
      currency: 'USD',
      baseUrl: sim.url,
      ...INTEGRATION,
      ...options.secrets,
      ...(options.stockBatchSize ? { stockBatchSize: options.stockBatchSize } : {}),
    };
    const urls = { prompt: suppliers.prompt.url, flaky: suppliers.flaky.url };
    const bulk = { skus: options.bulk ? BULK : [], stock: (i: number) => 2 + (i % 5) };
    await t.apply(setupWithChannel(urls, channel, { bulk }));
  }

  const place = (items: MagentoItemSeed[], options: MagentoOrderOptions = {}): SimOrder =>
    sim.placeOrder(placed++, items, options);
  const {
    poll,
    viewOf,
    refundsOf,
    eventsOf,
    deadDeliveries,
    deadJobs,
    orderCount,
    available,
    jobsOf,
    runAgain,
    shipments,
    acceptedBy,
    cancelLine,
  } = channelTest({
    hub: () => t,
    channelId: 'mage',
    platform: 'Magento',
    externalId: (order: SimOrder) => String(order.entity_id),
    pollReads: () => sim.calls.filter((c) => c.operationId === 'GetV1Orders').length,
  });
  const cents = (value: unknown) => Math.round(Number(value) * 100);

  it('takes polled orders in once, money exact in the order currency, unpaid held until invoiced, unknown SKUs held', async () => {
    const paid = place([MUG, LAMP], { quantities: [2, 1] });
    const euro = place([MUG], { quantities: [3], currency: 'EUR' });
    const unpaid = place([MUG], { state: 'new', paymentMethod: 'banktransfer' });
    const unknown = place([{ sku: 'NOT-ON-WAYBILL', price: '3.50' }, MUG]);
    await connect();
    await until('four orders in', async () => (await orderCount()) === 4);

    const view = await viewOf(paid);
    expect(view.money.total).toEqual({ amount: cents(paid.grand_total), currency: 'USD' });
    expect(view.money.tax.amount).toBe(cents(paid.tax_amount));
    expect(view.money.shipping.amount).toBe(cents(paid.shipping_amount));
    expect(view.money.mismatches).toEqual([]);
    // The configurable lamp is one line, its child item left out.
    expect(view.lines.map((l: any) => [l.sku, l.quantity, l.channelLineId])).toEqual([
      ['MUG-BLUE', 2, String(paid.items[0]!.item_id)],
      ['LAMP-OAK', 1, String(paid.items[1]!.item_id)],
    ]);
    const euros = await viewOf(euro);
    expect(euros.money.total).toEqual({ amount: cents(euro.grand_total), currency: 'EUR' });
    expect(euros.lines[0].unitPrice).toEqual({ amount: 1299, currency: 'EUR' });

    expect((await viewOf(unpaid)).state).toBe('awaiting_payment');
    const held = await viewOf(unknown);
    expect([held.state, held.holdReason]).toEqual(['on_hold', expect.stringContaining('NOT-ON-WAYBILL')]);

    // Polled again: nothing new, nothing twice.
    await poll();
    expect(await orderCount()).toBe(4);

    sim.invoice(unpaid.entity_id);
    await poll();
    await until(
      'the invoiced order released',
      async () => (await viewOf(unpaid)).state !== 'awaiting_payment',
    );
    expect(sim.calls.every((c) => c.auth === 'oauth')).toBe(true);
  });

  it('tells Magento each shipment once with its track, and honours a cancellation made in Magento, newest first', async () => {
    const shipped = place([MUG], { quantities: [2] });
    const cancelled = place([LAMP], { quantities: [1] });
    await connect();
    await until(
      'the mug shipped and told',
      async () =>
        sim.shipments(shipped.entity_id).length === 1 && (await viewOf(shipped))?.state === 'fulfilled',
    );
    const [parcel] = await shipments();
    expect(sim.shipments(shipped.entity_id)[0]).toMatchObject({
      items: [{ order_item_id: shipped.items[0]!.item_id, qty: 2 }],
      tracks: [
        { track_number: parcel!.tracking_number, title: parcel!.carrier, carrier_code: expect.any(String) },
      ],
    });
    expect(sim.order(shipped.entity_id)!.state).toBe('complete');
    // The notice again (an operator's replay): Magento has the track, nothing is made twice.
    const [notify] = await jobsOf('channel.notify');
    await runAgain(notify!.id, 'the replay done');
    expect(sim.shipments(shipped.entity_id)).toHaveLength(1);
    expect(sim.calls.filter((c) => c.operationId === 'PostV1OrderOrderIdShip')).toHaveLength(1);

    await until('the lamp acknowledged', () => acceptedBy(cancelled, 'flaky'));
    // Two saves between polls (a comment, then the cancellation): the newest is the one that counts.
    sim.change(cancelled.entity_id, (o) => (o.customer_note = 'please cancel'));
    sim.cancel(cancelled.entity_id);
    await poll();
    await until('the lamp cancelled', async () => (await viewOf(cancelled)).state === 'cancelled');
    expect((await viewOf(cancelled)).purchaseOrders[0].state).toMatch(/cancel/);
  });

  it('refunds the lines Waybill cancels with one credit memo, the refund id in its comment', async () => {
    const order = place([LAMP, MUG], { quantities: [1, 1] });
    await connect();
    await until('the lamp acknowledged', () => acceptedBy(order, 'flaky'));
    const cancel = await cancelLine(order, 'LAMP-OAK', 'The lamp is no longer made');
    expect(cancel.status).toBe(200);
    await until('Magento refunded the lamp', async () => sim.creditmemos(order.entity_id).length === 1);
    const [memo] = sim.creditmemos(order.entity_id);
    const lamp = order.items.find((i) => i.sku === 'LAMP-OAK' && !i.parent_item_id)!;
    const child = order.items.find((i) => i.parent_item_id === lamp.item_id)!;
    expect(memo).toMatchObject({
      // The configurable lamp's child item comes with it, as Magento lists it.
      items: [
        { order_item_id: lamp.item_id, qty: 1 },
        { order_item_id: child.item_id, qty: 1 },
      ],
      shipping_amount: 0,
      grand_total: (cents(lamp.row_total) - cents(lamp.discount_amount) + cents(lamp.tax_amount)) / 100,
      comments: [{ comment: expect.stringMatching(/The lamp is no longer made.*Waybill refund/) }],
    });
    // The order's next poll shows the lamp refunded: already cancelled here, nothing more happens to it. The memo
    // is Waybill's own (its comment says so): recorded once when it was made, not applied again as the store's.
    await until('the refund recorded', async () => (await refundsOf(order)).length === 1);
    await poll();
    await poll();
    expect((await viewOf(order)).lines.find((l: any) => l.sku === 'LAMP-OAK').state).toBe('cancelled');
    expect(await refundsOf(order)).toEqual([
      { refund_id: expect.stringMatching(/^rf_/), origin: 'waybill', amount: cents(memo!.grand_total) },
    ]);
    expect(await eventsOf('order.refunded_at_channel')).toEqual([]);
  });

  it("applies a credit memo made in Magento's admin once, however often the poll finds it: the line refunded whole is cancelled", async () => {
    const order = place([MUG, LAMP], { quantities: [2, 1] });
    await connect();
    await until('the lamp acknowledged', () => acceptedBy(order, 'flaky'));
    const lamp = order.items.find((i) => i.sku === 'LAMP-OAK' && !i.parent_item_id)!;
    const memo = sim.refundInAdmin(order.entity_id, [{ order_item_id: lamp.item_id, qty: 1 }]);
    await poll();
    await poll();
    expect(await refundsOf(order)).toEqual([
      { refund_id: String(memo.entity_id), origin: 'channel', amount: cents(memo.grand_total) },
    ]);
    expect(await eventsOf('order.refunded_at_channel')).toEqual([
      {
        refundId: String(memo.entity_id),
        amount: { amount: cents(memo.grand_total), currency: 'USD' },
        lines: [{ lineNumber: 2, sku: 'LAMP-OAK', quantity: 1 }],
      },
    ]);
    await until(
      'the lamp line cancelled',
      async () => (await viewOf(order)).lines.find((l: any) => l.sku === 'LAMP-OAK').state === 'cancelled',
    );
    expect((await viewOf(order)).lines.find((l: any) => l.sku === 'MUG-BLUE').quantity).toBe(2);
  });

  it('passes over an order it cannot read, dead-lettered once naming it, and takes in the good one beside it', async () => {
    const good = place([MUG]);
    const broken = place([LAMP]);
    sim.change(broken.entity_id, (o) => (o.order_currency_code = 'ZZZ'));
    await connect();
    await until('the good order in', async () => (await viewOf(good)) !== undefined);
    await until('the unreadable order reported', async () => (await deadDeliveries()).length === 1);
    expect((await deadDeliveries())[0]!.last_error).toContain(
      `order ${broken.entity_id} cannot be read: order_currency_code: not an ISO 4217 currency code: ZZZ`,
    );
    expect(await viewOf(broken)).toBeUndefined();
    // Found by every poll, reported once; the poll goes on.
    await poll();
    await poll();
    expect(await deadDeliveries()).toHaveLength(1);
    expect((await deadJobs()).map((j) => j.kind)).toEqual(['channel.delivery']);
  });

  it('sets the source quantities to available-to-promise in batches side by side, waiting out 429s from the store', async () => {
    // Three batches of 25 go out side by side; the store's proxy lets two through a second.
    sim.setRateLimit({ requests: 2, windowMs: 1_000 });
    await connect({ bulk: true, stockBatchSize: 25 });
    await until(
      'Magento in step',
      async () => {
        const levels = await available();
        return [...BULK, 'MUG-BLUE', 'LAMP-OAK'].every((sku) => sim.quantity(sku) === levels[sku]);
      },
      40_000,
    );
    expect([sim.quantity('MUG-BLUE'), sim.quantity('LAMP-OAK'), sim.quantity('BULK-003')]).toEqual([
      20, 5, 5,
    ]);
    expect(sim.calls.map((c) => c.status)).toContain(429);
    const pushes = sim.calls.filter((c) => c.operationId === 'PostV1InventorySourceitems');
    expect(Math.max(...pushes.map((c) => c.items ?? 0))).toBeLessThanOrEqual(25);
  });

  it('its connection test passes, and names refused credentials without echoing them', async () => {
    await connect();
    expect((await t.api('/api/v1/channels/mage/test', { method: 'POST' })).body).toMatchObject({
      ok: true,
      detail: expect.stringContaining('Inventory source default'),
    });
    await connect({ secrets: { accessTokenSecret: 'rotatedaccesstokensecret00000001' } });
    const { body } = await t.api('/api/v1/channels/mage/test', { method: 'POST' });
    expect(body).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringContaining('accessTokenSecret'),
    });
    for (const secret of [...Object.values(INTEGRATION), 'rotatedaccesstokensecret00000001'])
      expect(JSON.stringify(body)).not.toContain(secret);
  });
});
