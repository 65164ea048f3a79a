import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { describeEachDatabase } from './support/databases.ts';
import { exampleDropFolder } from './support/example-transport/index.ts';
import { orderBody, startTestHub, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

/**
 * A transport that receives its supplier's answers on its own side (files in a folder, as EDI or CSV over SFTP
 * will): Waybill looks for them on the transport kind's schedule and applies each as the supplier API would. The
 * transport is one Waybill does not ship (test/support/example-transport): its folder and one registry line.
 */
describeEachDatabase('a supplier whose answers come over its own transport', (dialect) => {
  let t: TestHub;
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'waybill-drop-'));
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      transports: supplierTransports.with(exampleDropFolder),
    });
    await t.apply({
      apiVersion: 'waybill/v1',
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'dropbox',
          name: 'Drop Box Ltd',
          currency: 'USD',
          transport: { kind: 'example-drop-folder', folder },
        },
      ],
      products: [
        {
          sku: 'MUG-BLUE',
          name: 'Blue mug',
          offers: [
            { supplier: 'dropbox', supplierSku: 'D-MUG', cost: { amount: 450, currency: 'USD' }, stock: 10 },
          ],
        },
      ],
    });
  });

  afterEach(async () => {
    await t.close();
    await rm(folder, { recursive: true, force: true });
  });

  const answer = (name: string, body: object) => writeFile(join(folder, 'in', name), JSON.stringify(body));

  it('takes the acknowledgement and the shipment from the folder, once each, and refuses an answer that cannot apply', async () => {
    const created = await t.api('/api/v1/channels/storefront/orders', {
      body: orderBody('drop-1', [{ sku: 'MUG-BLUE', quantity: 2 }]),
    });
    expect(created.status).toBe(201);
    const orderId: string = created.body.id;
    await until('the PO written to the supplier folder', async () =>
      (await readdir(join(folder, 'out')).catch(() => [])).some(
        (n) => n.endsWith('.json') && !n.endsWith('.part'),
      ),
    );
    const [file] = (await readdir(join(folder, 'out'))).filter((n) => n.endsWith('.json'));
    const poNumber = file!.replace(/\.json$/, '');

    await mkdir(join(folder, 'in'), { recursive: true });
    await answer('0001-ack.json', {
      type: 'acknowledgement',
      poNumber,
      lines: [{ lineNumber: 1, status: 'accepted' }],
    });
    await answer('0002-ship.json', {
      type: 'shipment',
      poNumber,
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      lines: [{ lineNumber: 1, quantity: 2 }],
    });
    await answer('0003-stray.json', {
      type: 'shipment',
      poNumber: 'PO-NOBODY',
      carrier: 'UPS',
      trackingNumber: '1Z0',
      lines: [{ lineNumber: 1, quantity: 1 }],
    });

    await until(
      'the order fulfilled from the folder',
      async () => (await t.api(`/api/v1/orders/${orderId}`)).body.state === 'fulfilled',
    );
    const refused = () =>
      t.hub.store.db
        .selectFrom('events')
        .select('data')
        .where('type', '=', 'supplier.answer_refused')
        .execute();
    await until('the stray shipment refused', async () => (await refused()).length === 1);
    expect(JSON.parse((await refused())[0]!.data)).toMatchObject({
      supplierId: 'dropbox',
      poNumber: 'PO-NOBODY',
      what: 'shipment',
    });

    // Each file taken is put away; later looks apply nothing twice and refuse nothing again.
    await until('the answers put away', async () => (await readdir(join(folder, 'in'))).length === 0);
    expect((await readdir(join(folder, 'done'))).sort()).toEqual([
      '0001-ack.json',
      '0002-ship.json',
      '0003-stray.json',
    ]);
    const before = await t.hub.store.db.selectFrom('shipments').select('id').execute();
    const looks = t.hub.worker!.stats.completed;
    await until('two more looks at the folder', () => t.hub.worker!.stats.completed >= looks + 2);
    expect(await t.hub.store.db.selectFrom('shipments').select('id').execute()).toEqual(before);
    expect(await refused()).toHaveLength(1);

    // The supplier uploads the shipment file again, byte for byte: the ledger knows it, nothing is applied twice.
    await answer('0002-ship.json', {
      type: 'shipment',
      poNumber,
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      lines: [{ lineNumber: 1, quantity: 2 }],
    });
    // A file that is not an answer at all is moved aside with the reason, for the operator's list.
    await writeFile(join(folder, 'in', '0004-garbled.json'), JSON.stringify({ type: 'invoice?' }));
    await until('both put away', async () => (await readdir(join(folder, 'in'))).length === 0);
    expect(await readdir(join(folder, 'refused'))).toEqual(['0004-garbled.json']);
    expect(await readdir(join(folder, 'done'))).toContain('0002-ship.json');
    expect(await t.hub.store.db.selectFrom('shipments').select('id').execute()).toEqual(before);

    const files = await t.api('/api/v1/suppliers/dropbox/files');
    expect(files.status).toBe(200);
    expect(
      files.body.files.map((f: { name: string; outcome: string }) => [f.name, f.outcome]).sort(),
    ).toEqual([
      ['0001-ack.json', 'taken'],
      ['0002-ship.json', 'taken'],
      ['0003-stray.json', 'taken'],
      ['0004-garbled.json', 'refused'],
    ]);
    const refusedFiles = await t.api('/api/v1/suppliers/dropbox/files?outcome=refused');
    expect(refusedFiles.body.files).toHaveLength(1);
    expect(refusedFiles.body.files[0].reason).toMatch(/type/);
    expect((await t.api('/api/v1/suppliers/nobody/files')).status).toBe(404);
  });
});
