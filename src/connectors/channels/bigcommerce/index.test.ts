import { afterEach, describe, expect, it } from 'vitest';
import {
  startBigCommerceSim,
  type BigCommerceSim,
  type BigCommerceSimOptions,
} from '../../../../sim/bigcommerce.ts';
import { closedAfterEach, startReceiver } from '../../../../sim/testing.ts';
import { commonContract, contractHarnesses } from '../../../../test/support/contract-harness.ts';
import { reconcile } from '../../../domain/charges.ts';
import type { ChannelId, Sku } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { salesChannels } from '../registry.ts';
import type { OrderMessage, SalesChannel } from '../sales-channel.ts';
import { bigcommerce } from './index.ts';

const CHANNEL = 'bc' as ChannelId;
const TOKEN = 'bc-access-token-000000000001';
const HOOK_TOKEN = 'bc-webhook-token-0123456789abcdef';
const ITEMS = [
  { sku: 'MUG-BLUE', price: '12.99', name: 'Blue mug' },
  { sku: 'LAMP-OAK', price: '89.00', name: 'Oak lamp' },
];
const options = () => ({ signal: AbortSignal.timeout(20_000), now: new Date() });

const open = closedAfterEach();
const sims: BigCommerceSim[] = [];
afterEach(() => {
  // Whatever a test did, Waybill never sent the store a request its contracts do not allow.
  for (const sim of sims.splice(0)) expect(sim.violations).toEqual([]);
});

async function store(opts: Partial<BigCommerceSimOptions> = {}) {
  const sim = await startBigCommerceSim({ accessToken: TOKEN, seed: 11, rateLimit: null, ...opts });
  open.push(sim);
  sims.push(sim);
  const config = { storeHash: sim.storeHash, apiUrl: sim.url };
  const channel = bigcommerce.open(CHANNEL, config, { accessToken: TOKEN, webhookToken: HOOK_TOKEN });
  return { sim, channel, config };
}

async function pollAll(channel: SalesChannel, updatedAfter = new Date(0)): Promise<OrderMessage[]> {
  const found: OrderMessage[] = [];
  let cursor: string | null = null;
  do {
    const page = await channel.pollOrders!({ updatedAfter, cursor }, options());
    found.push(...page.orders);
    cursor = page.next;
  } while (cursor);
  return found;
}

describe('BigCommerce adapter: the common contract against its simulator', () => {
  const harnesses = contractHarnesses('channel', {
    bigcommerce: async () => {
      const { sim, config } = await store();
      return {
        config,
        secrets: { accessToken: TOKEN, webhookToken: HOOK_TOKEN },
        wrongSecrets: { accessToken: 'revoked-token-0000000000', webhookToken: HOOK_TOKEN },
        close: () => sim.close(),
      };
    },
  });
  commonContract(bigcommerce, harnesses, 'a platform');

  it('joins a registry with one line, and its connection test says what answered', async () => {
    const kinds = salesChannels.with(bigcommerce);
    const { config } = await store();
    const result = await kinds.get('bigcommerce')!.test(config, { accessToken: TOKEN }, options());
    expect(result).toMatchObject({ ok: true, detail: expect.stringContaining('default currency USD') });
    expect(result.detail).toContain('catch-up poll, every minute');
    const refused = await bigcommerce.test(config, { accessToken: 'revoked-token-0000000000' }, options());
    expect(refused).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(refused.detail).toContain("check the channel's accessToken");
    expect(refused.detail).not.toContain('revoked-token-0000000000');
  });
});

describe('BigCommerce adapter: orders by the catch-up poll', () => {
  it("takes each order's money as charged, exact to the cent, and reads unpaid, cancelled and held orders", async () => {
    const { sim, channel } = await store();
    const orders = [
      sim.makeOrder(0, ITEMS, { quantities: [3, 1] }),
      sim.makeOrder(1, ITEMS, { quantities: [1, 2] }),
      sim.makeOrder(2, ITEMS, { statusId: 7 }),
      sim.makeOrder(3, ITEMS, { statusId: 5 }),
      sim.makeOrder(4, ITEMS, { splitShipping: true }),
      sim.makeOrder(5, [{ sku: 'EBOOK-1', price: '4.99', digital: true }, ...ITEMS]),
    ];
    for (const order of orders) sim.placeQuietly(order);
    const found = await pollAll(channel);
    expect(found.map((m) => m.incoming.externalId)).toEqual(orders.map((o) => String(o.id)));
    for (const [i, message] of found.entries()) {
      const order = orders[i]!;
      const charges = message.incoming.charges!;
      const lines = message.incoming.lines.map((l) => l.charges!);
      expect(reconcile(lines, charges, charges.total.currency)).toEqual([]);
      const paid = order.products.reduce((n, p) => n + p.gross - p.discount + p.tax, 0);
      const shipping = order.addresses.reduce((n, a) => n + a.cost + a.costTax, 0);
      expect(charges.total).toEqual(money(paid + shipping, 'USD'));
      expect(message.incoming.lines.map((l) => l.channelLineId)).toEqual(
        order.products.map((p) => String(p.id)),
      );
    }
    const [first] = found;
    expect(first!.incoming.lines[0]).toMatchObject({
      sku: 'MUG-BLUE' as Sku,
      quantity: 3,
      unitPrice: money(1299, 'USD'),
    });
    expect(first!.incoming.shippingAddress).toMatchObject({
      country: 'US',
      postalCode: orders[0]!.billing.destination.zip,
    });
    expect(found.map((m) => [m.awaitingPayment, m.cancelled])).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [false, true],
      [false, false],
      [false, false],
    ]);
    expect(found[4]!.hold).toBe('the order ships to 2 addresses; Waybill sends an order to one');
    expect(found[5]!.incoming.lines[0]).toMatchObject({ sku: 'EBOOK-1', requiresShipping: false });
    // With a coupon, the discount is the lines' applied discounts and BigCommerce's coupon_discount alike.
    const coupon = found.find((m) => m.incoming.charges!.discounts.amount > 0);
    expect(coupon?.incoming.lines.reduce((n, l) => n + l.charges!.discount.amount, 0)).toBe(
      coupon?.incoming.charges!.discounts.amount,
    );
  });

  it('pages by the last second seen: an order modified while the poll pages is not skipped', async () => {
    let now = Date.parse('2026-05-01T09:00:00Z');
    const { sim, channel } = await store({ now: () => now });
    const orders = Array.from({ length: 130 }, (_, i) => sim.makeOrder(i, [ITEMS[0]!]));
    for (const order of orders) sim.placeQuietly(order);
    // Sixty orders changed within one second: a page boundary falls inside it.
    now += 3_600_000;
    for (const order of orders.slice(10, 70)) await sim.update(order.id, { statusId: 9 });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await channel.pollOrders!({ updatedAfter: new Date(0), cursor }, options());
      for (const m of page.orders) seen.add(m.incoming.externalId);
      if (pages++ === 0) {
        // After the first page, the first order (already read) changes: the rest shift, nothing is lost.
        now += 5_000;
        await sim.update(orders[0]!.id, { statusId: 9 });
      }
      cursor = page.next;
    } while (cursor);
    expect(seen.size).toBe(130);
    expect(pages).toBeGreaterThan(3);
  });
});

describe('BigCommerce adapter: what goes back to the store', () => {
  it('tells a shipment with its tracking once, however often it is told, a lost answer included', async () => {
    const { sim, channel } = await store();
    const order = sim.makeOrder(7, ITEMS, { quantities: [2, 1] });
    sim.placeQuietly(order);
    const notice = {
      eventId: 'ship-1',
      orderId: 'o-1',
      externalId: String(order.id),
      orderState: 'partially_shipped',
      createdAt: new Date(),
      shipment: {
        id: 's-1',
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        lines: [{ sku: 'MUG-BLUE', quantity: 2 }],
      },
    };
    sim.fault('createOrderShipments', { kind: 'lose-answer' });
    await expect(channel.notifyFulfilment(notice, options())).rejects.toThrow(/no answer from BigCommerce/);
    await channel.notifyFulfilment(notice, options());
    await channel.notifyFulfilment(notice, options());
    const shipments = sim.order(order.id)!.shipments;
    expect(shipments).toHaveLength(1);
    expect(shipments[0]).toMatchObject({
      trackingNumber: '1Z999AA10123456784',
      trackingCarrier: 'ups',
      shippingMethod: 'UPS',
      items: [{ order_product_id: order.products[0]!.id, quantity: 2 }],
    });
    expect(sim.order(order.id)!.statusId).toBe(3);
    await expect(
      channel.notifyFulfilment(
        {
          ...notice,
          eventId: 'ship-2',
          shipment: { ...notice.shipment, lines: [{ sku: 'MUG-BLUE', quantity: 1 }] },
        },
        options(),
      ),
    ).rejects.toThrow(PermanentError);
  });

  it("refunds lines through the quote and the card's gateway, once, and names what cannot be refunded online", async () => {
    const { sim, channel } = await store();
    const order = sim.makeOrder(8, ITEMS, { quantities: [3, 1] });
    sim.placeQuietly(order);
    const mug = order.products[0]!;
    const unitNet = Math.floor((mug.gross - mug.discount) / 3);
    const unitTax = Math.floor(mug.tax / 3);
    const notice = {
      refundId: 'rf-1',
      orderId: 'o-8',
      externalId: String(order.id),
      reason: 'Out of stock at the supplier',
      lines: [
        {
          lineNumber: 1,
          channelLineId: String(mug.id),
          sku: 'MUG-BLUE',
          quantity: 2,
          share: {
            net: money(unitNet * 2, 'USD'),
            taxes: [{ id: null, title: 'Tax', amount: money(unitTax * 2, 'USD') }],
            total: money((unitNet + unitTax) * 2, 'USD'),
          },
        },
      ],
      amount: money((unitNet + unitTax) * 2, 'USD'),
      notifyCustomer: true,
    };
    sim.fault('postrefund', { kind: 'lose-answer' });
    await expect(channel.refund!(notice, options())).rejects.toThrow(/no answer/);
    await channel.refund!(notice, options());
    await channel.refund!(notice, options());
    expect(sim.refunds(order.id)).toHaveLength(1);
    expect(sim.refunds(order.id)[0]).toMatchObject({
      reason: 'Out of stock at the supplier [waybill rf-1]',
      total: notice.amount.amount,
      payments: [expect.objectContaining({ provider_id: 'testgateway', offline: false })],
    });
    const lastUnit = { ...notice.lines[0]!, quantity: 1 };
    const oneMore = { ...notice, refundId: 'rf-2', lines: [lastUnit], amount: money(1, 'USD') };
    await expect(channel.refund!(oneMore, options())).rejects.toThrow(/quotes \$.* Waybill owes \$0\.01/);
    expect(sim.refunds(order.id)).toHaveLength(1);
    // Paid by bank deposit: BigCommerce can only record a refund as made offline.
    const deposit = sim.makeOrder(9, ITEMS, { payment: 'bank-deposit', quantities: [1, 1] });
    sim.placeQuietly(deposit);
    const unit = deposit.products[0]!;
    const offline = {
      ...notice,
      refundId: 'rf-3',
      externalId: String(deposit.id),
      lines: [{ ...notice.lines[0]!, channelLineId: String(unit.id), quantity: 1 }],
      amount: money(unit.gross - unit.discount + unit.tax, 'USD'),
    };
    await expect(channel.refund!(offline, options())).rejects.toThrow(/only be refunded offline .* by hand/);
  });

  it("sets the variants' levels in batches of 50, skipping a SKU the store lacks, within the store's quota", async () => {
    const { sim, channel } = await store({ rateLimit: { quota: 6, windowMs: 250 } });
    const skus = Array.from({ length: 120 }, (_, i) => `BULK-${i}`);
    sim.seedCatalog(skus, 0);
    expect([channel.maxStockBatch, channel.stockPushesInFlight]).toEqual([50, 4]);
    const levels = [...skus.map((sku, i) => ({ sku, available: i % 7 })), { sku: 'GONE-1', available: 3 }];
    const skipped: { sku: string; reason: string }[] = [];
    for (let i = 0; i < levels.length; i += 50) {
      const batch = levels.slice(i, i + 50);
      // Another app of the store spends the window's quota before each batch: BigCommerce answers 429.
      sim.fault('updateVariantsBatch', { kind: 'quota-spent' });
      skipped.push(
        ...((await channel.pushStock!(batch, { ...options(), batchKey: `k-${i}` })) ?? { skipped: [] })
          .skipped,
      );
    }
    expect(skipped).toEqual([{ sku: 'GONE-1', reason: 'BigCommerce has no product variant with this SKU' }]);
    expect(skus.map((sku) => sim.variant(sku)!.level)).toEqual(skus.map((_, i) => i % 7));
    // Each 429 came in a window another app spent; Waybill's own calls kept to the quota.
    expect(sim.calls.filter((c) => c.outcome === 'quota-spent-by-others').length).toBeGreaterThanOrEqual(3);
    expect(sim.calls.filter((c) => c.outcome === 'rate-limited')).toEqual([]);
  });

  it("reports the store's order hooks: active, deactivated by BigCommerce, without Waybill's header, or missing", async () => {
    const { sim, channel } = await store();
    const deliveryUrl = 'https://hub.example.com/webhooks/bigcommerce/bc';
    expect(await channel.webhookHealth!({ ...options(), deliveryUrl })).toEqual([
      { topic: 'store/order/created', status: 'missing', id: null },
      { topic: 'store/order/updated', status: 'missing', id: null },
    ]);
    const headers = { 'X-Waybill-Webhook-Token': HOOK_TOKEN };
    const created = sim.createHook({
      scope: 'store/order/created',
      destination: `${deliveryUrl}/orders`,
      headers,
    });
    const updated = sim.createHook({
      scope: 'store/order/updated',
      destination: `${deliveryUrl}/orders/`,
      headers,
      isActive: false,
    });
    sim.createHook({ scope: 'store/order/*', destination: 'https://elsewhere.example.com/hooks', headers });
    expect(await channel.webhookHealth!({ ...options(), deliveryUrl })).toEqual([
      { topic: 'store/order/created', status: 'active', id: String(created.id) },
      { topic: 'store/order/updated', status: 'disabled', id: String(updated.id) },
    ]);
    const wildcard = sim.createHook({ scope: 'store/order/*', destination: `${deliveryUrl}/orders` });
    expect((await channel.webhookHealth!({ ...options(), deliveryUrl }))[1]).toEqual({
      topic: 'store/order/updated',
      status: 'disabled',
      id: String(updated.id),
    });
    sim.updateHook(wildcard.id, { headers });
    expect((await channel.webhookHealth!({ ...options(), deliveryUrl }))[1]).toMatchObject({
      status: 'active',
      id: String(wildcard.id),
    });
  });
});

describe('BigCommerce adapter: its hooks', () => {
  it('verifies a callback by the header set on the hook, and accepts an order callback as a nudge', async () => {
    const hub = await startReceiver('/webhooks/bigcommerce/bc/orders');
    open.push(hub);
    const { sim } = await store();
    sim.createHook({
      scope: 'store/order/*',
      destination: hub.url,
      headers: { 'X-Waybill-Webhook-Token': HOOK_TOKEN },
    });
    await sim.place(sim.makeOrder(12, ITEMS));
    const webhook = bigcommerce.notifications!;
    const [received] = hub.received;
    const tokens = webhook.signingSecrets({
      accessToken: TOKEN,
      webhookToken: HOOK_TOKEN,
      previousWebhookToken: 'an-older-webhook-token-000000',
    });
    const header = received!.headers[webhook.signatureHeader] as string;
    expect(webhook.isSigned(received!.raw, header, tokens)).toBe(true);
    expect(webhook.isSigned(received!.raw, 'an-older-webhook-token-000000', tokens)).toBe(true);
    expect(webhook.isSigned(received!.raw, `${HOOK_TOKEN}x`, tokens)).toBe(false);
    expect(webhook.isSigned(received!.raw, undefined, tokens)).toBe(false);
    expect(webhook.isSigned(received!.raw, header, webhook.signingSecrets({ accessToken: TOKEN }))).toBe(
      false,
    );
    const [nudge] = webhook.nudges;
    expect(nudge).toMatchObject({ path: 'orders', wakes: 'order-poll' });
    expect(nudge!.accepts(JSON.parse(received!.raw.toString('utf8')))).toBe(true);
    expect(nudge!.accepts({ scope: 'store/product/updated', data: { type: 'product', id: 1 } })).toBe(false);
    expect(
      nudge!.accepts({
        scope: 'store/order/transaction/created',
        data: { order_id: 250, transaction_id: '1' },
      }),
    ).toBe(true);
    expect(nudge!.accepts({ scope: 'store/order/created', data: { type: 'order' } })).toBe(false);
  });
});
