import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import { recordEvents, type TimelineEvent } from '../store/events.repo.ts';
import { findSuppliers, getSetting, listSuppliersOfTransports, putSetting } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import { acknowledgePurchaseOrder } from './acknowledge-purchase-order.ts';
import type { AppContext } from './context.ts';
import { AppError } from './errors.ts';
import { recordShipment } from './record-shipment.ts';
import { SupplierTransports } from './supplier-access.ts';

/** Where a supplier's transport left off reading its answers (its own bookmark), in settings. */
const CURSOR_KEY = 'supplier.receiveCursor ';

/**
 * Looks for a supplier's answers on its transport's side (the transports that receive them: an SFTP folder, a
 * mailbox) and applies each as the supplier API would: acknowledgements, then shipments. An answer told twice
 * (read again after a crash) is applied once; one that cannot apply (an unknown PO, a line that does not add up) is
 * put on the supplier's timeline with the reason and does not hold the others back. The transport's bookmark is
 * kept with the job's completion. Recurs at the transport kind's `receiveEveryMs`.
 */
export const receiveSupplierAnswersJob = {
  ...jobKind<{ supplierId: string }>('supplier.receive', (p) => `supplier.receive:${p.supplierId}`),
  bind: (ctx: AppContext) => {
    const transports = new SupplierTransports(ctx);
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
        const receive = transports.open(supplier).receive;
        if (!receive) throw new PermanentError(`supplier ${supplierId}'s transport receives nothing`);
        const now = ctx.clock.now();
        const answers = await receive({
          signal: job.signal,
          now,
          cursor: await getSetting(ctx.store.db, CURSOR_KEY + supplierId),
        });
        const refused: TimelineEvent[] = [];
        const apply = async (poNumber: string, what: string, work: () => Promise<unknown>) => {
          try {
            await work();
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            refused.push({
              orderId: null,
              subjectType: 'job',
              subjectId: supplierId,
              type: 'supplier.answer_refused',
              data: { supplierId, poNumber, what, reason: error.message },
            });
          }
        };
        for (const ack of answers.acknowledgements)
          await apply(ack.poNumber, 'acknowledgement', () =>
            acknowledgePurchaseOrder(ctx, supplierId, ack.poNumber, ack.lines),
          );
        for (const { poNumber, ...shipment } of answers.shipments)
          await apply(poNumber, 'shipment', () => recordShipment(ctx, supplierId, poNumber, shipment));
        return {
          rerunAt: new Date(now.getTime() + everyMs),
          commit: async (tx: Db) => {
            if (answers.cursor !== null) await putSetting(tx, CURSOR_KEY + supplierId, answers.cursor);
            await recordEvents(tx, now, refused);
          },
        };
      },
    });
  },
};

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
