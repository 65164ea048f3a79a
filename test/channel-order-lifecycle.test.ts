import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim, type ShopifySim } from '../sim/shopify.ts';
import { createWooCommerceSim } from '../sim/woocommerce.ts';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SECRET = 'shpss_current_client_secret_01';
const WOO_SECRET = 'woo-webhook-secret-0123456789';
// MUG-BLUE goes to the supplier "prompt", LAMP-OAK to "flaky" (test/support/hub.ts).
const ITEMS = [
  { sku: 'MUG-BLUE', variantId: 4101, price: '12.99', title: 'Blue mug' },
  { sku: 'LAMP-OAK', variantId: 4102, price: '89.00', title: 'Oak lamp' },
];
const STOCK: Record<string, number> = { 'MUG-BLUE': 10, 'TEE-RED-M': 10, 'LAMP-OAK': 4 };

describeEachDatabase('A channel order after intake: payment, cancellation', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    const start = (name: 'prompt' | 'flaky', seed: number, ackDelayMs: number, shipDelayMs: number) =>
      startSupplierSim({
        name,
        signingSecret: SECRETS[name],
        hubUrl: t.url,
        apiToken: SUPPLIER_TOKENS[name],
        seed,
        ackDelayMs,
        shipDelayMs,
      });
    // "prompt" ships at once; "flaky" acknowledges and then takes its time, so a cancellation finds its PO accepted.
    const [prompt, flaky] = await Promise.all([start('prompt', 1, 5, 5), start('flaky', 2, 5, 60_000)]);
    suppliers = { prompt, flaky };
    const doc: any = testSetup({ prompt: prompt.url, flaky: flaky.url });
    for (const product of doc.products) for (const offer of product.offers) offer.stock = STOCK[product.sku];
    doc.channels.push(
      {
        id: 'shop',
        kind: 'shopify',
        name: 'Shop',
        currency: 'USD',
        shopDomain: 'demo-shop.myshopify.com',
        webhookSecret: SECRET,
      },
      {
        id: 'woo',
        kind: 'woocommerce',
        name: 'Woo',
        currency: 'USD',
        storeUrl: 'https://shop.example.com',
        webhookSecret: WOO_SECRET,
      },
    );
    await t.apply(doc);
    shop = createShopifySim({
      shopDomain: 'demo-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SECRET,
      seed: 5,
    });
  });
  afterEach(async () => {
    await Promise.all([suppliers.prompt.close(), suppliers.flaky.close()]);
    await t?.close();
  });

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
  const viewOf = async (externalId: number, channel = 'shop') => {
    const row = await t.hub.store.db
      .selectFrom('orders')
      .select('id')
      .where('channel_id', '=', channel)
      .where('external_id', '=', String(externalId))
      .executeTakeFirstOrThrow();
    return (await t.api(`/api/v1/orders/${row.id}`)).body;
  };
  const reserved = async () =>
    Object.fromEntries((await t.api('/api/v1/stock')).body.levels.map((l: any) => [l.sku, l.reserved]));
  const posReceived = () => suppliers.prompt.received.size + suppliers.flaky.received.size;
  const sendJobs = () =>
    t.hub.store.db.selectFrom('jobs').select(['key', 'state']).where('kind', '=', 'po.send').execute();

  it('an unpaid order holds its stock and sends nothing until the payment arrives, then goes to its suppliers', async () => {
    const order = { ...shop.makeOrder(1, ITEMS, [2, 1]), financial_status: 'pending' as const };
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    await processed();
    let view = await viewOf(order.id);
    expect(view.state).toBe('awaiting_payment');
    expect(view.purchaseOrders.map((po: any) => po.state)).toEqual(['draft', 'draft']);
    expect(await reserved()).toMatchObject({ 'MUG-BLUE': 2, 'LAMP-OAK': 1 });
    expect(await sendJobs()).toEqual([]);

    // An update that changes nothing about the payment sends nothing either.
    await shop.deliver(
      'orders/updated',
      shop.updateOf(order, 1_000, { financial_status: 'pending' as const } as never),
    );
    await processed();
    expect((await viewOf(order.id)).state).toBe('awaiting_payment');
    await new Promise((r) => setTimeout(r, 200));
    expect(posReceived()).toBe(0);

    await shop.deliver('orders/updated', shop.updateOf(order, 2_000, { financial_status: 'paid' } as never));
    await processed();
    await until('both POs at their suppliers', async () => posReceived() === 2);
    view = await viewOf(order.id);
    expect(view.events.map((e: any) => e.type)).toContain('order.paid');
    await until(
      'the prompt supplier shipped',
      async () => (await viewOf(order.id)).state === 'partially_fulfilled',
    );
  });

  it('an unpaid order cancelled at the channel is cancelled whole: drafts cancelled, stock released, nothing sent', async () => {
    const order = { ...shop.makeOrder(2, ITEMS, [3, 2]), financial_status: 'pending' as const };
    await shop.deliver('orders/create', order);
    await processed();
    expect(await reserved()).toMatchObject({ 'MUG-BLUE': 3, 'LAMP-OAK': 2 });

    await shop.deliver(
      'orders/cancelled',
      shop.updateOf(order, 1_000, {
        cancelled_at: new Date().toISOString(),
        financial_status: 'voided',
      } as never),
    );
    await processed();
    const view = await viewOf(order.id);
    expect(view.state).toBe('cancelled');
    expect(view.lines.map((l: any) => l.state)).toEqual(['cancelled', 'cancelled']);
    expect(view.purchaseOrders.map((po: any) => po.state)).toEqual(['cancelled', 'cancelled']);
    expect(await reserved()).toMatchObject({ 'MUG-BLUE': 0, 'LAMP-OAK': 0 });
    // A late "paid" from before the cancellation changes nothing.
    await shop.deliver('orders/updated', shop.updateOf(order, 500, { financial_status: 'paid' } as never));
    await processed();
    expect((await viewOf(order.id)).state).toBe('cancelled');
    expect(await sendJobs()).toEqual([]);
    expect(posReceived()).toBe(0);
  });

  it('a paid order cancelled after its purchase orders reached the suppliers: the unshipped one is withdrawn from its supplier', async () => {
    const order = shop.makeOrder(3, ITEMS, [1, 1]);
    await shop.deliver('orders/create', order);
    await processed();
    await until('both acknowledged', async () =>
      (await viewOf(order.id)).purchaseOrders.every(
        (po: any) => po.state !== 'pending' && po.state !== 'sent',
      ),
    );

    await shop.deliver(
      'orders/cancelled',
      shop.updateOf(order, 1_000, { cancelled_at: new Date().toISOString() } as never),
    );
    await processed();
    const view = await viewOf(order.id);
    const flakyPo = view.purchaseOrders.find((po: any) => po.supplierId === 'flaky');
    expect(flakyPo.state).toBe('cancelled');
    expect(view.lines.find((l: any) => l.lineNumber === 2).state).toBe('cancelled');
    const cancelled = view.events.find((e: any) => e.type === 'order.lines_cancelled');
    expect(cancelled.data.cancelled).toContain(2);
    // Told over its transport; the line it had is free again.
    await until('flaky told', () => suppliers.flaky.cancelled.has(flakyPo.poNumber));
    expect(view.holdReason ?? '').not.toContain('ask them to cancel');
  });

  it('an order edit at Shopify (current_quantity) takes units away: a line removed is cancelled while no supplier has it, one reduced is held for a person', async () => {
    const order = { ...shop.makeOrder(4, ITEMS, [3, 2]), financial_status: 'pending' as const };
    await shop.deliver('orders/create', order);
    await processed();
    expect(await reserved()).toMatchObject({ 'MUG-BLUE': 3, 'LAMP-OAK': 2 });
    const [mug, lamp] = order.line_items;
    const edited = shop.updateOf(order, 1_000, {
      line_items: [
        { ...mug!, current_quantity: 1 },
        { ...lamp!, current_quantity: 0 },
      ],
    } as never);
    await shop.deliver('orders/updated', edited);
    await processed();
    const view = await viewOf(order.id);
    expect(view.lines.map((l: any) => [l.sku, l.state])).toEqual([
      ['MUG-BLUE', 'routed'],
      ['LAMP-OAK', 'cancelled'],
    ]);
    expect(view.state).toBe('on_hold');
    expect(view.holdReason).toContain('line 1: an order edit at the channel took it from 3 to 1 units');
    expect(view.purchaseOrders.map((po: any) => [po.supplierId, po.state]).sort()).toEqual([
      ['flaky', 'cancelled'],
      ['prompt', 'draft'],
    ]);
    expect(await reserved()).toMatchObject({ 'LAMP-OAK': 0 });
    expect(view.events.map((e: any) => e.type)).toContain('order.edited_at_channel');
  });

  it('an order edit that removes a line a supplier already accepted withdraws its purchase order from the supplier', async () => {
    const order = shop.makeOrder(5, ITEMS, [1, 1]);
    await shop.deliver('orders/create', order);
    await processed();
    await until('both acknowledged', async () =>
      (await viewOf(order.id)).purchaseOrders.every(
        (po: any) => po.state !== 'pending' && po.state !== 'sent',
      ),
    );
    const [mug, lamp] = order.line_items;
    await shop.deliver(
      'orders/updated',
      shop.updateOf(order, 1_000, {
        line_items: [
          { ...mug!, current_quantity: 1 },
          { ...lamp!, current_quantity: 0 },
        ],
      } as never),
    );
    await processed();
    const view = await viewOf(order.id);
    const flakyPo = view.purchaseOrders.find((po: any) => po.supplierId === 'flaky');
    expect(flakyPo.state).toBe('cancelled');
    expect(view.lines.find((l: any) => l.sku === 'LAMP-OAK').state).toBe('cancelled');
    await until('flaky told', () => suppliers.flaky.cancelled.has(flakyPo.poNumber));
  });

  it('WooCommerce: on-hold waits for the payment, processing releases it; cancelled at the store cancels', async () => {
    const woo = createWooCommerceSim({
      storeUrl: 'https://shop.example.com',
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WOO_SECRET,
      seed: 4,
    });
    const items = [{ sku: 'MUG-BLUE', productId: 41, price: '12.99', name: 'Blue mug' }];
    const transfer = { ...woo.makeOrder(1, items, [2]), status: 'on-hold' as const };
    expect((await woo.deliver('order.created', transfer)).status).toBe(200);
    await processed();
    expect((await viewOf(transfer.id, 'woo')).state).toBe('awaiting_payment');
    await woo.deliver('order.updated', woo.updateOf(transfer, 2_000, { status: 'processing' }));
    await processed();
    await until('the PO at its supplier', async () => suppliers.prompt.received.size === 1);
    expect((await viewOf(transfer.id, 'woo')).events.map((e: any) => e.type)).toContain('order.paid');

    const unwanted = { ...woo.makeOrder(2, items, [1]), status: 'pending' as const };
    await woo.deliver('order.created', unwanted);
    await processed();
    await woo.deliver('order.updated', woo.updateOf(unwanted, 2_000, { status: 'cancelled' }));
    await processed();
    const view = await viewOf(unwanted.id, 'woo');
    expect(view.state).toBe('cancelled');
    expect(view.purchaseOrders.map((po: any) => po.state)).toEqual(['cancelled']);
    expect(suppliers.prompt.received.size).toBe(1);
  });
});
