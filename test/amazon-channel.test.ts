import { afterEach, beforeEach, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { startAmazonSim, type AmazonSim, type SimItemInput, type SimOrder } from '../sim/amazon.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { bulkSkus, channelTest, setupWithChannel } from './support/channel-test.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, SUPPLIER_TOKENS, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const APP = {
  clientId: 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef',
  clientSecret: 'amzn1.oa2-cs.v1.hub-secret-00000000000000000001',
  refreshToken: 'Atzr|hub-refresh-token-000000000000000000001',
};
// MUG-BLUE goes to the supplier "prompt" (ships at once), LAMP-OAK to "flaky" (takes a minute): test/support/hub.ts.
const MUG: SimItemInput = { sku: 'MUG-BLUE', price: '12.99', title: 'Blue mug' };
const LAMP: SimItemInput = { sku: 'LAMP-OAK', price: '89.00', title: 'Oak lamp' };
const BULK = bulkSkus(60);

describeEachDatabase('Amazon as a sales channel, through the Selling Partner API', (dialect) => {
  let t: TestHub;
  let sim: AmazonSim;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
  let placed = 0;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 60_000 } });
    // A seller whose searchOrders plan allows a poll a second (Amazon grants larger plans; x-amzn-RateLimit-Limit says so).
    sim = await startAmazonSim({
      ...APP,
      seed: 7,
      feedProcessingMs: 20,
      usagePlans: { searchOrders: { rate: 1, burst: 20 } },
    });
    // Amazon lists the SKUs the seller sells there; TEE-RED-M is not listed on Amazon.
    sim.seedCatalog(['MUG-BLUE', 'LAMP-OAK', ...BULK], 0);
    placed = 0;
  });
  afterEach(async () => {
    expect(sim.violations).toEqual([]);
    await Promise.all([suppliers.prompt.close(), suppliers.flaky.close(), sim.close()]);
    await t?.close();
  });

  async function connect(options: { bulk?: boolean; notificationApiKey?: string } = {}): Promise<void> {
    const channel = {
      id: 'amz',
      kind: 'amazon',
      name: 'Amazon US',
      currency: 'USD',
      region: 'NA',
      marketplaceIds: [sim.marketplaceId],
      sellerId: sim.sellerId,
      endpoint: sim.url,
      lwaUrl: sim.lwaUrl,
      ...APP,
      ...(options.notificationApiKey && { notificationApiKey: options.notificationApiKey }),
    };
    const urls = { prompt: suppliers.prompt.url, flaky: suppliers.flaky.url };
    const bulk = { skus: options.bulk ? BULK : [], stock: (i: number) => 2 + (i % 3) };
    await t.apply(setupWithChannel(urls, channel, { bulk }));
  }

  const place = (items: SimItemInput[], options: Parameters<AmazonSim['makeOrder']>[2] = {}): SimOrder =>
    sim.makeOrder(placed++, items, options);
  const {
    poll,
    pollIdle,
    viewOf,
    deadDeliveries,
    deadJobs,
    orderCount,
    shipments,
    jobsOf,
    runAgain,
    acceptedBy,
    cancelLine,
    available,
    eventsOf,
  } = channelTest({
    hub: () => t,
    channelId: 'amz',
    platform: 'Amazon',
    externalId: (order: SimOrder) => order.orderId,
    // A poll searches the orders changed since the last: a search answered is a poll run.
    pollReads: () => sim.calls.filter((c) => c.operation === 'searchOrders' && c.status === 200).length,
  });

  it('takes polled orders in once with the money exact, holds the unpaid until paid and the unknown SKU for a person', async () => {
    const paid = place([MUG, LAMP], { quantities: [2, 1], shipping: '4.99' });
    const unpaid = place([MUG], { status: 'PENDING', shipping: '0.00' });
    const unknown = place([{ sku: 'NOT-ON-WAYBILL', price: '3.50' }, MUG], { shipping: '0.00' });
    await connect();
    await until('three orders in', async () => (await orderCount()) === 3);
    await poll();

    const view = await viewOf(paid);
    const [mug, lamp] = paid.items;
    const itemTotal = (i: typeof mug) => i!.gross - i!.discount + i!.tax + i!.shipping + i!.shippingTax;
    expect(view.money.total).toEqual({ amount: itemTotal(mug) + itemTotal(lamp), currency: 'USD' });
    expect(view.money.tax.amount).toBe(mug!.tax + mug!.shippingTax + lamp!.tax);
    expect(view.money.shipping.amount).toBe(499);
    expect(view.money.mismatches).toEqual([]);
    expect(view.lines[0]).toMatchObject({
      sku: 'MUG-BLUE',
      quantity: 2,
      channelLineId: mug!.orderItemId,
      unitPrice: { amount: 1299, currency: 'USD' },
      money: { subtotal: { amount: 2598 }, discount: { amount: mug!.discount } },
    });
    expect(view.shippingAddress).toMatchObject({
      name: paid.address.name,
      postalCode: paid.address.postalCode,
      country: 'US',
    });
    await until(
      'the paid order at its suppliers',
      async () => suppliers.prompt.received.size + suppliers.flaky.received.size >= 2,
    );

    expect((await viewOf(unpaid)).state).toBe('awaiting_payment');
    const held = await viewOf(unknown);
    expect(held.state).toBe('on_hold');
    expect(held.holdReason).toContain('NOT-ON-WAYBILL');

    // Polled again: nothing new, nothing twice.
    await poll();
    expect(await orderCount()).toBe(3);

    sim.update(unpaid.orderId, (o) => (o.status = 'UNSHIPPED'));
    await poll();
    await until('the paid order released', async () => (await viewOf(unpaid)).state !== 'awaiting_payment');
    expect((await viewOf(unpaid)).events.map((e: any) => e.type)).toContain('order.paid');
  });

  it('confirms each shipment once with carrier and tracking, and honours the cancellation a buyer asked for', async () => {
    const shipped = place([MUG], { quantities: [2] });
    const cancelled = place([LAMP], { quantities: [1] });
    await connect();
    await until(
      'the mug shipped and told',
      async () =>
        sim.order(shipped.orderId)!.packages.length === 1 && (await viewOf(shipped))?.state === 'fulfilled',
    );
    const [shipment] = await shipments();
    expect(sim.order(shipped.orderId)!.packages[0]).toMatchObject({
      trackingNumber: shipment!.tracking_number,
      items: [{ orderItemId: shipped.items[0]!.orderItemId, quantity: 2 }],
    });
    expect(sim.order(shipped.orderId)!.status).toBe('SHIPPED');
    // The notice again (an operator's replay): Amazon lists the package already, nothing is confirmed twice.
    const [notify] = await jobsOf('channel.notify');
    await runAgain(notify!.id, 'the replay done');
    expect(sim.calls.filter((c) => c.operation === 'confirmShipment')).toHaveLength(1);

    // The lamp's supplier has it, unshipped; the buyer asks Amazon to cancel.
    await until('the lamp acknowledged', () => acceptedBy(cancelled, 'flaky'));
    const before = structuredClone(sim.order(cancelled.orderId)!);
    sim.update(cancelled.orderId, (o) =>
      o.items.forEach((i) => (i.buyerCancelReason = 'Ordered by mistake')),
    );
    await poll();
    await until('the lamp cancelled', async () => (await viewOf(cancelled)).state === 'cancelled');
    expect((await viewOf(cancelled)).purchaseOrders[0].state).toMatch(/cancel/);
    // A stale copy served later (an older lastUpdatedTime) changes nothing: the newest version won.
    sim.keep(before);
    await poll();
    expect((await viewOf(cancelled)).state).toBe('cancelled');
  });

  it('records a refund of lines Waybill cancels as owed: SP-API has no refund call for a merchant-fulfilled seller', async () => {
    const order = place([LAMP, MUG], { quantities: [1, 1] });
    await connect();
    await until('the lamp acknowledged', () => acceptedBy(order, 'flaky'));
    const cancel = await cancelLine(order, 'LAMP-OAK', 'The lamp is no longer made');
    expect(cancel.status).toBe(200);
    await until('the refund recorded as owed', async () =>
      (await viewOf(order)).events.some((e: any) => e.type === 'channel.refund_owed'),
    );
    const owed = (await viewOf(order)).events.find((e: any) => e.type === 'channel.refund_owed');
    expect(owed.data).toMatchObject({ channelId: 'amz', lines: [{ sku: 'LAMP-OAK', quantity: 1 }] });
  });

  it('passes over an order it cannot read, dead-lettered once naming it, and takes in the good one beside it', async () => {
    const good = place([MUG], { shipping: '0.00' });
    const broken = place([LAMP], { shipping: '0.00' });
    sim.alterServed(broken.orderId, (wire) => {
      const items = wire.orderItems as { proceeds: { breakdowns: { subtotal: { amount: string } }[] } }[];
      items[0]!.proceeds.breakdowns[0]!.subtotal.amount = '89.001';
    });
    await connect();
    await until('the good order in', async () => (await viewOf(good)) !== undefined);
    await until('the unreadable order reported', async () => (await deadDeliveries()).length === 1);
    expect((await deadDeliveries())[0]!.last_error).toContain(
      `order ${broken.orderId} cannot be read: orderItems[0].proceeds.breakdowns[0].subtotal.amount: 89.001 has more decimals`,
    );
    expect(await viewOf(broken)).toBeUndefined();
    // Found by every poll, reported once; the poll goes on.
    await poll();
    await poll();
    expect(await deadDeliveries()).toHaveLength(1);
    expect((await deadJobs()).map((j) => j.kind)).toEqual(['channel.delivery']);
  });

  it("sets Amazon's quantities to available-to-promise by feed and by patch, waits out 429s, and reports SKUs Amazon refuses", async () => {
    sim.refuseListing('BULK-004', 'Restricted Products Policy Violation');
    await connect({ bulk: true });
    const inStep = async (skus: string[]) => {
      const levels = await available();
      return skus.every((sku) => sim.stock(sku) === levels[sku]);
    };
    const listed = [...BULK.filter((s) => s !== 'BULK-004'), 'MUG-BLUE', 'LAMP-OAK'];
    await until('Amazon in step through a feed', () => inStep(listed), 40_000);
    expect(sim.feeds().length).toBeGreaterThanOrEqual(1);
    expect([sim.stock('MUG-BLUE'), sim.stock('LAMP-OAK'), sim.stock('BULK-002')]).toEqual([20, 5, 4]);
    const skipped = async () => (await eventsOf('stock.skipped')).map((data) => JSON.stringify(data));
    await until(
      'the refused and unlisted SKUs reported',
      async () => {
        const reported = (await skipped()).join(' ');
        return reported.includes('BULK-004') && reported.includes('TEE-RED-M');
      },
      40_000,
    );
    expect((await skipped()).join(' ')).toContain('Restricted Products Policy Violation');

    // One order moves one SKU: a patch, sent again after Amazon's 429s.
    sim.throttle('patchListingsItem', 2);
    place([MUG], { quantities: [3] });
    await poll();
    await until('the mug patched to 17', async () => sim.stock('MUG-BLUE') === 17);
    const patches = sim.calls.filter((c) => c.operation === 'patchListingsItem');
    expect(patches.filter((c) => c.status === 429)).toHaveLength(2);
    expect(patches.at(-1)!.status).toBe(200);
  });

  it('prints the seller of record on the packing slip of an Amazon order: the retailer, no supplier, no third party', async () => {
    const order = place([MUG], { quantities: [1] });
    await connect();
    await until(
      'the purchase order sent',
      async () => (await viewOf(order))?.purchaseOrders[0]?.poNumber !== undefined,
    );
    const { poNumber } = (await viewOf(order)).purchaseOrders[0];
    const answer = await fetch(`${t.url}/supplier-api/v1/purchase-orders/${poNumber}/packing-slip`, {
      headers: { authorization: `Bearer ${SUPPLIER_TOKENS.prompt}` },
    });
    expect(answer.status).toBe(200);
    const pdf = await getDocument({ data: new Uint8Array(await answer.arrayBuffer()), useSystemFonts: false })
      .promise;
    const text = (await (await pdf.getPage(1)).getTextContent()).items
      .map((i) => ('str' in i ? i.str : ''))
      .join(' ');
    await pdf.destroy();
    expect(text).toContain('Test Retailer');
    expect(text).toContain(order.orderId);
    expect(text).toContain(order.address.name);
    expect(text).not.toMatch(/Prompt Supply|P-MUG-1|Waybill/);
    expect(text).not.toContain(poNumber);
  });

  it('its connection test passes, and names a revoked authorisation as one to give again, never the secrets', async () => {
    await connect();
    expect((await t.api('/api/v1/channels/amz/test', { method: 'POST' })).body).toMatchObject({
      ok: true,
      detail: expect.stringContaining(sim.sellerId),
    });
    sim.revokeAuthorization();
    const { body } = await t.api('/api/v1/channels/amz/test', { method: 'POST' });
    expect(body).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringMatching(/invalid_grant.*refreshToken/),
    });
    for (const secret of [APP.refreshToken, APP.clientSecret])
      expect(JSON.stringify(body)).not.toContain(secret);
  });

  it("takes an ORDER_CHANGE from the seller's EventBridge destination as a wake-up of the poll; a wrong key is refused", async () => {
    const key = 'eventbridge-api-key-0000000000000001';
    await connect({ notificationApiKey: key });
    await until('the first poll done', pollIdle);
    const order = place([MUG]);
    const url = `${t.url}/webhooks/amazon/amz/order-change`;
    expect(await sim.sendOrderChange(url, 'not-the-eventbridge-key-00000000000', order.orderId)).toBe(401);
    expect(await orderCount()).toBe(0);
    // The poll is minutes apart: only the notification brings it forward.
    expect(await sim.sendOrderChange(url, key, order.orderId)).toBe(200);
    await until('the order the notification named, taken in', async () => (await orderCount()) === 1);
    expect((await viewOf(order))?.externalId).toBe(order.orderId);
  });
});
