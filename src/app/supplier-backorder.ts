import { recordEvents } from '../store/events.repo.ts';
import { loadOrder } from '../store/orders.repo.ts';
import { extendShipDeadline, slasOf, type PurchaseOrder } from '../store/purchase-orders.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { routeLinesAgain } from './reroute-lines.ts';
import { currentRouting } from './routing-rules.ts';
import { slaDeadline } from './supplier-sla.ts';
import { holdOrder, withdrawPurchaseOrder } from './withdraw-purchase-order.ts';

/**
 * A supplier took lines of its purchase order but has them on backorder until a day it names. As the retailer's
 * policy says (`onBackorder`): `backorder` leaves them with it, its shipping deadline moved to that day, and the
 * timeline carries the note for the customer; `failover` sends them to the next eligible node and `cancel` cancels and
 * refunds them, both by withdrawing the PO from the supplier, which a PO goes only whole: a PO with other lines keeps
 * the backorder and holds the order for a person to ask the supplier. In the acknowledgement's transaction.
 */
export async function applySupplierBackorder(
  ctx: AppContext,
  tx: Db,
  po: PurchaseOrder,
  backordered: readonly { lineNumber: number; availableOn: string }[],
  now: Date,
): Promise<void> {
  const { policy } = await currentRouting(ctx.store, tx);
  const orderLineOf = new Map(po.lines.map((l) => [l.lineNumber, l.orderLineNumber]));
  const lines = backordered.map((b) => ({
    line: orderLineOf.get(b.lineNumber)!,
    availableOn: b.availableOn,
  }));
  const until = lines
    .map((l) => l.availableOn)
    .sort()
    .at(-1)!;
  const why = `${po.poNumber}: supplier ${po.supplierId} has lines ${lines.map((l) => l.line).join(', ')} on backorder until ${until}`;
  const order = (await loadOrder(tx, po.orderId, ctx.store.caps.rowLocks))!;
  const open = po.lines.filter((l) => l.status === 'accepted').map((l) => l.orderLineNumber);
  const whole = open.every((n) => lines.some((l) => l.line === n));
  if (policy.onBackorder !== 'backorder' && whole) {
    const withdrawn = await withdrawPurchaseOrder(ctx, tx, po, why, now);
    const failover = policy.onBackorder === 'failover';
    await routeLinesAgain(
      ctx,
      tx,
      order,
      withdrawn,
      failover ? new Map([[po.supplierId, `backordered until ${until}`]]) : new Map(),
      { why, orElse: failover ? 'hold' : 'cancel', now, nowhere: !failover },
    );
    return;
  }
  // Kept with the supplier: it is held to ship within its SLA from the day it expects the goods.
  const sla = (await slasOf(tx, [po.supplierId])).get(po.supplierId);
  if (sla?.shipWithinMinutes)
    await extendShipDeadline(
      tx,
      po.id,
      slaDeadline(new Date(`${until}T00:00:00Z`), sla.shipWithinMinutes, sla.workingHours),
    );
  const skus = order.lines.filter((l) => lines.some((b) => b.line === l.lineNumber)).map((l) => l.sku);
  await recordEvents(tx, now, [
    {
      orderId: po.orderId,
      subjectType: 'purchase_order',
      subjectId: po.id,
      type: 'purchase_order.lines_backordered',
      data: {
        poNumber: po.poNumber,
        supplierId: po.supplierId,
        lines,
        customerNote: `${skus.join(', ')} ${skus.length > 1 ? 'are' : 'is'} on backorder and expected to ship after ${until}.`,
      },
    },
  ]);
  if (policy.onBackorder !== 'backorder')
    await holdOrder(
      tx,
      order,
      {
        check: 'supplier.backordered',
        reason: `${why}; the policy is to ${policy.onBackorder === 'failover' ? 'send them elsewhere' : 'cancel them'}, but the PO has other lines: ask the supplier`,
      },
      now,
    );
}
