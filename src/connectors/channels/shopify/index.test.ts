import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createShopifySim,
  type ShopifyAdmin,
  type ShopifyOrder,
  type ShopifyOrderItem,
  type ShopifySim,
} from '../../../../sim/shopify.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice } from '../sales-channel.ts';
import { shopify, planFulfilments, type OpenLine } from './index.ts';
import { ShopifyThrottledError } from './throttle.ts';

const SHOP = 'demo-shop.myshopify.com';
const TOKEN = 'shpat_0123456789abcdef0123456789ab';

describe('planFulfilments', () => {
  const line = (
    fulfillmentOrderId: string,
    locationKey: string,
    id: string,
    sku: string,
    remaining: number,
  ): OpenLine => ({ fulfillmentOrderId, locationKey, locationName: locationKey, id, sku, remaining });

  it('makes one call per location, each with every fulfillment order of that location', () => {
    const open = [
      line('fo1', 'east', 'l1', 'MUG', 2),
      line('fo2', 'west', 'l2', 'TEE', 1),
      line('fo3', 'east', 'l3', 'LAMP', 3),
    ];
    expect(
      planFulfilments(
        open,
        new Map([
          ['MUG', 2],
          ['TEE', 1],
          ['LAMP', 1],
        ]),
      ),
    ).toEqual([
      {
        locationName: 'east',
        lineItemsByFulfillmentOrder: [
          { fulfillmentOrderId: 'fo1', fulfillmentOrderLineItems: [{ id: 'l1', quantity: 2 }] },
          { fulfillmentOrderId: 'fo3', fulfillmentOrderLineItems: [{ id: 'l3', quantity: 1 }] },
        ],
      },
      {
        locationName: 'west',
        lineItemsByFulfillmentOrder: [
          { fulfillmentOrderId: 'fo2', fulfillmentOrderLineItems: [{ id: 'l2', quantity: 1 }] },
        ],
      },
    ]);
  });

  it('spreads one SKU over several open lines, skipping the ones with nothing left', () => {
    const open = [
      line('fo1', 'east', 'l1', 'MUG', 0),
      line('fo1', 'east', 'l2', 'MUG', 1),
      line('fo2', 'west', 'l3', 'MUG', 5),
    ];
    const calls = planFulfilments(open, new Map([['MUG', 3]]));
    expect(
      calls.map((c) => c.lineItemsByFulfillmentOrder.flatMap((o) => o.fulfillmentOrderLineItems)),
    ).toEqual([[{ id: 'l2', quantity: 1 }], [{ id: 'l3', quantity: 2 }]]);
  });

  it('refuses, naming the SKU, when Shopify has less open than was shipped', () => {
    const plan = () =>
      planFulfilments(
        [line('fo1', 'east', 'l1', 'MUG', 1)],
        new Map([
          ['MUG', 2],
          ['GONE', 1],
        ]),
      );
    expect(plan).toThrow(PermanentError);
    expect(plan).toThrow(/MUG: 2 shipped, 1 open; GONE: 1 shipped, 0 open/);
  });
});

describe('shopify.notifyFulfilment against the simulated Admin API', () => {
  let shop: ShopifySim;
  let admin: ShopifyAdmin;
  const open: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    shop = createShopifySim({
      shopDomain: SHOP,
      webhookUrl: 'http://127.0.0.1:9/unused',
      secret: 'shpss_unused_secret_0001',
      seed: 3,
    });
    admin = await shop.startAdmin({ accessToken: TOKEN, restoreRate: 1_000 });
    open.push(admin);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  const ITEMS: ShopifyOrderItem[] = [
    { sku: 'MUG-BLUE', variantId: 11, price: '12.99' },
    { sku: 'TEE-RED-M', variantId: 12, price: '25.00' },
    { sku: 'LAMP-OAK', variantId: 13, price: '89.00' },
  ];

  function placed(items = ITEMS, quantities?: number[]): ShopifyOrder {
    const order = shop.makeOrder(1, items, quantities);
    shop.recordOrder(order);
    return order;
  }

  function notice(
    order: ShopifyOrder,
    lines: { sku: string; quantity: number }[],
    trackingNumber = '1Z999AA10123456784',
  ): FulfilmentNotice {
    return {
      eventId: 'evt_shp_1',
      orderId: 'ord_1',
      externalId: String(order.id),
      orderState: 'fulfilled',
      createdAt: new Date(),
      shipment: { id: 'shp_1', carrier: 'UPS', trackingNumber, lines },
    };
  }

  function notify(n: FulfilmentNotice, token: string | null = TOKEN) {
    const secrets = { webhookSecret: 'shpss_unused_secret_0001', accessToken: token ?? undefined };
    return shopify
      .open('shop' as ChannelId, { shopDomain: SHOP, adminUrl: admin.url }, secrets)
      .notifyFulfilment(n, { signal: AbortSignal.timeout(20_000), now: new Date() });
  }

  const creates = () =>
    admin.calls.filter((c) => c.operationName === 'WaybillFulfillmentCreate' && c.outcome === 'ok');

  it('fulfils a shipment over two locations with one fulfillmentCreate each, tracking attached, customer notified', async () => {
    const order = placed(ITEMS, [2, 1, 3]);
    await notify(
      notice(order, [
        { sku: 'MUG-BLUE', quantity: 2 },
        { sku: 'TEE-RED-M', quantity: 1 },
        { sku: 'LAMP-OAK', quantity: 3 },
      ]),
    );
    const made = admin.fulfillments(order.id);
    expect(made.map((f) => [f.location.name, f.lineItems.map((l) => [l.sku, l.quantity])])).toEqual([
      [
        'East warehouse',
        [
          ['MUG-BLUE', 2],
          ['LAMP-OAK', 3],
        ],
      ],
      ['West warehouse', [['TEE-RED-M', 1]]],
    ]);
    expect(
      made.every(
        (f) =>
          f.trackingInfo.number === '1Z999AA10123456784' &&
          f.trackingInfo.company === 'UPS' &&
          f.notifyCustomer,
      ),
    ).toBe(true);
    expect(admin.fulfillmentOrders(order.id).map((fo) => fo.status)).toEqual(['CLOSED', 'CLOSED']);
    expect(new Set(admin.calls.map((c) => c.apiVersion))).toEqual(new Set(['2026-10']));
  });

  it('a partial shipment leaves the rest open; the same notice again sends nothing', async () => {
    const order = placed(ITEMS, [2, 1, 3]);
    const partial = notice(order, [{ sku: 'LAMP-OAK', quantity: 2 }]);
    await notify(partial);
    await notify(partial);
    expect(creates()).toHaveLength(1);
    expect(
      admin
        .fulfillmentOrders(order.id)
        .map((fo) => [fo.status, fo.lineItems.map((l) => l.remainingQuantity)]),
    ).toEqual([
      ['IN_PROGRESS', [2, 1]],
      ['OPEN', [1]],
    ]);
  });

  it('pages through fulfillment orders and through a fulfillment order with many lines', async () => {
    const many: ShopifyOrderItem[] = [
      ...Array.from({ length: 27 }, (_, i) => ({
        sku: `BIG-${i}`,
        variantId: 100 + i,
        price: '1.00',
        location: 'Big warehouse',
      })),
      ...Array.from({ length: 6 }, (_, i) => ({
        sku: `SMALL-${i}`,
        variantId: 200 + i,
        price: '1.00',
        location: `Store ${i}`,
      })),
    ];
    const order = placed(
      many,
      many.map(() => 1),
    );
    await notify(
      notice(
        order,
        many.map((i) => ({ sku: i.sku!, quantity: 1 })),
      ),
    );
    const ops = admin.calls.map((c) => c.operationName);
    expect(ops.filter((o) => o === 'WaybillFulfillmentOrders')).toHaveLength(2);
    expect(ops.filter((o) => o === 'WaybillFulfillmentOrderLineItems')).toHaveLength(1);
    expect(creates()).toHaveLength(7);
    expect(admin.fulfillmentOrders(order.id).every((fo) => fo.status === 'CLOSED')).toBe(true);
  });

  it('after an answer lost on the way back, a retry sends only the location that is missing', async () => {
    const order = placed(ITEMS, [1, 1, 1]);
    const n = notice(order, [
      { sku: 'TEE-RED-M', quantity: 1 },
      { sku: 'LAMP-OAK', quantity: 1 },
    ]);
    admin.fault('WaybillFulfillmentCreate', { kind: 'lose-answer' });
    const first = await notify(n).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error);
    expect(first).not.toBeInstanceOf(PermanentError);
    await notify(n);
    await notify(n);
    const made = admin.fulfillments(order.id);
    expect(made.flatMap((f) => f.lineItems.map((l) => [l.sku, l.quantity])).sort()).toEqual([
      ['LAMP-OAK', 1],
      ['TEE-RED-M', 1],
    ]);
    expect(
      admin.calls.filter((c) => c.operationName === 'WaybillFulfillmentCreate').map((c) => c.outcome),
    ).toEqual(['lost', 'ok']);
  });

  it('sits out THROTTLED answers, in a 200 body or as a 429, inside the call', async () => {
    const order = placed(ITEMS, [1, 1, 1]);
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 2_000 });
    await notify(notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }]));
    admin.setThrottle({ currentlyAvailable: 0, status: 429 });
    await notify(notice(order, [{ sku: 'TEE-RED-M', quantity: 1 }], '1ZSECONDPARCEL'));
    const throttled = admin.calls.filter((c) => c.outcome === 'throttled');
    expect(throttled.map((c) => c.status)).toEqual([200, 429]);
    expect(creates()).toHaveLength(2);
  });

  it('leaves a wait longer than it may sit out to the job, as a retryable error', async () => {
    const order = placed();
    admin.setThrottle({ currentlyAvailable: 0, restoreRate: 1 });
    const started = Date.now();
    const error = await notify(notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyThrottledError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("turns user errors into a PermanentError carrying Shopify's message", async () => {
    const order = placed();
    admin.fault('WaybillFulfillmentCreate', { kind: 'user-error', message: 'Fulfillment order is on hold.' });
    const error = await notify(notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('Fulfillment order is on hold.');
  });

  it('a 5xx is retryable; a wrong token, a missing token, an unknown order and an over-shipment are permanent', async () => {
    const order = placed(ITEMS, [1, 1, 1]);
    const mug = notice(order, [{ sku: 'MUG-BLUE', quantity: 1 }]);
    admin.fault('WaybillOrderFulfillments', { kind: 'status', status: 503 });
    const unavailable = await notify(mug).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(Error);
    expect(unavailable).not.toBeInstanceOf(PermanentError);

    const wrong = 'shpat_not_the_right_token_00000';
    const refused = await notify(mug, wrong).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).message).toMatch(/access token \(401\)/);
    expect((refused as Error).message).not.toContain(wrong);
    await expect(notify(mug, null)).rejects.toThrow(/no Admin API access token/);
    await expect(notify({ ...mug, externalId: '123' })).rejects.toThrow(
      /no order gid:\/\/shopify\/Order\/123/,
    );
    await expect(notify(notice(order, [{ sku: 'MUG-BLUE', quantity: 5 }]))).rejects.toThrow(PermanentError);
    expect(creates()).toHaveLength(0);
  });
});
