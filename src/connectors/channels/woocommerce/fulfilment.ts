import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice } from '../sales-channel.ts';
import { addCustomerNote, customerNotes, getOrder, updateOrder, type OrderView } from './rest.ts';
import type { RestCall } from './transport.ts';

/**
 * Where a shipment is recorded on the order. One key per shipment: a meta_data entry sent without an id replaces
 * every value of its key, so a shared key would let one shipment's write erase another's (and two notices for one
 * order run at the same time).
 */
export const TRACKING_META_PREFIX = '_waybill_tracking_';

/** Statuses a shipment does not move: done already, or decided by the store (a refund is not undone by a parcel). */
const SETTLED_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'cancelled',
  'refunded',
  'failed',
  'trash',
  'checkout-draft',
]);

/**
 * Tells WooCommerce of one shipment: a customer note with the carrier and tracking number, the tracking in the
 * order's meta_data, and `completed` once nothing is left to ship. Safe to repeat. The meta entry, written last,
 * marks the shipment as told; a retry that finds it only settles the status. A retry after a note whose answer was
 * lost (WooCommerce did add it) finds the note among the customer notes and does not add it again.
 */
export async function notifyShipment(call: RestCall, notice: FulfilmentNotice): Promise<void> {
  const orderId = wooOrderId(notice.externalId);
  const order = await getOrder(call, orderId);
  const told = order.meta_data.some((entry) => entry.key === trackingKey(notice));
  const status = statusAfter(order, notice);
  if (told && !status) return;
  if (!told && !(await hasTrackingNote(call, orderId, notice)))
    await addCustomerNote(call, orderId, noteText(notice));
  await updateOrder(call, orderId, {
    ...(status ? { status } : {}),
    ...(told ? {} : { meta_data: [trackingMeta(notice)] }),
  });
}

/** The order id WooCommerce gave (the externalId Waybill keeps), or PermanentError for anything else. */
export function wooOrderId(externalId: string): number {
  const id = /^\d{1,15}$/.test(externalId) ? Number(externalId) : 0;
  if (id <= 0) throw new PermanentError(`order ${externalId} is not a WooCommerce order id`);
  return id;
}

function trackingKey(notice: FulfilmentNotice): string {
  return `${TRACKING_META_PREFIX}${notice.shipment.id}`;
}

/** Protected (a leading underscore): hidden from the admin's custom fields, served by the REST API to plugins and to Waybill. */
function trackingMeta(notice: FulfilmentNotice): { key: string; value: Record<string, string> } {
  const { id, carrier, trackingNumber } = notice.shipment;
  return {
    key: trackingKey(notice),
    value: { carrier, trackingNumber, shipmentId: id, recordedAt: notice.createdAt.toISOString() },
  };
}

/** `completed` when this notice leaves nothing to ship and the store has not settled the order otherwise. */
function statusAfter(order: OrderView, notice: FulfilmentNotice): 'completed' | undefined {
  return notice.orderState === 'fulfilled' && !SETTLED_STATUSES.has(order.status) ? 'completed' : undefined;
}

/** The customer already has a note naming this tracking number (an earlier try added it, then lost the answer). */
async function hasTrackingNote(call: RestCall, orderId: number, notice: FulfilmentNotice): Promise<boolean> {
  const notes = await customerNotes(call, orderId);
  return notes.some((note) => note.note.includes(notice.shipment.trackingNumber));
}

/**
 * What the customer reads, on the order page and in WooCommerce's "note added to your order" e-mail. Worded per
 * shipment: whether the order is complete is told by its status.
 */
export function noteText(notice: FulfilmentNotice): string {
  const { carrier, trackingNumber, lines } = notice.shipment;
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  return `${units} ${units === 1 ? 'item' : 'items'} shipped with ${carrier}, tracking number ${trackingNumber}.`;
}
