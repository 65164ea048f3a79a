import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  startBigCommerceSim,
  type BigCommerceItem,
  type BigCommerceSim,
  type SimOrder,
} from '../sim/bigcommerce.ts';
import type { SupplierSim } from '../sim/supplier.ts';
import { bulkSkus, channelTest, setupWithChannel } from './support/channel-test.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const TOKEN = 'bc-hub-access-token-00000001';
const HOOK_TOKEN = 'bc-hub-webhook-token-0123456789ab';
// MUG-BLUE goes to the supplier "prompt", LAMP-OAK to "flaky" (test/support/hub.ts). TEE-RED-M is not in the store.
const MUG: BigCommerceItem = { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' };
const LAMP: BigCommerceItem = { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp' };
const BULK = bulkSkus(120);

describeEachDatabase(
  'BigCommerce as a sales channel: order hooks, the Orders API, payment actions, variants',
  (dialect) => {
    let t: TestHub;
    let sim: BigCommerceSim;
    let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
    let placed = 0;

    beforeEach(async () => {
      t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
      suppliers = await startTestSuppliers(t.url);
      // A store on a plan smaller than Standard's 150 per 30 s, so the quota is met within a test.
      sim = await startBigCommerceSim({
        accessToken: TOKEN,
        seed: 5,
        rateLimit: { quota: 40, windowMs: 1_000 },
      });
      sim.seedCatalog(['MUG-BLUE', 'LAMP-OAK'], 0);
      sim.createHook({
        scope: 'store/order/*',
        destination: `${t.url}/webhooks/bigcommerce/bc/orders`,
        headers: { 'X-Waybill-Webhook-Token': HOOK_TOKEN },
      });
      placed = 0;
    });
    afterEach(async () => {
      expect(sim.violations).toEqual([]);
      await sim.settled();
      await Promise.all([suppliers.prompt.close(), suppliers.flaky.close(), sim.close()]);
      await t?.close();
    });

    async function connect(extra: Record<string, unknown> = {}, bulk = false): Promise<void> {
      const channel = {
        id: 'bc',
        kind: 'bigcommerce',
        name: 'BigCommerce store',
        currency: 'USD',
        storeHash: sim.storeHash,
        apiUrl: sim.url,
        accessToken: TOKEN,
        webhookToken: HOOK_TOKEN,
        ...extra,
      };
      const urls = { prompt: suppliers.prompt.url, flaky: suppliers.flaky.url };
      const products = { skus: bulk ? BULK : [], stock: (i: number) => 1 + (i % 9) };
      await t.apply(setupWithChannel(urls, channel, { bulk: products, publicUrl: t.url }));
    }

    const make = (items: BigCommerceItem[], options: Parameters<BigCommerceSim['makeOrder']>[2] = {}) =>
      sim.makeOrder(placed++, items, options);
    const {
      viewOf,
      orderCount,
      deadLetters,
      deadDeliveries,
      available,
      eventsOf,
      refundsOf,
      shipments,
      wakePoll,
      poll: pollAgain,
    } = channelTest({
      hub: () => t,
      channelId: 'bc',
      platform: 'BigCommerce',
      externalId: (order: SimOrder) => String(order.id),
      // Each page of the poll ends with the refunds made at the store meanwhile.
      pollReads: () => sim.calls.filter((c) => c.operationId === 'getrefunds' && c.status === 200).length,
    });
    const charged = (order: SimOrder) =>
      order.products.reduce((n, p) => n + p.gross - p.discount + p.tax, 0) +
      order.addresses.reduce((n, a) => n + a.cost + a.costTax, 0);

    it("takes an order its hook told of once, money exact; tells BigCommerce of each parcel with tracking; its stock follows Waybill's", async () => {
      await connect();
      const order = make([MUG, LAMP], { quantities: [2, 1] });
      const [callback] = await sim.place(order);
      expect(callback).toMatchObject({ delivered: true, statuses: [200] });
      await until('the order in', async () => (await viewOf(order)) !== undefined);
      const view = await viewOf(order);
      expect(view.money.total).toEqual({ amount: charged(order), currency: 'USD' });
      expect(view.money.mismatches).toEqual([]);
      expect(view.lines.map((l: any) => [l.sku, l.quantity, l.channelLineId])).toEqual(
        order.products.map((p) => [p.sku, p.quantity, String(p.id)]),
      );
      // The same callback again (BigCommerce retries, or sends twice): the poll finds nothing new.
      const again = await t.api('/webhooks/bigcommerce/bc/orders', {
        key: null,
        rawBody: callback!.body,
        headers: { 'x-waybill-webhook-token': HOOK_TOKEN },
      });
      expect(again).toMatchObject({ status: 200, body: { status: 'accepted' } });

      await until('both parcels told', () => sim.order(order.id)!.shipments.length === 2);
      const parcels = await shipments();
      expect(
        sim
          .order(order.id)!
          .shipments.map((s) => s.trackingNumber)
          .sort(),
      ).toEqual(parcels.map((s) => s.tracking_number).sort());
      expect(
        sim
          .order(order.id)!
          .shipments.every((s) => s.trackingCarrier === 'ups' && s.comments.includes('[waybill ')),
      ).toBe(true);
      expect(sim.order(order.id)!.statusId).toBe(2);
      await until('fulfilled', async () => (await viewOf(order)).state === 'fulfilled');
      expect(await orderCount()).toBe(1);

      await until('stock in step', async () => {
        const atp = await available();
        return (
          sim.variant('MUG-BLUE')!.level === atp['MUG-BLUE'] &&
          sim.variant('LAMP-OAK')!.level === atp['LAMP-OAK']
        );
      });
      const skipped = await eventsOf('stock.skipped');
      expect(skipped[0]).toEqual({
        channelId: 'bc',
        skipped: [{ sku: 'TEE-RED-M', reason: 'BigCommerce has no product variant with this SKU' }],
      });
      expect(await deadLetters()).toEqual([]);
    });

    it('holds an unpaid order until BigCommerce says it is paid, cancels what the store cancelled, holds an unknown SKU, refuses a wrong token', async () => {
      await connect();
      const unpaid = make([MUG], { statusId: 7 });
      const cancelled = make([MUG], { statusId: 7 });
      const unknown = make([{ sku: 'NOT-ON-WAYBILL', price: '3.50' }, MUG]);
      for (const order of [unpaid, cancelled, unknown]) await sim.place(order);
      await until('three orders in', async () => (await orderCount()) === 3);
      expect((await viewOf(unpaid)).state).toBe('awaiting_payment');
      expect((await viewOf(unknown)).state).toBe('on_hold');
      expect((await viewOf(unknown)).holdReason).toContain('NOT-ON-WAYBILL');

      await sim.update(unpaid.id, { statusId: 11 });
      await until('paid, routed', async () => (await viewOf(unpaid)).state !== 'awaiting_payment');
      await until(
        'the cancelled one routed first',
        async () => (await viewOf(cancelled)).state !== 'received',
      );
      await sim.update(cancelled.id, { statusId: 5 });
      await until(
        'cancelled at the store, cancelled here',
        async () => (await viewOf(cancelled)).state === 'cancelled',
      );

      const forged = await t.api('/webhooks/bigcommerce/bc/orders', {
        key: null,
        body: { scope: 'store/order/created', data: { type: 'order', id: 1 } },
        headers: { 'x-waybill-webhook-token': 'not-the-token-00000000000000' },
      });
      expect(forged.status).toBe(401);
      const notAnOrder = await t.api('/webhooks/bigcommerce/bc/orders', {
        key: null,
        body: { scope: 'store/product/updated', data: { type: 'product', id: 1 } },
        headers: { 'x-waybill-webhook-token': HOOK_TOKEN },
      });
      expect(notAnOrder.status).toBe(400);
      expect(await orderCount()).toBe(3);
    });

    it('refunds a line cancelled for want of stock through BigCommerce once; finds by its poll an order whose callback never came', async () => {
      await connect({ backorderPolicy: 'cancel' });
      // 9 oak lamps, 5 to be had: that line is cancelled and refunded at BigCommerce.
      const short = make([MUG, LAMP], { quantities: [1, 9] });
      await sim.place(short);
      await until('refunded', async () =>
        (await viewOf(short))?.events.some((e: any) => e.type === 'channel.refunded'),
      );
      const event = (await viewOf(short)).events.find((e: any) => e.type === 'channel.refunded');
      const [refund] = sim.refunds(short.id);
      expect(sim.refunds(short.id)).toHaveLength(1);
      expect(refund).toMatchObject({
        total: event.data.amount.amount,
        payments: [expect.objectContaining({ provider_id: 'testgateway' })],
      });
      expect(refund!.reason).toContain(`[waybill ${event.data.refundId}]`);
      const lamp = short.products[1]!;
      expect(event.data.amount.amount).toBe(lamp.gross - lamp.discount + lamp.tax);
      expect(sim.order(short.id)!.products[1]!.refunded).toBe(9);

      const lost = make([MUG]);
      sim.placeQuietly(lost);
      await wakePoll();
      await until('the lost one found', async () => (await viewOf(lost)) !== undefined);
      expect(await deadLetters()).toEqual([]);
    });

    it('applies a refund made in the control panel once, however often the poll finds it, and never doubles one Waybill made', async () => {
      await connect({ backorderPolicy: 'cancel' });
      // 9 oak lamps, 5 to be had: Waybill cancels that line and refunds it through BigCommerce.
      const order = make([MUG, LAMP], { quantities: [2, 9] });
      await sim.place(order);
      await until('refunded by Waybill', async () =>
        (await viewOf(order))?.events.some((e: any) => e.type === 'channel.refunded'),
      );
      // Then the merchant refunds a mug in the control panel; its hooks wake the poll.
      const mug = order.products[0]!;
      const panel = await sim.refundInControlPanel(order.id, [{ productId: mug.id, quantity: 1 }], 'Chipped');
      const applied = async () =>
        ((await viewOf(order)).events as any[]).filter((e) => e.type === 'order.refunded_at_channel');
      await until('the control panel refund applied', async () => (await applied()).length > 0);
      await pollAgain();
      await pollAgain();

      const [waybill] = sim.refunds(order.id);
      const ours = (await viewOf(order)).events.find((e: any) => e.type === 'channel.refunded');
      expect(waybill!.reason).toContain(`[waybill ${ours.data.refundId}]`);
      expect(await refundsOf(order, { lines: true })).toEqual([
        {
          refund_id: String(panel.id),
          origin: 'channel',
          amount: panel.total,
          lines: [{ lineNumber: 1, sku: 'MUG-BLUE', quantity: 1 }],
        },
        {
          refund_id: ours.data.refundId,
          origin: 'waybill',
          amount: waybill!.total,
          lines: [{ lineNumber: 2, sku: 'LAMP-OAK', quantity: 9 }],
        },
      ]);
      expect((await applied()).map((e) => e.data)).toEqual([
        {
          refundId: String(panel.id),
          amount: { amount: panel.total, currency: 'USD' },
          lines: [{ lineNumber: 1, sku: 'MUG-BLUE', quantity: 1 }],
        },
      ]);
      // One of two mugs refunded: the line stays; only Waybill's refund of the lamps went in as one of its own.
      expect((await viewOf(order)).lines[0].state).not.toBe('cancelled');
      const inbox = await t.hub.store.db
        .selectFrom('channel_deliveries')
        .select('delivery_id')
        .where('topic', '=', 'waybill/polled-refund')
        .execute();
      expect(inbox.map((d) => d.delivery_id)).toEqual([`poll-refund:${panel.id}`]);
      expect(await deadLetters()).toEqual([]);
    });

    it('reports an order it cannot read as a dead delivery naming the field, and takes in the good one on its page', async () => {
      await connect();
      const bad = make([MUG]);
      const good = make([LAMP]);
      sim.placeQuietly(bad);
      sim.placeQuietly(good);
      // Another app wrote the bad one's date in its own format; the change's hook wakes the poll, which finds both.
      await sim.writeFields(bad.id, { order: { date_created: '2026-12-01 10:00:00' } });
      await until('the good one in', async () => (await viewOf(good)) !== undefined);
      await until('the bad one reported', async () => (await deadDeliveries()).length > 0);
      await pollAgain();
      expect((await deadDeliveries()).map((j) => j.last_error)).toEqual([
        expect.stringContaining(
          `order ${bad.id} cannot be read: date_created: must be an RFC 2822 date like "Tue, 05 Mar 2019 21:40:11 +0000"`,
        ),
      ]);
      expect(await viewOf(bad)).toBeUndefined();
      expect((await deadLetters()).map((d) => d.kind)).toEqual(['channel.delivery']);
    });

    it("sets every level within the store's quota, waiting out the 429s when other apps spend it", async () => {
      sim.seedCatalog(BULK, 0);
      // Another app of the store spends the window's quota three times: Waybill meets 429s, and waits for the reset.
      sim.fault('updateVariantsBatch', { kind: 'quota-spent' }, 3);
      await connect({}, true);
      await until(
        'every level in the store',
        async () => {
          const atp = await available();
          return BULK.every((sku) => sim.variant(sku)!.level === atp[sku]);
        },
        30_000,
      );
      expect(sim.calls.filter((c) => c.outcome === 'quota-spent-by-others').length).toBeGreaterThanOrEqual(3);
      // Waybill itself never sent more than a window's quota: each 429 it met was in a window another app spent.
      expect(sim.calls.filter((c) => c.outcome === 'rate-limited')).toEqual([]);
      expect(await deadLetters()).toEqual([]);
    });

    it('the connection test names a refused token without echoing it; a hook BigCommerce deactivated is reported', async () => {
      await connect();
      expect((await t.api('/api/v1/channels/bc/test', { method: 'POST' })).body).toMatchObject({ ok: true });
      const doc: any = testSetup({ prompt: suppliers.prompt.url, flaky: suppliers.flaky.url });
      doc.channels.push({
        id: 'bc-old',
        kind: 'bigcommerce',
        name: 'Old token',
        currency: 'USD',
        storeHash: sim.storeHash,
        apiUrl: sim.url,
        accessToken: 'revoked-token-00000000000001',
      });
      await t.apply(doc);
      const { body } = await t.api('/api/v1/channels/bc-old/test', { method: 'POST' });
      expect(body).toMatchObject({ ok: false, reason: 'unauthorized' });
      expect(body.detail).toContain("check the channel's accessToken");
      expect(JSON.stringify(body)).not.toContain('revoked-token-00000000000001');

      // BigCommerce deactivates a hook whose callbacks failed for 48 hours (the simulator's own tests go through that).
      const hook = sim.hook(1)!;
      sim.updateHook(hook.id, { isActive: false });
      await wakePoll();
      await until(
        'the broken hook reported',
        async () => (await eventsOf('channel.webhooks_broken')).length > 0,
      );
      const [broken] = await eventsOf('channel.webhooks_broken');
      expect(broken.webhooks).toEqual([
        { topic: 'store/order/created', status: 'disabled', id: String(hook.id) },
        { topic: 'store/order/updated', status: 'disabled', id: String(hook.id) },
      ]);
    });
  },
);
