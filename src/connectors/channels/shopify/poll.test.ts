import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createShopifySim,
  type ShopifyAdmin,
  type ShopifyOrderItem,
  type ShopifySim,
} from '../../../../sim/shopify.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import type { OrderMessage, SalesChannel } from '../sales-channel.ts';
import { adminClient } from './graphql.ts';
import { createShopifyAdapter, shopify } from './index.ts';
import { fromGraphqlOrder } from './map-graphql.ts';
import { shopifyOrderMessage } from './map.ts';
import { ordersUpdatedSinceQuery, POLL_PAGE } from './poll.ts';
import { adminEndpoint } from './transport.ts';
import { shopifyConfig, shopifySecrets } from './credentials.ts';

const TEST_CHANNEL = 'test-channel' as ChannelId;

const SHOP = 'demo-shop.myshopify.com';
const TOKEN = 'shpat_0123456789abcdef0123456789ab';
const SECRET = 'shpss_unused_secret_0001';
const CHANNEL = 'chn_shopify' as ChannelId;

const ITEMS: ShopifyOrderItem[] = [
  { sku: ' MUG-BLUE ', variantId: 11, price: '12.99' },
  { sku: 'TEE-RED-M', variantId: 12, price: '25.00' },
  { sku: 'GIFT-CARD', variantId: 13, price: '50.00' },
];

describe('shopify.pollOrders against the simulated Admin API', () => {
  let shop: ShopifySim;
  let admin: ShopifyAdmin;

  beforeEach(async () => {
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: SECRET,
      seed: 6,
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

  /** Every page from updatedAfter on, the way the catch-up job walks them. */
  async function pollAll(updatedAfter: Date): Promise<{ pages: number; orders: OrderMessage[] }> {
    const sales = channel();
    const orders: OrderMessage[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await sales.pollOrders!(
        { updatedAfter, cursor },
        { signal: AbortSignal.timeout(10_000), now: new Date() },
      );
      orders.push(...page.orders);
      cursor = page.next;
      pages++;
    } while (cursor);
    return { pages, orders };
  }

  /** What interpretWebhook makes of the order's JSON, with the channel poll leaves for its caller to set. */
  function fromWebhook(payload: unknown): OrderMessage {
    const message = shopify.webhook!.interpret(TEST_CHANNEL, 'orders/updated', payload, { shopDomain: SHOP });
    if (message.kind !== 'order') throw new Error(`not an order: ${message.kind}`);
    return message;
  }

  it('maps an order from its GraphQL shape exactly as from its webhook JSON', async () => {
    const paid = shop.makeOrder(1, ITEMS, [2, 1, 1]);
    paid.line_items[2]!.requires_shipping = false;
    const pending = shop.updateOf(shop.makeOrder(2, ITEMS.slice(0, 1), [1]), 1_000, {
      financial_status: 'pending',
    });
    const cancelled = shop.updateOf(shop.makeOrder(3, ITEMS.slice(1, 2), [1]), 1_000, {
      cancelled_at: new Date().toISOString(),
      customer: { ...paid.customer, email: 'other@example.com' },
    });
    for (const order of [paid, pending, cancelled]) shop.recordOrder(order);
    const { orders } = await pollAll(new Date(Date.parse(paid.created_at) - 1_000));
    expect(orders.map((o) => o.incoming.externalId)).toEqual(
      [paid, pending, cancelled].map((o) => String(o.id)),
    );
    expect(orders).toEqual([paid, pending, cancelled].map(fromWebhook));
    // The gift card needs no shipping: kept, with its money, marked so.
    expect(
      orders.map((o) => [
        o.awaitingPayment,
        o.cancelled,
        o.incoming.lines.map(
          (l) => `${l.sku}×${l.quantity}@${l.unitPrice.amount}${l.requiresShipping ? '' : ' (no shipping)'}`,
        ),
      ]),
    ).toEqual([
      [false, false, ['MUG-BLUE×2@1299', 'TEE-RED-M×1@2500', 'GIFT-CARD×1@5000 (no shipping)']],
      [true, false, ['MUG-BLUE×1@1299']],
      [false, true, ['TEE-RED-M×1@2500']],
    ]);
  });

  it('the GraphQL mapping on its own: the same IncomingOrder as the webhook mapping, line by line', async () => {
    const order = shop.makeOrder(4, ITEMS, [1, 3, 1]);
    shop.recordOrder(order);
    const client = adminClient(
      adminEndpoint(
        shopifyConfig.parse({ shopDomain: SHOP, adminUrl: admin.url }),
        shopifySecrets.parse({ webhookSecret: SECRET, accessToken: TOKEN }),
      ),
      AbortSignal.timeout(10_000),
    );
    const { orders } = await client(ordersUpdatedSinceQuery, {
      first: 1,
      after: null,
      query: `updated_at:>'2000-01-01T00:00:00Z'`,
      linesFirst: 10,
    });
    const node = orders.nodes[0]!;
    const viaGraphql = fromGraphqlOrder(CHANNEL, node, node.lineItems.nodes);
    const viaWebhook = shopify.webhook!.interpret(CHANNEL, 'orders/create', order, { shopDomain: SHOP });
    expect(viaWebhook).toMatchObject({ kind: 'order' });
    expect(shopifyOrderMessage(viaGraphql, 'authorized')).toEqual(viaWebhook);
    expect(viaGraphql.incoming.customer.email).toBe(order.email);
    expect(viaGraphql.incoming.shippingAddress.country).toBe('US');
  });

  it('pages through more than one page, oldest change first, and finds an order whose webhook never came', async () => {
    const count = POLL_PAGE.orders + 5;
    const placed = Array.from({ length: count }, (_, i) => shop.makeOrder(10 + i, ITEMS.slice(0, 1)));
    // Only recorded: the shop has them, the hub was never told.
    for (const order of placed) shop.recordOrder(order);
    const early = placed[0]!;
    const updated = shop.updateOf(early, 120_000, {
      cancelled_at: new Date(Date.parse(early.created_at) + 120_000).toISOString(),
    });
    shop.recordOrder(updated);
    const { pages, orders } = await pollAll(new Date(Date.parse(early.created_at) - 1));
    expect(pages).toBe(2);
    expect(orders).toHaveLength(count);
    const times = orders.map((o) => o.sourceUpdatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(orders.at(-1)).toMatchObject({ incoming: { externalId: String(early.id) }, cancelled: true });
    const later = await pollAll(new Date(Date.parse(updated.updated_at) - 1));
    expect(later.orders.map((o) => o.incoming.externalId)).toEqual([String(early.id)]);
    expect(later.orders[0]?.incoming.channelId).toBe(TEST_CHANNEL);
  });

  it('follows an order with more line items than the first page holds', async () => {
    const many = Array.from({ length: POLL_PAGE.lines + 3 }, (_, i) => ({
      sku: `SKU-${i}`,
      variantId: 100 + i,
      price: '1.00',
    }));
    const order = shop.makeOrder(
      30,
      many,
      many.map(() => 1),
    );
    shop.recordOrder(order);
    const { orders } = await pollAll(new Date(Date.parse(order.created_at) - 1_000));
    expect(orders[0]?.incoming.lines.map((l) => l.sku)).toEqual(many.map((m) => m.sku));
    expect(admin.calls.filter((c) => c.operationName === 'WaybillOrderLineItems')).toHaveLength(1);
  });

  it('waits out throttling while it polls', async () => {
    shop.recordOrder(shop.makeOrder(40, ITEMS.slice(0, 1)));
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 2_000 });
    const { orders } = await pollAll(new Date(0));
    expect(orders).toHaveLength(1);
    expect(admin.calls.some((c) => c.outcome === 'throttled')).toBe(true);
  });
});
