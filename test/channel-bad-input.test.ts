import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim, type ShopifyOrder, type ShopifySim } from '../sim/shopify.ts';
import { createWooCommerceSim, type WooCommerceSim } from '../sim/woocommerce.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SECRET = 'shpss_current_client_secret_01';
const WOO_SECRET = 'woo-webhook-secret-0123456789';
const MUG = { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' };

/**
 * Channel payloads that can never succeed fail at once, naming the field (never retried as if they might), and the
 * payment and address states Shopify and WooCommerce really send decide what goes to a supplier.
 */
describeEachDatabase('channel orders as the platforms send them, good and bad', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let paidOnly: ShopifySim;
  let woo: WooCommerceSim;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push(
      {
        id: 'shop',
        kind: 'shopify',
        name: 'Shop',
        currency: 'USD',
        shopDomain: 'bad-shop.myshopify.com',
        webhookSecret: SECRET,
      },
      {
        id: 'captured',
        kind: 'shopify',
        name: 'Captures first',
        currency: 'USD',
        shopDomain: 'paid-shop.myshopify.com',
        webhookSecret: SECRET,
        releaseWhen: 'paid',
      },
      {
        id: 'woo',
        kind: 'woocommerce',
        name: 'Woo',
        currency: 'USD',
        storeUrl: 'https://woo.example',
        webhookSecret: WOO_SECRET,
      },
    );
    await t.apply(doc);
    shop = createShopifySim({
      shopDomain: 'bad-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SECRET,
      seed: 21,
    });
    paidOnly = createShopifySim({
      shopDomain: 'paid-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/captured`,
      secret: SECRET,
      seed: 22,
    });
    woo = createWooCommerceSim({
      storeUrl: 'https://woo.example',
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WOO_SECRET,
      seed: 23,
    });
  });
  afterEach(async () => {
    await t?.close();
  });

  const deadLetters = async (): Promise<any[]> => (await t.api('/api/v1/dead-letters')).body.deadLetters;
  const orderRows = (channelId: string) =>
    t.hub.store.db.selectFrom('orders').selectAll().where('channel_id', '=', channelId).execute();

  /** Delivers a payload and waits for its dead letter; it must have taken one attempt, and stored no order. */
  async function deadAtOnce(payload: unknown): Promise<string> {
    expect((await shop.deliver('orders/create', payload)).status).toBe(200);
    await until('the dead letter', async () => (await deadLetters()).length === 1);
    const [dead] = await deadLetters();
    expect(dead).toMatchObject({ kind: 'channel.delivery', attempts: 1 });
    expect(await orderRows('shop')).toEqual([]);
    return dead.lastError;
  }

  it('a negative line price is refused naming the field: no order, no purchase order', async () => {
    const order = shop.makeOrder(1, [MUG]);
    order.line_items[0]!.price = '-5.00';
    expect(await deadAtOnce(order)).toContain('line_items[0].price');
  });

  it('a created_at or updated_at that is no date fails at once naming it, never stored as null', async () => {
    expect(await deadAtOnce({ ...shop.makeOrder(2, [MUG]), created_at: 'yesterday' })).toContain(
      'created_at: must be a date',
    );
    await t.hub.store.db.deleteFrom('jobs').execute();
    expect(await deadAtOnce({ ...shop.makeOrder(3, [MUG]), updated_at: '2026-13-45T99:00:00Z' })).toContain(
      'updated_at: must be a date',
    );
  });

  it('a line whose price × quantity leaves the safe integer range fails at once, naming the figure', async () => {
    const order = shop.makeOrder(4, [MUG]);
    order.line_items[0]!.price = '90071992547409.91';
    order.line_items[0]!.quantity = 1000;
    expect(await deadAtOnce(order)).toMatch(/payload: money must be an integer of minor units/);
  });

  it('an order of 5,000 line items is written whole (in chunks), not retried against a variable limit', async () => {
    const base = shop.makeOrder(5, [MUG]);
    const line = base.line_items[0]!;
    const order: ShopifyOrder = {
      ...base,
      line_items: Array.from({ length: 5_000 }, (_, i) => ({
        ...line,
        id: line.id + i,
        sku: i % 2 ? 'MUG-BLUE' : `UNKNOWN-${i}`,
      })),
    };
    // A few megabytes of JSON, as Shopify sends such an order: taken in, not refused as too large.
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    await until('the big order', async () => (await orderRows('shop')).length === 1, 60_000);
    const [stored] = await orderRows('shop');
    const lines = await t.hub.store.db
      .selectFrom('order_lines')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('order_id', '=', stored!.id)
      .executeTakeFirstOrThrow();
    expect(Number(lines.n)).toBe(5_000);
    // Unknown SKUs hold the order for a person; nothing was dead-lettered.
    expect(stored!.state).toBe('on_hold');
    expect(await deadLetters()).toEqual([]);
  }, 90_000);

  it("Shopify's payment states: authorised is released by default, waits where the channel releases when paid; expired and voided are held", async () => {
    await shop.deliver('orders/create', { ...shop.makeOrder(6, [MUG]), financial_status: 'authorized' });
    await paidOnly.deliver('orders/create', {
      ...paidOnly.makeOrder(7, [MUG]),
      financial_status: 'authorized',
    });
    await shop.deliver('orders/create', { ...shop.makeOrder(8, [MUG]), financial_status: 'voided' });
    await shop.deliver('orders/create', { ...shop.makeOrder(9, [MUG]), financial_status: 'expired' });
    await until(
      'four orders',
      async () => (await orderRows('shop')).length + (await orderRows('captured')).length === 4,
    );
    const states = async (channelId: string) =>
      (await orderRows(channelId)).map((o) => [o.state, o.hold_reason]).sort();
    expect(await states('captured')).toEqual([['awaiting_payment', null]]);
    expect(await states('shop')).toEqual([
      ['on_hold', 'the payment is expired at Shopify: nothing is sent to a supplier until a person decides'],
      ['on_hold', 'the payment is voided at Shopify: nothing is sent to a supplier until a person decides'],
      ['routed', null],
    ]);
    // The held ones hold no stock and have no purchase order; the authorised one's PO is queued.
    const held = (await orderRows('shop')).filter((o) => o.state === 'on_hold').map((o) => o.id);
    expect(
      await t.hub.store.db.selectFrom('purchase_orders').select('id').where('order_id', 'in', held).execute(),
    ).toEqual([]);
    expect(
      await t.hub.store.db
        .selectFrom('reservations')
        .select('order_id')
        .where('order_id', 'in', held)
        .execute(),
    ).toEqual([]);
  });

  it('a WooCommerce order with shipping: null is held for the operator with the reason; its view answers', async () => {
    const order = {
      ...woo.makeOrder(1, [{ sku: 'MUG-BLUE', productId: 11, price: '12.99' }]),
      shipping: null,
    };
    expect((await woo.deliver('order.created', order)).status).toBe(200);
    await until('the order', async () => (await orderRows('woo')).length === 1);
    const [stored] = await orderRows('woo');
    expect(stored).toMatchObject({
      state: 'on_hold',
      hold_reason: 'the shipping address has no name, line1, city, country, postalCode',
    });
    const view = await t.api(`/api/v1/orders/${stored!.id}`);
    expect(view.status).toBe(200);
    expect(view.body.purchaseOrders).toEqual([]);
  });
});
