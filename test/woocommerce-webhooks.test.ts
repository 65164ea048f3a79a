import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWooCommerceSim, type WooCommerceSim, type WooCommerceSimOptions } from '../sim/woocommerce.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SECRET = 'woo-webhook-secret-0123456789';
const STORE = 'https://shop.example.com';
const ITEMS = [
  { sku: 'MUG-BLUE', productId: 41, price: '12.99', name: 'Blue mug' },
  { sku: 'LAMP-OAK', productId: 42, variationId: 77, price: '89.00', name: 'Oak lamp - Large' },
];

describeEachDatabase('WooCommerce webhooks in', (dialect) => {
  let t: TestHub;
  let shop: WooCommerceSim;
  const webhookUrl = (channel = 'woo') => `${t.url}/webhooks/woocommerce/${channel}`;
  /** A store whose clock moves a second per reading, so each delivery gets its own delivery id unless told. */
  const store = (extra: Partial<WooCommerceSimOptions> = {}) => {
    let clock = Date.now();
    return createWooCommerceSim({
      storeUrl: STORE,
      webhookUrl: webhookUrl(),
      secret: SECRET,
      seed: 5,
      now: () => (clock += 1_000),
      ...extra,
    });
  };

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push({
      id: 'woo',
      kind: 'woocommerce',
      name: 'Woo store',
      currency: 'USD',
      storeUrl: STORE,
      webhookSecret: SECRET,
    });
    await t.apply(doc);
    shop = store();
  });
  afterEach(async () => {
    await t?.close();
  });

  const deliveries = async () =>
    (await t.hub.store.db.selectFrom('channel_deliveries').selectAll().execute()).length;
  const orders = () =>
    t.hub.store.db.selectFrom('orders').selectAll().where('channel_id', '=', 'woo').execute();
  const processed = () =>
    until(
      'deliveries processed',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('channel_deliveries')
            .select('processed_at')
            .where('processed_at', 'is', null)
            .execute()
        ).length === 0,
    );
  const outcomes = async () =>
    (
      await t.hub.store.db
        .selectFrom('channel_deliveries')
        .select(['topic', 'outcome', 'received_at'])
        .orderBy('received_at')
        .execute()
    ).map((d) => `${d.topic} ${d.outcome}`);

  it('takes an order in: verified, answered 200, then routed after the commit', async () => {
    const order = shop.makeOrder(1, ITEMS, [2, 1]);
    const answer = await shop.deliver('order.created', order);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'accepted' });
    await processed();
    const [stored] = await orders();
    // Unit prices come from each line's subtotal (before any coupon), whatever discount the order had.
    expect(stored).toMatchObject({
      external_id: String(order.id),
      state: 'routed',
      currency: 'USD',
      total_amount: 2 * 1299 + 8900,
    });
    const { body: view } = await t.api(`/api/v1/orders/${stored!.id}`);
    expect(view.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice.amount])).toEqual([
      ['MUG-BLUE', 2, 1299],
      ['LAMP-OAK', 1, 8900],
    ]);
    expect(view.purchaseOrders.map((po: any) => po.supplierId).sort()).toEqual(['flaky', 'prompt']);
    // The _gmt dates are UTC without an offset; the local ones are five hours off and not read.
    expect(view.placedAt).toBe(`${order.date_created_gmt}.000Z`);
    expect(stored!.source_updated_at).toBe(Date.parse(`${order.date_modified_gmt}Z`));
    // Names arrive \u-escaped in the raw body and are stored decoded.
    expect(view.customer).toMatchObject({
      email: order.billing.email,
      name: `${order.billing.first_name} ${order.billing.last_name}`,
    });
    expect(view.shippingAddress).toMatchObject({
      line1: order.shipping.address_1,
      city: order.shipping.city,
      region: order.shipping.state,
      postalCode: order.shipping.postcode,
      country: 'US',
    });
  });

  it('refuses forged, wrong-secret and missing signatures with 401 and stores nothing', async () => {
    const order = shop.makeOrder(2, ITEMS);
    expect((await shop.deliver('order.created', order, { secret: 'an-attackers-secret-0000' })).status).toBe(
      401,
    );
    const unsigned = await fetch(webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-delivery-id': 'd-1',
      },
      body: JSON.stringify(order),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('content-type')).toContain('application/problem+json');
    expect((await unsigned.json()).detail).toContain('x-wc-webhook-signature');
    expect(await deliveries()).toBe(0);
    expect((await shop.deliver('order.created', order)).status).toBe(200);
    expect(await deliveries()).toBe(1);
  });

  it('a secret WooCommerce stores with &amp; verifies: the key is wp_specialchars_decode of it, as the operator typed either form', async () => {
    const stored = 'woo&amp;secret&quot;0123456789';
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push({
      id: 'woo-enc',
      kind: 'woocommerce',
      name: 'As stored',
      currency: 'USD',
      storeUrl: STORE,
      webhookSecret: stored,
    });
    doc.channels.push({
      id: 'woo-dec',
      kind: 'woocommerce',
      name: 'As decoded',
      currency: 'USD',
      storeUrl: STORE,
      webhookSecret: 'woo&secret"0123456789',
    });
    await t.apply(doc);
    for (const channel of ['woo-enc', 'woo-dec']) {
      const encoded = store({ secret: stored, webhookUrl: webhookUrl(channel) });
      expect((await encoded.deliver('order.created', encoded.makeOrder(30, ITEMS))).status).toBe(200);
    }
    await processed();
    expect(
      (await t.hub.store.db.selectFrom('orders').select('channel_id').orderBy('channel_id').execute()).map(
        (o) => o.channel_id,
      ),
    ).toEqual(['woo-dec', 'woo-enc']);
  });

  it('answers the ping of a newly saved webhook 200 and stores nothing; a ping for an unknown channel is a 404', async () => {
    const ping = await shop.ping('order.created');
    expect(ping).toMatchObject({ status: 200, ok: true });
    expect(JSON.parse(ping.body)).toEqual({ status: 'ping' });
    expect(await deliveries()).toBe(0);
    shop.setWebhookUrl(webhookUrl('nope'));
    expect((await shop.ping('order.updated')).status).toBe(404);
  });

  it("a body that is not JSON, or over 16 MiB (the limit for a channel's order webhooks), is a 4xx problem and nothing is stored", async () => {
    const notJson = await shop.deliver('order.created', {}, { rawBody: '{"id": 1, "line_items": [' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).detail).toContain('body');
    const huge = await shop.deliver(
      'order.created',
      {},
      { rawBody: JSON.stringify({ padding: 'x'.repeat(16 * 1024 * 1024 + 10) }) },
    );
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).status).toBe(413);
    expect(await deliveries()).toBe(0);
  });

  it('a repeated delivery (same X-WC-Webhook-Delivery-ID, same body) is answered 200 and stored once', async () => {
    const first = await shop.deliver('order.created', shop.makeOrder(3, ITEMS));
    const again = await shop.redeliver(first);
    const third = await shop.redeliver(again);
    expect([first.status, again.status, third.status]).toEqual([200, 200, 200]);
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate' });
    await processed();
    expect(await deliveries()).toBe(1);
    expect(await orders()).toHaveLength(1);
    // Another delivery of the same order (a new delivery id) finds it already taken in.
    expect((await shop.deliver('order.created', shop.makeOrder(3, ITEMS))).status).toBe(200);
    await processed();
    expect(await orders()).toHaveLength(1);
    expect(await t.hub.store.db.selectFrom('purchase_orders').selectAll().execute()).toHaveLength(2);
  });

  it('different orders that WooCommerce sends with one delivery id (same webhook, same second) are all taken in', async () => {
    const frozen = store({ now: () => Date.parse('2025-11-03T19:00:00.500Z') });
    const results = [];
    for (const i of [10, 11, 12])
      results.push(await frozen.deliver('order.updated', frozen.makeOrder(i, ITEMS)));
    expect(new Set(results.map((r) => r.deliveryId)).size).toBe(1);
    expect(results.map((r) => JSON.parse(r.body).status)).toEqual(['accepted', 'accepted', 'accepted']);
    await processed();
    expect(await orders()).toHaveLength(3);
  });

  it('an order.updated that arrives before its order.created, and older updates after newer ones, leave the newest state', async () => {
    const created = shop.makeOrder(4, ITEMS);
    const updated = shop.updateOf(created, 60_000, { customer_note: 'gift wrap' });
    const newest = shop.updateOf(created, 120_000, { status: 'completed' });
    expect((await shop.deliver('order.updated', updated)).status).toBe(200);
    await processed();
    expect((await shop.deliver('order.updated', newest)).status).toBe(200);
    await processed();
    expect((await shop.deliver('order.created', created)).status).toBe(200);
    expect((await shop.deliver('order.updated', updated)).status).toBe(200);
    await processed();
    const [order] = await orders();
    expect(await orders()).toHaveLength(1);
    expect(order!.source_updated_at).toBe(Date.parse(`${newest.date_modified_gmt}Z`));
    expect((await outcomes()).map((o) => o.split(' ').slice(0, 2).join(' '))).toEqual([
      'order.updated created',
      'order.updated updated',
      'order.created stale',
      'order.updated stale',
    ]);
  });

  it('lines whose SKU Waybill does not know hold the order for the operator with the reason; nothing is dropped', async () => {
    const lines = [
      ITEMS[0]!,
      { sku: 'NOT-IN-CATALOG', productId: 9, price: '5.00' },
      { sku: null, productId: 10, price: '1.00', name: 'Deleted product' },
      { sku: '', productId: 11, price: '2.00', name: 'No SKU set' },
    ];
    expect((await shop.deliver('order.created', shop.makeOrder(5, lines, [1, 1, 1, 1]))).status).toBe(200);
    await processed();
    const [stored] = await orders();
    expect(stored!.state).toBe('on_hold');
    expect(stored!.hold_reason).toContain('line 2: SKU NOT-IN-CATALOG is not in the catalog');
    expect(stored!.hold_reason).toContain('line 3: the line has no SKU');
    expect(stored!.hold_reason).toContain('line 4: the line has no SKU');
    const { body: view } = await t.api('/api/v1/orders?state=on_hold');
    expect(view.orders).toHaveLength(1);
    const orderLines = await t.hub.store.db
      .selectFrom('order_lines')
      .select(['line_number', 'state'])
      .where('order_id', '=', stored!.id)
      .orderBy('line_number')
      .execute();
    expect(orderLines.map((l) => l.state)).toEqual(['routed', 'pending', 'pending', 'pending']);
  });

  it('a cancelled, refunded or failed order that Waybill never saw is not taken in', async () => {
    const statuses = ['cancelled', 'refunded', 'failed'] as const;
    for (const [n, status] of statuses.entries()) {
      const order = shop.updateOf(shop.makeOrder(20 + n, ITEMS), 5_000, { status });
      expect((await shop.deliver('order.updated', order)).status).toBe(200);
    }
    await processed();
    expect(await orders()).toHaveLength(0);
    expect(await outcomes()).toEqual(
      statuses.map(() => 'order.updated ignored: cancelled before Waybill took it in'),
    );
  });

  it('a checkout draft (the block checkout’s cart, with items) is not taken in from order.created or order.updated; paid, it is', async () => {
    const placed = shop.makeOrder(25, ITEMS);
    const draft = { ...placed, status: 'checkout-draft' as const, billing: { ...placed.billing, email: '' } };
    const edited = shop.updateOf(placed, 30_000, { status: 'checkout-draft' });
    expect((await shop.deliver('order.created', draft)).status).toBe(200);
    expect((await shop.deliver('order.updated', edited)).status).toBe(200);
    await processed();
    expect(await orders()).toHaveLength(0);
    const reason = (topic: string) =>
      `${topic} ignored: ${topic}: a checkout draft (the block checkout's cart) is not an order yet`;
    expect(await outcomes()).toEqual([reason('order.created'), reason('order.updated')]);
    expect((await t.api('/api/v1/dead-letters')).body.deadLetters).toEqual([]);
    expect(
      (await shop.deliver('order.updated', shop.updateOf(placed, 60_000, { status: 'processing' }))).status,
    ).toBe(200);
    await processed();
    expect((await orders()).map((o) => [o.external_id, o.state])).toEqual([[String(placed.id), 'routed']]);
  });

  it('order.deleted and topics Waybill does not handle are stored and ignored, with the reason', async () => {
    const order = shop.makeOrder(6, ITEMS);
    expect((await shop.deliver('order.created', order)).status).toBe(200);
    await processed();
    expect((await shop.deliver('order.deleted', { id: order.id })).status).toBe(200);
    expect((await shop.deliver('product.updated', { id: 41, sku: 'MUG-BLUE' })).status).toBe(200);
    await processed();
    const outcomeOf = async (topic: string) =>
      (
        await t.hub.store.db
          .selectFrom('channel_deliveries')
          .select('outcome')
          .where('topic', '=', topic)
          .executeTakeFirst()
      )?.outcome;
    expect(await outcomeOf('order.deleted')).toBe(
      "ignored: order.deleted: the catch-up poll reads the order's status",
    );
    expect(await outcomeOf('product.updated')).toBe('ignored: topic product.updated is not handled yet');
    expect((await orders())[0]!.state).toBe('routed');
  });

  it('a payload that is not a WooCommerce order is a dead letter naming the field', async () => {
    const order: any = shop.makeOrder(7, ITEMS);
    order.line_items[0].quantity = 'two';
    expect((await shop.deliver('order.created', order)).status).toBe(200);
    await until(
      'dead letter',
      async () => (await t.api('/api/v1/dead-letters')).body.deadLetters.length === 1,
    );
    const [dead] = (await t.api('/api/v1/dead-letters')).body.deadLetters;
    expect(dead.kind).toBe('channel.delivery');
    expect(dead.lastError).toContain('line_items[0].quantity');
    expect(await orders()).toHaveLength(0);
  });

  it('the setup: the same channel again changes nothing; a bad store URL or half a REST key pair is refused naming the field', async () => {
    const channel = {
      id: 'woo',
      kind: 'woocommerce',
      name: 'Woo store',
      currency: 'USD',
      storeUrl: STORE,
      webhookSecret: SECRET,
    };
    const again = await t.api('/api/v1/setup', { body: { apiVersion: 'waybill/v1', channels: [channel] } });
    expect(again.body.unchanged).toEqual(['channel woo']);
    const keys = { consumerKey: `ck_${'a'.repeat(40)}`, consumerSecret: `cs_${'b'.repeat(40)}` };
    const withKeys = await t.api('/api/v1/setup', {
      body: { apiVersion: 'waybill/v1', channels: [{ ...channel, ...keys }] },
    });
    expect(withKeys.body.updated).toEqual(['channel woo']);
    const plainHttp = await t.api('/api/v1/setup', {
      body: { apiVersion: 'waybill/v1', channels: [{ ...channel, storeUrl: 'http://shop.example.com' }] },
    });
    expect(plainHttp.status).toBe(422);
    expect(plainHttp.body.detail).toContain('channels[0].storeUrl');
    const inQuery = await t.api('/api/v1/setup', {
      body: { apiVersion: 'waybill/v1', channels: [{ ...channel, ...keys, restAuth: 'query-string' }] },
    });
    expect(inQuery.body.updated).toEqual(['channel woo']);
    const queryOverHttp = await t.api('/api/v1/setup', {
      body: {
        apiVersion: 'waybill/v1',
        channels: [{ ...channel, ...keys, restAuth: 'query-string', storeUrl: 'http://shop.example.com' }],
      },
    });
    expect([queryOverHttp.status, queryOverHttp.body.detail]).toEqual([
      422,
      expect.stringContaining('channels[0].storeUrl'),
    ]);
    expect(JSON.stringify(queryOverHttp.body)).not.toContain(keys.consumerSecret);
    const badMode = await t.api('/api/v1/setup', {
      body: { apiVersion: 'waybill/v1', channels: [{ ...channel, restAuth: 'oauth1' }] },
    });
    expect([badMode.status, badMode.body.detail]).toEqual([
      422,
      expect.stringContaining('channels[0].restAuth'),
    ]);
    const half = await t.api('/api/v1/setup', {
      body: { apiVersion: 'waybill/v1', channels: [{ ...channel, consumerKey: keys.consumerKey }] },
    });
    expect(half.status).toBe(422);
    expect(half.body.detail).toContain('channels[0].consumerSecret');
  });

  it('an unknown channel, or a channel that is not WooCommerce, answers 404', async () => {
    shop.setWebhookUrl(webhookUrl('nope'));
    expect((await shop.deliver('order.created', shop.makeOrder(8, ITEMS))).status).toBe(404);
    shop.setWebhookUrl(webhookUrl('storefront'));
    const wrongKind = await shop.deliver('order.created', shop.makeOrder(8, ITEMS));
    expect(wrongKind.status).toBe(404);
    expect(JSON.parse(wrongKind.body).detail).toBe('no WooCommerce channel storefront');
    expect(await deliveries()).toBe(0);
  });
});
