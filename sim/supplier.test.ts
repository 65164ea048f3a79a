import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSupplierSim, upsCheckDigit, type SupplierSim, type SupplierSimOptions } from './supplier.ts';
import { sign, signedPost, startFakeHub, waitFor, type FakeHub, type HubReply } from './testing.ts';

const SECRET = 'whsec_test';
const TOKEN = 'sup_token';

function purchaseOrder(poNumber: string, supplierSkus = ['P-MUG-1']): object {
  return {
    poNumber,
    orderRef: 'ord_1',
    currency: 'USD',
    createdAt: '2026-11-21T10:00:01Z',
    shipTo: {
      name: 'Ann Smith',
      line1: '1 Main St',
      city: 'Springfield',
      postalCode: '62701',
      country: 'US',
    },
    packingSlip: { brand: 'Demo Retailer' },
    lines: supplierSkus.map((supplierSku, i) => ({
      lineNumber: i + 1,
      supplierSku,
      sku: `SKU-${i + 1}`,
      quantity: i + 2,
      unitCost: 450,
    })),
  };
}

/** Waybill's cancel of a PO, as docs/wire-formats.md ("Cancel") shows it. */
function cancelOf(poNumber: string): Record<string, string> {
  return {
    type: 'purchase_order.cancel',
    poNumber,
    orderRef: 'ord_1',
    reason: 'not acknowledged within 2 days',
    cancelledAt: '2026-12-06T10:00:00.000Z',
  };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function hub(
  reply: HubReply = (call) => (call.path.endsWith('/shipments') ? 201 : 200),
): Promise<FakeHub> {
  const fake = await startFakeHub(reply);
  open.push(fake);
  return fake;
}

async function supplier(hubUrl: string, extra: Partial<SupplierSimOptions> = {}): Promise<SupplierSim> {
  const sim = await startSupplierSim({
    name: 'test',
    signingSecret: SECRET,
    hubUrl,
    apiToken: TOKEN,
    seed: 7,
    ...extra,
  });
  open.push(sim);
  return sim;
}

function deliver(sim: SupplierSim, poNumber: string, skus?: string[]) {
  return signedPost(sim.url, SECRET, purchaseOrder(poNumber, skus), { key: poNumber });
}

describe('supplier simulator: taking purchase orders', () => {
  it('accepts a validly signed PO and stores it under its poNumber', async () => {
    const sim = await supplier((await hub()).url, { autoFulfil: false });
    const res = await deliver(sim, 'PO-1');
    expect(res).toEqual({ status: 202, body: { status: 'received' } });
    expect(sim.received.get('PO-1')).toMatchObject({
      count: 1,
      idempotencyKey: 'PO-1',
      body: { poNumber: 'PO-1' },
    });
    expect(sim.deliveries).toBe(1);
  });

  it.each([
    ['a wrong secret', sign('other-secret', JSON.stringify(purchaseOrder('PO-1')))],
    ['a tampered body', sign(SECRET, JSON.stringify(purchaseOrder('PO-2')))],
    [
      'a stale timestamp',
      sign(SECRET, JSON.stringify(purchaseOrder('PO-1')), Math.floor(Date.now() / 1000) - 301),
    ],
    ['garbage', 'not-a-signature'],
    ['no signature', null],
  ])('answers 401 to %s and stores nothing', async (_case, signature) => {
    const sim = await supplier((await hub()).url, { autoFulfil: false });
    const res = await signedPost(sim.url, SECRET, purchaseOrder('PO-1'), { key: 'PO-1', signature });
    expect(res.status).toBe(401);
    expect(sim.received.size).toBe(0);
    expect(sim.deliveries).toBe(1);
  });

  it('answers 400 when the Idempotency-Key is not the poNumber', async () => {
    const sim = await supplier((await hub()).url, { autoFulfil: false });
    expect((await signedPost(sim.url, SECRET, purchaseOrder('PO-1'), { key: 'PO-9' })).status).toBe(400);
    expect((await signedPost(sim.url, SECRET, purchaseOrder('PO-1'))).status).toBe(400);
    expect(sim.received.size).toBe(0);
  });

  it('drops a resend of a PO it already has and does not acknowledge it twice', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url);
    expect((await deliver(sim, 'PO-1')).status).toBe(202);
    expect(await deliver(sim, 'PO-1')).toEqual({ status: 200, body: { status: 'duplicate' } });
    await sim.idle();
    expect(sim.duplicatesDropped).toBe(1);
    expect(sim.received.get('PO-1')?.count).toBe(2);
    expect(sim.deliveries).toBe(2);
    expect(fake.calls.map((c) => c.path)).toEqual([
      '/supplier-api/v1/purchase-orders/PO-1/acknowledgement',
      '/supplier-api/v1/purchase-orders/PO-1/shipments',
    ]);
  });

  it('answers 500 without storing when failRate is 1', async () => {
    const sim = await supplier((await hub()).url, { failRate: 1 });
    expect((await deliver(sim, 'PO-1')).status).toBe(500);
    expect(sim.received.size).toBe(0);
    expect(sim.deliveries).toBe(1);
  });

  it('never answers when timeoutRate is 1, so the client times out', async () => {
    const sim = await supplier((await hub()).url, { timeoutRate: 1 });
    const attempt = signedPost(sim.url, SECRET, purchaseOrder('PO-1'), { key: 'PO-1', timeoutMs: 200 });
    await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sim.received.size).toBe(0);
    expect(sim.deliveries).toBe(1);
  });

  it('replays the same failures for the same seed', async () => {
    const outcomes = async (): Promise<number[]> => {
      const sim = await supplier((await hub()).url, { failRate: 0.5, autoFulfil: false });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await deliver(sim, `PO-${i}`)).status);
      return statuses;
    };
    const first = await outcomes();
    expect(first).toContain(500);
    expect(first).toContain(202);
    expect(await outcomes()).toEqual(first);
  });
});

describe('supplier simulator: acknowledging and shipping', () => {
  it('acknowledges and ships through the supplier API, retrying while the hub answers 503', async () => {
    const fake = await hub((call, sameCalls) => {
      if (sameCalls < 2) return 503;
      return call.path.endsWith('/shipments') ? 201 : 200;
    });
    const sim = await supplier(fake.url, { carrier: 'FedEx' });
    await deliver(sim, 'PO-7', ['P-MUG-1', 'P-CUP-2']);
    await sim.idle();

    expect(fake.calls.map((c) => c.path.split('/').pop())).toEqual([
      ...Array<string>(3).fill('acknowledgement'),
      ...Array<string>(3).fill('shipments'),
    ]);
    const ok = fake.calls.filter((_c, i) => i === 2 || i === 5);
    expect(ok.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(ok[0]).toMatchObject({
      method: 'POST',
      path: '/supplier-api/v1/purchase-orders/PO-7/acknowledgement',
      body: {
        lines: [
          { lineNumber: 1, status: 'accepted' },
          { lineNumber: 2, status: 'accepted' },
        ],
      },
    });
    expect(ok[1]).toMatchObject({
      path: '/supplier-api/v1/purchase-orders/PO-7/shipments',
      body: {
        carrier: 'FedEx',
        lines: [
          { lineNumber: 1, quantity: 2 },
          { lineNumber: 2, quantity: 3 },
        ],
      },
    });
    expect(sim.acknowledged.has('PO-7')).toBe(true);
    expect(sim.shipped.has('PO-7')).toBe(true);
  });

  it('resends the same shipment body (same tracking number) on every retry', async () => {
    const fake = await hub((call, sameCalls) =>
      call.path.endsWith('/shipments') && sameCalls < 2 ? 503 : 200,
    );
    const sim = await supplier(fake.url);
    await deliver(sim, 'PO-1');
    await sim.idle();
    const shipments = fake.calls.filter((c) => c.path.endsWith('/shipments')).map((c) => c.body);
    expect(shipments).toHaveLength(3);
    expect(new Set(shipments.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(sim.shipped.has('PO-1')).toBe(true);
  });

  it('rejects rejectSkus lines as out of stock and ships only the accepted ones', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url, { rejectSkus: ['P-CUP-2'] });
    await deliver(sim, 'PO-1', ['P-MUG-1', 'P-CUP-2']);
    await sim.idle();
    expect(fake.calls.map((c) => c.body)).toEqual([
      {
        lines: [
          { lineNumber: 1, status: 'accepted' },
          { lineNumber: 2, status: 'rejected', reason: 'out of stock' },
        ],
      },
      expect.objectContaining({ lines: [{ lineNumber: 1, quantity: 2 }] }),
    ]);
  });

  it('backorders backorderSkus lines with the day they become available, and ships them with the rest', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url, { backorderSkus: ['P-CUP-2'] });
    await deliver(sim, 'PO-1', ['P-MUG-1', 'P-CUP-2']);
    await sim.idle();
    const [ack, shipment] = fake.calls.map((c) => c.body);
    expect(ack).toEqual({
      lines: [
        { lineNumber: 1, status: 'accepted' },
        { lineNumber: 2, status: 'backordered', availableOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
      ],
    });
    expect(shipment).toMatchObject({
      lines: [
        { lineNumber: 1, quantity: 2 },
        { lineNumber: 2, quantity: 3 },
      ],
    });
  });

  it('sends no shipment when every line is rejected', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url, { rejectSkus: ['P-MUG-1'] });
    await deliver(sim, 'PO-1');
    await sim.idle();
    expect(fake.calls.map((c) => c.path)).toEqual(['/supplier-api/v1/purchase-orders/PO-1/acknowledgement']);
    expect(sim.acknowledged.has('PO-1')).toBe(true);
    expect(sim.shipped.has('PO-1')).toBe(false);
  });

  it('treats 409 as already recorded and gives up on any other 4xx', async () => {
    const conflict = await hub(() => 409);
    const sim = await supplier(conflict.url);
    await deliver(sim, 'PO-1');
    await sim.idle();
    expect([...sim.acknowledged, ...sim.shipped]).toEqual(['PO-1', 'PO-1']);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const refusing = await hub(() => 404);
    sim.setHubUrl(refusing.url);
    await deliver(sim, 'PO-2');
    await sim.idle();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('acknowledgement for PO-2 refused (404)'));
    warn.mockRestore();
    expect(refusing.calls).toHaveLength(1);
    expect(sim.acknowledged.has('PO-2')).toBe(false);
  });

  it('keeps retrying while the hub is unreachable and follows setHubUrl', async () => {
    const down = await hub();
    const downUrl = down.url;
    await down.close();
    const sim = await supplier(downUrl);
    await deliver(sim, 'PO-1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.acknowledged.size).toBe(0);

    const up = await hub();
    sim.setHubUrl(up.url);
    await sim.idle();
    expect(sim.shipped.has('PO-1')).toBe(true);
    expect(up.calls).toHaveLength(2);
  });

  it('only stores POs when autoFulfil is false', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url, { autoFulfil: false });
    await deliver(sim, 'PO-1');
    await sim.idle();
    expect(fake.calls).toHaveLength(0);
  });

  it('close() ends pending callbacks without waiting for the hub', async () => {
    const sim = await supplier((await hub(() => 503)).url);
    await deliver(sim, 'PO-1');
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sim.acknowledged.size).toBe(0);
  });
});

describe('supplier simulator: cancels', () => {
  const cancel = (sim: SupplierSim, poNumber: string) =>
    signedPost(sim.url, SECRET, cancelOf(poNumber), { key: `cancel:${poNumber}` });
  const CANCELLED = { status: 200, body: { status: 'cancelled' } };
  const TOO_LATE = { status: 409, body: { status: 'too_late' } };

  it('withdraws a PO not yet acknowledged: cancelled, and never acknowledged or shipped', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url, { ackDelayMs: 200 });
    await deliver(sim, 'PO-1');
    expect(await cancel(sim, 'PO-1')).toEqual(CANCELLED);
    expect(await cancel(sim, 'PO-1')).toEqual(CANCELLED);
    await sim.idle();
    expect([...sim.cancelled]).toEqual(['PO-1']);
    expect(fake.calls).toEqual([]);
    expect(sim.acknowledged.has('PO-1')).toBe(false);
  });

  it('does not ship a PO cancelled after its acknowledgement', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url, { shipDelayMs: 300 });
    await deliver(sim, 'PO-1');
    await waitFor(() => sim.acknowledged.has('PO-1'));
    expect(await cancel(sim, 'PO-1')).toEqual(CANCELLED);
    await sim.idle();
    expect(fake.calls.map((c) => c.path)).toEqual(['/supplier-api/v1/purchase-orders/PO-1/acknowledgement']);
    expect(sim.shipped.has('PO-1')).toBe(false);
  });

  it('answers too_late, every time, for a PO it shipped', async () => {
    const sim = await supplier((await hub()).url);
    await deliver(sim, 'PO-1');
    await sim.idle();
    expect(sim.shipped.has('PO-1')).toBe(true);
    expect(await cancel(sim, 'PO-1')).toEqual(TOO_LATE);
    expect(await cancel(sim, 'PO-1')).toEqual(TOO_LATE);
    expect(sim.cancelled.size).toBe(0);
  });

  it('answers too_late once the parcel has left, while the hub is still being told of the shipment', async () => {
    const fake = await hub((call) => (call.path.endsWith('/shipments') ? 503 : 200));
    const sim = await supplier(fake.url);
    await deliver(sim, 'PO-1');
    await waitFor(() => fake.calls.some((c) => c.path.endsWith('/shipments')));
    expect(await cancel(sim, 'PO-1')).toEqual(TOO_LATE);
    expect(sim.cancelled.size).toBe(0);
  });

  it('answers cancelled for a PO it never had, and never fulfils it should it come after its cancel', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url);
    expect(await cancel(sim, 'PO-404')).toEqual(CANCELLED);
    expect(sim.cancelled.size).toBe(0);
    await deliver(sim, 'PO-404');
    await deliver(sim, 'PO-1');
    await waitFor(() => sim.acknowledged.has('PO-1'));
    expect(sim.acknowledged.has('PO-404')).toBe(false);
    expect(fake.calls.filter((c) => c.path.includes('PO-404'))).toEqual([]);
  });

  it('answers too_late for a PO it has when told to refuse cancels', async () => {
    const sim = await supplier((await hub()).url, { autoFulfil: false, refuseCancel: true });
    await deliver(sim, 'PO-1');
    expect(await cancel(sim, 'PO-1')).toEqual(TOO_LATE);
    expect(sim.cancelled.size).toBe(0);
  });

  it('refuses a cancel unsigned (401), keyed otherwise than cancel:{poNumber} or missing a field (400)', async () => {
    const sim = await supplier((await hub()).url, { autoFulfil: false });
    await deliver(sim, 'PO-1');
    const body = cancelOf('PO-1');
    expect((await signedPost(sim.url, SECRET, body, { key: 'cancel:PO-1', signature: null })).status).toBe(
      401,
    );
    expect((await signedPost(sim.url, SECRET, body, { key: 'PO-1' })).status).toBe(400);
    const { reason: _reason, ...unexplained } = body;
    expect((await signedPost(sim.url, SECRET, unexplained, { key: 'cancel:PO-1' })).status).toBe(400);
    expect(sim.cancelled.size).toBe(0);
  });

  it('answers 500 to a cancel while failing, remembering nothing, and takes it again after', async () => {
    const sim = await supplier((await hub()).url, { autoFulfil: false });
    await deliver(sim, 'PO-1');
    sim.setFaults({ failRate: 1 });
    expect((await cancel(sim, 'PO-1')).status).toBe(500);
    expect(sim.cancelled.size).toBe(0);
    sim.setFaults({ failRate: 0 });
    expect(await cancel(sim, 'PO-1')).toEqual(CANCELLED);
    expect([...sim.cancelled]).toEqual(['PO-1']);
  });
});

describe('UPS tracking numbers', () => {
  it('computes the check digit of a known-good number', () => {
    expect(upsCheckDigit('999AA1012345678')).toBe(4); // 1Z999AA10123456784
  });

  it('generates 1Z numbers whose check digit verifies', async () => {
    const fake = await hub();
    const sim = await supplier(fake.url);
    await Promise.all(['PO-1', 'PO-2', 'PO-3'].map((po) => deliver(sim, po)));
    await sim.idle();
    const numbers = fake.calls
      .filter((c) => c.path.endsWith('/shipments'))
      .map((c) => (c.body as { trackingNumber: string }).trackingNumber);
    expect(numbers).toHaveLength(3);
    for (const n of numbers) {
      expect(n).toMatch(/^1Z[A-Z0-9]{6}03\d{8}$/);
      expect(Number(n.slice(17))).toBe(upsCheckDigit(n.slice(2, 17)));
    }
  });
});
