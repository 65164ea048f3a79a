import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { catchUpChannelJob } from '../src/app/catch-up-channel.ts';
import { createShopifySim, type ShopifyAdmin, type ShopifySim } from '../sim/shopify.ts';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { createWooCommerceSim, type WooCommerceSim, type WooRest } from '../sim/woocommerce.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SHOP = 'demo-shop.myshopify.com';
const SHOPIFY_SECRET = 'shpss_current_client_secret_01';
const SHOPIFY_TOKEN = 'shpat_right_admin_token_0123456789';
const WOO_SECRET = 'woo-webhook-secret-0123456789';
// MUG-BLUE is shipped by "prompt", LAMP-OAK by "flaky" (test/support/hub.ts).
const MUG = {
  sku: 'MUG-BLUE',
  variantId: 4101,
  price: '12.99',
  title: 'Blue mug',
  productId: 41,
  name: 'Blue mug',
};
const LAMP = {
  sku: 'LAMP-OAK',
  variantId: 4103,
  price: '89.00',
  title: 'Oak lamp',
  productId: 43,
  name: 'Oak lamp',
};
const STOCK: Record<string, number> = { 'MUG-BLUE': 30, 'TEE-RED-M': 10, 'LAMP-OAK': 4 };

/**
 * What goes back out to Shopify and WooCommerce besides fulfilments and stock, through the hub and each store's
 * simulator: prices, refunds of lines short of stock, and the catch-up poll that finds orders whose webhooks never
 * came and reports webhooks that stopped.
 */
describeEachDatabase('Shopify and WooCommerce: prices, refunds, catch-up', (dialect) => {
  let t: TestHub;
  let shopify: ShopifySim;
  let admin: ShopifyAdmin;
  let woo: WooCommerceSim;
  let rest: WooRest;
  let suppliers: SupplierSim[];
  let doc: any;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const start = (name: 'prompt' | 'flaky', seed: number) =>
      startSupplierSim({
        name,
        signingSecret: SECRETS[name],
        hubUrl: t.url,
        apiToken: SUPPLIER_TOKENS[name],
        seed,
        ackDelayMs: 5,
        shipDelayMs: 60_000,
      });
    suppliers = await Promise.all([start('prompt', 1), start('flaky', 2)]);

    shopify = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SHOPIFY_SECRET,
      seed: 7,
      refundWebhooks: true,
    });
    admin = await shopify.startAdmin({ accessToken: SHOPIFY_TOKEN });
    for (const item of [MUG, LAMP])
      shopify.addVariant({ sku: item.sku, variantId: item.variantId, available: 0 });

    const keys = {
      consumerKey: `ck_${randomBytes(20).toString('hex')}`,
      consumerSecret: `cs_${randomBytes(20).toString('hex')}`,
    };
    woo = createWooCommerceSim({
      storeUrl: 'https://shop.example.com',
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WOO_SECRET,
      seed: 8,
    });
    rest = await woo.startRest({
      ...keys,
      products: [
        { id: 41, sku: 'MUG-BLUE', name: 'Blue mug' },
        { id: 42, sku: '', name: 'Oak lamp', variations: [{ id: 77, sku: 'LAMP-OAK' }] },
      ],
    });

    doc = testSetup({ prompt: suppliers[0]!.url, flaky: suppliers[1]!.url });
    doc.publicUrl = t.url;
    for (const product of doc.products) for (const offer of product.offers) offer.stock = STOCK[product.sku];
    doc.channels.push(
      {
        id: 'shop',
        kind: 'shopify',
        name: 'Shopify',
        currency: 'USD',
        backorderPolicy: 'cancel',
        shopDomain: SHOP,
        webhookSecret: SHOPIFY_SECRET,
        accessToken: SHOPIFY_TOKEN,
        adminUrl: admin.url,
      },
      {
        id: 'woo',
        kind: 'woocommerce',
        name: 'Woo',
        currency: 'USD',
        backorderPolicy: 'cancel',
        storeUrl: rest.url,
        webhookSecret: WOO_SECRET,
        ...keys,
      },
    );
    await t.apply(doc);
  });
  afterEach(async () => {
    await Promise.all([...suppliers.map((s) => s.close()), admin?.close(), rest?.close()]);
    await t?.close();
  });

  const eventsOf = async (type: string) =>
    (await t.hub.store.db.selectFrom('events').select('data').where('type', '=', type).execute()).map((e) =>
      JSON.parse(e.data),
    );
  const orderOf = async (channel: string, externalId: number) => {
    const row = await t.hub.store.db
      .selectFrom('orders')
      .select('id')
      .where('channel_id', '=', channel)
      .where('external_id', '=', String(externalId))
      .executeTakeFirst();
    return row ? (await t.api(`/api/v1/orders/${row.id}`)).body : null;
  };
  /** Runs the channel's catch-up poll now instead of in five minutes. */
  const pollNow = async (channelId: string) => {
    const key = catchUpChannelJob.key({ channelId });
    await until(`the catch-up of ${channelId} idle`, async () => {
      const job = await t.hub.store.db
        .selectFrom('jobs')
        .select(['state', 'last_error'])
        .where('key', '=', key)
        .executeTakeFirst();
      if (job?.state === 'dead') throw new Error(`catch-up dead: ${job.last_error}`);
      return job?.state === 'pending';
    });
    const before = (
      await t.hub.store.db
        .selectFrom('jobs')
        .select('updated_at')
        .where('key', '=', key)
        .executeTakeFirstOrThrow()
    ).updated_at;
    await t.hub.store.db.updateTable('jobs').set({ run_at: 0 }).where('key', '=', key).execute();
    await until(`the catch-up of ${channelId} ran`, async () => {
      const job = await t.hub.store.db
        .selectFrom('jobs')
        .select(['state', 'updated_at', 'last_error'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (job.last_error) throw new Error(`catch-up failed: ${job.last_error}`);
      return job.state === 'pending' && job.updated_at > before;
    });
  };

  it('prices go out to both stores, and only what changed goes out again', async () => {
    doc.products.find((p: any) => p.sku === 'MUG-BLUE').prices = [
      { channel: 'shop', amount: 1299, currency: 'USD', compareAtAmount: 1599 },
      { channel: 'woo', amount: 1199, currency: 'USD' },
    ];
    doc.products.find((p: any) => p.sku === 'LAMP-OAK').prices = [
      { channel: 'woo', amount: 8900, currency: 'USD', compareAtAmount: 9900 },
    ];
    await t.apply(doc);
    await until('Shopify has the price', () => admin.variantPrices('MUG-BLUE').price === '12.99');
    expect(admin.variantPrices('MUG-BLUE')).toEqual({ price: '12.99', compareAtPrice: '15.99' });
    await until(
      'WooCommerce has the prices',
      () =>
        rest.product('LAMP-OAK')?.sale_price === '89.00' &&
        rest.product('MUG-BLUE')?.regular_price === '11.99',
    );
    expect(rest.product('LAMP-OAK')).toMatchObject({ regular_price: '99.00', sale_price: '89.00' });
    expect(rest.product('MUG-BLUE')).toMatchObject({ regular_price: '11.99', sale_price: '' });

    // The sale ends on Shopify; WooCommerce's prices are the same and are not sent again.
    const wooWrites = () =>
      rest.writes.filter((w) => JSON.stringify(w.body).includes('regular_price')).length;
    const writesBefore = wooWrites();
    delete doc.products.find((p: any) => p.sku === 'MUG-BLUE').prices[0].compareAtAmount;
    await t.apply(doc);
    await until('the sale over on Shopify', () => admin.variantPrices('MUG-BLUE').compareAtPrice === null);
    await until(
      'the price syncs done',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('jobs')
            .select('state')
            .where('kind', '=', 'channel.price-sync')
            .where('state', '!=', 'done')
            .execute()
        ).length === 0,
    );
    expect(wooWrites()).toBe(writesBefore);
    expect((await eventsOf('prices.synced')).map((e) => e.channelId).sort()).toEqual(['shop', 'shop', 'woo']);
  });

  /** A decimal string of dollars and cents as cents, without a float in between. */
  const cents = (text: string) => Number(text.replace('.', ''));

  it('a line short of stock on a channel that cancels is refunded there with a note to the customer, once', async () => {
    const order = shopify.makeOrder(1, [MUG, LAMP], [1, 9]);
    expect((await shopify.deliver('orders/create', order)).status).toBe(200);
    await until('the Shopify refund', async () =>
      (await eventsOf('channel.refunded')).some((e) => e.channelId === 'shop'),
    );
    const view = await orderOf('shop', order.id);
    expect(view.lines.map((l: any) => l.state === 'cancelled')).toEqual([false, true]);
    const [refunded] = await eventsOf('channel.refunded');
    // What the customer paid for the nine lamps: their price less the discount allocated to them, plus their tax.
    const lamp = order.line_items[1]!;
    const paid =
      cents(lamp.price) * 9 -
      lamp.discount_allocations.reduce((n, a) => n + cents(a.amount), 0) +
      lamp.tax_lines.reduce((n, tax) => n + cents(tax.price), 0);
    expect(paid).not.toBe(9 * 8900);
    expect(refunded).toMatchObject({
      amount: { amount: paid, currency: 'USD' },
      lines: [{ lineNumber: 2, sku: 'LAMP-OAK', quantity: 9 }],
    });
    expect(refunded.reason).toContain('Out of stock: LAMP-OAK');
    // Shopify tells Waybill of the refund it just made (refunds/create): recognised by its note as Waybill's own, so
    // its units are not counted twice and nothing more is cancelled.
    await until('the refund told back', async () =>
      (
        await t.hub.store.db
          .selectFrom('channel_deliveries')
          .select('outcome')
          .where('topic', '=', 'refunds/create')
          .execute()
      ).some((d) => d.outcome?.includes("Waybill's own")),
    );
    expect(await eventsOf('order.refunded_at_channel')).toEqual([]);
    const refunds = await t.hub.store.db
      .selectFrom('channel_refunds')
      .select(['origin', 'amount'])
      .where('channel_id', '=', 'shop')
      .orderBy('origin')
      .execute();
    expect(refunds).toEqual([{ origin: 'waybill', amount: paid }]);
    expect((await orderOf('shop', order.id)).lines[0].state).not.toBe('cancelled');

    const wooOrder = woo.makeOrder(2, [MUG, LAMP], [2, 6]);
    expect((await woo.deliver('order.created', wooOrder)).status).toBe(200);
    await until('the WooCommerce refund', () => rest.refunds(wooOrder.id).length === 1);
    const [wooRefund] = rest.refunds(wooOrder.id);
    // Six lamps as charged: their line total after discounts, and its tax (WooCommerce's figures exclude tax).
    const wooLamp = wooOrder.line_items[1]!;
    expect(wooRefund).toMatchObject({
      amount: ((cents(wooLamp.total) + cents(wooLamp.total_tax)) / 100).toFixed(2),
    });
    await until('the customer told why', () =>
      rest.notes(wooOrder.id).some((n) => n.customer_note && n.note.includes('Out of stock: LAMP-OAK')),
    );
    // The refund job run again (a replay): WooCommerce already has it.
    const job = await t.hub.store.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'channel.refund')
      .where('key', 'like', '%')
      .execute();
    await t.hub.store.db
      .updateTable('jobs')
      .set({ state: 'pending', run_at: 0 })
      .where(
        'id',
        'in',
        job.map((j) => j.id),
      )
      .execute();
    await until(
      'the replays done',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('jobs')
            .select('state')
            .where('kind', '=', 'channel.refund')
            .where('state', '!=', 'done')
            .execute()
        ).length === 0,
    );
    expect(rest.refunds(wooOrder.id)).toHaveLength(1);
  });

  it('an order whose webhook never came is found by the catch-up poll; a disabled WooCommerce webhook is reported', async () => {
    // WooCommerce disables a webhook when a delivery fails with more than five failures behind it (here: signed with
    // a secret Waybill does not know), so the seventh failure disables it.
    for (const topic of ['order.created', 'order.updated', 'order.deleted'] as const)
      expect((await woo.ping(topic)).status).toBe(200);
    const lost = [3, 4, 5, 6, 7, 8, 9].map((i) => woo.makeOrder(i, [MUG], [1]));
    for (const order of lost) {
      woo.keepWithoutWebhook(order);
      expect((await woo.deliver('order.created', order, { secret: 'not-the-right-secret-000' })).status).toBe(
        401,
      );
    }
    expect(woo.webhook('order.created').status).toBe('disabled');
    await pollNow('woo');
    await until('the lost WooCommerce orders taken in', async () =>
      (await Promise.all(lost.map((o) => orderOf('woo', o.id)))).every((v) => v?.state === 'routed'),
    );
    const broken = (await eventsOf('channel.webhooks_broken'))
      .filter((e) => e.channelId === 'woo')
      .flatMap((e) => e.webhooks);
    expect(broken).toContainEqual(expect.objectContaining({ topic: 'order.created', status: 'disabled' }));
    const channel = (await t.api('/api/v1/channels')).body.channels.find((c: any) => c.id === 'woo');
    expect(channel.webhooks.webhooks.map((w: any) => [w.topic, w.status])).toEqual([
      ['order.created', 'disabled'],
      ['order.updated', 'active'],
      ['order.deleted', 'active'],
    ]);
    expect(channel.polledUntil).not.toBeNull();

    // Shopify: an order placed while the subscription was deleted.
    shopify.deleteWebhookSubscription('ORDERS_CREATE');
    const missed = shopify.makeOrder(19, [MUG], [2]);
    shopify.recordOrder(missed);
    await pollNow('shop');
    await until(
      'the missed Shopify order taken in',
      async () => (await orderOf('shop', missed.id))?.state === 'routed',
    );
    expect((await eventsOf('channel.webhooks_broken')).find((e) => e.channelId === 'shop').webhooks).toEqual([
      expect.objectContaining({ topic: 'orders/create', status: 'missing' }),
    ]);

    // The webhooks come back late: the same orders, already taken in, are not taken twice.
    await woo.deliver('order.created', lost[0]!);
    await shopify.deliver('orders/create', missed);
    await new Promise((r) => setTimeout(r, 300));
    const counts = await t.hub.store.db
      .selectFrom('orders')
      .select(['channel_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('channel_id')
      .orderBy('channel_id')
      .execute();
    expect(counts.map((c) => [c.channel_id, Number(c.n)])).toEqual([
      ['shop', 1],
      ['woo', 7],
    ]);
  });

  it('each store is told its allocation of what can be promised, and an order on either takes from the one pool', async () => {
    doc.channels.find((c: any) => c.id === 'shop').allocation = { cap: 3 };
    doc.channels.find((c: any) => c.id === 'woo').allocation = { sharePercent: 50 };
    await t.apply(doc);
    // Each SKU may go in a call of its own (products and variations are separate batches): wait for both.
    const told = () => [
      admin.available('MUG-BLUE'),
      rest.product('MUG-BLUE')?.stock_quantity,
      admin.available('LAMP-OAK'),
      rest.product('LAMP-OAK')?.stock_quantity,
    ];
    await until(
      'both stores told their allocation',
      () => JSON.stringify(told()) === JSON.stringify([3, 15, 3, 2]),
      25_000,
      () => JSON.stringify(told()),
    );

    // 28 mugs sold on WooCommerce: 2 left, so Shopify's cap no longer bites and WooCommerce gets half of 2.
    expect((await woo.deliver('order.created', woo.makeOrder(30, [MUG], [28]))).status).toBe(200);
    await until(
      'both stores follow the pool',
      () => admin.available('MUG-BLUE') === 2 && rest.product('MUG-BLUE')?.stock_quantity === 1,
    );
    const level = (await t.api('/api/v1/stock?sku=MUG-BLUE')).body.levels[0];
    expect(level).toMatchObject({ onHand: 30, reserved: 28, available: 2 });
  });
});
