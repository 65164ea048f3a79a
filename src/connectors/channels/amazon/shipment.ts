import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice } from '../sales-channel.ts';
import { carrierOf } from './carriers.ts';
import { ORDERS_PATH } from './poll.ts';
import type { SpApiCall } from './transport.ts';

/** What the shipment needs of the order, read with getOrder (v2026-01-01): its items, packages and marketplace. */
const orderView = z.object({
  order: z.object({
    orderId: z.string(),
    salesChannel: z.object({ marketplaceId: z.string().optional() }),
    fulfillment: z.object({ fulfillmentStatus: z.string() }).optional(),
    orderItems: z.array(
      z.object({
        orderItemId: z.string(),
        quantityOrdered: z.number().int(),
        product: z.object({ sellerSku: z.string().optional() }),
        fulfillment: z.object({ quantityFulfilled: z.number().int().optional() }).optional(),
      }),
    ),
    packages: z
      .array(z.object({ packageReferenceId: z.string(), trackingNumber: z.string().optional() }))
      .optional(),
  }),
});
type OrderView = z.infer<typeof orderView>['order'];

/**
 * Tells Amazon of one parcel: confirmShipment (Orders API v0, POST /orders/v0/orders/{orderId}/shipmentConfirmation,
 * not among the v0 operations being retired) with the carrier, tracking number, ship date and the order items and
 * quantities in it. Amazon keys a package by the seller's packageReferenceId (positive digits, unique within the
 * order), derived here from the notice's event id, so the same shipment is the same package however often it is
 * told; a package Amazon already lists under that id (or that tracking number) is not confirmed again.
 */
export async function confirmShipment(call: SpApiCall, notice: FulfilmentNotice): Promise<void> {
  const order = await readOrder(call, notice.externalId);
  const packageReferenceId = packageReferenceOf(notice.eventId);
  const told = (order.packages ?? []).some(
    (p) => p.packageReferenceId === packageReferenceId || p.trackingNumber === notice.shipment.trackingNumber,
  );
  if (told) return;
  if (order.fulfillment?.fulfillmentStatus === 'CANCELLED')
    throw new PermanentError(
      `Amazon order ${order.orderId} is cancelled: a shipment cannot be confirmed on it`,
    );
  const marketplaceId = order.salesChannel.marketplaceId;
  if (!marketplaceId) throw new PermanentError(`Amazon order ${order.orderId} names no marketplace`);
  await call({
    operation: 'confirmShipment',
    method: 'POST',
    path: `/orders/v0/orders/${encodeURIComponent(order.orderId)}/shipmentConfirmation`,
    body: {
      marketplaceId,
      packageDetail: {
        packageReferenceId,
        ...carrierOf(notice.shipment.carrier),
        trackingNumber: notice.shipment.trackingNumber,
        shipDate: notice.createdAt.toISOString(),
        orderItems: itemsOf(order, notice),
      },
    },
  });
}

async function readOrder(call: SpApiCall, orderId: string): Promise<OrderView> {
  const answer = await call({
    operation: 'getOrder',
    method: 'GET',
    path: `${ORDERS_PATH}/${encodeURIComponent(orderId)}`,
    query: { includedData: ['FULFILLMENT', 'PACKAGES'] },
  });
  const parsed = orderView.safeParse(answer.body);
  if (!parsed.success)
    throw new PermanentError(`Amazon answered getOrder ${orderId} with something that is not an order`);
  return parsed.data.order;
}

/** The notice's lines as Amazon's order items, by SKU, across the items of one SKU with units left to ship. */
function itemsOf(order: OrderView, notice: FulfilmentNotice): { orderItemId: string; quantity: number }[] {
  const left = new Map(
    order.orderItems.map((i) => [i.orderItemId, i.quantityOrdered - (i.fulfillment?.quantityFulfilled ?? 0)]),
  );
  const items = new Map<string, number>();
  for (const line of notice.shipment.lines) {
    let quantity = line.quantity;
    for (const item of order.orderItems) {
      if (quantity === 0) break;
      if ((item.product.sellerSku ?? '').trim() !== line.sku) continue;
      const take = Math.min(quantity, Math.max(0, left.get(item.orderItemId) ?? 0));
      if (take === 0) continue;
      left.set(item.orderItemId, left.get(item.orderItemId)! - take);
      items.set(item.orderItemId, (items.get(item.orderItemId) ?? 0) + take);
      quantity -= take;
    }
    if (quantity > 0)
      throw new PermanentError(
        `Amazon order ${order.orderId} has no ${quantity} unshipped unit(s) of SKU ${line.sku} left for shipment ${notice.shipment.id}`,
      );
  }
  return [...items].map(([orderItemId, quantity]) => ({ orderItemId, quantity }));
}

/** 15 decimal digits of a hash of the event id: positive, numeric, and the same for the same shipment. */
export function packageReferenceOf(eventId: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(eventId).digest('hex').slice(0, 12)}`).toString();
  return digits.replace(/^0+/, '') || '1';
}
