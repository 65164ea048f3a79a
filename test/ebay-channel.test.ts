import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  startEbaySim,
  type EbayItem,
  type EbayOrderOptions,
  type EbaySim,
  type EbaySimOrder,
} from '../sim/ebay.ts';
import { parseMinor } from '../sim/money.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { bulkSkus, channelTest, setupWithChannel } from './support/channel-test.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const APP = { clientId: 'Waybill-Hub-PRD-0123456789' };
const SELLER = {
  clientSecret: 'PRD-hub-secret-0123456789',
  refreshToken: 'v^1.1#i^1#r^1#hub-refresh-0123456789',
};
// MUG-BLUE goes to the supplier "prompt" (ships at once), LAMP-OAK to "flaky" (takes a minute): test/support/hub.ts.
const MUG: EbayItem = { sku: 'MUG-BLUE', price: '12.99', title: 'Blue mug' };
const LAMP: EbayItem = { sku: 'LAMP-OAK', price: '89.00', title: 'Oak lamp' };
const BULK = bulkSkus(120);

describeEachDatabase('eBay as a sales channel, through the Sell APIs', (dialect) => {
  let t: TestHub;
  let sim: EbaySim;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
  let placedCount = 0;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 60_000 } });
    sim = await startEbaySim({ ...APP, ...SELLER, seed: 11 });
    // eBay knows the listed SKUs; TEE-RED-M is not listed there.
    sim.seedCatalog(['MUG-BLUE', 'LAMP-OAK', ...BULK], 0);
    placedCount = 0;
  });
  afterEach(async () => {
    expect(sim.violations).toEqual([]);
    await Promise.all([suppliers.prompt.close(), suppliers.flaky.close(), sim.close()]);
    await t?.close();
  });

  /** The setup document with the eBay channel (it takes the simulator's loopback address as apiUrl). */
  async function connect(options: { bulk?: boolean; pricing?: object } = {}): Promise<void> {
    const channel = {
      id: 'ebay',
      kind: 'ebay',
      name: 'eBay US',
      currency: 'USD',
      apiUrl: sim.url,
      ...APP,
      marketplaceId: 'EBAY_US',
      ...SELLER,
    };
    const urls = { prompt: suppliers.prompt.url, flaky: suppliers.flaky.url };
    const bulk = { skus: options.bulk ? BULK : [], stock: (i: number) => 3 + (i % 4) };
    const doc = setupWithChannel(urls, channel, { bulk });
    await t.apply(options.pricing ? { ...doc, pricing: options.pricing } : doc);
  }

  /** An order as eBay has it after checkout, last modified a moment ago (the poll reads up to its start). */
  function place(items: EbayItem[], options: EbayOrderOptions = {}): EbaySimOrder {
    const order = sim.makeOrder(placedCount++, items, options);
    const at = new Date(Date.now() - 2_000 + placedCount).toISOString();
    return sim.keep({ ...order, creationDate: at, lastModifiedDate: at });
  }

  const {
    poll,
    viewOf,
    refundsOf,
    eventsOf,
    deadDeliveries,
    deadJobs,
    orderCount,
    shipments,
    jobsOf,
    runAgain,
    acceptedBy,
    cancelLine,
    available,
  } = channelTest({
    hub: () => t,
    channelId: 'ebay',
    platform: 'eBay',
    externalId: (order: EbaySimOrder) => order.orderId,
    pollReads: () => sim.calls.filter((c) => c.operationId === 'getOrders').length,
  });
  const minor = (amount: { value: string }) =>
    parseMinor(amount.value.replace(/^-/, ''), 2) * (amount.value.startsWith('-') ? -1 : 1);

  it('takes polled orders in once with the money exact, holds the unpaid until paid and the unknown SKU for a person', async () => {
    const paid = place([MUG, LAMP], { quantities: [2, 1], deliveryCost: '5.99' });
    const unpaid = place([MUG], { unpaid: true, deliveryCost: '0.00' });
    const unknown = place([{ sku: 'NOT-ON-WAYBILL', price: '3.50' }, MUG]);
    await connect();
    await until('three orders in', async () => (await orderCount()) === 3);
    await poll();

    const view = await viewOf(paid);
    expect(view.money.total).toEqual({ amount: minor(paid.pricingSummary.total!), currency: 'USD' });
    expect(view.money.tax.amount).toBe(minor(paid.pricingSummary.tax ?? { value: '0.00' }));
    expect(view.money.shipping.amount).toBe(599);
    expect(view.money.mismatches).toEqual([]);
    const [mug] = paid.lineItems;
    expect(view.lines[0]).toMatchObject({
      sku: 'MUG-BLUE',
      quantity: 2,
      channelLineId: mug!.lineItemId,
      unitPrice: { amount: 1299, currency: 'USD' },
      money: {
        subtotal: { amount: 2598 },
        discount: { amount: minor(mug!.appliedPromotions[0]?.discountAmount ?? { value: '0.00' }) },
      },
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

    sim.pay(unpaid.orderId);
    await poll();
    await until('the paid order released', async () => (await viewOf(unpaid)).state !== 'awaiting_payment');
    expect((await viewOf(unpaid)).events.map((e: any) => e.type)).toContain('order.paid');
  });

  it('tells eBay each shipment once with carrier and tracking, and honours a cancellation the buyer asked for', async () => {
    const shipped = place([MUG], { quantities: [2] });
    const cancelled = place([LAMP], { quantities: [1] });
    await connect();
    await until(
      'the mug shipped and told',
      async () =>
        sim.fulfillments(shipped.orderId).length === 1 && (await viewOf(shipped))?.state === 'fulfilled',
    );
    const [parcel] = await shipments();
    expect(sim.fulfillments(shipped.orderId)).toEqual([
      expect.objectContaining({
        shipmentTrackingNumber: parcel!.tracking_number,
        // eBay's carrier codes: UPS, USPS and FedEx as eBay writes them, DHL as DHL.
        shippingCarrierCode: expect.stringMatching(/^(UPS|USPS|FedEx|DHL)$/),
        lineItems: [{ lineItemId: shipped.lineItems[0]!.lineItemId, quantity: 2 }],
      }),
    ]);
    // The notice again (an operator's replay): eBay has it already, nothing is written twice.
    const [notify] = await jobsOf('channel.notify');
    await runAgain(notify!.id, 'the replay done');
    expect(sim.fulfillments(shipped.orderId)).toHaveLength(1);
    expect(sim.calls.filter((c) => c.operationId === 'createShippingFulfillment')).toHaveLength(1);

    // The lamp's supplier has it, unshipped; the buyer asks eBay to cancel.
    await until('the lamp acknowledged', () => acceptedBy(cancelled, 'flaky'));
    const before = structuredClone(sim.order(cancelled.orderId)!);
    sim.requestCancel(cancelled.orderId);
    await poll();
    await until('the lamp cancelled', async () => (await viewOf(cancelled)).state === 'cancelled');
    expect((await viewOf(cancelled)).purchaseOrders[0].state).toMatch(/cancel/);
    // A stale copy of the order served later (older lastModifiedDate) changes nothing: the newest version won.
    sim.keep(before);
    await poll();
    expect((await viewOf(cancelled)).state).toBe('cancelled');
  });

  it("refunds lines Waybill cancels through issueRefund, the seller's share without the tax eBay collected", async () => {
    const order = place([LAMP, MUG], { quantities: [1, 1] });
    await connect();
    await until('the lamp acknowledged', () => acceptedBy(order, 'flaky'));
    const cancel = await cancelLine(order, 'LAMP-OAK', 'The lamp is no longer made');
    expect(cancel.status).toBe(200);
    await until(
      'eBay refunded the lamp',
      async () => (sim.order(order.orderId)!.lineItems[0]!.refunds ?? []).length === 1,
    );
    const lamp = sim.order(order.orderId)!.lineItems[0]!;
    const net = minor(lamp.discountedLineItemCost ?? lamp.lineItemCost);
    expect(lamp.refunds![0]!.amount).toEqual({ value: (net / 100).toFixed(2), currency: 'USD' });
    expect(sim.order(order.orderId)!.orderPaymentStatus).toBe('PARTIALLY_REFUNDED');
    expect(sim.calls.filter((c) => c.operationId === 'issueRefund')).toHaveLength(1);

    // The poll finds that refund on the order: Waybill's own, recorded under eBay's id, not applied a second time.
    await until('the refund recorded', async () => (await refundsOf(order)).length === 1);
    await poll();
    await poll();
    expect(await refundsOf(order)).toEqual([
      { refund_id: lamp.refunds![0]!.refundId, origin: 'waybill', amount: expect.any(Number) },
    ]);
    expect(await eventsOf('order.refunded_at_channel')).toEqual([]);
  });

  it('applies a refund made at eBay once, however often the poll finds it: the line refunded whole is cancelled', async () => {
    const order = place([MUG, LAMP], { quantities: [1, 1] });
    await connect();
    await until('the lamp acknowledged', () => acceptedBy(order, 'flaky'));
    const lamp = order.lineItems[1]!;
    const refundId = sim.refundAtEbay(order.orderId, {
      lineItems: [
        { lineItemId: lamp.lineItemId, value: (lamp.discountedLineItemCost ?? lamp.lineItemCost).value },
      ],
    });
    await poll();
    await poll();
    expect(await refundsOf(order)).toEqual([
      {
        refund_id: refundId,
        origin: 'channel',
        amount: minor(lamp.discountedLineItemCost ?? lamp.lineItemCost),
      },
    ]);
    expect(await eventsOf('order.refunded_at_channel')).toEqual([
      {
        refundId,
        amount: { amount: minor(lamp.discountedLineItemCost ?? lamp.lineItemCost), currency: 'USD' },
        lines: [{ lineNumber: 2, sku: 'LAMP-OAK', quantity: 1 }],
      },
    ]);
    await until(
      'the lamp line cancelled',
      async () => (await viewOf(order)).lines.find((l: any) => l.sku === 'LAMP-OAK').state === 'cancelled',
    );
  });

  it('passes over an order it cannot read, dead-lettered once naming it, and takes in the good one beside it', async () => {
    const good = place([MUG]);
    const broken = place([LAMP]);
    sim.keep({
      ...broken,
      pricingSummary: { ...broken.pricingSummary, total: { value: '89.001', currency: 'USD' } },
    });
    await connect();
    await until('the good order in', async () => (await viewOf(good)) !== undefined);
    await until('the unreadable order reported', async () => (await deadDeliveries()).length === 1);
    expect((await deadDeliveries())[0]!.last_error).toMatch(
      new RegExp(
        `order ${broken.orderId} cannot be read: pricingSummary\\.total: "?89\\.001"? has more decimals`,
      ),
    );
    expect(await viewOf(broken)).toBeUndefined();
    // Found by every poll, reported once; the poll goes on.
    await poll();
    await poll();
    expect(await deadDeliveries()).toHaveLength(1);
    expect((await deadJobs()).map((j) => j.kind)).toEqual(['channel.delivery']);
  });

  it("sets eBay's quantities to available-to-promise 25 SKUs a call, waits out 429s, and reports SKUs eBay lacks", async () => {
    sim.throttle(3);
    await connect({ bulk: true });
    await until(
      'eBay in step',
      async () => {
        const levels = await available();
        return [...BULK, 'MUG-BLUE', 'LAMP-OAK'].every((sku) => sim.stock(sku) === levels[sku]);
      },
      40_000,
    );
    expect([sim.stock('MUG-BLUE'), sim.stock('LAMP-OAK'), sim.stock('BULK-002')]).toEqual([20, 5, 5]);
    const pushes = sim.calls.filter((c) => c.operationId === 'bulkUpdatePriceQuantity');
    expect(pushes.some((c) => c.status === 429)).toBe(true);
    expect(Math.max(...pushes.map((c) => c.skus ?? 0))).toBeLessThanOrEqual(25);
    await until('TEE-RED-M reported as skipped', async () =>
      (await eventsOf('stock.skipped')).some((data) => JSON.stringify(data).includes('TEE-RED-M')),
    );
  });

  it("prices the SKUs' eBay offers from Waybill's pricing rules, 25 a call, and reports a SKU eBay has no offer of", async () => {
    await connect({
      bulk: true,
      pricing: { channels: [{ channel: 'ebay', rounding: 'to_99' }], rules: [{ match: {}, markup: '2' }] },
    });
    const ruled = async () =>
      Object.fromEntries(
        (
          await t.hub.store.db
            .selectFrom('channel_prices')
            .select(['sku', 'amount', 'currency'])
            .where('channel_id', '=', 'ebay')
            .execute()
        ).map((r) => [r.sku, { value: (Number(r.amount) / 100).toFixed(2), currency: r.currency }]),
      );
    const offerPrice = (sku: string) =>
      sim.offers(sku).find((o) => o.marketplaceId === 'EBAY_US')?.pricingSummary.price;
    const wanted = await ruled();
    expect(Object.keys(wanted)).toEqual(expect.arrayContaining(['MUG-BLUE', 'LAMP-OAK', 'TEE-RED-M']));
    await until(
      "eBay's offers have the rule prices",
      () =>
        ['MUG-BLUE', 'LAMP-OAK', ...BULK].every(
          (sku) => JSON.stringify(offerPrice(sku)) === JSON.stringify(wanted[sku]),
        ),
      25_000,
      () => JSON.stringify({ wanted, mug: offerPrice('MUG-BLUE'), lamp: offerPrice('LAMP-OAK') }),
    );
    await until('TEE-RED-M reported as skipped', async () =>
      (await eventsOf('prices.skipped')).some((e) =>
        e.skipped.some(
          (s: any) => s.sku === 'TEE-RED-M' && s.reason === 'eBay has no offer of it on EBAY_US',
        ),
      ),
    );
    const pushes = sim.calls.filter((c) => c.operationId === 'bulkUpdatePriceQuantity');
    expect(Math.max(...pushes.map((c) => c.skus ?? 0))).toBe(25);
  });

  it('its connection test passes, and names a revoked refresh token as consent to give again, never the secret', async () => {
    await connect();
    expect((await t.api('/api/v1/channels/ebay/test', { method: 'POST' })).body).toMatchObject({ ok: true });
    sim.revokeRefreshToken();
    const { body } = await t.api('/api/v1/channels/ebay/test', { method: 'POST' });
    expect(body).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringMatching(/consent again.*refreshToken/),
    });
    expect(JSON.stringify(body)).not.toContain(SELLER.refreshToken);
    expect(JSON.stringify(body)).not.toContain(SELLER.clientSecret);
  });
});
