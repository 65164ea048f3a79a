import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEdiPartner, type EdiPartner } from '../sim/edi-partner.ts';
import { startStorefrontSim, type StorefrontSim } from '../sim/storefront.ts';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import { flagMissingReceipts } from '../src/app/functional-acks.ts';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, SUPPLIER_TOKENS, type TestHub } from './support/hub.ts';
import { describeWithSshd } from './support/sftp-server.ts';
import { until } from './support/until.ts';

/**
 * A supplier on EDI X12 004010 over SFTP, end to end: Waybill against the simulated trading partner (sim/edi-partner.ts,
 * written from the X12 guides, not from Waybill's codec) on Debian's OpenSSH. 850 out → the partner's 997 and 855 →
 * 856 with two packages → shipments recorded and the channel told; backorders, rejection with failover, an 860
 * cancellation; broken 855s refused with a negative 997 and nothing applied; a file uploaded again taken once.
 */
const edi = { ...supplierTransports.get('edi-x12-sftp')!, receiveEveryMs: 100 };

describeWithSshd('EDI X12 over SFTP, end to end', () => {
  describeEachDatabase('a supplier on EDI X12 over SFTP', (dialect) => {
    let t: TestHub;
    const closing: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      await Promise.all(closing.splice(0).map((c) => c.close()));
      await t?.close();
    });

    async function world(
      partnerOptions: Partial<Parameters<typeof startEdiPartner>[0]> = {},
      { worker = true } = {},
    ) {
      t = await startTestHub(dialect, {
        worker,
        workerOptions: { pollMs: 20 },
        transports: supplierTransports.with(edi),
      });
      const partner: EdiPartner = await startEdiPartner({
        name: 'acme',
        interchangeId: 'ACMEEDI',
        buyerId: 'WAYBILL',
        ackDelayMs: 10,
        shipDelayMs: 10,
        seed: 7,
        ...partnerOptions,
      });
      const backup: SupplierSim = await startSupplierSim({
        name: 'prompt',
        signingSecret: SECRETS.prompt,
        hubUrl: t.url,
        apiToken: SUPPLIER_TOKENS.prompt,
        seed: 1,
        ackDelayMs: 5,
        shipDelayMs: 5,
      });
      const shop: StorefrontSim = await startStorefrontSim({
        hubUrl: t.url,
        apiKey: t.adminKey,
        channelId: 'storefront',
        notifySecret: SECRETS.storefront,
        seed: 3,
      });
      closing.push(partner, backup, shop);
      const transport = partner.transportSettings();
      await t.apply({
        apiVersion: 'waybill/v1',
        retailer: { name: 'Test Retailer' },
        channels: [
          {
            id: 'storefront',
            kind: 'storefront',
            name: 'Shop',
            currency: 'USD',
            notifyUrl: shop.notifyUrl,
            notifySecret: SECRETS.storefront,
          },
        ],
        suppliers: [
          {
            id: 'acme',
            name: 'Acme EDI Wholesale',
            currency: 'USD',
            transport: {
              ...transport,
              interchangeId: 'WAYBILL',
              partnerId: 'ACMEEDI',
              readyTimeoutMs: 5_000,
            },
          },
          {
            id: 'prompt',
            name: 'Prompt Supply',
            currency: 'USD',
            apiToken: SUPPLIER_TOKENS.prompt,
            transport: { kind: 'rest-json', url: backup.url, signingSecret: SECRETS.prompt },
          },
        ],
        products: [
          product('MUG-BLUE', 'A-MUG', 450),
          product('TEE-RED-M', 'A-TEE', 700),
          product('LAMP-OAK', 'A-LAMP', 2500),
        ],
      });
      return { partner, backup, shop };
    }

    const root = (partner: EdiPartner, ...path: string[]) => join(partner.server.root, ...path);
    const files = (partner: EdiPartner, ...path: string[]) =>
      existsSync(root(partner, ...path)) ? readdirSync(root(partner, ...path)).sort() : [];
    const orderOf = async (externalId: string) => {
      const listed = await t.api(`/api/v1/orders?q=${externalId}`);
      return (await t.api(`/api/v1/orders/${listed.body.orders[0].id}`)).body;
    };

    it('850 out, 997 and 855 back, 856 with two packages: two shipments, the channel told, every document acknowledged', async () => {
      const { partner, shop } = await world({ invoices: true });
      const placed = await shop.placeOrder(
        orderOfEach(shop, 1, [
          { sku: 'MUG-BLUE', unitPrice: 1299 },
          { sku: 'TEE-RED-M', unitPrice: 2500 },
        ]),
      );
      expect(placed.status).toBe(201);
      await until(
        'the order fulfilled at the channel',
        () => shop.fulfilledOrders.size === 1,
        undefined,
        async () =>
          JSON.stringify({ sent: partner.sent, files: (await t.api('/api/v1/suppliers/acme/files')).body }),
      );

      const [externalId] = [...shop.fulfilledOrders];
      const order = await orderOf(externalId!);
      expect(order.state).toBe('fulfilled');
      const [po] = order.purchaseOrders;
      expect(po.supplierId).toBe('acme');
      expect(partner.received.get(po.poNumber)?.count).toBe(1);
      // The two packages of the 856 are two shipments, each with its own tracking number.
      expect(order.shipments).toHaveLength(2);
      expect(new Set(order.shipments.map((s: { trackingNumber: string }) => s.trackingNumber)).size).toBe(2);
      // Waybill answered the partner's 855 and 856 with positive 997s, and recorded the partner's 997 of its 850.
      await until('the 997s of the 855 and the 856', () =>
        Boolean(partner.receiptOf('855', po.poNumber) && partner.receiptOf('856', po.poNumber)),
      );
      expect(partner.receiptOf('855', po.poNumber)?.accepted).toBe(true);
      expect(partner.receiptOf('856', po.poNumber)?.accepted).toBe(true);
      const receipt = await t.hub.store.db
        .selectFrom('edi_control_numbers')
        .select(['receipt'])
        .where('subject', '=', `850:${po.poNumber}`)
        .executeTakeFirst();
      expect(receipt?.receipt).toBe('accepted');
      // Every answer file was taken and archived; nothing refused.
      await until('the answer files archived', () => files(partner, 'out').every((n) => !n.endsWith('.edi')));
      expect(files(partner, 'out', 'refused')).toEqual([]);
      const listed = await t.api('/api/v1/suppliers/acme/files?outcome=refused');
      expect(listed.body.files).toEqual([]);
      // The partner's 810 is kept, to be matched.
      await until(
        'the invoice kept',
        async () => (await t.api('/api/v1/suppliers/acme/invoices')).body.invoices.length === 1,
      );
      const [invoice] = (await t.api('/api/v1/suppliers/acme/invoices')).body.invoices;
      expect(invoice).toMatchObject({ poNumber: po.poNumber, total: po.total });
    });

    it("takes the partner's 846 into the catalog: each item's stock and cost as a delta", async () => {
      const { partner } = await world();
      const available = async (sku: string) =>
        (await t.api(`/api/v1/stock?q=${sku}`)).body.levels.find((i: { sku: string }) => i.sku === sku)
          ?.available;
      expect(await available('MUG-BLUE')).toBe(200);
      // An inventory advice as the partner's system writes it (X12 004010 846), dropped into its outbound folder.
      const set = [
        'ST*846*0001',
        'BIA*00*DD*INV-1*20261207',
        'LIN**VP*A-MUG',
        'QTY*33*5*EA',
        'CTP**WHL*4.25',
      ];
      const text = [
        'ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*WAYBILL        *261207*0100*U*00401*000000901*0*P*>',
        'GS*IB*ACMEEDI*WAYBILL*20261207*0100*901*X*004010',
        ...set,
        `SE*${set.length + 1}*0001`,
        'GE*1*901',
        'IEA*1*000000901',
      ].join('~\n');
      writeFileSync(root(partner, 'out', '.846.inv-1.edi'), `${text}~\n`);
      renameSync(root(partner, 'out', '.846.inv-1.edi'), root(partner, 'out', '846.inv-1.edi'));
      await until('the 846 applied', async () => (await available('MUG-BLUE')) === 105);
      const offer = await t.hub.store.db
        .selectFrom('offers')
        .selectAll()
        .where('supplier_id', '=', 'acme')
        .where('supplier_sku', '=', 'A-MUG')
        .executeTakeFirst();
      expect(offer).toMatchObject({ stock: 5, cost_amount: 425 });
      await until('the 846 archived', () => files(partner, 'out', 'archive').includes('846.inv-1.edi'));
    });

    it('a rejected line fails over to the backup supplier; a backordered line waits and then ships', async () => {
      const { partner, backup, shop } = await world({ rejectSkus: ['A-TEE'], backorderSkus: ['A-LAMP'] });
      await shop.placeOrder(
        orderOfEach(shop, 2, [
          { sku: 'MUG-BLUE', unitPrice: 1299 },
          { sku: 'TEE-RED-M', unitPrice: 2500 },
          { sku: 'LAMP-OAK', unitPrice: 8900 },
        ]),
      );
      await until('the order fulfilled at the channel', () => shop.fulfilledOrders.size === 1);
      const order = await orderOf([...shop.fulfilledOrders][0]!);
      const bySupplier = Object.fromEntries(
        order.purchaseOrders.map((p: { supplierId: string; lines: unknown[] }) => [p.supplierId, p]),
      );
      // The tee, rejected by Acme, went to Prompt (the routing policy's failover); Acme shipped the rest.
      expect(backup.received.size).toBe(1);
      expect(JSON.stringify(bySupplier.prompt)).toContain('TEE-RED-M');
      const types = order.events.map((e: { type: string }) => e.type);
      expect(types).toContain('order.rerouted');
      expect(types, JSON.stringify(order.purchaseOrders)).toContain('purchase_order.lines_backordered');
      expect(partner.shipped.size).toBe(1);
    });

    it('withdraws a PO with an 860 before the supplier answered it', async () => {
      const { partner, shop } = await world({ autoFulfil: false });
      await shop.placeOrder(orderOfEach(shop, 3, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
      await until('the partner has the 850', () => partner.received.size === 1);
      const [poNumber] = [...partner.received.keys()];
      const listed = await t.api('/api/v1/orders');
      const orderId = listed.body.orders[0].id;
      const cancelled = await t.api(`/api/v1/orders/${orderId}/cancel`, {
        body: { lines: [1], reason: 'customer changed their mind' },
      });
      expect(cancelled.status).toBeLessThan(300);
      await until('the partner withdrew the PO', () => partner.cancelled.has(poNumber!));
      expect(partner.shipped.size).toBe(0);
    });

    for (const fault of ['se01', 'ge02', 'ack01'] as const)
      it(`refuses an 855 with a broken ${fault.toUpperCase()}: a negative 997, the file moved aside, nothing applied`, async () => {
        const { partner, shop } = await world({ autoFulfil: false });
        await shop.placeOrder(orderOfEach(shop, 4, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
        await until('the partner has the 850', () => partner.received.size === 1);
        const [poNumber] = [...partner.received.keys()];
        partner.breakNext('855', fault);
        partner.acknowledge(poNumber!);
        await until('the 997 of the broken 855', () => Boolean(partner.receiptOf('855', poNumber!)));
        expect(partner.receiptOf('855', poNumber!)?.accepted).toBe(false);
        await until('the file moved aside', () => files(partner, 'out', 'refused').length === 1);
        const refused = await t.api('/api/v1/suppliers/acme/files?outcome=refused');
        expect(refused.body.files).toHaveLength(1);
        expect(refused.body.files[0].reason).toBeTruthy();
        const order = (await t.api(`/api/v1/orders/${(await t.api('/api/v1/orders')).body.orders[0].id}`))
          .body;
        expect(order.purchaseOrders[0].state).toBe('sent');
        expect(order.events.map((e: { type: string }) => e.type)).not.toContain(
          'purchase_order.acknowledged',
        );
      });

    it("after a crash between upload and rename: no half file under the PO's name, and the resend is the one PO", async () => {
      const { partner, shop } = await world({ autoFulfil: false }, { worker: false });
      await shop.placeOrder(orderOfEach(shop, 6, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
      const { poNumber } = (
        await t.api(`/api/v1/orders/${(await t.api('/api/v1/orders')).body.orders[0].id}`)
      ).body.purchaseOrders[0];
      // What a kill -9 leaves between the upload and the rename: part of the 850 under its dot-name (the partner's
      // first interchange from Waybill is number 1), the PO not yet recorded as sent.
      const name = `${poNumber}.850.000000001.edi`;
      writeFileSync(root(partner, 'in', `.${name}.part`), 'ISA*00*          *00*          *ZZ*WAYBIL');
      await t.stop();
      t = await startTestHub(dialect, {
        database: t.database,
        worker: true,
        workerOptions: { pollMs: 20 },
        transports: supplierTransports.with(edi),
      });
      shop.setHubUrl(t.url);
      await until('the partner took the PO', () => partner.received.size === 1);
      await until('the PO recorded as sent', async () => {
        const order = (await t.api(`/api/v1/orders/${(await t.api('/api/v1/orders')).body.orders[0].id}`))
          .body;
        return order.purchaseOrders[0].state === 'sent';
      });
      expect(partner.received.get(poNumber)?.count).toBe(1);
      expect(partner.refused).toEqual([]);
      expect(files(partner, 'in').filter((n) => n.startsWith('.'))).toEqual([]);
    });

    /** A document from the partner's system (X12 004010, ACMEEDI to WAYBILL), dropped into its outbound folder. */
    function dropFromPartner(partner: EdiPartner, name: string, functionalId: string, set: string[]) {
      const text = [
        'ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*WAYBILL        *261207*0100*U*00401*000000901*0*P*>',
        `GS*${functionalId}*ACMEEDI*WAYBILL*20261207*0100*901*X*004010`,
        ...set,
        `SE*${set.length + 1}*0001`,
        'GE*1*901',
        'IEA*1*000000901',
      ].join('~\n');
      writeFileSync(root(partner, 'out', `.${name}`), `${text}~\n`);
      renameSync(root(partner, 'out', `.${name}`), root(partner, 'out', name));
    }

    const heldFor = async (check: string) => {
      const review = await t.api(`/api/v1/review?reason=${check}`);
      return review.body.orders as { orderId: string; reasons: { check: string; message: string }[] }[];
    };

    it('an 855 that changes a line (IQ) takes it as accepted and holds the order for a person, naming the change', async () => {
      const { partner, shop } = await world({ autoFulfil: false });
      await shop.placeOrder(orderOfEach(shop, 7, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
      await until('the partner has the 850', () => partner.received.size === 1);
      const [poNumber] = [...partner.received.keys()];
      dropFromPartner(partner, '855.changed.edi', 'PR', [
        'ST*855*0001',
        `BAK*00*AC*${poNumber}*20261207`,
        'PO1*1*1*EA*4.50**VP*A-MUG',
        'ACK*IQ*0*EA',
      ]);
      await until('the order held', async () => (await heldFor('supplier.changed_lines')).length === 1);
      const [held] = await heldFor('supplier.changed_lines');
      expect(held!.reasons[0]!.message).toMatch(new RegExp(`${poNumber} line 1: quantity 1 → 0`));
      const order = (await t.api(`/api/v1/orders/${held!.orderId}`)).body;
      expect(order.purchaseOrders[0].state).toBe('accepted');
    });

    it("a 997 rejecting Waybill's 850 holds the order, naming the partner's errors", async () => {
      const { partner, shop } = await world({ autoFulfil: false });
      await shop.placeOrder(orderOfEach(shop, 8, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
      await until('the partner has the 850', () => partner.received.size === 1);
      // The partner's translator thinks again: a 997 rejecting the group of Waybill's first 850 (control number 1).
      dropFromPartner(partner, '997.rejected.edi', 'FA', [
        'ST*997*0001',
        'AK1*PO*1',
        'AK2*850*0001',
        'AK5*R*5',
        'AK9*R*1*1*0',
      ]);
      await until(
        'the order held',
        async () => (await heldFor('supplier.interchange_rejected')).length === 1,
      );
      const [held] = await heldFor('supplier.interchange_rejected');
      expect(held!.reasons[0]!.message).toMatch(/system rejected PO-\w+ \(997\): .+/);
      const receipt = await t.hub.store.db
        .selectFrom('edi_control_numbers')
        .select('receipt')
        .where('number', '=', 1)
        .executeTakeFirst();
      expect(receipt?.receipt).toBe('rejected');
    });

    it("an 850 with no 997 in the partner's window holds its order, once", async () => {
      const { partner, shop } = await world({ autoFulfil: false });
      await partner.close(); // A partner whose translator is down: the 850 lands, no 997 comes back.
      await shop.placeOrder(orderOfEach(shop, 9, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
      await until('the 850 sent', async () =>
        Boolean(
          await t.hub.store.db
            .selectFrom('edi_control_numbers')
            .select('number')
            .where('subject', 'like', '850:%')
            .executeTakeFirst(),
        ),
      );
      // The window (the partner's functionalAckWindowMinutes) has passed by the time of this look.
      await flagMissingReceipts(t.hub.ctx, 'acme', 0, new Date(Date.now() + 1_000));
      await flagMissingReceipts(t.hub.ctx, 'acme', 0, new Date(Date.now() + 2_000));
      const held = await heldFor('supplier.no_functional_ack');
      expect(held).toHaveLength(1);
      expect(held[0]!.reasons.filter((r) => r.check === 'supplier.no_functional_ack')).toHaveLength(1);
    });

    it('takes a file uploaded twice once', async () => {
      const { partner, shop } = await world();
      await shop.placeOrder(orderOfEach(shop, 5, [{ sku: 'MUG-BLUE', unitPrice: 1299 }]));
      await until('the order fulfilled at the channel', () => shop.fulfilledOrders.size === 1);
      await until('the 856 archived', () =>
        files(partner, 'out', 'archive').some((n) =>
          readFileSync(root(partner, 'out', 'archive', n), 'latin1').includes('ST*856'),
        ),
      );
      const shipNotice = files(partner, 'out', 'archive').find((n) =>
        readFileSync(root(partner, 'out', 'archive', n), 'latin1').includes('ST*856'),
      )!;
      const shipmentsBefore = await t.hub.store.db.selectFrom('shipments').select('id').execute();
      const looks = t.hub.worker!.stats.completed;
      // The partner's system uploads the same 856 again, byte for byte.
      const bytes = readFileSync(root(partner, 'out', 'archive', shipNotice));
      writeFileSync(root(partner, 'out', `.${shipNotice}`), bytes);
      renameSync(root(partner, 'out', `.${shipNotice}`), root(partner, 'out', shipNotice));
      await until('put away again', () => !files(partner, 'out').includes(shipNotice));
      await until('two more looks', () => t.hub.worker!.stats.completed >= looks + 2);
      expect(await t.hub.store.db.selectFrom('shipments').select('id').execute()).toEqual(shipmentsBefore);
    });
  });
});

/** An order of one of each SKU (the storefront's own orders take a random few). */
function orderOfEach(shop: StorefrontSim, i: number, skus: { sku: string; unitPrice: number }[]) {
  return { ...shop.makeOrder(i, skus), lines: skus.map((s) => ({ ...s, quantity: 1 })) };
}

function product(sku: string, supplierSku: string, cost: number) {
  return {
    sku,
    name: sku,
    offers: [
      { supplier: 'acme', supplierSku, cost: { amount: cost, currency: 'USD' }, stock: 100, priority: 1 },
      {
        supplier: 'prompt',
        supplierSku: `P-${sku}`,
        cost: { amount: cost + 100, currency: 'USD' },
        stock: 100,
        priority: 2,
      },
    ],
  };
}
