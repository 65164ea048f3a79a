import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim, type ShopifySim } from '../sim/shopify.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, testSetup, type TestHub } from './support/hub.ts';

const SECRET = 'shpss_current_client_secret_01';
const PREVIOUS = 'shpss_previous_client_secret_1';
const ITEMS = [
  { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' },
  { sku: 'LAMP-OAK', variantId: 4102, price: '89.00', title: 'Oak lamp' },
];

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeEachDatabase('Shopify webhooks in', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push({
      id: 'shop',
      kind: 'shopify',
      name: 'Shop',
      currency: 'USD',
      shopDomain: 'demo-shop.myshopify.com',
      webhookSecret: SECRET,
      previousWebhookSecret: PREVIOUS,
    });
    await t.apply(doc);
    shop = createShopifySim({
      shopDomain: 'demo-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SECRET,
      seed: 5,
    });
  });
  afterEach(async () => {
    await t?.close();
  });

  const deliveries = async () =>
    (await t.hub.store.db.selectFrom('channel_deliveries').selectAll().execute()).length;
  const orders = () =>
    t.hub.store.db.selectFrom('orders').selectAll().where('channel_id', '=', 'shop').execute();
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

  it('takes an order in: verified, answered 200, then routed after the commit', async () => {
    const order = shop.makeOrder(1, ITEMS, [2, 1]);
    const answer = await shop.deliver('orders/create', order);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'accepted' });
    await processed();
    const [stored] = await orders();
    // The total is what the customer was charged (discounts, tax and shipping in it), not the list prices × quantities.
    expect(order.total_price).not.toBe('114.98');
    expect(stored).toMatchObject({
      external_id: String(order.id),
      state: 'routed',
      currency: 'USD',
      total_amount: Number(order.total_price.replace('.', '')),
    });
    const { body: view } = await t.api(`/api/v1/orders/${stored!.id}`);
    expect(view.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice.amount])).toEqual([
      ['MUG-BLUE', 2, 1299],
      ['LAMP-OAK', 1, 8900],
    ]);
    expect(view.purchaseOrders.map((po: any) => po.supplierId).sort()).toEqual(['flaky', 'prompt']);
    expect(view.shippingAddress.country).toBe('US');
  });

  it('a process that runs the deliveries job takes the order in before it answers, without a job in between', async () => {
    const order = shop.makeOrder(11, ITEMS, [1, 1]);
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    const jobKinds = async () =>
      (await t.hub.store.db.selectFrom('jobs').select('kind').execute()).map((j) => j.kind);
    // Read at once, without waiting: the 200 came after the commit that holds the order.
    const [delivery] = await t.hub.store.db.selectFrom('channel_deliveries').selectAll().execute();
    expect(delivery).toMatchObject({ topic: 'orders/create' });
    expect(delivery!.processed_at).not.toBeNull();
    expect(await orders()).toMatchObject([{ external_id: String(order.id), state: 'routed' }]);
    const kinds = await jobKinds();
    expect(kinds).not.toContain('channel.delivery');
    expect(kinds.filter((k) => k === 'po.send')).toHaveLength(2);
  });

  it('refuses forged, missing and wrong-secret signatures with 401 and stores nothing; the previous secret still works', async () => {
    const order = shop.makeOrder(2, ITEMS);
    expect(
      (await shop.deliver('orders/create', order, { secret: 'shpss_an_attackers_secret_000' })).status,
    ).toBe(401);
    const unsigned = await fetch(`${t.url}/webhooks/shopify/shop`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': 'w-1',
      },
      body: JSON.stringify(order),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('content-type')).toContain('application/problem+json');
    expect((await unsigned.json()).detail).toContain('x-shopify-hmac-sha256');
    expect(await deliveries()).toBe(0);
    // During a rotation Shopify may still sign with the old secret for up to an hour.
    expect((await shop.deliver('orders/create', order, { secret: PREVIOUS })).status).toBe(200);
    expect(await deliveries()).toBe(1);
  });

  it('a secret rotated through the setup holds from the next delivery: the new one is accepted, the one dropped is refused', async () => {
    const NEXT = 'shpss_next_client_secret_0002';
    const order = shop.makeOrder(8, ITEMS);
    expect((await shop.deliver('orders/create', order, { secret: PREVIOUS })).status).toBe(200);
    expect((await shop.deliver('orders/create', order, { secret: NEXT })).status).toBe(401);
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push({
      id: 'shop',
      kind: 'shopify',
      name: 'Shop',
      currency: 'USD',
      shopDomain: 'demo-shop.myshopify.com',
      webhookSecret: NEXT,
      previousWebhookSecret: SECRET,
    });
    await t.apply(doc);
    expect((await shop.deliver('orders/create', order, { secret: NEXT })).status).toBe(200);
    expect((await shop.deliver('orders/create', order, { secret: SECRET })).status).toBe(200);
    expect((await shop.deliver('orders/create', order, { secret: PREVIOUS })).status).toBe(401);
    expect(await deliveries()).toBe(3);
  });

  it("a body that is not JSON, or over 16 MiB (the limit for a channel's order webhooks), is a 4xx problem and nothing is stored", async () => {
    const notJson = await shop.deliver('orders/create', {}, { rawBody: '{"id": 1, "line_items": [' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).detail).toContain('body');
    const huge = await shop.deliver(
      'orders/create',
      {},
      { rawBody: JSON.stringify({ padding: 'x'.repeat(16 * 1024 * 1024 + 10) }) },
    );
    expect(huge.status).toBe(413);
    expect(await deliveries()).toBe(0);
  });

  it('a repeated delivery (same X-Shopify-Webhook-Id) is answered 200 and stored once; the order exists once', async () => {
    const first = await shop.deliver('orders/create', shop.makeOrder(3, ITEMS));
    const again = await shop.redeliver(first);
    const third = await shop.redeliver(again);
    expect([first.status, again.status, third.status]).toEqual([200, 200, 200]);
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate' });
    await processed();
    expect(await deliveries()).toBe(1);
    expect(await orders()).toHaveLength(1);
    // A different delivery of the same order (Shopify sends orders/create once, but a poll or a replay may repeat it).
    expect((await shop.deliver('orders/create', shop.makeOrder(3, ITEMS))).status).toBe(200);
    await processed();
    expect(await orders()).toHaveLength(1);
    expect(await t.hub.store.db.selectFrom('purchase_orders').selectAll().execute()).toHaveLength(2);
  });

  it('one event told to two subscriptions (two webhook ids, one X-Shopify-Event-Id) is stored once; another topic of that event id is not a duplicate', async () => {
    const order = shop.makeOrder(4, ITEMS);
    const first = await shop.deliver('orders/create', order, {
      eventId: 'evt-4',
      webhookId: 'subscription-a',
    });
    const second = await shop.deliver('orders/create', order, {
      eventId: 'evt-4',
      webhookId: 'subscription-b',
    });
    expect([JSON.parse(first.body), JSON.parse(second.body)]).toEqual([
      { status: 'accepted' },
      { status: 'duplicate' },
    ]);
    const update = await shop.deliver('orders/updated', shop.updateOf(order, 1_000), {
      eventId: 'evt-4',
      webhookId: 'subscription-c',
    });
    expect(JSON.parse(update.body)).toEqual({ status: 'accepted' });
    await processed();
    expect(await deliveries()).toBe(2);
    expect(await orders()).toHaveLength(1);
  });

  it('an orders/updated that arrives before its orders/create, and older updates after newer ones, leave the newest state', async () => {
    const created = shop.makeOrder(4, ITEMS);
    const updated = shop.updateOf(created, 60_000, { note: 'gift wrap' });
    const newest = shop.updateOf(created, 120_000, { note: 'leave at the door' });
    expect((await shop.deliver('orders/updated', updated)).status).toBe(200);
    await processed();
    expect((await shop.deliver('orders/updated', newest)).status).toBe(200);
    await processed();
    expect((await shop.deliver('orders/create', created)).status).toBe(200);
    expect((await shop.deliver('orders/updated', updated)).status).toBe(200);
    await processed();
    const [order] = await orders();
    expect(await orders()).toHaveLength(1);
    expect(order!.source_updated_at).toBe(Date.parse(newest.updated_at));
    const outcomes = (
      await t.hub.store.db
        .selectFrom('channel_deliveries')
        .select(['topic', 'outcome', 'received_at'])
        .orderBy('received_at')
        .execute()
    ).map((d) => `${d.topic} ${d.outcome?.split(' ')[0]}`);
    expect(outcomes).toEqual([
      'orders/updated created',
      'orders/updated updated',
      'orders/create stale',
      'orders/updated stale',
    ]);
  });

  it('lines whose SKU Waybill does not know hold the order for the operator with the reason; nothing is dropped', async () => {
    const order = shop.makeOrder(
      5,
      [
        ITEMS[0]!,
        { sku: 'NOT-IN-CATALOG', variantId: 9, price: '5.00' },
        { sku: null, variantId: 10, price: '1.00', title: 'Custom engraving' },
      ],
      [1, 1, 1],
    );
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    await processed();
    const [stored] = await orders();
    expect(stored!.state).toBe('on_hold');
    expect(stored!.hold_reason).toContain('line 2: SKU NOT-IN-CATALOG is not in the catalog');
    expect(stored!.hold_reason).toContain('line 3: the line has no SKU');
    const { body: view } = await t.api('/api/v1/orders?state=on_hold');
    expect(view.orders).toHaveLength(1);
    const lines = await t.hub.store.db
      .selectFrom('order_lines')
      .select(['line_number', 'state'])
      .where('order_id', '=', stored!.id)
      .orderBy('line_number')
      .execute();
    expect(lines.map((l) => l.state)).toEqual(['routed', 'pending', 'pending']);
  });

  it('a payload that is not a Shopify order is a dead letter naming the field', async () => {
    const order: any = shop.makeOrder(6, ITEMS);
    order.line_items[0].quantity = 'two';
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    await until(
      'dead letter',
      async () => (await t.api('/api/v1/dead-letters')).body.deadLetters.length === 1,
    );
    const [dead] = (await t.api('/api/v1/dead-letters')).body.deadLetters;
    expect(dead.kind).toBe('channel.delivery');
    expect(dead.lastError).toContain('line_items[0].quantity');
    expect(await orders()).toHaveLength(0);
  });

  it('an unknown channel, or a channel that is not Shopify, answers 404', async () => {
    shop.setWebhookUrl(`${t.url}/webhooks/shopify/nope`);
    expect((await shop.deliver('orders/create', shop.makeOrder(7, ITEMS))).status).toBe(404);
    shop.setWebhookUrl(`${t.url}/webhooks/shopify/storefront`);
    expect((await shop.deliver('orders/create', shop.makeOrder(7, ITEMS))).status).toBe(404);
  });
});

describeEachDatabase('Shopify webhooks in, with the deliveries left to other workers', (dialect) => {
  let t: TestHub;

  afterEach(async () => {
    await t?.close();
  });

  it('a process whose worker does not run the deliveries job only stores them, each with its job', async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20, kinds: ['po.send'] } });
    const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
    doc.channels.push({
      id: 'shop',
      kind: 'shopify',
      name: 'Shop',
      currency: 'USD',
      shopDomain: 'demo-shop.myshopify.com',
      webhookSecret: SECRET,
    });
    await t.apply(doc);
    const shop = createShopifySim({
      shopDomain: 'demo-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SECRET,
      seed: 6,
    });
    expect((await shop.deliver('orders/create', shop.makeOrder(12, ITEMS))).status).toBe(200);
    const [delivery] = await t.hub.store.db.selectFrom('channel_deliveries').selectAll().execute();
    expect(delivery!.processed_at).toBeNull();
    expect(
      await t.hub.store.db
        .selectFrom('jobs')
        .select(['kind', 'state'])
        .where('kind', '=', 'channel.delivery')
        .execute(),
    ).toEqual([{ kind: 'channel.delivery', state: 'pending' }]);
    expect(await t.hub.store.db.selectFrom('orders').selectAll().execute()).toHaveLength(0);
  });
});
