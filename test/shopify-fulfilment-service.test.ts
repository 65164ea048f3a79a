import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim, type ShopifyAdmin, type ShopifyOrder, type ShopifySim } from '../sim/shopify.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SHOP = 'service-shop.myshopify.com';
const WEBHOOK_SECRET = 'shpss_fulfilment_service_secret_01';
const TOKEN = 'shpat_fulfilment_service_token_0123';
const SERVICE = 'Waybill drop-ship';
// MUG-BLUE goes to the supplier "prompt" (ships at once), TEE-RED-M to "flaky" (acknowledges at once, ships only
// after the test); LAMP-OAK has no stock here (see beforeEach).
const MUG = { sku: 'MUG-BLUE', variantId: 5101, price: '12.99', title: 'Blue mug', location: SERVICE };
const TEE = { sku: 'TEE-RED-M', variantId: 5102, price: '25.00', title: 'Red tee, M', location: SERVICE };
const LAMP = { sku: 'LAMP-OAK', variantId: 5103, price: '89.00', title: 'Oak lamp', location: SERVICE };

describeEachDatabase('Waybill as a Shopify fulfillment service', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let admin: ShopifyAdmin;
  const sims: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const { prompt, flaky } = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 120_000 } });
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: WEBHOOK_SECRET,
      seed: 11,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN });
    sims.push(prompt, flaky, admin);
    const doc: any = testSetup({ prompt: prompt.url, flaky: flaky.url });
    doc.publicUrl = t.url;
    doc.products.find((p: any) => p.sku === 'LAMP-OAK').offers[0].stock = 0;
    doc.channels.push({
      id: 'shop',
      kind: 'shopify',
      name: 'Shop',
      currency: 'USD',
      backorderPolicy: 'cancel',
      shopDomain: SHOP,
      webhookSecret: WEBHOOK_SECRET,
      accessToken: TOKEN,
      adminUrl: admin.url,
      fulfillmentService: { name: SERVICE },
    });
    await t.apply(doc);
    await until('the fulfillment service registered', async () => shop.fulfillmentServices().length === 1);
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await t?.close();
  });

  async function placeOrder(
    i: number,
    items: (typeof MUG)[],
    quantities: number[],
    changes: Partial<ShopifyOrder> = {},
  ): Promise<{ order: ShopifyOrder; orderId: string }> {
    const order = { ...shop.makeOrder(i, items, quantities), ...changes };
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    let orderId = '';
    await until('the order taken in', async () => {
      orderId =
        (
          await t.hub.store.db
            .selectFrom('orders')
            .select('id')
            .where('external_id', '=', String(order.id))
            .executeTakeFirst()
        )?.id ?? '';
      return orderId !== '';
    });
    return { order, orderId };
  }
  const requestOf = (order: ShopifyOrder) =>
    admin.fulfillmentOrders(order.id).find((fo) => fo.location.name === SERVICE)!;
  const requestStatus = (order: ShopifyOrder, status: string) =>
    until(`request ${status}`, async () => requestOf(order).requestStatus === status);
  /** A POST signed as Shopify signs, to one of the hub's Shopify paths. */
  const post = (path: string, body: string, secret = WEBHOOK_SECRET) =>
    t.api(path, {
      rawBody: body,
      key: null,
      headers: { 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64') },
    });
  /** Answers go on the timeline just after Shopify has them (their own commit): wait for the record. */
  const onTimeline = (orderId: string, type: string) =>
    until(`${type} on the timeline`, async () => (await events(orderId)).includes(type));
  const events = async (orderId: string) =>
    (await t.api(`/api/v1/orders/${orderId}`)).body.events.map((e: any) => e.type) as string[];

  it('registers itself once, at the hub\u2019s public address, and shows the service and its location', async () => {
    const [service] = shop.fulfillmentServices();
    expect(service).toMatchObject({
      serviceName: SERVICE,
      callbackUrl: `${t.url}/webhooks/shopify/shop`,
      location: { name: SERVICE },
    });
    // Recorded just after Shopify made it (its own commit).
    const shown = async () =>
      (await t.api('/api/v1/channels')).body.channels.find((c: any) => c.id === 'shop').fulfilmentService;
    await until('the registration recorded', async () => (await shown()) !== null);
    expect(await shown()).toEqual({
      id: service!.id,
      name: SERVICE,
      locationId: service!.location.id,
      callbackUrl: service!.callbackUrl,
    });

    // Applying the same setup again, or the job running again, registers nothing more.
    const runs = () =>
      admin.calls.filter((c) => c.operationName === 'WaybillAssignedFulfillmentOrders').length;
    await until('the first run listed its requests', async () => runs() > 0);
    const before = runs();
    // A nudge makes it run again (at once, or as soon as the run under way ends).
    expect(
      (await post('/webhooks/shopify/shop/fulfillment_order_notification', '{"kind":"FULFILLMENT_REQUEST"}'))
        .status,
    ).toBe(200);
    await until('the job ran again', async () => runs() > before);
    expect(admin.calls.filter((c) => c.operationName === 'WaybillFulfillmentServiceCreate')).toHaveLength(1);
    expect(shop.fulfillmentServices()).toHaveLength(1);
  });

  it('accepts a request for lines it holds when nudged, then fulfils the accepted fulfillment order with tracking', async () => {
    const { order, orderId } = await placeOrder(1, [MUG], [2]);
    expect((await shop.requestFulfillment(order.id, { message: 'please ship' }))?.status).toBe(200);
    // The job's next turn is a minute away: only the nudge makes this quick.
    await requestStatus(order, 'ACCEPTED');
    expect(requestOf(order).answers).toEqual([
      expect.objectContaining({
        kind: 'accept-fulfillment',
        message: 'Waybill ships this order through its suppliers',
      }),
    ]);
    await until(
      'the shipment fulfilled at the service location',
      async () => requestOf(order).status === 'CLOSED',
    );
    const fulfillments = admin.fulfillments(order.id);
    expect(
      fulfillments.map((f) => [
        f.location.name,
        f.trackingInfo.company,
        f.lineItems.map((l) => `${l.sku}×${l.quantity}`),
      ]),
    ).toEqual([[SERVICE, 'UPS', ['MUG-BLUE×2']]]);
    await onTimeline(orderId, 'order.fulfilment_request_accepted');
  });

  it('rejects a request whose lines are out of stock with INVENTORY_OUT_OF_STOCK, naming each line', async () => {
    const { order, orderId } = await placeOrder(2, [LAMP], [1]);
    await until(
      'the short line cancelled',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('orders')
            .select('state')
            .where('id', '=', orderId)
            .executeTakeFirstOrThrow()
        ).state === 'cancelled',
    );
    await shop.requestFulfillment(order.id);
    await requestStatus(order, 'REJECTED');
    const [answer] = requestOf(order).answers;
    expect(answer).toMatchObject({
      kind: 'reject-fulfillment',
      reason: 'INVENTORY_OUT_OF_STOCK',
      lineItems: [
        {
          fulfillmentOrderLineItemId: requestOf(order).lineItems[0]!.id,
          message: 'LAMP-OAK is out of stock',
        },
      ],
    });
    expect(answer!.message).toContain('LAMP-OAK is out of stock');
    await onTimeline(orderId, 'order.fulfilment_request_rejected');
    expect(admin.fulfillments(order.id)).toEqual([]);
  });

  it('waits for an order whose webhook has not come yet, and answers once it is in', async () => {
    const order = shop.makeOrder(3, [MUG], [1]);
    shop.recordOrder(order);
    await shop.requestFulfillment(order.id);
    const jobKey = 'channel.fulfilment-requests:shop';
    const listed = () =>
      admin.calls.filter((c) => c.operationName === 'WaybillAssignedFulfillmentOrders').length;
    await until('the requests listed', async () => listed() >= 2);
    expect(requestOf(order).requestStatus).toBe('SUBMITTED');
    const job = await t.hub.store.db
      .selectFrom('jobs')
      .select('run_at')
      .where('key', '=', jobKey)
      .executeTakeFirstOrThrow();
    expect(job.run_at - Date.now()).toBeLessThanOrEqual(5_000);

    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    await requestStatus(order, 'ACCEPTED');
  });

  it('accepts a cancellation while no supplier has the lines (cancelling them), and rejects one a supplier has', async () => {
    // Unpaid: the purchase order waits as a draft, so nothing has reached the supplier.
    const unpaid = await placeOrder(4, [MUG], [3], { financial_status: 'pending' });
    await shop.requestFulfillment(unpaid.order.id);
    await requestStatus(unpaid.order, 'ACCEPTED');
    await shop.requestCancellation(unpaid.order.id);
    await requestStatus(unpaid.order, 'CANCELLATION_ACCEPTED');
    expect(requestOf(unpaid.order).status).toBe('CLOSED');
    const stored = await t.hub.store.db
      .selectFrom('orders')
      .select('state')
      .where('id', '=', unpaid.orderId)
      .executeTakeFirstOrThrow();
    expect(stored.state).toBe('cancelled');
    const pos = await t.hub.store.db
      .selectFrom('purchase_orders')
      .select('state')
      .where('order_id', '=', unpaid.orderId)
      .execute();
    expect(pos.map((p) => p.state)).toEqual(['cancelled']);
    expect(
      (await t.api('/api/v1/stock')).body.levels.find((l: any) => l.sku === 'MUG-BLUE')?.reserved ?? 0,
    ).toBe(0);
    expect(await events(unpaid.orderId)).toContain('order.cancellation_request_accepted');

    // Paid: the purchase order goes to the supplier at once; once it has it, only the supplier can stop it.
    const paid = await placeOrder(5, [TEE], [1]);
    await shop.requestFulfillment(paid.order.id);
    await requestStatus(paid.order, 'ACCEPTED');
    await until(
      'the supplier acknowledged the PO',
      async () =>
        (
          await t.hub.store.db
            .selectFrom('purchase_orders')
            .select('state')
            .where('order_id', '=', paid.orderId)
            .executeTakeFirstOrThrow()
        ).state === 'accepted',
    );
    await shop.requestCancellation(paid.order.id);
    await requestStatus(paid.order, 'CANCELLATION_REJECTED');
    expect(requestOf(paid.order).answers.at(-1)!.message).toMatch(
      /^Waybill cannot cancel this any more: \S+ is with supplier flaky$/,
    );
    await onTimeline(paid.orderId, 'order.cancellation_request_rejected');
    expect(
      (
        await t.hub.store.db
          .selectFrom('orders')
          .select('state')
          .where('id', '=', paid.orderId)
          .executeTakeFirstOrThrow()
      ).state,
    ).not.toBe('cancelled');
  });

  it('moves the service\u2019s callback when the hub\u2019s public address changes, without making a second service', async () => {
    const doc: any = {
      apiVersion: 'waybill/v1',
      retailer: { name: 'Test Retailer' },
      publicUrl: `${t.url}/moved/`,
    };
    await t.apply(doc);
    await until(
      'the callback moved',
      async () => shop.fulfillmentServices()[0]?.callbackUrl === `${t.url}/moved/webhooks/shopify/shop`,
    );
    expect(shop.fulfillmentServices()).toHaveLength(1);
    expect(
      admin.calls.filter((c) => c.operationName === 'WaybillFulfillmentServiceUpdate').map((c) => c.outcome),
    ).toEqual(['ok']);
    // Recorded by the job's commit, just after Shopify answered.
    const recorded = async () =>
      (await t.api('/api/v1/channels')).body.channels.find((c: any) => c.id === 'shop').fulfilmentService
        .callbackUrl;
    await until(
      'the channel records the moved callback',
      async () => (await recorded()) === `${t.url}/moved/webhooks/shopify/shop`,
    );
  });

  it('an answer Shopify refuses is recorded on the order and the other requests are still answered', async () => {
    const first = await placeOrder(7, [MUG], [1]);
    const second = await placeOrder(8, [MUG], [1]);
    admin.fault('WaybillAcceptFulfillmentRequest', {
      kind: 'user-error',
      message: 'Fulfillment order is not in a requestable state',
    });
    await shop.requestFulfillment(first.order.id);
    await shop.requestFulfillment(second.order.id);
    await until('one refused, one accepted', async () => {
      const [a, b] = [await events(first.orderId), await events(second.orderId)];
      return (
        [a, b].some((e) => e.includes('order.fulfilment_request_failed')) &&
        [a, b].some((e) => e.includes('order.fulfilment_request_accepted'))
      );
    });
    let failed = first;
    for (const o of [first, second])
      if ((await events(o.orderId)).includes('order.fulfilment_request_failed')) failed = o;
    const { body } = await t.api(`/api/v1/orders/${failed.orderId}`);
    expect(body.events.find((e: any) => e.type === 'order.fulfilment_request_failed').data.error).toContain(
      'Fulfillment order is not in a requestable state',
    );
    // Still open at Shopify, so a later run (the nudge's) answers it.
    expect(
      (await post('/webhooks/shopify/shop/fulfillment_order_notification', '{"kind":"FULFILLMENT_REQUEST"}'))
        .status,
    ).toBe(200);
    await requestStatus(failed.order, 'ACCEPTED');
    expect(
      admin.calls
        .filter((c) => c.operationName === 'WaybillAcceptFulfillmentRequest')
        .map((c) => c.outcome)
        .sort(),
    ).toEqual(['ok', 'ok', 'user-errors']);
  });

  it('a shipment that comes before its request is accepted waits (retried, not a dead letter), then is fulfilled', async () => {
    // MUG-BLUE's supplier ships within milliseconds; the merchant has not asked Waybill yet.
    const { order } = await placeOrder(9, [MUG], [1]);
    const notices = () =>
      t.hub.store.db
        .selectFrom('jobs')
        .select(['state', 'last_error'])
        .where('kind', '=', 'channel.notify')
        .execute();
    await until('the notice waiting for the acceptance', async () =>
      (await notices()).some((j) =>
        j.last_error?.includes(
          "(UNSUBMITTED) waits for the merchant's fulfillment request and for Waybill to accept it",
        ),
      ),
    );
    expect(admin.fulfillments(order.id)).toEqual([]);
    await shop.requestFulfillment(order.id);
    await requestStatus(order, 'ACCEPTED');
    await until('the notice done', async () => (await notices()).every((j) => j.state === 'done'));
    expect(admin.fulfillments(order.id).map((f) => f.location.name)).toEqual([SERVICE]);
    expect((await t.api('/api/v1/dead-letters')).body.deadLetters).toEqual([]);
  });

  it('without a public address nothing is registered and the operator is told once; requests are still answered', async () => {
    // Once the first registration is recorded (its own commit), the address and the registration are taken away.
    await until(
      'the registration recorded',
      async () =>
        (await t.hub.store.db
          .selectFrom('settings')
          .select('key')
          .where('key', '=', 'channel.shop.fulfilmentService')
          .executeTakeFirst()) !== undefined,
    );
    await t.hub.store.db
      .deleteFrom('settings')
      .where('key', 'in', ['hub.publicUrl', 'channel.shop.fulfilmentService'])
      .execute();
    const unregistered = async () =>
      (
        await t.hub.store.db
          .selectFrom('events')
          .select('type')
          .where('type', '=', 'channel.fulfilment_service_unregistered')
          .execute()
      ).length;
    const { order } = await placeOrder(10, [MUG], [1]);
    await shop.requestFulfillment(order.id);
    await requestStatus(order, 'ACCEPTED');
    expect(
      (await post('/webhooks/shopify/shop/fulfillment_order_notification', '{"kind":"FULFILLMENT_REQUEST"}'))
        .status,
    ).toBe(200);
    const listed = admin.calls.filter((c) => c.operationName === 'WaybillAssignedFulfillmentOrders').length;
    await until(
      'another run',
      async () =>
        admin.calls.filter((c) => c.operationName === 'WaybillAssignedFulfillmentOrders').length > listed,
    );
    expect(await unregistered()).toBe(1);
    expect(
      (await t.api('/api/v1/channels')).body.channels.find((c: any) => c.id === 'shop').fulfilmentService,
    ).toBeNull();
    expect(admin.calls.filter((c) => c.operationName === 'WaybillFulfillmentServiceCreate')).toHaveLength(1);
  });

  it('refuses a forged nudge (401), a body that is not a notification (400) and an unknown channel (404)', async () => {
    const order = shop.makeOrder(6, [MUG], [1]);
    shop.recordOrder(order);
    const forged = await shop.requestFulfillment(order.id, { secret: 'shpss_not_the_app_secret_at_all' });
    expect(forged?.status).toBe(401);
    expect(JSON.parse(forged!.body)).toMatchObject({
      status: 401,
      detail: expect.stringContaining('headers.x-shopify-hmac-sha256'),
    });

    const bad = await post(
      '/webhooks/shopify/shop/fulfillment_order_notification',
      '{"kind":"SOMETHING_ELSE"}',
    );
    expect(bad).toMatchObject({
      status: 400,
      body: { detail: 'body.kind: must be FULFILLMENT_REQUEST or CANCELLATION_REQUEST' },
    });
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await post('/webhooks/shopify/shop/fulfillment_order_notification', 'not json')).status).toBe(
      400,
    );
    expect(
      (
        await post(
          '/webhooks/shopify/nowhere/fulfillment_order_notification',
          '{"kind":"FULFILLMENT_REQUEST"}',
        )
      ).status,
    ).toBe(404);
    expect(
      (await post('/webhooks/shopify/shop/fulfillment_order_notification', '{"kind":"FULFILLMENT_REQUEST"}'))
        .body,
    ).toEqual({ status: 'accepted' });
  });
});
