import { afterEach, beforeEach, expect, it } from 'vitest';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
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
 * The retailer's routing rules: written in the setup document or through the API, validated naming the rule and
 * field, versioned (each order records the version that routed it), previewed with landed cost and margin before
 * they are saved; the retailer's own warehouse a node like a supplier.
 */
describeEachDatabase('routing rules', (dialect) => {
  let t: TestHub;
  let suppliers: { prompt: SupplierSim; flaky: SupplierSim };
  /** The warehouse's own system: it takes fulfilment requests and answers later (not in these tests). */
  let shelf: SupplierSim;

  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const setup = (routing?: object) => ({
    apiVersion: 'waybill/v1',
    channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
    suppliers: [
      {
        id: 'prompt',
        name: 'Prompt',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.prompt,
        shipFrom: { country: 'US', region: 'CA' },
        score: 90,
        transport: { kind: 'rest-json', url: suppliers.prompt.url, signingSecret: SECRETS.prompt },
      },
      {
        id: 'flaky',
        name: 'Flaky',
        currency: 'USD',
        apiToken: SUPPLIER_TOKENS.flaky,
        shipFrom: { country: 'US', region: 'NY' },
        score: 40,
        transport: { kind: 'rest-json', url: suppliers.flaky.url, signingSecret: SECRETS.flaky },
      },
    ],
    warehouses: [
      {
        id: 'shelf',
        name: 'Our own shelf',
        currency: 'USD',
        shipFrom: { country: 'US', region: 'IL', postalCode: '62701' },
        // The warehouse's system takes fulfilment requests like a supplier's (REST/JSON).
        transport: { kind: 'rest-json', url: shelf.url, signingSecret: SECRETS.prompt },
      },
    ],
    products: [
      {
        sku: 'TEE-RED-M',
        name: 'Red tee, M',
        tags: ['apparel'],
        offers: [
          // Landed cost of one: 700 + 300 + 200 = 1,200; ships in 5 days.
          {
            supplier: 'flaky',
            supplierSku: 'F-TEE',
            cost: usd(700),
            shippingEstimate: 300,
            dropShipFee: 200,
            leadDays: 5,
            stock: 10,
          },
          // 900 + 250 + 0 = 1,150; ships in 1 day.
          {
            supplier: 'prompt',
            supplierSku: 'P-TEE',
            cost: usd(900),
            shippingEstimate: 250,
            leadDays: 1,
            stock: 10,
          },
          // 1,000 + 400 = 1,400; ships today.
          { warehouse: 'shelf', supplierSku: 'SHELF-TEE', cost: usd(1000), shippingEstimate: 400, stock: 3 },
        ],
      },
      {
        sku: 'LAMP-OAK',
        name: 'Oak lamp',
        category: 'lighting',
        offers: [
          { supplier: 'flaky', supplierSku: 'F-LAMP', cost: usd(2500), stock: 5 },
          { supplier: 'prompt', supplierSku: 'P-LAMP', cost: usd(2400), minQuantity: 2, stock: 5 },
        ],
      },
    ],
    ...(routing ? { routing } : {}),
  });

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url, { shipDelayMs: { flaky: 60_000, prompt: 60_000 } });
    shelf = await startSupplierSim({
      name: 'shelf',
      signingSecret: SECRETS.prompt,
      hubUrl: t.url,
      apiToken: 'shelf-token-that-is-long-enough-000',
      autoFulfil: false,
    });
  });

  afterEach(async () => {
    await Promise.all([t.close(), suppliers.prompt.close(), suppliers.flaky.close(), shelf.close()]);
  });

  const order = async (externalId: string, lines: { sku: string; quantity: number }[]) => {
    const created = await t.api('/api/v1/channels/storefront/orders', { body: orderBody(externalId, lines) });
    expect(created.status).toBe(201);
    const body = created.body as { id: string; purchaseOrders: { supplierId: string; poNumber: string }[] };
    const routed = (await t.api(`/api/v1/orders/${body.id}`)).body.events.find(
      (e: { type: string }) => e.type === 'order.routed',
    );
    return { ...body, routed: routed.data };
  };

  it('decide by the objective, are versioned, and each order records the version that routed it', async () => {
    await t.apply(setup());
    expect((await t.api('/api/v1/routing/rules')).body).toMatchObject({
      version: 0,
      rules: { objective: 'priority' },
    });
    // No rules: the offers' own priority (all 1 here), then the lowest landed cost.
    const first = await order('o-1', [{ sku: 'TEE-RED-M', quantity: 1 }]);
    expect(first.purchaseOrders.map((po) => po.supplierId)).toEqual(['prompt']);
    expect(first.routed.rulesVersion).toBe(0);
    expect(first.routed.routes[0].candidates).toEqual([
      expect.objectContaining({
        supplierId: 'flaky',
        eligible: true,
        landedCost: 1200,
        leadDays: 5,
        score: 40,
      }),
      expect.objectContaining({
        supplierId: 'prompt',
        eligible: true,
        landedCost: 1150,
        leadDays: 1,
        score: 90,
      }),
      expect.objectContaining({
        supplierId: 'shelf',
        eligible: true,
        landedCost: 1400,
        leadDays: 0,
        score: 50,
      }),
    ]);

    await t.apply(setup({ objective: 'fastest' }));
    await t.apply(setup({ objective: 'fastest' }));
    expect((await t.api('/api/v1/routing/rules')).body).toMatchObject({
      version: 1,
      rules: { objective: 'fastest', ownStock: 'any', onAckTimeout: 'hold' },
    });
    const fastest = await order('o-2', [{ sku: 'TEE-RED-M', quantity: 1 }]);
    expect(fastest.purchaseOrders.map((po) => po.supplierId)).toEqual(['shelf']);
    expect(fastest.routed.rulesVersion).toBe(1);
    expect(fastest.routed.routes[0].reason).toMatch(/^shelf: ships in 0 day/);

    const put = await t.api('/api/v1/routing/rules', {
      method: 'PUT',
      body: {
        objective: { weighted: { cost: 1, score: 1 } },
        ownStock: 'last',
        assignments: [{ name: 'apparel-to-flaky', tags: ['apparel'], to: ['flaky', 'prompt'] }],
      },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ version: 2, changed: true });
    const assigned = await order('o-3', [{ sku: 'TEE-RED-M', quantity: 1 }]);
    expect(assigned.purchaseOrders.map((po) => po.supplierId)).toEqual(['flaky']);
    expect(assigned.routed.rulesVersion).toBe(2);
    expect(assigned.routed.routes[0].candidates.find((c: any) => c.supplierId === 'shelf').reason).toBe(
      'not among the nodes of rule apparel-to-flaky',
    );
    // The earlier orders keep the version that routed them.
    const earlier = (await t.api(`/api/v1/orders/${first.id}`)).body.events.find(
      (e: { type: string }) => e.type === 'order.routed',
    );
    expect(earlier.data.rulesVersion).toBe(0);
    await until('the warehouse got its fulfilment request', () =>
      shelf.received.has(fastest.purchaseOrders[0]!.poNumber),
    );
  });

  it('are refused naming the rule and the field, and nothing of a refused document is stored', async () => {
    await t.apply(setup());
    const unknownNode = await t.api('/api/v1/routing/rules', {
      method: 'PUT',
      body: { assignments: [{ name: 'bulky', categories: ['lighting'], to: ['prompt', 'nobody'] }] },
    });
    expect(unknownNode.status).toBe(422);
    expect(unknownNode.body).toMatchObject({
      field: 'assignments[0].to[1]',
      detail: expect.stringContaining('rule "bulky": no supplier or warehouse nobody'),
    });
    const noMatch = await t.api('/api/v1/routing/rules', {
      method: 'PUT',
      body: { assignments: [{ name: 'everything', to: ['prompt'] }] },
    });
    expect(noMatch.status).toBe(422);
    expect(noMatch.body.field).toBe('assignments[0].skus');
    expect(noMatch.body.detail).toContain('rule "everything": give the skus, tags or categories it matches');
    const badObjective = await t.api('/api/v1/routing/rules', {
      method: 'PUT',
      body: { objective: 'cheapest' },
    });
    expect(badObjective.status).toBe(422);
    expect(badObjective.body.field).toBe('objective');

    const doc = setup({ shipsTo: [{ node: 'ghost', areas: [{ country: 'US' }] }] });
    const refused = await t.api('/api/v1/setup', { body: doc });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('routing.shipsTo[0].node');
    expect((await t.api('/api/v1/routing/rules')).body.version).toBe(0);

    const both = setup();
    (both.products[0]!.offers[0] as any).warehouse = 'shelf';
    const twoNodes = await t.api('/api/v1/setup', { body: both });
    expect(twoNodes.status).toBe(422);
    expect(twoNodes.body.field).toBe('products[0].offers[0].supplier');
    const wrongKind = setup();
    (wrongKind.products[0]!.offers[2] as any) = { ...wrongKind.products[0]!.offers[2], warehouse: 'prompt' };
    const notAWarehouse = await t.api('/api/v1/setup', { body: wrongKind });
    expect(notAWarehouse.status).toBe(422);
    expect(notAWarehouse.body.field).toBe('products[0].offers[2].warehouse');
  });

  it('are previewed with every candidate’s landed cost and margin, and the preview saves nothing', async () => {
    await t.apply(setup());
    const described = {
      order: {
        shipTo: { country: 'US', region: 'IL', postalCode: '62701' },
        lines: [
          { sku: 'TEE-RED-M', quantity: 2, unitPrice: usd(1500) },
          { sku: 'LAMP-OAK', quantity: 1, unitPrice: usd(4000) },
        ],
      },
    };
    const preview = await t.api('/api/v1/routing/preview', { body: described });
    expect(preview.status).toBe(200);
    expect(preview.body.rulesVersion).toBe(0);
    const [tee, lamp] = preview.body.lines;
    // Two tees: flaky's fee and shipping, once per shipment, weigh less than prompt's dearer units.
    expect(tee).toMatchObject({ sku: 'TEE-RED-M', retail: usd(3000), outcome: 'routed', nodeId: 'flaky' });
    expect(tee.candidates).toEqual([
      expect.objectContaining({ nodeId: 'flaky', landedCost: usd(1900), margin: usd(1100) }),
      expect.objectContaining({ nodeId: 'prompt', landedCost: usd(2050), margin: usd(950) }),
      expect.objectContaining({ nodeId: 'shelf', landedCost: usd(2400), margin: usd(600) }),
    ]);
    // Prompt's lamp comes two at least: one lamp goes to flaky, at a margin of 1,500.
    expect(lamp).toMatchObject({ nodeId: 'flaky' });
    expect(lamp.candidates[1]).toMatchObject({
      nodeId: 'prompt',
      eligible: false,
      reason: 'quantity 1 below its minimum 2',
    });

    // Proposed rules, tried before they are saved: the nearest to Illinois, then the best score.
    const proposed = await t.api('/api/v1/routing/preview', {
      body: { ...described, rules: { objective: 'score', preferNearest: true } },
    });
    expect(proposed.body.rulesVersion).toBeNull();
    expect(proposed.body.lines.map((l: any) => l.nodeId)).toEqual(['shelf', 'flaky']);
    expect((await t.api('/api/v1/routing/rules')).body.version).toBe(0);
    expect((await t.api('/api/v1/orders')).body.orders).toHaveLength(0);

    const placed = await order('o-preview', [{ sku: 'TEE-RED-M', quantity: 1 }]);
    const again = await t.api('/api/v1/routing/preview', { body: { orderId: placed.id } });
    expect(again.body.lines[0]).toMatchObject({ nodeId: 'prompt', retail: usd(1299) });
    expect((await t.api('/api/v1/routing/preview', { body: { orderId: 'ord_missing' } })).status).toBe(404);
    const neither = await t.api('/api/v1/routing/preview', { body: {} });
    expect(neither.status).toBe(422);
  });
});
