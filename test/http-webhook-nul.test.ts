import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim } from '../sim/shopify.ts';
import { createWooCommerceSim } from '../sim/woocommerce.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SHOPIFY_SECRET = 'shpss_current_client_secret_01';
const WOO_SECRET = 'woo-webhook-secret-0123456789';
const STORE = 'https://shop.example.com';

// A signed webhook is an order that exists at the channel: a U+0000 in it (which PostgreSQL cannot store in text)
// is taken out when the stored payload is read, and the order taken in, the same on both databases.
describeEachDatabase('a signed webhook whose strings hold U+0000 is taken in without it', (dialect) => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push({
      id: 'shop',
      kind: 'shopify',
      name: 'Shop',
      currency: 'USD',
      shopDomain: 'demo-shop.myshopify.com',
      webhookSecret: SHOPIFY_SECRET,
    });
    doc.channels.push({
      id: 'woo',
      kind: 'woocommerce',
      name: 'Woo store',
      currency: 'USD',
      storeUrl: STORE,
      webhookSecret: WOO_SECRET,
    });
    await t.apply(doc);
  });
  afterEach(async () => {
    await t?.close();
  });

  /** The order taken in on `channel` once its delivery is processed, as the operator API shows it. */
  const takenIn = async (channel: string) => {
    const deliveries = () =>
      t.hub.store.db
        .selectFrom('channel_deliveries')
        .select(['processed_at', 'outcome'])
        .where('channel_id', '=', channel)
        .execute();
    await until(
      'the delivery processed',
      async () => (await deliveries()).every((d) => d.processed_at !== null),
      15_000,
      async () => JSON.stringify(await deliveries()),
    );
    expect((await deliveries()).map((d) => d.outcome)).toEqual([
      expect.stringMatching(/^(routed|held|created) /),
    ]);
    const [order] = await t.hub.store.db
      .selectFrom('orders')
      .select('id')
      .where('channel_id', '=', channel)
      .execute();
    return (await t.api(`/api/v1/orders/${order!.id}`)).body;
  };
  const deadLetters = async () => (await t.api('/api/v1/dead-letters')).body.deadLetters;

  it('Shopify orders/create', async () => {
    const shop = createShopifySim({
      shopDomain: 'demo-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SHOPIFY_SECRET,
      seed: 5,
    });
    const order: any = shop.makeOrder(1, [
      { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' },
    ]);
    order.customer = { ...order.customer, first_name: 'Ann\u0000', last_name: 'Smith' };
    order.shipping_address = {
      ...order.shipping_address,
      name: 'Ann\u0000 Smith',
      address1: '1 Main\u0000 St',
    };
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    const view = await takenIn('shop');
    expect(view.customer.name).toBe('Ann Smith');
    expect(view.shippingAddress).toMatchObject({ name: 'Ann Smith', line1: '1 Main St' });
    expect(await deadLetters()).toEqual([]);
  });

  it('WooCommerce order.created', async () => {
    const shop = createWooCommerceSim({
      storeUrl: STORE,
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WOO_SECRET,
      seed: 5,
    });
    const order: any = shop.makeOrder(1, [
      { sku: 'MUG-BLUE', productId: 41, price: '12.99', name: 'Blue mug' },
    ]);
    order.billing = { ...order.billing, first_name: 'Ann\u0000', last_name: 'Smith' };
    order.shipping = {
      ...order.shipping,
      first_name: 'Ann\u0000',
      last_name: 'Smith',
      address_1: '1 Main\u0000 St',
    };
    expect((await shop.deliver('order.created', order)).status).toBe(200);
    const view = await takenIn('woo');
    expect(view.customer.name).toBe('Ann Smith');
    expect(view.shippingAddress).toMatchObject({ name: 'Ann Smith', line1: '1 Main St' });
    expect(await deadLetters()).toEqual([]);
  });
});
