import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import {
  brokenSettings,
  commonContract,
  contractHarnesses,
  testOptions,
  type ContractHarness,
} from '../../../test/support/contract-harness.ts';
import { startSupplierSim } from '../../../sim/supplier.ts';
import { supplierTransports } from './registry.ts';
import type { TransportKind } from './supplier-transport.ts';
import { memoryTransportServices } from '../../../test/support/transport-services.ts';
import { sftpTransportHarness } from '../../../test/support/sftp-harness.ts';
import { startSmtpServer } from '../../../test/support/smtp-server.ts';

/**
 * Every supplier transport in the registry, against a supplier's simulator: a new transport gets these tests by
 * joining the registry and giving a harness below (the first test fails until it does).
 */
interface Harness extends ContractHarness {
  /** POs the supplier holds now, by number. */
  received(): string[];
  /** For transports that cancel: the supplier's side of it. */
  cancels?: {
    /** POs the supplier holds withdrawn, by number. */
    cancelled(): string[];
    /**
     * The supplier ships a PO it holds: a cancel is too late from then on. Absent where a cancel is a request the
     * supplier answers later (an EDI 860): then the transport answers `cancelled` for what it asked.
     */
    ship?(poNumber: string): void;
  };
}

const CONTRACT = { id: 'contract', currency: 'USD' };
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
      cancels: {
        cancelled: () => [...sim.cancelled],
        // Marked in the simulator: there is no hub here to tell of the shipment.
        ship: (poNumber) => void sim.shipped.add(poNumber),
      },
      close: () => sim.close(),
    };
  },
  'csv-sftp': () => sftpTransportHarness((name) => /^PO_(.*)\.csv$/.exec(name)?.[1]),
  email: async () => {
    const login = { user: 'contract', password: 'contract-smtp-password-01' };
    const smtp = await startSmtpServer({ login });
    const secrets = { smtpUser: login.user, smtpPassword: login.password };
    return {
      config: smtp.config(),
      secrets,
      wrongSecrets: { ...secrets, smtpPassword: 'not-the-smtp-password-01' },
      received: () => smtp.poNumbers('purchase-order'),
      // No ship: a supplier cannot answer "too late" by email; the portal's refusals on a withdrawn PO decide.
      cancels: { cancelled: () => smtp.poNumbers('purchase-order-cancel') },
      close: () => smtp.close(),
    };
  },
  'edi-x12-sftp': async () => {
    const h = await sftpTransportHarness((name) => /^(.*)\.850\.\d{9}\.edi$/.exec(name)?.[1]);
    return {
      ...h,
      config: { ...h.config, interchangeId: 'WAYBILL', partnerId: 'CONTRACT' },
      // The 860s in the supplier's folder: what Waybill asked to withdraw.
      cancels: {
        cancelled: () =>
          readdirSync(join(h.root, 'in')).flatMap((n) => /^(.*)\.860\.\d{9}\.edi$/.exec(n)?.[1] ?? []),
      },
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
      const transport = kind.open(CONTRACT, h.config, h.secrets, memoryTransportServices());
      await transport.send(PO, testOptions());
      await transport.send(PO, testOptions());
      expect(h.received()).toEqual([PO.poNumber]);
    });

    it('refuses stored settings that no longer validate', () => {
      expect(() =>
        kind.open(CONTRACT, brokenSettings(kind.setup, {}), {}, memoryTransportServices()),
      ).toThrow(/no longer validate/);
    });
  },
);

const CANCEL = {
  poNumber: PO.poNumber,
  orderId: PO.orderId,
  reason: 'not acknowledged within 2 days',
  cancelledAt: new Date('2026-12-06T10:00:00Z'),
};

/**
 * The transport of a kind, its cancel and the supplier's side of it; the test is skipped for a transport that cannot
 * withdraw a PO (a person asks the supplier), and fails for one that can but whose harness gives no `cancels`.
 */
async function withdrawing(kind: TransportKind, skip: TestContext['skip']) {
  const h = await harnesses.start(kind.kind);
  const transport = kind.open(CONTRACT, h.config, h.secrets, memoryTransportServices());
  if (!transport.cancel) return skip('this transport cannot withdraw a purchase order');
  if (!h.cancels) throw new Error(`the ${kind.kind} harness gives no cancels, and its transport cancels`);
  const cancel = transport.cancel.bind(transport);
  return {
    send: () => transport.send(PO, testOptions()),
    cancel: () => cancel(CANCEL, testOptions()),
    supplier: { ...h.cancels, received: h.received },
  };
}

describe.each(supplierTransports.all().map((kind) => ({ name: kind.kind, kind })))(
  'transport kind $name: withdrawing a purchase order (transports with cancel)',
  ({ kind }) => {
    it('withdraws a purchase order it sent: cancelled, the same on a repeat, and the supplier holds it so', async ({
      skip,
    }) => {
      const t = await withdrawing(kind, skip);
      await t.send();
      expect(await t.cancel()).toBe('cancelled');
      expect(await t.cancel()).toBe('cancelled');
      expect(t.supplier.cancelled()).toEqual([PO.poNumber]);
    });

    it('hears too_late for a purchase order the supplier shipped, the same on a repeat', async ({ skip }) => {
      const t = await withdrawing(kind, skip);
      if (!t.supplier.ship)
        return skip('a cancel over this transport is a request the supplier answers later');
      await t.send();
      t.supplier.ship(PO.poNumber);
      expect(await t.cancel()).toBe('too_late');
      expect(await t.cancel()).toBe('too_late');
      expect(t.supplier.cancelled()).toEqual([]);
    });

    it('hears cancelled for a purchase order the supplier never had, and sends it none', async ({ skip }) => {
      const t = await withdrawing(kind, skip);
      expect(await t.cancel()).toBe('cancelled');
      expect(t.supplier.received()).toEqual([]);
    });
  },
);
