import { loadOrder } from '../store/orders.repo.ts';
import { loadPurchaseOrders } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import { listUnreceipted, markReceiptsMissing, recordReceipts } from '../store/supplier-exchanges.repo.ts';
import type { AppContext } from './context.ts';
import { holdOrder } from './withdraw-purchase-order.ts';

// The supplier's functional acknowledgements (EDI 997) of the purchase orders Waybill sent: a PO the supplier's
// system refused, or never confirmed having, is a person's to look at, while the PO still waits for its answer.

/** Documents flagged at a time, per supplier and look. */
const FLAGGED_PER_LOOK = 100;

/** Records the supplier's 997s; a PO whose interchange it rejected holds its order for a person, naming the errors. */
export async function applyReceipts(
  ctx: AppContext,
  tx: Db,
  supplierId: string,
  receipts: readonly { controlNumber: number; accepted: boolean; errors: string[] }[],
  now: Date,
): Promise<void> {
  const answered = await recordReceipts(tx, supplierId, receipts, now.getTime());
  for (const receipt of answered.filter((r) => !r.accepted)) {
    const errors = receipt.errors.length ? `: ${receipt.errors.join('; ')}` : '';
    await holdWaitingPo(ctx, tx, supplierId, receipt.subject, {
      check: 'supplier.interchange_rejected',
      reason: (po) => `supplier ${supplierId}'s system rejected ${po} (997)${errors}`,
      now,
    });
  }
}

/**
 * Purchase orders sent longer than the partner's window ago that no 997 has answered: each flagged once, and its
 * order held for a person if the supplier has not answered the PO itself meanwhile (an 855 says it has the PO).
 */
export async function flagMissingReceipts(
  ctx: AppContext,
  supplierId: string,
  windowMs: number,
  now: Date,
): Promise<void> {
  const overdue = await listUnreceipted(
    ctx.store.db,
    supplierId,
    '850:',
    now.getTime() - windowMs,
    FLAGGED_PER_LOOK,
  );
  if (overdue.length === 0) return;
  await ctx.store.transact(async (tx) => {
    await markReceiptsMissing(
      tx,
      supplierId,
      overdue.map((o) => o.subject),
      now.getTime(),
    );
    for (const { subject } of overdue)
      await holdWaitingPo(ctx, tx, supplierId, subject, {
        check: 'supplier.no_functional_ack',
        reason: (po) =>
          `supplier ${supplierId} has not confirmed receiving ${po} (no 997 within ${Math.round(windowMs / 60_000)} min)`,
        now,
      });
  });
}

/** The PO an outbound document was for (`850:PO-1`), when it still waits for the supplier's answer: its order held. */
async function holdWaitingPo(
  ctx: AppContext,
  tx: Db,
  supplierId: string,
  subject: string,
  hold: { check: string; reason: (poNumber: string) => string; now: Date },
): Promise<void> {
  const [kind, poNumber] = subject.split(/:(.*)/s);
  if (kind !== '850' || !poNumber) return;
  const lock = ctx.store.caps.rowLocks;
  const [po] = await loadPurchaseOrders(tx, { poNumber, supplierId }, lock);
  if (!po || (po.state !== 'sent' && po.state !== 'pending')) return;
  const order = await loadOrder(tx, po.orderId, lock);
  if (order) await holdOrder(tx, order, { check: hold.check, reason: hold.reason(poNumber) }, hold.now);
}
