import { purchaseOrderMachine } from '../domain/purchase-order.machine.ts';
import { defineJob, jobKind, PermanentError } from '../jobs/job.ts';
import {
  loadPurchaseOrderHead,
  loadPurchaseOrderHeads,
  loadPurchaseOrdersToSend,
  markPurchaseOrdersSent,
  savePurchaseOrder,
  type PurchaseOrder,
} from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import type { PurchaseOrderMessage } from '../connectors/suppliers/supplier-transport.ts';
import type { AppContext } from './context.ts';
import { SupplierTransports } from './supplier-access.ts';
import { SupplierCircuits } from './supplier-circuit.ts';
import type { Order } from '../domain/order.ts';
import { recordEvents } from '../store/events.repo.ts';
import { coalescedReads } from '../infra/coalesced-reads.ts';
import { ROWS_PER_STATEMENT } from '../store/statement.ts';

interface PoJob {
  purchaseOrderId: string;
  /** The job's key (a job queued before it was in the payload has none; only the id is read). */
  poNumber: string;
}

/** A PO the supplier took, for the transaction that finishes its job (with the others finished in it). */
interface SentPurchaseOrder {
  purchaseOrderId: string;
  attempt: number;
}

/**
 * Sends a PO over its supplier's transport. Retried with back-off on 5xx and timeouts; the PO number is the
 * idempotency key, so a resend (after a timeout whose request did arrive, or a crash before "sent" was committed)
 * is recognised by the supplier. After the last attempt the PO is flagged `send_failed` and the job waits in the
 * dead-letter list for an operator's replay. While the supplier's circuit is open the transport is not called: the
 * job comes back at the probe time with its attempt given back (supplier-circuit.ts).
 */
export const sendPurchaseOrderJob = {
  ...jobKind<PoJob>('po.send', (p) => `po.send:${p.poNumber}`),
  bind: (ctx: AppContext) => {
    const transports = new SupplierTransports(ctx);
    const circuits = new SupplierCircuits(ctx);
    // The jobs of one claim start together: their POs are read together, each still after its job was claimed.
    const toSend = coalescedReads(
      (ids: readonly string[]) => loadPurchaseOrdersToSend(ctx.store.db, ids),
      ROWS_PER_STATEMENT,
    );
    return defineJob<PoJob, SentPurchaseOrder>({
      kind: sendPurchaseOrderJob.kind,
      maxAttempts: 8,
      timeoutMs: 30_000,
      backoff: { baseMs: 500, capMs: 5 * 60_000 },
      run: async ({ purchaseOrderId }, job) => {
        const found = await toSend(purchaseOrderId);
        if (!found) throw new PermanentError(`purchase order ${purchaseOrderId} does not exist`);
        if (found.purchaseOrder.state === 'cancelled') return;
        const { purchaseOrder: po, recipient, supplier, brand } = found;
        if (!recipient || !supplier)
          throw new PermanentError(`order or supplier of ${po.poNumber} is missing`);
        const transport = transports.open(supplier);
        const sent = await circuits.call(supplier.id, () =>
          transport.send(messageOf(po, recipient, brand), { signal: job.signal, now: ctx.clock.now() }),
        );
        // The supplier's circuit is open: not sent, not failed; the PO stays pending, its job comes back then.
        if (!sent.ran) return { notBefore: sent.until };
        return { record: { purchaseOrderId: po.id, attempt: job.attempt } };
      },
      commitAll: (tx, sent) => markSent(ctx, tx, sent),
      onDead: (tx, { purchaseOrderId }, error) =>
        moveIfAllowed(ctx, tx, purchaseOrderId, 'send_failed', 'purchase_order.send_failed', { error }),
      onReplay: (tx, { purchaseOrderId }) =>
        moveIfAllowed(ctx, tx, purchaseOrderId, 'pending', 'purchase_order.send_replayed', {}),
    });
  },
};

/** The PO as it leaves: blind, in the retailer's name, shipped to the order's customer. */
function messageOf(
  po: PurchaseOrder,
  recipient: Pick<Order, 'customer' | 'shippingAddress'>,
  brand: string | null,
): PurchaseOrderMessage {
  return {
    poNumber: po.poNumber,
    orderId: po.orderId,
    currency: po.currency,
    createdAt: po.createdAt,
    shipTo: {
      ...recipient.shippingAddress,
      phone: recipient.shippingAddress.phone ?? recipient.customer.phone,
    },
    brand: brand ?? 'Waybill',
    lines: po.lines.map((l) => ({
      lineNumber: l.lineNumber,
      supplierSku: l.supplierSku,
      sku: l.sku,
      quantity: l.quantity,
      unitCost: l.unitCost.amount,
    })),
  };
}

/** Records POs as sent, all at once: one read of their heads, one update per resulting state, one timeline insert. */
async function markSent(ctx: AppContext, tx: Db, sent: readonly SentPurchaseOrder[]): Promise<void> {
  const now = ctx.clock.now();
  const attempts = new Map(sent.map((s) => [s.purchaseOrderId, s.attempt]));
  const heads = await loadPurchaseOrderHeads(tx, [...attempts.keys()], ctx.store.caps.rowLocks);
  // The supplier may already have acknowledged (its answer overtook ours): then only the send time is new.
  await markPurchaseOrdersSent(
    tx,
    heads.map((po) => ({
      id: po.id,
      from: po.state,
      to: purchaseOrderMachine.canMove(po.state, 'sent') ? 'sent' : po.state,
    })),
    now,
  );
  await recordEvents(
    tx,
    now,
    heads.map((po) => ({
      orderId: po.orderId,
      subjectType: 'purchase_order',
      subjectId: po.id,
      type: 'purchase_order.sent',
      data: { poNumber: po.poNumber, attempt: attempts.get(po.id) },
    })),
  );
}

async function moveIfAllowed(
  ctx: AppContext,
  tx: Db,
  purchaseOrderId: string,
  to: 'send_failed' | 'pending',
  type: string,
  data: object,
): Promise<void> {
  const po = await loadPurchaseOrderHead(tx, purchaseOrderId, ctx.store.caps.rowLocks);
  if (!po || !purchaseOrderMachine.canMove(po.state, to)) return;
  const now = ctx.clock.now();
  await savePurchaseOrder(tx, { id: po.id, from: po.state, to }, now);
  await recordEvents(tx, now, [
    {
      orderId: po.orderId,
      subjectType: 'purchase_order',
      subjectId: po.id,
      type,
      data: { poNumber: po.poNumber, ...data },
    },
  ]);
}
