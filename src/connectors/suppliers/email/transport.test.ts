import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../sim/shared.ts';
import {
  RETAILER_ADDRESS,
  startSmtpServer,
  SUPPLIER_ADDRESS,
  type TestSmtpServer,
} from '../../../../test/support/smtp-server.ts';
import { memoryTransportServices } from '../../../../test/support/transport-services.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { email } from './index.ts';

const NOW = new Date('2026-12-06T10:00:05Z');
const options = () => ({ signal: AbortSignal.timeout(10_000), now: NOW });

const PO = {
  poNumber: 'PO-01JD3K8Z9Q-ACME',
  orderId: 'ord_01JD3K8Z9Q',
  currency: 'EUR',
  createdAt: new Date('2026-12-04T10:00:00Z'),
  shipTo: {
    name: 'Łukasz Nowak',
    line1: 'ul. Długa 5',
    city: 'Gdańsk',
    postalCode: '80-827',
    country: 'PL',
  },
  brand: 'Demo <Retailer> & Co',
  lines: [
    { lineNumber: 1, supplierSku: 'P-MUG-1', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 },
    { lineNumber: 2, supplierSku: 'P-TEE, RED', sku: 'TEE-RED-M', quantity: 1, unitCost: 1299 },
  ],
};

const CANCEL = {
  poNumber: PO.poNumber,
  orderId: PO.orderId,
  reason: 'not acknowledged within 2 days',
  cancelledAt: new Date('2026-12-06T10:00:00Z'),
};

const servers: TestSmtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function smtp(...args: Parameters<typeof startSmtpServer>) {
  const server = await startSmtpServer(...args);
  servers.push(server);
  return server;
}

const open = (server: TestSmtpServer, secrets: Record<string, string> = {}) =>
  email.open(
    { id: 'acme', currency: 'USD' },
    { ...server.config(), cc: ['desk@supplier.example'] },
    secrets,
    memoryTransportServices(),
  );

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: bytes, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages.join('\n');
}

describe('the email transport', () => {
  it("sends the PO in the retailer's name: text, HTML, the link, the PO as PDF and as CSV", async () => {
    const server = await smtp();
    await open(server).send(PO, options());
    const [mail] = await server.parsed();
    expect(server.messages[0]!.to.sort()).toEqual(['desk@supplier.example', SUPPLIER_ADDRESS]);
    expect(mail!.from).toMatchObject({ name: PO.brand, address: RETAILER_ADDRESS });
    expect(mail!.to!.map((a) => ('address' in a ? a.address : ''))).toEqual([SUPPLIER_ADDRESS]);
    expect(mail!.subject).toBe(`Purchase order ${PO.poNumber} from ${PO.brand}`);
    expect(mail!.messageId).toMatch(/^<PO-01JD3K8Z9Q-ACME\.[0-9a-f]{32}@retailer\.example>$/);
    const link = `http://127.0.0.1:8080/portal/po-link#po=${PO.poNumber}`;
    for (const part of [mail!.text!, mail!.html!]) {
      expect(part).toContain('P-MUG-1');
      expect(part).toContain('€4.50');
      expect(part).toContain('€12.99');
      expect(part).toContain('Gdańsk');
      expect(part).toContain(link);
      expect(part).toMatch(/open .*acknowledge and ship/);
    }
    // The retailer's name is text in the HTML, never markup.
    expect(mail!.html).toContain('Demo &lt;Retailer&gt; &amp; Co');

    const [pdf, csv] = mail!.attachments;
    expect(pdf).toMatchObject({ filename: `${PO.poNumber}.pdf`, mimeType: 'application/pdf' });
    const text = await pdfText(new Uint8Array(pdf!.content as ArrayBuffer));
    for (const words of [PO.poNumber, 'P-MUG-1', 'MUG-BLUE', 'P-TEE, RED', '€12.99', 'Łukasz Nowak'])
      expect(text).toContain(words);

    expect(csv).toMatchObject({ filename: `${PO.poNumber}.csv`, mimeType: 'text/csv' });
    const rows = parse(Buffer.from(csv!.content as ArrayBuffer), { columns: true }) as unknown[];
    expect(rows).toEqual([
      {
        line: '1',
        supplier_sku: 'P-MUG-1',
        sku: 'MUG-BLUE',
        quantity: '2',
        unit_cost: '4.50',
        currency: 'EUR',
      },
      {
        line: '2',
        supplier_sku: 'P-TEE, RED',
        sku: 'TEE-RED-M',
        quantity: '1',
        unit_cost: '12.99',
        currency: 'EUR',
      },
    ]);
  });

  it('gives a resend the same Message-ID, and a different PO another', async () => {
    const server = await smtp();
    const transport = open(server);
    await transport.send(PO, options());
    await transport.send(PO, options());
    await transport.send({ ...PO, lines: [PO.lines[0]!] }, options());
    const [first, again, other] = await server.parsed();
    expect(again!.messageId).toBe(first!.messageId);
    expect(other!.messageId).not.toBe(first!.messageId);
  });

  it('leaves a 4xx reply to be retried, and the retry goes through', async () => {
    const server = await smtp({
      refuse: (stage, n) =>
        stage === 'data' && n === 0 ? { code: 451, message: 'local error, try again later' } : null,
    });
    const transport = open(server);
    const error = await transport.send(PO, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('451');
    await transport.send(PO, options());
    expect(server.messages).toHaveLength(1);
  });

  it('fails for good on a 5xx reply, naming it', async () => {
    const server = await smtp({ refuse: () => ({ code: 550, message: 'mailbox unknown' }) });
    const error = await open(server)
      .send(PO, options())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/550 mailbox unknown/);
  });

  it('leaves a server that does not answer to be retried', async () => {
    const server = await smtp();
    const transport = email.open(
      { id: 'acme', currency: 'USD' },
      { ...server.config(), port: await freePort() },
      {},
      memoryTransportServices(),
    );
    const error = await transport.send(PO, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
  });

  it('withdraws a PO by email with a Message-ID of its own, the same on a repeat: always cancelled', async () => {
    const server = await smtp();
    const transport = open(server);
    expect(await transport.cancel!(CANCEL, options())).toBe('cancelled');
    expect(await transport.cancel!(CANCEL, options())).toBe('cancelled');
    const [mail, again] = await server.parsed();
    expect(mail!.subject).toBe(`Cancelled: purchase order ${PO.poNumber}`);
    expect(mail!.text).toContain('please do not ship it');
    expect(mail!.text).toContain(CANCEL.reason);
    expect(mail!.messageId).toMatch(/^<PO-01JD3K8Z9Q-ACME\.cancel\.[0-9a-f]{32}@retailer\.example>$/);
    expect(again!.messageId).toBe(mail!.messageId);
    expect(mail!.headers.find((h) => h.key === 'x-waybill-type')?.value).toBe('purchase-order-cancel');
  });

  it('logs in when it has credentials; its connection test names a refused login and a server not there', async () => {
    const login = { user: 'retailer', password: 'smtp-password-0001' };
    const server = await smtp({ login });
    const secrets = { smtpUser: login.user, smtpPassword: login.password };
    await open(server, secrets).send(PO, options());
    expect(server.messages).toHaveLength(1);
    const error = await open(server, { ...secrets, smtpPassword: 'wrong-password-0001' })
      .send(PO, options())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);

    expect(await email.test(server.config(), secrets, options())).toMatchObject({ ok: true });
    expect(
      await email.test(server.config(), { ...secrets, smtpPassword: 'wrong-password-0001' }, options()),
    ).toMatchObject({ ok: false, reason: 'unauthorized' });
    expect(
      await email.test({ ...server.config(), port: await freePort() }, secrets, options()),
    ).toMatchObject({ ok: false, reason: 'unreachable' });
  });

  it('takes a login as a pair: a user without a password is refused when the setup is read', () => {
    expect(email.setup.check?.({ smtpUser: 'retailer' })).toEqual({
      field: 'smtpPassword',
      message: 'required with smtpUser',
    });
    expect(email.setup.check?.({})).toBeNull();
  });
});
