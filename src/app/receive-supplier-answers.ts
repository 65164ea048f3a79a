import type {
  ReceivedFile,
  SettledFile,
  SupplierAnswers,
} from '../connectors/suppliers/supplier-transport.ts';
import { currency as currencyCode, money, toDecimalString } from '../domain/money.ts';
import type { AckLine } from '../domain/purchase-order.ts';
import { loadPurchaseOrders } from '../store/purchase-orders.repo.ts';
import { eachWithLimit } from '../infra/each-with-limit.ts';
import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { recordEvents, type TimelineEvent } from '../store/events.repo.ts';
import { findSuppliers, listSuppliersOfTransports } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import {
  findSupplierFiles,
  supplierFileKey,
  markSupplierFilesSettled,
  recordSupplierFile,
  saveSupplierInvoices,
} from '../store/supplier-exchanges.repo.ts';
import { acknowledgePurchaseOrder } from './acknowledge-purchase-order.ts';
import type { AppContext } from './context.ts';
import { AppError } from './errors.ts';
import { applyReceipts, flagMissingReceipts } from './functional-acks.ts';
import { importFeed } from './import-feed.ts';
import { recordShipment } from './record-shipment.ts';
import { SupplierTransports } from './supplier-access.ts';
import { SupplierCircuits } from './supplier-circuit.ts';

/**
 * Looks for a supplier's answer files on its transport's side (an SFTP folder, a mailbox) and takes each once: a
 * ledger by name, size and SHA-256 keeps a file uploaded again from applying twice. A file the transport refused
 * (malformed, not what its name says) applies nothing and is recorded with its reason for the operator's list. A
 * file read whole applies as the supplier API would: acknowledgements, shipments, then stock (through the feed
 * path, as a delta), invoices kept, and the supplier's 997s of what Waybill sent. An answer that cannot apply (an
 * unknown PO, a line that does not add up) goes on the supplier's timeline with the reason and does not hold the
 * others back. Then the transport puts every file away (archive or aside, with its reply). Recurs at the transport
 * kind's `receiveEveryMs`.
 */
export const receiveSupplierAnswersJob = {
  ...jobKind<{ supplierId: string }>('supplier.receive', (p) => `supplier.receive:${p.supplierId}`),
  bind: (ctx: AppContext) => {
    const transports = new SupplierTransports(ctx);
    const circuits = new SupplierCircuits(ctx);
    return defineJob<{ supplierId: string }>({
      kind: receiveSupplierAnswersJob.kind,
      maxAttempts: 10,
      timeoutMs: 5 * 60_000,
      backoff: { baseMs: 5_000, capMs: 5 * 60_000 },
      run: async ({ supplierId }, job) => {
        const supplier = (await findSuppliers(ctx.store.db, [supplierId])).get(supplierId);
        const everyMs = supplier && ctx.transports.get(supplier.transportKind)?.receiveEveryMs;
        // A supplier gone, or moved to a transport that does not receive: nothing more to look at.
        if (!supplier || everyMs === undefined) return;
        const transport = transports.open(supplier);
        if (!transport.receive)
          throw new PermanentError(`supplier ${supplierId}'s transport receives nothing`);
        const now = ctx.clock.now();
        const options = { signal: job.signal, now };
        const receive = transport.receive.bind(transport);
        const looked = await circuits.call(supplierId, () => receive({ ...options, cursor: null }));
        // The supplier's circuit is open: look again when a probe may go (supplier-circuit.ts).
        if (!looked.ran) return { rerunAt: looked.until };
        const { files, more, receiptWindowMs } = looked.value;
        const settled = await takeFiles(ctx, supplier, files, now);
        if (settled.length > 0)
          await circuits.observe(supplierId, async () => transport.settle?.(settled, options));
        if (receiptWindowMs !== undefined) await flagMissingReceipts(ctx, supplierId, receiptWindowMs, now);
        return {
          rerunAt: new Date(now.getTime() + (more ? 0 : everyMs)),
          commit: (tx: Db) =>
            markSupplierFilesSettled(
              tx,
              settled.map((f) => f.id),
              now.getTime(),
            ),
        };
      },
    });
  },
};

type Settled = SettledFile & { id: string };

/**
 * Takes the files of one look: those the ledger has are put away again (as recorded, if a crash came before they
 * were put away; as duplicates, if they were put away and uploaded again); the new ones are applied and recorded.
 * Every new file's acknowledgements apply before any shipment, so the 855 and the 856 of one PO found in the same
 * look apply in that order whatever their names.
 */
async function takeFiles(
  ctx: AppContext,
  supplier: { id: string; currency: string },
  files: readonly ReceivedFile[],
  now: Date,
): Promise<Settled[]> {
  const settled: Settled[] = [];
  const fresh: { file: ReceivedFile; refused: TimelineEvent[] }[] = [];
  const ledger = await findSupplierFiles(ctx.store.db, supplier.id, files);
  for (const file of files) {
    const seen = ledger.get(supplierFileKey(file));
    if (seen) settled.push(settledAs(file, seen.id, seen.settledAt === null ? seen.outcome : 'duplicate'));
    else fresh.push({ file, refused: [] });
  }
  const taken = fresh.filter(({ file }) => file.answers && !file.refused);
  // Answers about different POs apply side by side (their transactions share commits); one PO's, one after another.
  await eachWithLimit(
    taken.flatMap(({ file, refused }) => file.answers!.acknowledgements.map((ack) => ({ ack, refused }))),
    ANSWERS_AT_ONCE,
    ({ ack, refused }) => applyAcknowledgement(ctx, supplier.id, ack, refused),
  );
  await eachWithLimit(shipmentsByPo(taken), ANSWERS_AT_ONCE, async (parts) => {
    for (const { part, refused } of parts)
      await applying(refused, supplier.id, part.poNumber, 'shipment', () =>
        recordShipment(ctx, supplier.id, part.poNumber, part.shipment),
      );
  });
  for (const { file, refused } of taken) await applyStock(ctx, supplier, file, refused);
  settled.push(...(await recordFiles(ctx, supplier.id, fresh, now)));
  return settled;
}

/** Answers applied at once: enough for the store to commit them together, few enough to keep one look's memory small. */
const ANSWERS_AT_ONCE = 16;

type Shipment = Omit<SupplierAnswers['shipments'][number], 'poNumber' | 'packages'>;

/** Every file's shipments, grouped by PO: each package a shipment of its own, with its tracking number. */
function shipmentsByPo(
  taken: readonly { file: ReceivedFile; refused: TimelineEvent[] }[],
): { part: { poNumber: string; shipment: Shipment }; refused: TimelineEvent[] }[][] {
  const byPo = new Map<
    string,
    { part: { poNumber: string; shipment: Shipment }; refused: TimelineEvent[] }[]
  >();
  for (const { file, refused } of taken)
    for (const { poNumber, packages, ...shipment } of file.answers!.shipments) {
      const parts = packages?.length
        ? packages.map((p) => ({ ...shipment, trackingNumber: p.trackingNumber, lines: p.lines }))
        : [shipment];
      const list = byPo.get(poNumber) ?? [];
      list.push(...parts.map((part) => ({ part: { poNumber, shipment: part }, refused })));
      byPo.set(poNumber, list);
    }
  return [...byPo.values()];
}

function settledAs(file: ReceivedFile, id: string, outcome: SettledFile['outcome']): Settled {
  return {
    id,
    name: file.name,
    sha256: file.sha256,
    outcome,
    reply: outcome === 'duplicate' ? undefined : file.reply,
  };
}

/** The look's new files in the ledger, in one transaction, with what is kept of them and the refusals. */
async function recordFiles(
  ctx: AppContext,
  supplierId: string,
  fresh: readonly { file: ReceivedFile; refused: TimelineEvent[] }[],
  now: Date,
): Promise<Settled[]> {
  if (fresh.length === 0) return [];
  const recorded = fresh.map(({ file, refused }) => ({
    file,
    refused,
    id: ctx.ids.next('file'),
    outcome: file.refused || !file.answers ? ('refused' as const) : ('taken' as const),
  }));
  await ctx.store.transact(async (tx) => {
    for (const { file, refused, id, outcome } of recorded) {
      await recordSupplierFile(tx, {
        id,
        supplierId,
        name: file.name,
        size: file.size,
        sha256: file.sha256,
        outcome,
        reason: outcome === 'refused' ? (file.refused ?? 'nothing could be read from it') : null,
        receivedAt: now.getTime(),
        settledAt: null,
      });
      if (file.answers && outcome === 'taken') {
        await saveSupplierInvoices(
          tx,
          (file.answers.invoices ?? []).map((invoice) => ({
            ...invoice,
            supplierId,
            fileId: id,
            receivedAt: now.getTime(),
          })),
        );
        await applyReceipts(ctx, tx, supplierId, file.answers.receipts ?? [], now);
      }
      if (outcome === 'refused')
        refused.push({
          orderId: null,
          subjectType: 'job',
          subjectId: supplierId,
          type: 'supplier.file_refused',
          data: { supplierId, file: file.name, reason: file.refused },
        });
    }
    await recordEvents(
      tx,
      now,
      recorded.flatMap((r) => r.refused),
    );
  });
  return recorded.map(({ file, id, outcome }) => settledAs(file, id, outcome));
}

/** Runs one answer; one that cannot apply is collected for the supplier's timeline and holds nothing else back. */
async function applying(
  refused: TimelineEvent[],
  supplierId: string,
  poNumber: string,
  what: string,
  work: () => Promise<unknown>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    refused.push(answerRefused(supplierId, poNumber, what, error.message));
  }
}

async function applyAcknowledgement(
  ctx: AppContext,
  supplierId: string,
  ack: SupplierAnswers['acknowledgements'][number],
  refused: TimelineEvent[],
): Promise<void> {
  await applying(refused, supplierId, ack.poNumber, 'acknowledgement', async () =>
    acknowledgePurchaseOrder(ctx, supplierId, ack.poNumber, await linesOf(ctx, supplierId, ack)),
  );
}

/** An answer for the whole PO given to each of its lines; an unknown PO is refused by the acknowledgement itself. */
async function linesOf(
  ctx: AppContext,
  supplierId: string,
  ack: SupplierAnswers['acknowledgements'][number],
): Promise<AckLine[]> {
  if (!ack.whole || ack.lines.length > 0) return ack.lines;
  const [po] = await loadPurchaseOrders(ctx.store.db, { poNumber: ack.poNumber, supplierId });
  return (po?.lines ?? []).map((l) => ({
    lineNumber: l.lineNumber,
    status: ack.whole!,
    ...(ack.whole === 'rejected' && { reason: 'the supplier rejected the whole purchase order' }),
  }));
}

/** A file's stock (EDI 846) through the catalog's feed path, as a delta. */
async function applyStock(
  ctx: AppContext,
  { id: supplierId, currency }: { id: string; currency: string },
  file: ReceivedFile,
  refused: TimelineEvent[],
): Promise<void> {
  const answers = file.answers!;
  if (!answers.inventory?.length) return;
  const report = await importFeed(ctx, {
    supplierId,
    source: 'sftp',
    fileName: file.name,
    // The feed reads costs as decimals, as suppliers write them.
    bytes: Buffer.from(
      JSON.stringify(
        answers.inventory.map((item) => ({
          supplierSku: item.supplierSku,
          quantity: item.quantity,
          unitCost: item.unitCost === undefined ? undefined : toDecimalString(money(item.unitCost, currency)),
        })),
      ),
    ),
    kind: 'delta',
    mapping: {
      format: 'json',
      rows: '',
      defaultCurrency: currencyCode(currency),
      columns: { supplierSku: 'supplierSku', stock: 'quantity', cost: 'unitCost' },
    },
  });
  if (report.status === 'refused' || report.status === 'quarantined')
    refused.push(answerRefused(supplierId, '', 'inventory', `the stock feed was ${report.status}`));
}

function answerRefused(supplierId: string, poNumber: string, what: string, reason: string): TimelineEvent {
  return {
    orderId: null,
    subjectType: 'job',
    subjectId: supplierId,
    type: 'supplier.answer_refused',
    data: { supplierId, poNumber, what, reason },
  };
}

/** Makes sure every supplier whose transport receives answers has its recurring look (one job each, by key). */
export async function ensureSupplierReceives(ctx: AppContext, tx: Db): Promise<void> {
  const receiving = ctx.transports
    .all()
    .filter((kind) => kind.receiveEveryMs !== undefined)
    .map((kind) => kind.kind);
  if (receiving.length === 0) return;
  const suppliers = await listSuppliersOfTransports(tx, receiving);
  await ctx.queue.add(
    tx,
    receiveSupplierAnswersJob,
    suppliers.map((supplierId) => ({ supplierId })),
  );
}
