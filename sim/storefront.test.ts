import { afterEach, describe, expect, it } from 'vitest';
import { startStorefrontSim, type StorefrontSim } from './storefront.ts';
import { sign, signedPost, startFakeHub, type FakeHub, type HubReply } from './testing.ts';

const SECRET = 'whsec_channel';
const CATALOGUE = [
  { sku: 'MUG-BLUE', unitPrice: 1299 },
  { sku: 'MUG-RED', unitPrice: 1299 },
  { sku: 'TEE-M', unitPrice: 2500 },
  { sku: 'CAP', unitPrice: 1800 },
];

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function hub(reply: HubReply, port?: number): Promise<FakeHub> {
  const fake = await startFakeHub(reply, port);
  open.push(fake);
  return fake;
}

async function storefront(hubUrl = 'http://127.0.0.1:9', seed = 3): Promise<StorefrontSim> {
  const sim = await startStorefrontSim({
    hubUrl,
    apiKey: 'key_ops',
    channelId: 'chn_web',
    notifySecret: SECRET,
    seed,
  });
  open.push(sim);
  return sim;
}

function shipmentEvent(
  id: string,
  orderState: string,
  lines: { sku: string; quantity: number }[],
  createdAt: string,
) {
  return {
    id,
    type: 'fulfillment.created',
    createdAt,
    data: {
      orderId: 'ord_1',
      externalId: '1001',
      orderState,
      shipment: { id: `shp_${id}`, carrier: 'UPS', trackingNumber: '1Z999AA10123456784', lines },
    },
  };
}

function post(sim: StorefrontSim, event: { id: string }, signature?: string | null) {
  return signedPost(sim.notifyUrl, SECRET, event, { key: event.id, signature });
}

describe('storefront simulator: events from Waybill', () => {
  it('records a signed event once and counts resends without double-counting the shipment', async () => {
    const sim = await storefront();
    const event = shipmentEvent(
      'evt_1',
      'partially_fulfilled',
      [{ sku: 'MUG-BLUE', quantity: 2 }],
      '2026-11-21T12:00:02Z',
    );
    expect(await post(sim, event)).toEqual({ status: 204, body: null });
    expect(await post(sim, event)).toEqual({ status: 204, body: null });
    expect(sim.events.get('evt_1')).toMatchObject({ type: 'fulfillment.created', count: 2 });
    expect(sim.shippedQuantity('1001', 'MUG-BLUE')).toBe(2);
    expect(sim.shippedQuantity('1001', 'MUG-RED')).toBe(0);
    expect(sim.fulfilledOrders.has('1001')).toBe(false);
  });

  it('sums distinct shipments and tracks the latest order state, even when an older event arrives late', async () => {
    const sim = await storefront();
    await post(
      sim,
      shipmentEvent('evt_2', 'fulfilled', [{ sku: 'MUG-BLUE', quantity: 1 }], '2026-11-21T12:05:00Z'),
    );
    await post(
      sim,
      shipmentEvent(
        'evt_1',
        'partially_fulfilled',
        [{ sku: 'MUG-BLUE', quantity: 2 }],
        '2026-11-21T12:00:00Z',
      ),
    );
    expect(sim.shippedQuantity('1001', 'MUG-BLUE')).toBe(3);
    expect(sim.fulfilledOrders.has('1001')).toBe(true);
  });

  it.each([
    ['a wrong secret', (raw: string) => sign('other', raw)],
    ['a stale timestamp', (raw: string) => sign(SECRET, raw, Math.floor(Date.now() / 1000) - 301)],
    ['no signature', () => null],
  ])('answers 401 to %s and records nothing', async (_case, signatureFor) => {
    const sim = await storefront();
    const event = shipmentEvent(
      'evt_1',
      'fulfilled',
      [{ sku: 'MUG-BLUE', quantity: 2 }],
      '2026-11-21T12:00:02Z',
    );
    expect((await post(sim, event, signatureFor(JSON.stringify(event)))).status).toBe(401);
    expect(sim.events.size).toBe(0);
    expect(sim.shippedQuantity('1001', 'MUG-BLUE')).toBe(0);
  });

  it('answers 400 when the Idempotency-Key is not the event id', async () => {
    const sim = await storefront();
    const event = shipmentEvent('evt_1', 'fulfilled', [], '2026-11-21T12:00:02Z');
    expect((await signedPost(sim.notifyUrl, SECRET, event, { key: 'evt_other' })).status).toBe(400);
    expect(sim.events.size).toBe(0);
  });
});

describe('storefront simulator: orders into Waybill', () => {
  it('makes valid, varied orders that follow from seed and i', async () => {
    const a = await storefront(undefined, 5);
    const b = await storefront(undefined, 5);
    const orders = Array.from({ length: 40 }, (_v, i) => a.makeOrder(i, CATALOGUE, 'EUR'));
    const strip = ({ externalId: _e, placedAt: _p, ...rest }: (typeof orders)[number]) => rest;
    expect(strip(b.makeOrder(7, CATALOGUE, 'EUR'))).toEqual(strip(orders[7]!));
    expect(new Set(orders.map((o) => o.externalId)).size).toBe(40);
    expect(a.makeOrder(1, CATALOGUE).externalId).not.toBe(b.makeOrder(1, CATALOGUE).externalId);
    expect(new Set(orders.map((o) => o.lines.length))).toEqual(new Set([1, 2, 3]));
    for (const order of orders) {
      expect(order.currency).toBe('EUR');
      expect(order.shippingAddress).toMatchObject({ country: 'US', name: order.customer.name });
      expect(new Set(order.lines.map((l) => l.sku)).size).toBe(order.lines.length);
      for (const line of order.lines) expect([1, 2, 3]).toContain(line.quantity);
    }
  });

  it('posts the order to the channel with the API key and returns the answer', async () => {
    const fake = await hub(() => ({ status: 201, body: { id: 'ord_1' } }));
    const sim = await storefront(fake.url);
    const order = sim.makeOrder(1, CATALOGUE);
    expect(await sim.placeOrder(order)).toEqual({ status: 201, body: { id: 'ord_1' } });
    expect(fake.calls).toEqual([
      {
        method: 'POST',
        path: '/api/v1/channels/chn_web/orders',
        authorization: 'Bearer key_ops',
        body: order,
      },
    ]);
  });

  it('returns HTTP errors as they are, without retrying', async () => {
    const fake = await hub(() => ({ status: 422, body: { error: 'unknown sku' } }));
    const sim = await storefront(fake.url);
    expect((await sim.placeOrder(sim.makeOrder(1, CATALOGUE))).status).toBe(422);
    expect(fake.calls).toHaveLength(1);
  });

  it('retries connection errors until the hub comes up', async () => {
    const probe = await startFakeHub(() => 200);
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const sim = await storefront(probe.url);
    const placing = sim.placeOrder(sim.makeOrder(1, CATALOGUE));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fake = await hub(() => ({ status: 201, body: {} }), port);
    expect((await placing).status).toBe(201);
    expect(fake.calls).toHaveLength(1);
  });
});
