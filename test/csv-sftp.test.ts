import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { csvSftp } from '../src/connectors/suppliers/csv-sftp/index.ts';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { listSupplierFiles } from '../src/store/supplier-exchanges.repo.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, startTestHub, type TestHub } from './support/hub.ts';
import { describeWithSshd, startSftpServer, type TestSftpServer } from './support/sftp-server.ts';
import { until } from './support/until.ts';

/**
 * A supplier on CSV over SFTP, end to end against a real OpenSSH server: the PO becomes a file in the supplier's
 * `in/`; the supplier's acknowledgement and shipment files in `out/` fulfil the order and go to `archive/`; a file
 * with a bad row is refused whole and moved to `refused/`, its reason kept; the same file uploaded again is not
 * applied twice.
 */
describeWithSshd('csv-sftp end to end', () => {
  let server: TestSftpServer;
  let homes = 0;

  beforeAll(async () => {
    server = await startSftpServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeEachDatabase('a supplier on CSV over SFTP', (dialect) => {
    let t: TestHub;
    let home: string;
    const local = (folder: string) => join(server.root, home, folder);
    const list = (folder: string) => (existsSync(local(folder)) ? readdirSync(local(folder)).sort() : []);
    /** Written as a supplier should: under a dot-name, then renamed, so the hub never reads half of it. */
    const upload = (name: string, text: string) => {
      writeFileSync(join(local('out'), `.${name}.part`), text);
      renameSync(join(local('out'), `.${name}.part`), join(local('out'), name));
    };

    beforeEach(async () => {
      home = `acme-${dialect}-${++homes}`;
      for (const folder of ['in', 'out']) mkdirSync(local(folder), { recursive: true });
      t = await startTestHub(dialect, {
        worker: true,
        workerOptions: { pollMs: 20 },
        transports: supplierTransports.with({ ...csvSftp, receiveEveryMs: 100 }),
      });
      await t.apply({
        apiVersion: 'waybill/v1',
        channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
        suppliers: [
          {
            id: 'acme',
            name: 'Acme CSV Wholesale',
            currency: 'USD',
            transport: {
              kind: 'csv-sftp',
              host: server.host,
              port: server.port,
              username: server.username,
              hostKeySha256: server.hostKeySha256,
              privateKey: server.privateKey,
              toSupplier: `${home}/in`,
              fromSupplier: `${home}/out`,
              archive: '../archive',
              refused: '../refused',
              acknowledgements: {
                fileName: { prefix: 'ack_' },
                columns: { poNumber: 'PO', lineNumber: 'Line', status: 'Status', reason: 'Note' },
                statusValues: { OK: 'accepted', NO: 'rejected' },
              },
            },
          },
        ],
        products: [
          {
            sku: 'MUG-BLUE',
            name: 'Blue mug',
            offers: [
              { supplier: 'acme', supplierSku: 'A-MUG', cost: { amount: 450, currency: 'USD' }, stock: 10 },
            ],
          },
        ],
      });
    });

    afterEach(async () => {
      await t.close();
    });

    /** An order of two mugs, and its PO number once the PO file is in the supplier's inbox. */
    async function orderSent(externalId: string) {
      const created = await t.api('/api/v1/channels/storefront/orders', {
        body: orderBody(externalId, [{ sku: 'MUG-BLUE', quantity: 2 }]),
      });
      expect(created.status).toBe(201);
      const orderId: string = created.body.id;
      await until('the PO file in the supplier inbox', () => list('in').some((n) => /^PO_.*\.csv$/.test(n)));
      const [file] = list('in');
      const poNumber = file!.replace(/^PO_|\.csv$/g, '');
      expect(readFileSync(join(local('in'), file!), 'utf8')).toContain(`${poNumber},${orderId},`);
      return { orderId, poNumber };
    }

    const order = async (orderId: string) => (await t.api(`/api/v1/orders/${orderId}`)).body;
    const files = () => listSupplierFiles(t.hub.store.db, 'acme', { limit: 50 });

    it('fulfils the order from the acknowledgement and shipment files, and archives them', async () => {
      const { orderId, poNumber } = await orderSent('csv-1');
      upload('ack_0001.csv', `PO,Line,Status,Note\r\n${poNumber},1,ok,\r\n`);
      upload(
        'ASN_0001.csv',
        'PO Number,Line Number,Quantity,Carrier,Tracking Number,Shipped At\r\n' +
          `${poNumber},1,2,UPS,1Z999AA10123456784,2026-12-05T09:15:00Z\r\n`,
      );
      await until(
        'the order fulfilled from the files',
        async () => (await order(orderId)).state === 'fulfilled',
        25_000,
        async () => JSON.stringify({ order: (await order(orderId)).state, files: await files() }),
      );
      await until('both files archived', () => list('archive').length === 2 && list('out').length === 0);
      expect(list('archive')).toEqual(['ASN_0001.csv', 'ack_0001.csv']);
      expect((await files()).map((f) => [f.name, f.outcome]).sort()).toEqual([
        ['ASN_0001.csv', 'taken'],
        ['ack_0001.csv', 'taken'],
      ]);
    });

    it('refuses a broken acknowledgement file whole, and takes a good one once however often it comes', async () => {
      const { poNumber } = await orderSent('csv-2');
      const poState = async () => {
        const po = await t.hub.store.db
          .selectFrom('purchase_orders')
          .select('state')
          .where('po_number', '=', poNumber)
          .executeTakeFirstOrThrow();
        return po.state;
      };
      await until('the PO sent', async () => (await poState()) === 'sent');

      upload('ack_0002.csv', `PO,Line,Status,Note\r\n${poNumber},1,maybe,\r\n`);
      await until('the broken file moved aside', () => list('refused').includes('ack_0002.csv'));
      expect(await poState()).toBe('sent');
      const [refused] = await files();
      expect(refused).toMatchObject({ name: 'ack_0002.csv', outcome: 'refused' });
      expect(refused!.reason).toBe(
        '"ack_0002.csv": 1 row fails, so nothing of the file applies: row 2, column "Status": "maybe" is none of the ' +
          'status words "ok", "no"',
      );

      const good = `PO,Line,Status,Note\r\n${poNumber},1,OK,\r\n`;
      upload('ack_0003.csv', good);
      await until('the good file archived', () => list('archive').includes('ack_0003.csv'));
      await until('the PO acknowledged', async () => (await poState()) === 'accepted');
      const acknowledged = () =>
        t.hub.store.db
          .selectFrom('events')
          .select('type')
          .where('type', '=', 'purchase_order.acknowledged')
          .execute();
      expect(await acknowledged()).toHaveLength(1);

      // The same bytes again, after they were archived: put away as a duplicate, not applied or recorded again.
      upload('ack_0003.csv', good);
      await until('the file uploaded again put away', () => !list('out').includes('ack_0003.csv'));
      expect(list('archive')).toEqual(['ack_0003.csv']);
      expect((await files()).filter((f) => f.name === 'ack_0003.csv')).toHaveLength(1);
      expect(await acknowledged()).toHaveLength(1);
    });
  });
});
