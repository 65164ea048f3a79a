import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';

/** Tables an order (or a supplier's report) writes to: a refused request must leave every one of them as it was. */
const TABLES = [
  'orders',
  'order_lines',
  'purchase_orders',
  'shipments',
  'shipment_lines',
  'jobs',
  'events',
] as const;
type Counts = Record<(typeof TABLES)[number], number>;

const ORDERS = '/api/v1/channels/storefront/orders';
const PROBLEM = 'application/problem+json';

describeEachDatabase(
  'bad input is refused with a problem naming the field, and nothing is stored',
  (dialect) => {
    let t: TestHub;
    beforeEach(async () => {
      t = await startTestHub(dialect);
      await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
    });
    afterEach(async () => {
      await t?.close();
    });

    async function counts(): Promise<Counts> {
      const entries = await Promise.all(
        TABLES.map(async (table) => {
          const row = await t.hub.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow();
          return [table, Number(row.n)] as const;
        }),
      );
      return Object.fromEntries(entries) as Counts;
    }

    /** Sends a request that must be refused: checks the status, the problem document, the field, and that nothing changed. */
    async function refused(
      request: () => Promise<{ status: number; body: any; headers: Headers }>,
      expected: { status: number; field: string | RegExp },
    ): Promise<any> {
      const before = await counts();
      const answer = await request();
      expect(answer.status, JSON.stringify(answer.body)).toBe(expected.status);
      expect(answer.headers.get('content-type')).toContain(PROBLEM);
      expect(answer.body).toMatchObject({
        status: expected.status,
        type: expect.stringMatching(/^urn:waybill:problem:/),
        title: expect.any(String),
        detail: expect.any(String),
      });
      if (typeof expected.field === 'string') {
        // The field appears as a whole path at the start of the detail (`lines[1].sku: …`), not merely somewhere.
        expect(
          answer.body.detail.startsWith(`${expected.field}:`),
          `detail "${answer.body.detail}" should start with "${expected.field}:"`,
        ).toBe(true);
      } else {
        expect(answer.body.detail).toMatch(expected.field);
      }
      expect(await counts()).toEqual(before);
      return answer.body;
    }

    const postOrder = (body: unknown) => () => t.api(ORDERS, { body });
    const withLines = (lines: unknown[]) => ({ ...orderBody('bad-1'), lines });

    it('a valid order is stored (the baseline the refusals are measured against)', async () => {
      const before = await counts();
      const answer = await t.api(ORDERS, { body: orderBody('good-1', [{ sku: 'MUG-BLUE', quantity: 2 }]) });
      expect(answer.status).toBe(201);
      const after = await counts();
      expect(after.orders).toBe(before.orders + 1);
      expect(after.order_lines).toBe(before.order_lines + 1);
      expect(after.purchase_orders).toBe(before.purchase_orders + 1);
    });

    it('malformed JSON → 400', async () => {
      const body = await refused(() => t.api(ORDERS, { rawBody: '{"externalId": "1", "lines": [' }), {
        status: 400,
        field: 'body',
      });
      expect(body.code).toBe('malformed_json');
    });

    it('a missing externalId', async () => {
      const { externalId: _, ...body } = orderBody('x');
      const problem = await refused(postOrder(body), { status: 422, field: 'externalId' });
      expect(problem.field).toBe('externalId');
    });

    it('a wrong-typed quantity ("2")', async () => {
      const problem = await refused(
        postOrder(withLines([{ sku: 'MUG-BLUE', quantity: '2', unitPrice: 1299 }])),
        { status: 422, field: 'lines[0].quantity' },
      );
      expect(problem.errors).toContainEqual(expect.objectContaining({ field: 'lines[0].quantity' }));
    });

    it('an unknown SKU on the second line → 422 naming lines[1].sku', async () => {
      const body = withLines([
        { sku: 'MUG-BLUE', quantity: 1, unitPrice: 1299 },
        { sku: 'NO-SUCH-SKU', quantity: 1, unitPrice: 500 },
      ]);
      const problem = await refused(postOrder(body), { status: 422, field: 'lines[1].sku' });
      expect(problem.field).toBe('lines[1].sku');
      expect(problem.detail).toContain('NO-SUCH-SKU');
    });

    it('a quantity of 0 or -1', async () => {
      for (const quantity of [0, -1]) {
        await refused(postOrder(withLines([{ sku: 'MUG-BLUE', quantity, unitPrice: 1299 }])), {
          status: 422,
          field: 'lines[0].quantity',
        });
      }
    });

    it('a unit price that is not an integer number of minor units (12.99)', async () => {
      await refused(postOrder(withLines([{ sku: 'MUG-BLUE', quantity: 1, unitPrice: 12.99 }])), {
        status: 422,
        field: 'lines[0].unitPrice',
      });
    });

    it('a currency that is not ISO 4217 ("XYZ", "usd")', async () => {
      for (const currency of ['XYZ', 'usd']) {
        await refused(postOrder({ ...orderBody('bad-c'), currency }), { status: 422, field: 'currency' });
      }
    });

    it('a country that is not ISO 3166-1 alpha-2', async () => {
      for (const country of ['XX', 'USA', 'us']) {
        const base = orderBody('bad-country');
        await refused(postOrder({ ...base, shippingAddress: { ...base.shippingAddress, country } }), {
          status: 422,
          field: 'shippingAddress.country',
        });
      }
    });

    it('an empty lines array', async () => {
      await refused(postOrder(withLines([])), { status: 422, field: 'lines' });
    });

    it('a line whose unitPrice × quantity is over 2^53 − 1 minor units → 422 naming lines[0].unitPrice', async () => {
      const problem = await refused(
        postOrder(withLines([{ sku: 'MUG-BLUE', quantity: 100_000, unitPrice: 2 ** 50 }])),
        { status: 422, field: 'lines[0].unitPrice' },
      );
      expect(problem.field).toBe('lines[0].unitPrice');
    });

    it('lines each within range whose total is not → 422 naming the line that passes it', async () => {
      const lines = [
        { sku: 'MUG-BLUE', quantity: 1, unitPrice: Number.MAX_SAFE_INTEGER - 10 },
        { sku: 'TEE-RED-M', quantity: 1, unitPrice: 100 },
      ];
      await refused(postOrder(withLines(lines)), { status: 422, field: 'lines[1].unitPrice' });
    });

    it('a cost × quantity no purchase order can hold → 422 naming the lines, nothing stored', async () => {
      const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
      doc.products.push({
        sku: 'GOLD-BAR',
        name: 'Gold bar',
        offers: [
          {
            supplier: 'prompt',
            supplierSku: 'P-GOLD',
            cost: { amount: 2 ** 50, currency: 'USD' },
            priority: 1,
          },
        ],
      });
      await t.apply(doc);
      const problem = await refused(
        postOrder(withLines([{ sku: 'GOLD-BAR', quantity: 100, unitPrice: 100 }])),
        { status: 422, field: 'lines' },
      );
      expect(problem.detail).toContain('cannot be priced');
    });

    it("an order in a currency other than the channel's → 422 naming currency", async () => {
      const problem = await refused(postOrder({ ...orderBody('eur-1'), currency: 'EUR' }), {
        status: 422,
        field: 'currency',
      });
      expect(problem.detail).toContain('USD');
    });

    it('a U+0000 in a string of the body → 422 naming the field', async () => {
      const base = orderBody('nul-1');
      await refused(postOrder({ ...base, customer: { ...base.customer, name: 'Ann\u0000Smith' } }), {
        status: 422,
        field: 'customer.name',
      });
      await refused(
        postOrder({ ...base, shippingAddress: { ...base.shippingAddress, line1: '1 Main St\u0000' } }),
        { status: 422, field: 'shippingAddress.line1' },
      );
      await refused(postOrder(withLines([{ sku: 'MUG-BLUE\u0000', quantity: 1, unitPrice: 1299 }])), {
        status: 422,
        field: 'lines[0].sku',
      });
      // The same order without it is taken in.
      expect((await t.api(ORDERS, { body: base })).status).toBe(201);
    });

    it('a U+0000 in a path parameter or the query → 400 naming it', async () => {
      await refused(() => t.api('/api/v1/orders/ord%00x'), { status: 400, field: 'params.orderId' });
      await refused(() => t.api('/api/v1/orders?before=ord%00x'), { status: 400, field: 'query.before' });
      await refused(() => t.api('/api/v1/channels/store%00front/orders', { body: orderBody('nul-2') }), {
        status: 400,
        field: 'params.channelId',
      });
    });

    it('a U+0000 in a setup document → 422 naming the field, and nothing is set up', async () => {
      const doc: any = testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' });
      doc.products.push({ sku: 'NEW-1', name: 'New\u0000thing', offers: [] });
      await refused(() => t.api('/api/v1/setup', { body: doc }), { status: 422, field: 'products[3].name' });
      expect(
        await t.hub.store.db.selectFrom('variants').selectAll().where('sku', '=', 'NEW-1').execute(),
      ).toEqual([]);
    });

    it('a body over 1 MiB → 413 problem+json', async () => {
      const base = orderBody('big');
      const big = JSON.stringify({
        ...base,
        customer: { ...base.customer, name: 'x'.repeat(1024 * 1024 + 10) },
      });
      const problem = await refused(() => t.api(ORDERS, { rawBody: big }), { status: 413, field: /body/ });
      expect(problem.status).toBe(413);
    });

    it('an unknown channel → 404', async () => {
      const problem = await refused(
        () => t.api('/api/v1/channels/no-such-channel/orders', { body: orderBody('c-1') }),
        { status: 404, field: /no-such-channel/ },
      );
      expect(problem.code).toBe('not_found');
    });

    // ── The supplier API ──────────────────────────────────────────────────────────────────────────────────────────

    async function poFor(externalId: string, quantity: number): Promise<string> {
      const created = await t.api(ORDERS, { body: orderBody(externalId, [{ sku: 'MUG-BLUE', quantity }]) });
      expect(created.status).toBe(201);
      const po = created.body.purchaseOrders[0];
      expect(po.supplierId).toBe('prompt');
      return po.poNumber as string;
    }
    const supplier = async (path: string, body: unknown) => {
      const response = await fetch(`${t.url}/supplier-api/v1/purchase-orders/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SUPPLIER_TOKENS.prompt}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    };
    const poState = async (poNumber: string) => {
      const row = await t.hub.store.db
        .selectFrom('purchase_orders')
        .select(['state', 'acknowledged_at'])
        .where('po_number', '=', poNumber)
        .executeTakeFirstOrThrow();
      return row;
    };

    it('supplier API: an acknowledgement naming a line the PO does not have → 422 naming lines[0].lineNumber', async () => {
      const poNumber = await poFor('ack-1', 1);
      const stateBefore = await poState(poNumber);
      await refused(
        () => supplier(`${poNumber}/acknowledgement`, { lines: [{ lineNumber: 7, status: 'accepted' }] }),
        { status: 422, field: 'lines[0].lineNumber' },
      );
      expect(await poState(poNumber)).toEqual(stateBefore);
      // The PO is still open to a correct acknowledgement.
      expect(
        (await supplier(`${poNumber}/acknowledgement`, { lines: [{ lineNumber: 1, status: 'accepted' }] }))
          .status,
      ).toBe(200);
    });

    it('supplier API: a shipment of more than was accepted → 422 naming lines[0].quantity', async () => {
      const poNumber = await poFor('ship-1', 2);
      expect(
        (await supplier(`${poNumber}/acknowledgement`, { lines: [{ lineNumber: 1, status: 'accepted' }] }))
          .status,
      ).toBe(200);
      await refused(
        () =>
          supplier(`${poNumber}/shipments`, {
            carrier: 'UPS',
            trackingNumber: '1Z999AA10123456784',
            lines: [{ lineNumber: 1, quantity: 3 }],
          }),
        { status: 422, field: 'lines[0].quantity' },
      );
      expect((await poState(poNumber)).state).toBe('accepted');
      // Exactly what was accepted is fine.
      const ok = await supplier(`${poNumber}/shipments`, {
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        lines: [{ lineNumber: 1, quantity: 2 }],
      });
      expect(ok.status).toBe(201);
      // Now nothing is left to ship: one more unit is refused too.
      await refused(
        () =>
          supplier(`${poNumber}/shipments`, {
            carrier: 'UPS',
            trackingNumber: '1Z5R89390357567127',
            lines: [{ lineNumber: 1, quantity: 1 }],
          }),
        { status: 422, field: 'lines[0].quantity' },
      );
    });

    it("supplier API: a tracking number its carrier's check digit refuses → 422 naming trackingNumber", async () => {
      const poNumber = await poFor('ship-typo', 1);
      const ack = await supplier(`${poNumber}/acknowledgement`, {
        lines: [{ lineNumber: 1, status: 'accepted' }],
      });
      expect(ack.status).toBe(200);
      const stateBefore = await poState(poNumber);
      await refused(
        () =>
          supplier(`${poNumber}/shipments`, {
            carrier: 'UPS',
            // The last digit typed wrong.
            trackingNumber: '1Z999AA10123456785',
            lines: [{ lineNumber: 1, quantity: 1 }],
          }),
        { status: 422, field: 'trackingNumber' },
      );
      expect(await poState(poNumber)).toEqual(stateBefore);
    });

    it('supplier API: a shipment before the acknowledgement is refused', async () => {
      const poNumber = await poFor('ship-2', 1);
      const stateBefore = await poState(poNumber);
      await refused(
        () =>
          supplier(`${poNumber}/shipments`, {
            carrier: 'UPS',
            trackingNumber: '1Z999AA10123456784',
            lines: [{ lineNumber: 1, quantity: 1 }],
          }),
        { status: 422, field: 'lines[0].lineNumber' },
      );
      expect(await poState(poNumber)).toEqual(stateBefore);
    });

    it('supplier API: a U+0000 in an acknowledgement → 422 naming the field', async () => {
      const poNumber = await poFor('ack-nul', 1);
      const stateBefore = await poState(poNumber);
      await refused(
        () =>
          supplier(`${poNumber}/acknowledgement`, {
            lines: [{ lineNumber: 1, status: 'rejected', reason: 'gone\u0000' }],
          }),
        { status: 422, field: 'lines[0].reason' },
      );
      await refused(
        () =>
          supplier(`${poNumber}/shipments`, {
            carrier: 'UPS\u0000',
            trackingNumber: '1Z999AA10123456784',
            lines: [{ lineNumber: 1, quantity: 1 }],
          }),
        { status: 422, field: 'carrier' },
      );
      expect(await poState(poNumber)).toEqual(stateBefore);
    });

    it('supplier API: a wrong-typed acknowledgement body → 422 naming the field', async () => {
      const poNumber = await poFor('ack-2', 1);
      await refused(
        () => supplier(`${poNumber}/acknowledgement`, { lines: [{ lineNumber: 1, status: 'maybe' }] }),
        { status: 422, field: 'lines[0].status' },
      );
    });
  },
);
