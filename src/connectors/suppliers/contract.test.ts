import { describe, expect, it } from 'vitest';
import {
  brokenSettings,
  commonContract,
  contractHarnesses,
  testOptions,
  type ContractHarness,
} from '../../../test/support/contract-harness.ts';
import { startSupplierSim } from '../../../sim/supplier.ts';
import { supplierTransports } from './registry.ts';

/**
 * Every supplier transport in the registry, against a supplier's simulator: a new transport gets these tests by
 * joining the registry and giving a harness below (the first test fails until it does).
 */
interface Harness extends ContractHarness {
  /** POs the supplier holds now, by number. */
  received(): string[];
}

const SIGNING = 'contract-signing-secret-0001';

const harnesses = contractHarnesses<Harness>('transport', {
  'rest-json': async () => {
    const sim = await startSupplierSim({
      name: 'contract',
      signingSecret: SIGNING,
      hubUrl: 'http://127.0.0.1:9',
      apiToken: 'unused',
      autoFulfil: false,
    });
    return {
      config: { url: sim.url, timeoutMs: 5_000 },
      secrets: { signingSecret: SIGNING },
      wrongSecrets: { signingSecret: 'not-the-signing-secret-0001' },
      received: () => [...sim.received.keys()],
      close: () => sim.close(),
    };
  },
});

const PO = {
  poNumber: 'PO-CONTRACT-1',
  orderId: 'ord_contract',
  currency: 'USD',
  createdAt: new Date('2026-12-01T10:00:00Z'),
  shipTo: {
    name: 'Ann Smith',
    line1: '1 Main St',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62701',
    country: 'US',
  },
  brand: 'Contract Retail',
  lines: [{ lineNumber: 1, supplierSku: 'S-MUG', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 }],
};

describe.each(supplierTransports.all().map((kind) => ({ name: kind.kind, kind })))(
  'transport kind $name: the adapter contract',
  ({ kind }) => {
    commonContract(kind, harnesses, 'a supplier', {
      // A test is a ping: the supplier holds no purchase order from it.
      afterPassingTest: (h) => expect(h.received()).toEqual([]),
    });

    it('sends a purchase order once, whatever the number of sends (the PO number is the idempotency key)', async () => {
      const h = await harnesses.start(kind.kind);
      const transport = kind.open('contract', h.config, h.secrets);
      await transport.send(PO, testOptions());
      await transport.send(PO, testOptions());
      expect(h.received()).toEqual([PO.poNumber]);
    });

    it('refuses stored settings that no longer validate', () => {
      expect(() => kind.open('contract', brokenSettings(kind.setup, {}), {})).toThrow(/no longer validate/);
    });
  },
);
