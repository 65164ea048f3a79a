import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { failedConnection } from '../../../src/connectors/shared/connection-test.ts';
import { transportKind, type ReceivedFile } from '../../../src/connectors/suppliers/supplier-transport.ts';

/**
 * A supplier transport Waybill does not ship, written as a new one would be (this folder and one registry line, the
 * test's `supplierTransports.with(exampleDropFolder)`): purchase orders written as files into the supplier's folder,
 * its answers read back from another. The shape of EDI or CSV over SFTP, on a local disk.
 *
 * `out/PO-….json` is each purchase order (written under a temporary name, then renamed: a reader never sees half a
 * file); `in/*.json` the supplier's answers, each taken once and moved to `done/` (or `refused/`, unreadable).
 *
 * It has no `cancel`, on purpose: it shows a transport that cannot withdraw a PO (then a person asks the supplier).
 */
const config = z.object({ folder: z.string().min(1) });
const secrets = z.object({});

const answer = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('acknowledgement'),
    poNumber: z.string(),
    lines: z.array(
      z.object({
        lineNumber: z.number().int(),
        status: z.enum(['accepted', 'rejected']),
        reason: z.string().optional(),
      }),
    ),
  }),
  z.object({
    type: z.literal('shipment'),
    poNumber: z.string(),
    carrier: z.string(),
    trackingNumber: z.string(),
    lines: z.array(z.object({ lineNumber: z.number().int(), quantity: z.number().int() })),
  }),
]);

export const exampleDropFolder = transportKind({
  kind: 'example-drop-folder',
  label: 'Example drop folder',
  config,
  secrets,
  receiveEveryMs: 50,
  create: ({ folder }) => ({
    send: async (po) => {
      await mkdir(join(folder, 'out'), { recursive: true });
      const file = join(folder, 'out', `${po.poNumber}.json`);
      await writeFile(`${file}.part`, JSON.stringify(po));
      await rename(`${file}.part`, file);
    },
    receive: async () => {
      const names = (await readdir(join(folder, 'in')).catch(() => [] as string[]))
        .filter((n) => n.endsWith('.json'))
        .sort();
      const files: ReceivedFile[] = [];
      for (const name of names) {
        const bytes = await readFile(join(folder, 'in', name));
        const file = { name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
        const read = answer.safeParse(JSON.parse(bytes.toString('utf8')));
        if (!read.success) files.push({ ...file, refused: read.error.message });
        else if (read.data.type === 'acknowledgement')
          files.push({ ...file, answers: { acknowledgements: [read.data], shipments: [] } });
        else files.push({ ...file, answers: { acknowledgements: [], shipments: [read.data] } });
      }
      return { files, cursor: null };
    },
    // Taken files go to `done/`, refused ones to `refused/`.
    settle: async (settled) => {
      for (const file of settled) {
        const to = join(folder, file.outcome === 'refused' ? 'refused' : 'done');
        await mkdir(to, { recursive: true });
        await rename(join(folder, 'in', file.name), join(to, file.name)).catch(
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          },
        );
      }
    },
  }),
  test: async ({ folder }) => {
    try {
      await readdir(folder);
      return { ok: true, detail: `${folder} can be read` };
    } catch (error) {
      return failedConnection(error);
    }
  },
});
