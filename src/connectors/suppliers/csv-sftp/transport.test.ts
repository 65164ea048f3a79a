import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../../../sim/shared.ts';
import {
  describeWithSshd,
  startSftpServer,
  type TestSftpServer,
} from '../../../../test/support/sftp-server.ts';
import { strangerKey } from '../../../../test/support/sftp-harness.ts';
import { memoryTransportServices } from '../../../../test/support/transport-services.ts';
import type { PurchaseOrderMessage } from '../supplier-transport.ts';
import { csvSftpConfig } from './credentials.ts';
import { csvSftp } from './index.ts';
import { poFileBytes } from './map.ts';

const PO: PurchaseOrderMessage = {
  poNumber: 'PO-01JD3K8Z9Q-ACME',
  orderId: 'ord_01JD3K8Z9Q',
  currency: 'USD',
  createdAt: new Date('2026-12-04T10:00:00Z'),
  shipTo: {
    name: 'Ann Smith',
    line1: '1 Main St, Apt 4',
    city: 'Springfield',
    postalCode: '62701',
    country: 'US',
  },
  brand: 'Demo Retailer',
  lines: [{ lineNumber: 1, supplierSku: 'P-MUG-1', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 }],
};

const ACME = { id: 'acme', currency: 'USD' };
const options = () => ({ signal: AbortSignal.timeout(10_000), now: new Date() });

describeWithSshd('csv-sftp against a real OpenSSH server', () => {
  let server: TestSftpServer;
  let suppliers = 0;

  beforeAll(async () => {
    server = await startSftpServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A supplier's folders of its own under the server's root, and the settings that reach them. */
  function supplier() {
    const home = `supplier-${++suppliers}`;
    for (const folder of ['in', 'out']) mkdirSync(join(server.root, home, folder), { recursive: true });
    const config = {
      host: server.host,
      port: server.port,
      username: server.username,
      hostKeySha256: server.hostKeySha256,
      toSupplier: `${home}/in`,
      fromSupplier: `${home}/out`,
      archive: `../archive`,
      refused: `../refused`,
      readyTimeoutMs: 5_000,
      operationTimeoutMs: 5_000,
    };
    const secrets = { privateKey: server.privateKey };
    const local = (folder: string) => join(server.root, home, folder);
    const list = (folder: string) => readdirSync(local(folder)).sort();
    return { config, secrets, local, list };
  }

  it('sends a PO twice as one file with the same bytes, and leaves no partial upload behind', async () => {
    const s = supplier();
    const transport = csvSftp.open(ACME, s.config, s.secrets, memoryTransportServices());
    await transport.send(PO, options());
    const first = readFileSync(join(s.local('in'), 'PO_PO-01JD3K8Z9Q-ACME.csv'));
    await transport.send(PO, options());
    expect(s.list('in')).toEqual(['PO_PO-01JD3K8Z9Q-ACME.csv']); // dot-files too: no .part left
    const second = readFileSync(join(s.local('in'), 'PO_PO-01JD3K8Z9Q-ACME.csv'));
    expect(second).toEqual(first);
    expect(second).toEqual(poFileBytes(PO, csvSftpConfig.parse(s.config).poFile));
    expect(second.toString('utf8')).toContain('"1 Main St, Apt 4"');
  });

  it('receives the answer files its names know, then puts them away: taken to the archive, refused aside', async () => {
    const s = supplier();
    const ack = 'PO Number,Line Number,Status,Reason,Available On\r\nPO-01JD3K8Z9Q-ACME,1,accepted,,\r\n';
    const badShipment =
      'PO Number,Line Number,Quantity,Carrier,Tracking Number,Shipped At\r\nPO-1,1,0,UPS,1Z999AA10123456784,\r\n';
    writeFileSync(join(s.local('out'), 'ACK_0001.csv'), ack);
    writeFileSync(join(s.local('out'), 'ASN_0001.csv'), badShipment);
    writeFileSync(join(s.local('out'), 'INV_0001.csv'), 'not ours');
    writeFileSync(join(s.local('out'), '.ACK_0002.csv.part'), 'still uploading');
    const transport = csvSftp.open(ACME, s.config, s.secrets, memoryTransportServices());

    const { files } = await transport.receive!({ ...options(), cursor: null });
    expect(files.map((f) => f.name)).toEqual(['ACK_0001.csv', 'ASN_0001.csv']);
    const [taken, refused] = files;
    expect(taken).toMatchObject({
      size: Buffer.byteLength(ack),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      answers: {
        acknowledgements: [
          { poNumber: 'PO-01JD3K8Z9Q-ACME', lines: [{ lineNumber: 1, status: 'accepted' }] },
        ],
        shipments: [],
      },
    });
    expect(refused!.answers).toBeUndefined();
    expect(refused!.refused).toBe(
      '"ASN_0001.csv": 1 row fails, so nothing of the file applies: row 2, column "Quantity": "0" is not a positive whole number',
    );

    const settled = [
      { name: taken!.name, sha256: taken!.sha256, outcome: 'taken' as const },
      { name: refused!.name, sha256: refused!.sha256, outcome: 'refused' as const },
    ];
    await transport.settle!(settled, options());
    await transport.settle!(settled, options()); // a repeat: already put away
    expect(s.list('out')).toEqual(['.ACK_0002.csv.part', 'INV_0001.csv']);
    expect(s.list('archive')).toEqual(['ACK_0001.csv']);
    expect(s.list('refused')).toEqual(['ASN_0001.csv']);
  });

  it('tests the login: passes, names a refused key, a server that does not answer and a missing folder', async () => {
    const s = supplier();
    expect(await csvSftp.test(s.config, s.secrets, options())).toMatchObject({ ok: true });
    expect(await csvSftp.test(s.config, { privateKey: strangerKey() }, options())).toMatchObject({
      ok: false,
      reason: 'unauthorized',
    });
    expect(await csvSftp.test({ ...s.config, port: await freePort() }, s.secrets, options())).toMatchObject({
      ok: false,
      reason: 'unreachable',
    });
    expect(await csvSftp.test({ ...s.config, fromSupplier: 'nowhere' }, s.secrets, options())).toMatchObject({
      ok: false,
      reason: 'not_configured',
    });
  });
});
