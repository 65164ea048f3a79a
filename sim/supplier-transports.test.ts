import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { orderBody, startTestHub, type TestHub } from '../test/support/hub.ts';
import { until } from '../test/support/until.ts';
import { checkX12 } from '../test/support/x12-grammar.ts';
import { startSimulatedSupplier, type SimulatedSupplier, type SupplierSimTransport } from './supplier.ts';
import type { EdiPartner } from './edi-partner.ts';
import { startEdiPartner } from './edi-partner.ts';

/** The same supplier behaviour on each transport, against a real hub: every order reaches fulfilled. */
const SUPPLIERS: {
  id: string;
  transport: SupplierSimTransport;
  sku: string;
  supplierSkus: [string, string];
}[] = [
  { id: 'rest', transport: 'rest-json', sku: 'MUG', supplierSkus: ['R-MUG', 'R-CUP'] },
  { id: 'edi', transport: 'edi-x12-sftp', sku: 'LAMP', supplierSkus: ['E-LAMP', 'E-RUG'] },
  { id: 'mail', transport: 'email', sku: 'TEE', supplierSkus: ['M-TEE', 'M-CAP'] },
];
const TOKEN = (id: string) => `${id}-supplier-token-0123456789`;
const SECRET = (id: string) => `${id}-signing-secret-0123456789`;

/** A hub that looks at EDI partners' folders every 100 ms (not every 30 s), so the test is quick. */
function quickTransports() {
  const edi = supplierTransports.get('edi-x12-sftp')!;
  return supplierTransports.with({ ...edi, receiveEveryMs: 100 });
}

function setup(sims: Map<string, SimulatedSupplier | EdiPartner>) {
  const present = SUPPLIERS.filter(({ id }) => sims.has(id));
  return {
    apiVersion: 'waybill/v1',
    retailer: { name: 'Test Retailer' },
    channels: [{ id: 'storefront', kind: 'storefront', name: 'Storefront', currency: 'USD' }],
    suppliers: [...sims].map(([id, sim]) => ({
      id,
      name: `Supplier ${id}`,
      currency: 'USD',
      apiToken: TOKEN(id),
      transport: sim.transportSettings(),
    })),
    products: present.flatMap(({ id, sku, supplierSkus }) =>
      supplierSkus.map((supplierSku, i) => ({
        sku: `${sku}-${i + 1}`,
        name: `${sku} ${i + 1}`,
        offers: [
          { supplier: id, supplierSku, cost: { amount: 450, currency: 'USD' }, priority: 1, stock: 100 },
        ],
      })),
    ),
  };
}

describe('the simulated supplier on every transport, against the hub', () => {
  let t: TestHub;
  const sims = new Map<string, SimulatedSupplier>();

  beforeAll(async () => {
    t = await startTestHub('sqlite', {
      worker: true,
      workerOptions: { pollMs: 20 },
      transports: quickTransports(),
    });
    for (const { id, transport, supplierSkus } of SUPPLIERS)
      sims.set(
        id,
        await startSimulatedSupplier(transport, {
          name: id,
          seed: 3,
          ackDelayMs: 5,
          shipDelayMs: 5,
          // The second line is backordered (855 IB with its date), then shipped with the first in a second parcel.
          backorderSkus: [supplierSkus[1]],
          rest: { hubUrl: t.url, apiToken: TOKEN(id), signingSecret: SECRET(id) },
          edi: { interchangeId: 'EDIPARTNER', buyerId: 'WAYBILL', sftp: { implementation: 'in-process' } },
        }),
      );
    await t.apply(setup(sims));
  });
  afterAll(async () => {
    await Promise.all([...sims.values()].map((s) => s.close()));
    await t?.close();
  });

  for (const { id, transport, sku } of SUPPLIERS)
    it(`${transport}: an order of two lines is acknowledged, shipped and fulfilled`, async () => {
      const sim = sims.get(id)!;
      const placed = await t.api('/api/v1/channels/storefront/orders', {
        body: orderBody(`order-${id}`, [
          { sku: `${sku}-1`, quantity: 2 },
          { sku: `${sku}-2`, quantity: 1 },
        ]),
      });
      expect(placed.status).toBe(201);
      const orderId = placed.body.id as string;
      const order = async () => (await t.api(`/api/v1/orders/${orderId}`)).body;
      await until(
        `the ${transport} order fulfilled`,
        async () => (await order()).state === 'fulfilled',
        20_000,
        async () => JSON.stringify(await order()).slice(0, 4000),
      );
      // The supplier notes what it told once the hub's answer reaches it, which can be after the hub's commit.
      await until('the supplier notes its shipment', () => sim.shipped.size === 1);
      expect(sim.received.size).toBe(1);
      expect([...sim.acknowledged]).toEqual([...sim.received.keys()]);
      expect([...sim.shipped]).toEqual([...sim.received.keys()]);
    });
});

describe('the EDI partner against the hub: its documents checked, the broken ones refused', () => {
  let t: TestHub;
  let partner: EdiPartner;

  beforeAll(async () => {
    t = await startTestHub('sqlite', {
      worker: true,
      workerOptions: { pollMs: 20 },
      transports: quickTransports(),
    });
    partner = await startEdiPartner({
      name: 'edi',
      interchangeId: 'EDIPARTNER',
      buyerId: 'WAYBILL',
      seed: 4,
      autoFulfil: false,
      invoices: true,
      sftp: { implementation: 'in-process' },
    });
    await t.apply(setup(new Map([['edi', partner]])));
  });
  afterAll(async () => {
    await partner?.close();
    await t?.close();
  });

  async function order(n: number): Promise<string> {
    const before = partner.received.size;
    const placed = await t.api('/api/v1/channels/storefront/orders', {
      body: orderBody(`broken-${n}`, [{ sku: 'LAMP-1', quantity: 1 }]),
    });
    expect(placed.status).toBe(201);
    await until('the 850', () => partner.received.size === before + 1);
    return [...partner.received.keys()].at(-1)!;
  }

  it("answers Waybill's 850 with a positive 997 that Waybill records, and gets a positive 997 for its 855", async () => {
    const poNumber = await order(1);
    partner.acknowledge(poNumber);
    await until("Waybill's 997 of the 855", () => partner.receiptOf('855', poNumber) !== undefined);
    expect(partner.receiptOf('855', poNumber)).toMatchObject({ accepted: true, functionalId: 'PR' });
  });

  it('sends 850s and 997s that pass the 004010 grammar, PO numbers within element 324 included', async () => {
    await order(5);
    await until('a 997 from Waybill', () =>
      readdirSync(join(partner.server.root, 'taken')).some((f) => f.includes('997')),
    );
    const taken = readdirSync(join(partner.server.root, 'taken'));
    expect(taken.some((f) => f.includes('.850.'))).toBe(true);
    for (const file of taken) {
      const faults = checkX12(readFileSync(join(partner.server.root, 'taken', file), 'latin1'));
      expect({ file, faults }).toEqual({ file, faults: [] });
    }
  });

  for (const [i, fault, ak] of [
    [2, 'se01', { ak501: 'R', errors: ['4'] }],
    [3, 'ge02', { groupErrors: ['4'] }],
    [4, 'ack01', { ak501: 'R' }],
  ] as const)
    it(`a broken 855 (${fault}) is refused with a negative 997`, async () => {
      const poNumber = await order(i);
      partner.breakNext('855', fault);
      partner.acknowledge(poNumber);
      await until("Waybill's 997", () => partner.receiptOf('855', poNumber) !== undefined);
      const receipt = partner.receiptOf('855', poNumber)!;
      expect(receipt.accepted).toBe(false);
      if ('groupErrors' in ak) expect(receipt.groupErrors).toEqual(ak.groupErrors);
      else expect(receipt.sets[0]).toMatchObject(ak);
    });
});
