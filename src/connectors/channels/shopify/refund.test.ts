import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  createShopifySim,
  type ShopifyAdmin,
  type ShopifyOrder,
  type ShopifyOrderItem,
  type ShopifySim,
} from '../../../../sim/shopify.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { money } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { RefundNotice, SalesChannel } from '../sales-channel.ts';
import { createShopifyAdapter, shopify } from './index.ts';
import { idempotencyKey } from './graphql.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;
const readRefund = (payload: unknown) =>
  shopify.webhook!.interpret(CHANNEL, 'refunds/create', payload, { shopDomain: SHOP });

const SHOP = 'demo-shop.myshopify.com';
const TOKEN = 'shpat_0123456789abcdef0123456789ab';
const SECRET = 'shpss_unused_secret_0001';
const CHANNEL = 'chn_shopify' as ChannelId;

const ITEMS: ShopifyOrderItem[] = [
  { sku: 'MUG-BLUE', variantId: 11, price: '12.99' },
  { sku: 'TEE-RED-M', variantId: 12, price: '25.00' },
];

/** Decimal string → minor units without the adapter's parser. */
const cents = (amount: string) => Number(amount.replace('.', ''));

describe('shopify.refund against the simulated Admin API', () => {
  let shop: ShopifySim;
  let admin: ShopifyAdmin;

  beforeEach(async () => {
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
      seed: 8,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN, restoreRate: 1_000 });
  });
  afterEach(async () => {
    await admin.close();
  });

  function channel(): SalesChannel {
    const adapter = createShopifyAdapter();
    return adapter.open(
      TEST_CHANNEL,
      { shopDomain: SHOP, adminUrl: admin.url },
      { webhookSecret: SECRET, accessToken: TOKEN },
    );
  }

  function placed(quantities = [2, 1]): ShopifyOrder {
    const order = shop.makeOrder(1, ITEMS, quantities);
    shop.recordOrder(order);
    return order;
  }

  function notice(
    order: ShopifyOrder,
    lines: { sku: string; quantity: number }[],
    refundId = 'rf_01_stock',
  ): RefundNotice {
    const priced = lines.map((l, i) => {
      const unit = money(l.sku === 'MUG-BLUE' ? 1299 : 2500, 'USD');
      const share = {
        net: money(unit.amount * l.quantity, 'USD'),
        taxes: [],
        total: money(unit.amount * l.quantity, 'USD'),
      };
      return { ...l, lineNumber: i + 1, channelLineId: null, share };
    });
    const amount = money(
      priced.reduce((sum, l) => sum + l.share.total.amount, 0),
      'USD',
    );
    return {
      refundId,
      orderId: 'ord_01',
      externalId: String(order.id),
      reason: 'Out of stock: MUG-BLUE.',
      lines: priced,
      amount,
      notifyCustomer: true,
    };
  }

  function refund(n: RefundNotice) {
    return channel().refund!(n, { signal: AbortSignal.timeout(10_000), now: new Date() });
  }

  const creates = () => admin.calls.filter((c) => c.operationName === 'WaybillRefundCreate');

  it('refunds the lines with the amount and payment Shopify suggests, nothing restocked, the customer told why', async () => {
    const order = placed();
    await refund(notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }]));
    const [made] = admin.refunds(order.id);
    const mug = order.line_items[0]!;
    const tax = mug.tax_lines.reduce((sum, t) => sum + cents(t.price), 0);
    // Half of the line: its price less its discount, plus its tax (the shop's suggestion, rounded half up).
    const expected = Math.floor(((cents(mug.price) * 2 - cents(mug.total_discount) + tax) * 2 + 2) / 4);
    expect(made).toMatchObject({
      note: 'Out of stock: MUG-BLUE. [waybill rf_01_stock]',
      notify: true,
      lines: [{ lineItemId: mug.id, quantity: 1, restockType: 'NO_RESTOCK' }],
      transactions: [{ kind: 'REFUND', gateway: 'shopify_payments', amount: expected }],
    });
    expect(admin.order(order.id)?.financial_status).toBe('partially_refunded');
  });

  it("names the line item by Shopify's id, whatever SKU the product carries now", async () => {
    const order = shop.makeOrder(1, ITEMS, [2, 1]);
    const tee = order.line_items[1]!;
    // Shopify's line now says TEE-RED-M-2026 (the product was renamed); Waybill's still says TEE-RED-M.
    shop.recordOrder({
      ...order,
      line_items: order.line_items.map((l) => (l.id === tee.id ? { ...l, sku: 'TEE-RED-M-2026' } : l)),
    });
    const bySku = notice(order, [{ sku: 'TEE-RED-M', quantity: 1 }]);
    await expect(refund(bySku)).rejects.toThrow(/fewer units left to refund/);
    const byId = notice(order, [{ sku: 'TEE-RED-M', quantity: 1 }]);
    byId.lines[0]!.channelLineId = String(tee.id);
    await refund(byId);
    expect(admin.refunds(order.id)[0]).toMatchObject({ lines: [{ lineItemId: tee.id, quantity: 1 }] });
  });

  it('refunds once when called twice, and when the first answer was lost on the way back', async () => {
    const order = placed();
    const n = notice(order, [{ sku: 'TEE-RED-M', quantity: 1 }]);
    admin.fault('WaybillRefundCreate', { kind: 'lose-answer' });
    const first = await refund(n).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error);
    expect(first).not.toBeInstanceOf(PermanentError);
    await refund(n);
    await refund(n);
    expect(admin.refunds(order.id)).toHaveLength(1);
    expect(creates().map((c) => c.outcome)).toEqual(['lost']);
    await refund(notice(order, [{ sku: 'MUG-BLUE', quantity: 2 }], 'rf_01_other'));
    expect(admin.refunds(order.id).map((r) => r.note)).toEqual([
      'Out of stock: MUG-BLUE. [waybill rf_01_stock]',
      'Out of stock: MUG-BLUE. [waybill rf_01_other]',
    ]);
  });

  it('two runs of the same refund at once both find no refund yet; the idempotency key has Shopify make it once', async () => {
    const order = placed();
    const n = notice(order, [{ sku: 'TEE-RED-M', quantity: 1 }]);
    await Promise.all([refund(n), refund(n)]);
    expect(creates().map((c) => c.outcome)).toEqual(['ok', 'ok']);
    const [first, second] = creates().map((c) => c.variables.idempotencyKey);
    expect(second).toBe(first);
    expect(first).toBe(idempotencyKey('refund rf_01_stock', creates()[0]!.variables.input));
    expect(admin.refunds(order.id)).toHaveLength(1);
  });

  it('refuses for good, naming the SKU and the numbers, more units than Shopify has left to refund', async () => {
    const order = placed([2, 1]);
    await shop.refundInAdmin(order.id, [{ sku: 'MUG-BLUE', quantity: 1 }]);
    const error = await refund(
      notice(order, [
        { sku: 'MUG-BLUE', quantity: 2 },
        { sku: 'GONE', quantity: 1 },
      ]),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain(
      'MUG-BLUE: 2 to refund, 1 refundable; GONE: 1 to refund, 0 refundable',
    );
    expect(creates()).toHaveLength(0);
  });

  it("turns Shopify's user errors into a PermanentError; an unknown order is permanent too", async () => {
    const order = placed();
    admin.fault('WaybillRefundCreate', {
      kind: 'user-error',
      message: 'Refund amount exceeds the refundable amount.',
    });
    const refused = await refund(notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }])).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).message).toContain('Refund amount exceeds the refundable amount.');
    await expect(
      refund({ ...notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }]), externalId: '123' }),
    ).rejects.toThrow(/no order gid:\/\/shopify\/Order\/123/);
  });

  it('waits out throttling within the refund', async () => {
    const order = placed();
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 2_000 });
    await refund(notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }]));
    expect(admin.refunds(order.id)).toHaveLength(1);
    expect(admin.calls.some((c) => c.outcome === 'throttled')).toBe(true);
  });
});

describe('shopify refunds/create webhooks', () => {
  it('reads a refund made in Shopify: SKUs and quantities, the money that went back, in minor units', async () => {
    const shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
      seed: 9,
    });
    const order = shop.makeOrder(2, [...ITEMS, { sku: null, variantId: 13, price: '1.00' }], [2, 1, 1]);
    shop.recordOrder(order);
    const { payload } = await shop.refundInAdmin(order.id, [
      { sku: 'MUG-BLUE', quantity: 2 },
      { sku: 'TEE-RED-M', quantity: 1 },
    ]);
    const sent = payload as { id: number; created_at: string; transactions: { amount: string }[] };
    const message = readRefund(payload);
    expect(message).toEqual({
      kind: 'refund',
      externalOrderId: String(order.id),
      refundId: String(sent.id),
      createdAt: new Date(sent.created_at),
      lines: [
        { channelLineId: String(order.line_items[0]!.id), sku: 'MUG-BLUE', quantity: 2 },
        { channelLineId: String(order.line_items[1]!.id), sku: 'TEE-RED-M', quantity: 1 },
      ],
      amount: money(cents(sent.transactions[0]!.amount), 'USD'),
    });
  });

  const refundJson = (transactions: unknown[]) => ({
    id: 509562969,
    order_id: 450789469,
    created_at: '2025-11-03T10:12:00-05:00',
    refund_line_items: [
      {
        quantity: 1,
        line_item: { sku: 'MUG-BLUE' },
        subtotal_set: { shop_money: { amount: '12.99', currency_code: 'EUR' } },
      },
      { quantity: 1, line_item: { sku: null } },
    ],
    transactions,
  });

  it('counts only successful refund transactions; without any, the amount is zero in the shop currency', () => {
    const message = readRefund(
      refundJson([
        { kind: 'refund', status: 'success', amount: '10.00', currency: 'EUR' },
        { kind: 'refund', status: 'failure', amount: '10.00', currency: 'EUR' },
        { kind: 'refund', status: 'success', amount: '2.99', currency: 'EUR' },
      ]),
    );
    expect(message).toMatchObject({
      kind: 'refund',
      lines: [{ sku: 'MUG-BLUE', quantity: 1 }],
      amount: money(1299, 'EUR'),
    });
    const itemsOnly = readRefund(refundJson([]));
    expect(itemsOnly).toMatchObject({ amount: money(0, 'EUR') });
  });

  it('a malformed refund is a ZodError naming the field', () => {
    const bad = { ...refundJson([]), order_id: 'four-five' };
    const error = (() => {
      try {
        readRefund(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues[0]?.path).toEqual(['order_id']);
    const noAmount = refundJson([{ kind: 'refund', status: 'success', currency: 'EUR' }]);
    expect(() => readRefund(noAmount)).toThrow(/transactions/);
  });
});

describe('shopify.webhookHealth against the simulated Admin API', () => {
  const HUB = 'https://hub.example/webhooks/shopify/chn_shopify';
  let shop: ShopifySim;
  let admin: ShopifyAdmin;

  beforeEach(async () => {
    shop = createShopifySim({ shopDomain: SHOP, webhookUrl: HUB, secret: SECRET, seed: 10 });
    admin = await shop.startAdmin({ accessToken: TOKEN, restoreRate: 1_000 });
  });
  afterEach(async () => {
    await admin.close();
  });

  function health(deliveryUrl = HUB) {
    const sales = shopify.open(
      TEST_CHANNEL,
      { shopDomain: SHOP, adminUrl: admin.url },
      { webhookSecret: SECRET, accessToken: TOKEN },
    );
    return sales.webhookHealth!({ signal: AbortSignal.timeout(10_000), now: new Date(), deliveryUrl });
  }

  it('reports each topic Waybill takes as active with its subscription, and one Shopify deleted as missing', async () => {
    const ids = new Map(shop.webhookSubscriptions().map((s) => [s.topic, s.id]));
    expect(await health()).toEqual([
      { topic: 'orders/create', status: 'active', id: ids.get('ORDERS_CREATE') },
      { topic: 'orders/updated', status: 'active', id: ids.get('ORDERS_UPDATED') },
      { topic: 'orders/cancelled', status: 'active', id: ids.get('ORDERS_CANCELLED') },
      { topic: 'refunds/create', status: 'active', id: ids.get('REFUNDS_CREATE') },
    ]);
    shop.deleteWebhookSubscription('REFUNDS_CREATE');
    shop.deleteWebhookSubscription('ORDERS_UPDATED');
    shop.addWebhookSubscription('ORDERS_UPDATED', 'https://somewhere-else.example/hook');
    expect((await health()).map((h) => [h.topic, h.status])).toEqual([
      ['orders/create', 'active'],
      ['orders/updated', 'missing'],
      ['orders/cancelled', 'active'],
      ['refunds/create', 'missing'],
    ]);
  });

  it('follows pages of subscriptions', async () => {
    for (let i = 0; i < 120; i++)
      shop.addWebhookSubscription('ORDERS_CREATE', `https://other-${i}.example/hook`);
    shop.deleteWebhookSubscription('REFUNDS_CREATE');
    shop.addWebhookSubscription('REFUNDS_CREATE', HUB);
    expect((await health()).every((h) => h.status === 'active')).toBe(true);
    expect(admin.calls.filter((c) => c.operationName === 'WaybillWebhookSubscriptions')).toHaveLength(2);
  });
});
