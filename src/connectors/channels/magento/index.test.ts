import { afterEach, describe, expect, it } from 'vitest';
import { startMagentoSim, type MagentoIntegration, type MagentoSim } from '../../../../sim/magento.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import type { FulfilmentNotice, RefundNotice, SalesChannel } from '../sales-channel.ts';
import { magento } from './index.ts';
import { POLL_PAGE_SIZE } from './poll.ts';

const CHANNEL = 'mage' as ChannelId;
const INTEGRATION: MagentoIntegration = {
  consumerKey: 'k'.repeat(32),
  consumerSecret: 's'.repeat(32),
  accessToken: 't'.repeat(32),
  accessTokenSecret: 'u'.repeat(32),
};
const SECRETS = {
  consumerKey: INTEGRATION.consumerKey,
  consumerSecret: INTEGRATION.consumerSecret,
  accessToken: INTEGRATION.accessToken,
  accessTokenSecret: INTEGRATION.accessTokenSecret,
};
const MUG = { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' };
const LAMP = { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp' };
const options = () => ({ signal: AbortSignal.timeout(20_000), now: new Date() });

describe('the Magento channel against the simulated store', () => {
  const sims: MagentoSim[] = [];
  afterEach(async () => Promise.all(sims.splice(0).map((s) => s.close())));
  async function connect(
    config: Record<string, unknown> = {},
    simOptions: Partial<Parameters<typeof startMagentoSim>[0]> = {},
  ): Promise<{ sim: MagentoSim; channel: SalesChannel }> {
    const sim = await startMagentoSim({ integration: INTEGRATION, ...simOptions });
    sims.push(sim);
    return { sim, channel: magento.open(CHANNEL, { baseUrl: sim.url, ...config }, SECRETS) };
  }

  it('polls every order changed since, oldest change first, and skips none saved again while it pages', async () => {
    let clock = Date.now() - 120_000;
    const { sim, channel } = await connect({}, { now: () => clock });
    const placed = Array.from({ length: POLL_PAGE_SIZE + 5 }, (_, i) => sim.placeOrder(i, [MUG]));
    clock += 300_000;
    const since = new Date(Date.parse(`${String(placed[0]!.created_at).replace(' ', 'T')}Z`) - 1_000);
    const first = await channel.pollOrders!({ updatedAfter: since, cursor: null }, options());
    expect(first.orders).toHaveLength(POLL_PAGE_SIZE);
    // Between two pages: an order already read and one not yet read are both saved again.
    sim.change(placed[3]!.entity_id, (o) => (o.status = 'processing'));
    sim.change(placed[POLL_PAGE_SIZE + 1]!.entity_id, (o) => (o.status = 'processing'));
    const seen = first.orders.map((o) => o.incoming.externalId);
    let cursor = first.next;
    while (cursor) {
      const page = await channel.pollOrders!({ updatedAfter: since, cursor }, options());
      seen.push(...page.orders.map((o) => o.incoming.externalId));
      cursor = page.next;
    }
    expect(new Set(seen)).toEqual(new Set(placed.map((o) => String(o.entity_id))));
    expect(seen.filter((id) => id === String(placed[3]!.entity_id))).toHaveLength(2);
    expect(sim.violations).toEqual([]);
    expect(sim.calls.every((c) => c.auth === 'oauth')).toBe(true);
  });

  it('tells a shipment once, its answer lost on the first try, with the carrier and tracking number', async () => {
    const { sim, channel } = await connect();
    const order = sim.placeOrder(1, [MUG, LAMP], { quantities: [2, 1] });
    const notice: FulfilmentNotice = {
      eventId: 'ev-1',
      orderId: 'o-1',
      externalId: String(order.entity_id),
      orderState: 'partially_fulfilled',
      createdAt: new Date(),
      shipment: {
        id: 'shp-1',
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        lines: [{ sku: 'MUG-BLUE', quantity: 2 }],
      },
    };
    sim.fault('ship', { kind: 'lose-answer' });
    await expect(channel.notifyFulfilment(notice, options())).rejects.toThrow(/no answer from Magento/);
    await channel.notifyFulfilment(notice, options());
    await channel.notifyFulfilment(notice, options());
    const shipments = sim.shipments(order.entity_id);
    expect(shipments).toHaveLength(1);
    expect(shipments[0]).toMatchObject({
      items: [{ order_item_id: order.items[0]!.item_id, qty: 2 }],
      tracks: [{ track_number: '1Z999AA10123456784', carrier_code: 'ups', title: 'UPS' }],
      extension_attributes: { source_code: 'default' },
    });
    // More units than Magento has left: refused for good, naming the SKU.
    await expect(
      channel.notifyFulfilment(
        {
          ...notice,
          shipment: { ...notice.shipment, trackingNumber: 'X2', lines: [{ sku: 'MUG-BLUE', quantity: 1 }] },
        },
        options(),
      ),
    ).rejects.toThrow(/0 unit\(s\) of MUG-BLUE left to ship/);
    expect(sim.violations).toEqual([]);
  });

  it('refunds with one credit memo however often it is asked, marked with the refund id, shipping left alone', async () => {
    const { sim, channel } = await connect();
    const order = sim.placeOrder(2, [MUG, LAMP], { quantities: [3, 1] });
    const lamp = order.items.find((i) => i.sku === 'LAMP-OAK')!;
    const notice: RefundNotice = {
      refundId: 'rf-01',
      orderId: 'o-2',
      externalId: String(order.entity_id),
      reason: 'The oak lamp is out of stock',
      lines: [
        {
          lineNumber: 2,
          channelLineId: String(lamp.item_id),
          sku: 'LAMP-OAK',
          quantity: 1,
          share: undefined as never,
        },
      ],
      amount: money(8900, 'USD'),
      notifyCustomer: true,
    };
    sim.fault('refund', { kind: 'lose-answer' });
    await expect(channel.refund!(notice, options())).rejects.toThrow(/no answer/);
    await channel.refund!(notice, options());
    const memos = sim.creditmemos(order.entity_id);
    expect(memos).toHaveLength(1);
    expect(memos[0]).toMatchObject({
      subtotal: 89,
      shipping_amount: 0,
      comments: [{ comment: expect.stringContaining('Waybill refund rf-01') }],
    });
    expect(sim.order(order.entity_id)!.items.find((i) => i.sku === 'LAMP-OAK')!.qty_refunded).toBe(1);
  });

  it('refunds online through the invoice the gateway captured', async () => {
    const { sim, channel } = await connect({ refunds: 'online' });
    const order = sim.placeOrder(3, [MUG], { quantities: [2] });
    await channel.refund!(
      {
        refundId: 'rf-02',
        orderId: 'o-3',
        externalId: String(order.entity_id),
        reason: 'Cancelled by the supplier',
        lines: [
          {
            lineNumber: 1,
            channelLineId: String(order.items[0]!.item_id),
            sku: 'MUG-BLUE',
            quantity: 1,
            share: undefined as never,
          },
        ],
        amount: money(1299, 'USD'),
        notifyCustomer: false,
      },
      options(),
    );
    expect(
      sim.calls.filter((c) => c.operationId === 'PostV1InvoiceInvoiceIdRefund').map((c) => c.status),
    ).toEqual([200]);
    expect(sim.order(order.entity_id)!.total_online_refunded).toBeGreaterThan(0);
  });

  it('pushes stock as source items of its source, in pieces a store with input limits takes', async () => {
    const { sim, channel } = await connect(
      { sourceCode: 'eu' },
      { inputListLimit: 20, sources: ['default', 'eu'] },
    );
    expect([channel.maxStockBatch, channel.stockPushesInFlight]).toEqual([500, 4]);
    const levels = Array.from({ length: 45 }, (_, i) => ({ sku: `S-${i}`, available: i % 3 }));
    expect(await channel.pushStock!(levels, { ...options(), batchKey: 'b1' })).toEqual({ skipped: [] });
    expect(sim.quantity('S-44', 'eu')).toBe(2);
    expect(
      sim.calls.filter((c) => c.operationId === 'PostV1InventorySourceitems').map((c) => [c.status, c.items]),
    ).toEqual([
      [400, 45],
      [200, 20],
      [200, 20],
      [200, 5],
    ]);
    await channel.pushStock!(levels.slice(0, 30), { ...options(), batchKey: 'b2' });
    // The store's limit is known now: no refused call the second time.
    expect(sim.calls.at(-1)).toMatchObject({ status: 200, items: 10 });
  });

  it("waits out a store's 429s as Retry-After says", async () => {
    const { sim, channel } = await connect();
    sim.placeOrder(1, [MUG]);
    sim.fault('orders', { kind: 'status', status: 429 }, 2);
    const page = await channel.pollOrders!(
      { updatedAfter: new Date(Date.now() - 86_400_000), cursor: null },
      options(),
    );
    expect(page.orders).toHaveLength(1);
    expect(sim.calls.map((c) => c.status)).toEqual([429, 429, 200]);
  });

  it('uses the access token as a bearer token when told, and its connection test says what is wrong', async () => {
    const { sim } = await connect();
    const test = (config: Record<string, unknown>, secrets: Record<string, string> = SECRETS) =>
      magento.test({ baseUrl: sim.url, ...config }, secrets, options());
    expect(await test({})).toMatchObject({
      ok: true,
      detail: expect.stringContaining('Inventory source default'),
    });
    const bearer = await test({ auth: 'bearer' });
    expect(bearer).toMatchObject({
      ok: false,
      reason: 'unauthorized',
      detail: expect.stringContaining('enable_integration_as_bearer'),
    });
    expect(JSON.stringify(bearer)).not.toContain(INTEGRATION.accessToken);
    sim.setBearerEnabled(true);
    expect(await test({ auth: 'bearer' })).toMatchObject({ ok: true });
    expect(await test({}, { ...SECRETS, consumerSecret: 'z'.repeat(32) })).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
    expect(await test({ sourceCode: 'nowhere' })).toMatchObject({
      ok: false,
      reason: 'refused',
      detail: expect.stringContaining('nowhere'),
    });
  });
});
