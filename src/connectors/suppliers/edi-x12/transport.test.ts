import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithSshd,
  startSftpServer,
  type TestSftpServer,
} from '../../../../test/support/sftp-server.ts';
import { memoryTransportServices } from '../../../../test/support/transport-services.ts';
import { ediX12Config } from './credentials.ts';
import { ediX12Sftp } from './index.ts';
import { EdiX12Transport } from './transport.ts';

const PO = {
  poNumber: 'PO-01JD3K8Z9Q-ACME',
  orderId: 'ord_01JD3K8Z9Q',
  currency: 'USD',
  createdAt: new Date('2026-12-01T10:05:00Z'),
  shipTo: {
    name: 'Ann Smith',
    line1: '1 Main St',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62701',
    country: 'US',
  },
  brand: 'Demo Retail',
  lines: [{ lineNumber: 1, supplierSku: 'S-MUG', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 }],
};
const options = () => ({ signal: AbortSignal.timeout(10_000), now: new Date('2026-12-02T12:00:00Z') });

const ISA =
  'ISA*00*          *00*          *ZZ*ACME           *ZZ*WAYBILL        *261202*0930*U*00401*000000007*0*P*>~';
const ACK_855 = [
  ISA,
  'GS*PR*ACME*WAYBILL*20261202*0930*7*X*004010~',
  'ST*855*0001~',
  'BAK*00*AD*PO-01JD3K8Z9Q-ACME*20261202~',
  'PO1*1*2*EA*4.50**VP*S-MUG~',
  'ACK*IA*2*EA~',
  'SE*5*0001~',
  'GE*1*7~',
  'IEA*1*000000007~',
].join('\n');
const RECEIPT_997 = ACK_855.replace('GS*PR', 'GS*FA').replace(
  'ST*855*0001~\nBAK*00*AD*PO-01JD3K8Z9Q-ACME*20261202~\nPO1*1*2*EA*4.50**VP*S-MUG~\nACK*IA*2*EA~',
  'ST*997*0001~\nAK1*PO*1~\nAK5*A~\nAK9*A*1*1*1~',
);

describeWithSshd('edi-x12-sftp against OpenSSH', () => {
  let server: TestSftpServer;
  let n = 0;
  beforeAll(async () => {
    server = await startSftpServer();
  });
  afterAll(() => server?.stop());

  /** A partner's folders of its own for each test, and a transport to it. */
  function partner() {
    const base = `partner${++n}`;
    for (const folder of ['in', 'out']) mkdirSync(join(server.root, base, folder), { recursive: true });
    const config = ediX12Config.parse({
      host: server.host,
      port: server.port,
      username: server.username,
      hostKeySha256: server.hostKeySha256,
      toSupplier: `${base}/in`,
      fromSupplier: `${base}/out`,
      archive: '../archive',
      refused: '../refused',
      interchangeId: 'WAYBILL',
      partnerId: 'ACME',
    });
    const secrets = { privateKey: server.privateKey };
    const services = memoryTransportServices();
    const transport = new EdiX12Transport(config, secrets, services, { id: 'acme', currency: 'USD' });
    const dir = (folder: string) => join(server.root, base, folder);
    const list = (folder: string) => (existsSync(dir(folder)) ? readdirSync(dir(folder)).sort() : []);
    return { config, secrets, services, transport, dir, list };
  }

  it('sends an 850 into in/ atomically, and a resend leaves one file with the same bytes', async () => {
    const p = partner();
    try {
      await p.transport.send(PO, options());
      const name = 'PO-01JD3K8Z9Q-ACME.850.000000001.edi';
      expect(p.list('in')).toEqual([name]);
      const first = readFileSync(join(p.dir('in'), name));
      expect(first.toString('latin1')).toMatch(
        /^ISA\*.{101}~GS\*PO\*WAYBILL\*ACME\*20261201\*1005\*1\*X\*004010~/,
      );
      await p.transport.send(PO, options());
      expect(p.list('in')).toEqual([name]);
      expect(readFileSync(join(p.dir('in'), name)).equals(first)).toBe(true);
    } finally {
      await p.transport.close();
    }
  });

  it("uploads an 860 to withdraw a PO and answers cancelled (the partner's later answers decide)", async () => {
    const p = partner();
    try {
      const answer = await p.transport.cancel(
        { poNumber: PO.poNumber, orderId: PO.orderId, reason: 'not acknowledged', cancelledAt: PO.createdAt },
        options(),
      );
      expect(answer).toBe('cancelled');
      expect(p.list('in')).toEqual(['PO-01JD3K8Z9Q-ACME.860.000000001.edi']);
      expect(readFileSync(join(p.dir('in'), p.list('in')[0]!), 'latin1')).toContain(
        '~BCH*01*SA*PO-01JD3K8Z9Q-ACME***20261201',
      );
    } finally {
      await p.transport.close();
    }
  });

  it('receives answer files, replies with 997s to all but 997s, and settles them into archive and refused', async () => {
    const p = partner();
    try {
      writeFileSync(join(p.dir('out'), 'ack-1.855'), ACK_855);
      writeFileSync(join(p.dir('out'), 'notes.txt'), 'hello, this is not EDI\n');
      writeFileSync(join(p.dir('out'), 'fa-1.edi'), RECEIPT_997);
      const { files, receiptWindowMs } = await p.transport.receive(options());
      expect(receiptWindowMs).toBe(60 * 60_000);
      const byName = new Map(files.map((f) => [f.name, f]));
      const ack = byName.get('ack-1.855')!;
      expect(ack.answers?.acknowledgements).toEqual([
        { poNumber: PO.poNumber, lines: [{ lineNumber: 1, status: 'accepted' }] },
      ]);
      expect(ack.reply?.name).toBe('997.000000001.edi');
      expect(ack.reply?.bytes.toString('latin1')).toContain('~AK1*PR*7~AK2*855*0001~AK5*A~AK9*A*1*1*1~');
      expect(byName.get('notes.txt')).toMatchObject({
        refused: expect.stringMatching(/^not an X12 interchange/),
      });
      expect(byName.get('notes.txt')?.reply).toBeUndefined();
      expect(byName.get('fa-1.edi')).toMatchObject({
        answers: { receipts: [{ controlNumber: 1, accepted: true, errors: [] }] },
      });
      expect(byName.get('fa-1.edi')?.reply).toBeUndefined();

      // Read again before settling: the same reply, byte for byte.
      const again = await p.transport.receive(options());
      expect(again.files.find((f) => f.name === 'ack-1.855')?.reply?.bytes.equals(ack.reply!.bytes)).toBe(
        true,
      );

      await p.transport.settle(
        files.map((f) => ({
          name: f.name,
          sha256: f.sha256,
          outcome: f.refused ? 'refused' : 'taken',
          reply: f.reply,
        })),
        options(),
      );
      expect(p.list('out')).toEqual([]);
      expect(p.list('archive')).toEqual(['ack-1.855', 'fa-1.edi']);
      expect(p.list('refused')).toEqual(['notes.txt']);
      expect(p.list('in')).toEqual(['997.000000001.edi']);
      expect(readFileSync(join(p.dir('in'), '997.000000001.edi')).equals(ack.reply!.bytes)).toBe(true);
    } finally {
      await p.transport.close();
    }
  });

  it('tests the connection: both folders open and the host key; a wrong key is unauthorized; no server, unreachable', async () => {
    const p = partner();
    const passed = await ediX12Sftp.test(p.config, p.secrets, options());
    expect(passed).toEqual({ ok: true, detail: expect.stringContaining(`host key ${server.hostKeySha256}`) });
    const other = await startSftpServer();
    try {
      const refused = await ediX12Sftp.test(p.config, { privateKey: other.privateKey }, options());
      expect(refused).toMatchObject({ ok: false, reason: 'unauthorized' });
    } finally {
      await other.stop();
    }
    const closed = await closedPort();
    expect(await ediX12Sftp.test({ ...p.config, port: closed }, p.secrets, options())).toMatchObject({
      ok: false,
      reason: 'unreachable',
    });
  });
});

/** A loopback port nobody listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
