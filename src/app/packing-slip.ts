import { renderPackingSlip, type SlipAddress } from '../infra/packing-slip-pdf.ts';
import { loadOrder } from '../store/orders.repo.ts';
import { getSetting } from '../store/partners.repo.ts';
import { loadPurchaseOrders } from '../store/purchase-orders.repo.ts';
import { findVariantNames } from '../store/setup-catalog.repo.ts';
import type { AppContext } from './context.ts';
import { NotFoundError } from './errors.ts';

/**
 * The blind packing slip of a supplier's purchase order, as a PDF: the retailer's name, logo and return address,
 * the customer's address and the lines to pack with their quantities. The parcel must look as if the store sent it
 * (marketplaces require the seller of record and nobody else), so nothing of the supplier's is on it, and no price.
 */
export async function packingSlipOf(ctx: AppContext, supplierId: string, poNumber: string): Promise<Buffer> {
  const db = ctx.store.db;
  const [po] = await loadPurchaseOrders(db, { poNumber, supplierId });
  if (!po) throw new NotFoundError(`purchase order ${poNumber}`);
  const order = (await loadOrder(db, po.orderId))!;
  const [name, returnAddress, logo] = await Promise.all([
    getSetting(db, 'retailer.name'),
    getSetting(db, 'retailer.returnAddress'),
    getSetting(db, 'retailer.logo'),
  ]);
  const titleOf = new Map(order.lines.map((l) => [l.lineNumber, l.title]));
  // The channel's title of the line, or else the catalog's name: what the customer bought, in the store's words.
  const names = await findVariantNames(
    db,
    po.lines.map((l) => l.sku),
  );
  return renderPackingSlip({
    retailer: {
      name: name ?? 'Waybill',
      returnAddress: returnAddress ? (JSON.parse(returnAddress) as SlipAddress) : null,
      logo: logo ? Buffer.from(logo.slice(logo.indexOf(',') + 1), 'base64') : null,
    },
    orderReference: order.externalId,
    placedAt: order.placedAt,
    shipTo: order.shippingAddress,
    // What goes in the parcel: the lines the supplier has not refused and nobody cancelled.
    lines: po.lines
      .filter((l) => l.status === 'open' || l.status === 'accepted')
      .map((l) => ({
        sku: l.sku,
        title: titleOf.get(l.orderLineNumber) ?? names.get(l.sku) ?? null,
        quantity: l.quantity,
      })),
  });
}
