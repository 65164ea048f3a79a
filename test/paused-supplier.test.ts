import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SupplierSim } from '../sim/supplier.ts';
import { describeEachDatabase } from './support/databases.ts';
import {
  orderBody,
  SECRETS,
  startTestHub,
  startTestSuppliers,
  SUPPLIER_TOKENS,
  type TestHub,
} from './support/hub.ts';
import { until } from './support/until.ts';

/**
 * A paused supplier: orders stop going to it, its stock counts as none on every channel, and the purchase orders it
 * already has go on. Paused and resumed through the setup document.
 */
describeEachDatabase('a paused supplier', (dialect) => {
  let t: TestHub;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };

  const setup = (flakyPaused: boolean) => ({
    apiVersion: 'waybill/v1',
    channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
    suppliers: [
      {
        id: 'prompt',
        name: 'Prompt',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        transport: { kind: 'rest-json', url: suppliers.prompt.url, signingSecret: SECRETS.prompt },
      },
      {
        id: 'flaky',
        name: 'Flaky',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.flaky,
        paused: flakyPaused,
        transport: { kind: 'rest-json', url: suppliers.flaky.url, signingSecret: SECRETS.flaky },
      },
    ],
    products: [
      {
        sku: 'TEE-RED-M',
        name: 'Red tee, M',
        offers: [
          {
            supplier: 'flaky',
            supplierSku: 'F-TEE',
            cost: { amount: 700, currency: 'USD' },
            priority: 1,
            stock: 10,
          },
          {
            supplier: 'prompt',
            supplierSku: 'P-TEE',
            cost: { amount: 900, currency: 'USD' },
            priority: 2,
            stock: 4,
          },
        ],
      },
      {
        sku: 'LAMP-OAK',
        name: 'Oak lamp',
        offers: [
          { supplier: 'flaky', supplierSku: 'F-LAMP', cost: { amount: 2500, currency: 'USD' }, stock: 5 },
        ],
      },
    ],
  });

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 60_000, prompt: 60_000 } });
    await t.apply(setup(false));
  });

  afterEach(async () => {
    await Promise.all([t.close(), suppliers.prompt.close(), suppliers.flaky.close()]);
  });

  const available = async () =>
    Object.fromEntries(
      ((await t.api('/api/v1/stock')).body.levels as { sku: string; available: number | null }[]).map((l) => [
        l.sku,
        l.available,
      ]),
    );
  const order = async (externalId: string) => {
    const created = await t.api('/api/v1/channels/storefront/orders', {
      body: orderBody(externalId, [{ sku: 'TEE-RED-M', quantity: 1 }]),
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; purchaseOrders: { supplierId: string; poNumber: string }[] };
  };

  it('gets no new order, counts for no stock, and still delivers the purchase order it had', async () => {
    const before = await order('before-pause');
    expect(before.purchaseOrders.map((po) => po.supplierId)).toEqual(['flaky']);
    expect(await available()).toMatchObject({ 'TEE-RED-M': 13, 'LAMP-OAK': 5 });

    await t.apply(setup(true));
    expect(await available()).toMatchObject({ 'TEE-RED-M': 3, 'LAMP-OAK': 0 });
    const { body } = await t.api('/api/v1/suppliers');
    expect(body.suppliers.find((s: { id: string }) => s.id === 'flaky')).toMatchObject({ paused: true });

    const after = await order('after-pause');
    expect(after.purchaseOrders.map((po) => po.supplierId)).toEqual(['prompt']);
    const routed = (await t.api(`/api/v1/orders/${after.id}`)).body.events.find(
      (e: { type: string }) => e.type === 'order.routed',
    );
    expect(routed.data.routes[0].candidates).toMatchObject([
      { supplierId: 'flaky', eligible: false, reason: 'supplier paused' },
      { supplierId: 'prompt', eligible: true },
    ]);
    // The PO it had before the pause still reaches it.
    await until('the earlier PO delivered to the paused supplier', () =>
      suppliers.flaky.received.has(before.purchaseOrders[0]!.poNumber),
    );

    await t.apply(setup(false));
    expect(await available()).toMatchObject({ 'LAMP-OAK': 5 });
  });
});
