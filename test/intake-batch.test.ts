import { afterEach, beforeEach, expect, it } from 'vitest';
import { acceptChannelDeliveries, type ChannelDelivery } from '../src/app/accept-channel-delivery.ts';
import { POLLED_TOPIC } from '../src/app/polled-order.ts';
import { createHub } from '../src/hub.ts';
import { createShopifySim, type ShopifySim } from '../sim/shopify.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, TEST_SECRET_KEY, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SECRET = 'shpss_current_client_secret_01';
const ITEMS = [
  { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' },
  { sku: 'LAMP-OAK', variantId: 4102, price: '89.00', title: 'Oak lamp' },
];

// The webhooks a busy channel sends arrive many at once, and go into the inbox together (DeliveryIntake): these
// are the batches such a burst makes, handed over directly, since over HTTP how many share a batch is up to timing.
describeEachDatabase('webhook deliveries taken in together', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let n = 0;

  beforeEach(async () => {
    // The worker runs the deliveries' job (so they are taken in on arrival), but sends nothing: the POs stay queued.
    // A clock that moves on at every reading: what one batch wrote shares a time, what was written alone does not.
    let tick = Date.now();
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20, kinds: ['channel.delivery'] },
      clock: { now: () => new Date(tick++) },
    });
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
    shop = createShopifySim({
      shopDomain: 'demo-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SECRET,
      seed: 9,
    });
  });
  afterEach(async () => {
    await t?.close();
  });

  const delivery = (topic: string, payload: unknown, deliveryId = `w-${++n}`): ChannelDelivery => ({
    channelId: 'shop',
    deliveryId,
    topic,
    payload: JSON.stringify(payload),
    triggeredAt: null,
  });
  const orders = () =>
    t.hub.store.db.selectFrom('orders').selectAll().where('channel_id', '=', 'shop').execute();
  const deliveryJobs = async () =>
    (
      await t.hub.store.db.selectFrom('jobs').select('key').where('kind', '=', 'channel.delivery').execute()
    ).map((j) => j.key);
  const deadLetter = async () => {
    await until(
      'dead letter',
      async () => (await t.api('/api/v1/dead-letters')).body.deadLetters.length === 1,
    );
    return (await t.api('/api/v1/dead-letters')).body.deadLetters[0];
  };

  it('new orders go in as one batch; an update, a repeat and a bad payload each on its own; all of it committed when it answers', async () => {
    const fresh = Array.from({ length: 12 }, (_, i) => shop.makeOrder(100 + i, ITEMS, [1, 1]));
    const update = shop.updateOf(fresh[3]!, 60_000, { note: 'leave at the door' });
    const bad: any = shop.makeOrder(150, ITEMS);
    bad.line_items[0].quantity = 'two';
    const batch = [
      ...fresh.slice(0, 6).map((o) => delivery('orders/create', o)),
      delivery('orders/updated', update),
      delivery('orders/create', bad, 'w-bad'),
      delivery('orders/create', fresh[6]!, 'w-twice'),
      delivery('orders/create', fresh[6]!, 'w-twice'),
      ...fresh.slice(7).map((o) => delivery('orders/create', o)),
    ];
    const results = await acceptChannelDeliveries(t.hub.ctx, batch, { processNow: true });
    expect(results.map((r) => r.kind)).toEqual(batch.map((_, i) => (i === 9 ? 'duplicate' : 'accepted')));

    // Read at once: the answers came after the commit that holds every order, PO and reservation.
    const stored = await orders();
    expect(stored.map((o) => o.external_id).sort()).toEqual(fresh.map((o) => String(o.id)).sort());
    expect(stored.every((o) => o.state === 'routed')).toBe(true);
    expect(new Set(stored.map((o) => o.created_at)).size).toBe(1);
    expect(stored.find((o) => o.external_id === String(fresh[3]!.id))!.source_updated_at).toBe(
      Date.parse(update.updated_at),
    );
    const pos = await t.hub.store.db
      .selectFrom('purchase_orders')
      .select(['order_id', 'supplier_id'])
      .execute();
    expect(new Set(pos.map((p) => `${p.order_id}:${p.supplier_id}`)).size).toBe(pos.length);
    expect(pos).toHaveLength(fresh.length * 2);
    expect(await t.hub.store.db.selectFrom('reservations').select('order_id').execute()).toHaveLength(
      fresh.length * 2,
    );
    const sends = await t.hub.store.db
      .selectFrom('jobs')
      .select('key')
      .where('kind', '=', 'po.send')
      .execute();
    expect(sends).toHaveLength(fresh.length * 2);
    const inbox = await t.hub.store.db
      .selectFrom('channel_deliveries')
      .select(['delivery_id', 'outcome', 'processed_at'])
      .execute();
    expect(inbox).toHaveLength(batch.length - 1);
    const outcomes = new Map(
      inbox.map((d) => [d.delivery_id, d.outcome === null ? null : d.outcome.split(' ')[0]]),
    );
    expect(outcomes.get('w-bad')).toBeNull();
    expect(outcomes.get(batch[6]!.deliveryId)).toBe('updated');
    expect([...outcomes].filter(([, o]) => o === 'created')).toHaveLength(fresh.length);
    // Only the bad payload waits for its job, which names the field in the dead-letter list.
    expect(await deliveryJobs()).toEqual(['channel.delivery:shop:w-bad']);
    expect((await deadLetter()).lastError).toContain('line_items[0].quantity');
  });

  it('a batch that fails as a whole is rolled back and each delivery taken in alone: the poisoned one waits for its job, the others are in', async () => {
    const fresh = Array.from({ length: 5 }, (_, i) => shop.makeOrder(200 + i, ITEMS, [1, 1]));
    // An order that reads (a catch-up poll's, stored already read) but whose money cannot be held: the batch throws.
    const poisoned = {
      kind: 'order',
      sourceUpdatedAt: new Date().toISOString(),
      cancelled: false,
      awaitingPayment: false,
      incoming: {
        channelId: 'shop',
        externalId: 'poisoned-1',
        placedAt: new Date().toISOString(),
        currency: 'USD',
        customer: { email: 'big@example.com' },
        shippingAddress: {
          name: 'Big Buyer',
          line1: '1 Main St',
          city: 'Springfield',
          postalCode: '62701',
          country: 'US',
        },
        lines: [{ sku: 'MUG-BLUE', quantity: 2 ** 52, unitPrice: { amount: 1299, currency: 'USD' } }],
      },
    };
    const batch = [
      ...fresh.slice(0, 2).map((o) => delivery('orders/create', o)),
      delivery(POLLED_TOPIC, poisoned, 'w-poisoned'),
      ...fresh.slice(2).map((o) => delivery('orders/create', o)),
    ];
    const results = await acceptChannelDeliveries(t.hub.ctx, batch, { processNow: true });
    expect(results.map((r) => r.kind)).toEqual(batch.map(() => 'accepted'));
    const stored = await orders();
    expect(stored.map((o) => o.external_id).sort()).toEqual(fresh.map((o) => String(o.id)).sort());
    expect(stored.every((o) => o.state === 'routed')).toBe(true);
    expect(new Set(stored.map((o) => o.created_at)).size).toBe(fresh.length);
    // Nothing of the poisoned order was kept: no order, no reservation beyond the others' (two lines each), no PO.
    expect(await t.hub.store.db.selectFrom('reservations').select('order_id').execute()).toHaveLength(
      fresh.length * 2,
    );
    expect(await t.hub.store.db.selectFrom('purchase_orders').select('id').execute()).toHaveLength(
      fresh.length * 2,
    );
    expect(await deliveryJobs()).toEqual(['channel.delivery:shop:w-poisoned']);
    expect((await deadLetter()).lastError).toContain('payload: money must be an integer');
  });

  it('two processes handed the same deliveries at once, in opposite orders: each delivery is taken in by one of them, each order once', async () => {
    const other = await createHub({
      databaseUrl: t.database.url,
      secretKey: TEST_SECRET_KEY,
      worker: false,
      http: false,
      logLevel: 'silent',
    });
    try {
      const fresh = Array.from({ length: 10 }, (_, i) => shop.makeOrder(400 + i, ITEMS, [1, 1]));
      const batch = fresh.map((o, i) => delivery('orders/create', o, `w-both-${i}`));
      const [here, there] = await Promise.all([
        acceptChannelDeliveries(t.hub.ctx, batch, { processNow: true }),
        acceptChannelDeliveries(other.ctx, [...batch].reverse(), { processNow: true }),
      ]);
      const thereInOrder = [...there].reverse();
      // Whoever stored a delivery first took it in; the other answered it as a duplicate.
      expect(batch.map((_, i) => [here[i]!.kind, thereInOrder[i]!.kind].sort())).toEqual(
        batch.map(() => ['accepted', 'duplicate']),
      );
      const stored = await orders();
      expect(stored.map((o) => o.external_id).sort()).toEqual(fresh.map((o) => String(o.id)).sort());
      expect(
        await t.hub.store.db.selectFrom('channel_deliveries').select('delivery_id').execute(),
      ).toHaveLength(batch.length);
      const pos = await t.hub.store.db
        .selectFrom('purchase_orders')
        .select(['order_id', 'supplier_id'])
        .execute();
      expect(pos).toHaveLength(fresh.length * 2);
      expect(new Set(pos.map((p) => `${p.order_id}:${p.supplier_id}`)).size).toBe(pos.length);
      expect(await t.hub.store.db.selectFrom('reservations').select('order_id').execute()).toHaveLength(
        fresh.length * 2,
      );
    } finally {
      await other.close(1_000);
    }
  });

  it('a hub that only stores deliveries writes the batch with one job each, and a repeat stores nothing; the worker takes them in together', async () => {
    const fresh = Array.from({ length: 4 }, (_, i) => shop.makeOrder(300 + i, ITEMS));
    const taken = () =>
      until(
        'taken in',
        async () =>
          (
            await t.hub.store.db
              .selectFrom('channel_deliveries')
              .select('delivery_id')
              .where('processed_at', 'is', null)
              .execute()
          ).length === 0,
      );
    const first = await acceptChannelDeliveries(
      t.hub.ctx,
      fresh.map((o, i) => delivery('orders/create', o, `w-store-${i}`)),
      { processNow: false },
    );
    expect(first.map((r) => r.kind)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    // Their jobs are claimed and run together: one batch, one write time for the four orders.
    await taken();
    const stored = await orders();
    expect(stored.map((o) => o.external_id).sort()).toEqual(fresh.map((o) => String(o.id)).sort());
    expect(new Set(stored.map((o) => o.created_at)).size).toBe(1);
    const again = await acceptChannelDeliveries(
      t.hub.ctx,
      [delivery('orders/create', fresh[0]!, 'w-store-0'), delivery('orders/create', fresh[1]!, 'w-store-9')],
      { processNow: false },
    );
    expect(again.map((r) => r.kind)).toEqual(['duplicate', 'accepted']);
    expect(
      await t.hub.store.db.selectFrom('channel_deliveries').select('delivery_id').execute(),
    ).toHaveLength(5);
    // The second delivery of an order is an update of it, not a second order.
    await taken();
    expect(await orders()).toHaveLength(4);
  });
});
