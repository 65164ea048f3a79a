import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice } from '../sales-channel.ts';
import { getOrder, shipmentsOf, shipOrder, type MagentoOrder, type MagentoOrderItem } from './rest.ts';
import type { MagentoCall } from './transport.ts';

/**
 * Tells Magento of one shipment: POST /V1/order/{orderId}/ship with the order's items by order_item_id and the
 * parcel's track (https://developer.adobe.com/commerce/webapi/rest/tutorials/orders/order-create-shipment/), from
 * the channel's Inventory source. Magento keeps no idempotency key, so a retry looks first: a shipment of the order
 * that already carries this tracking number is this one (its answer was lost), and nothing is sent again.
 */
export async function notifyMagentoShipment(
  call: MagentoCall,
  notice: FulfilmentNotice,
  options: { sourceCode: string; notifyCustomer: boolean },
): Promise<void> {
  const orderId = magentoOrderId(notice.externalId);
  const { trackingNumber, carrier } = notice.shipment;
  const shipments = await shipmentsOf(call, orderId);
  if (shipments.some((s) => s.tracks.some((t) => t.track_number === trackingNumber))) return;
  const order = await getOrder(call, orderId);
  if (order.state === 'canceled' || order.state === 'closed')
    throw new PermanentError(
      `Magento order ${order.increment_id ?? orderId} is ${order.state}: it takes no shipment (tracking ${trackingNumber} not told)`,
    );
  const items = itemsToShip(order, notice);
  await shipOrder(call, orderId, {
    items,
    notify: options.notifyCustomer,
    tracks: [{ track_number: trackingNumber, title: carrier, carrier_code: carrierCode(carrier) }],
    arguments: { extension_attributes: { source_code: options.sourceCode } },
  });
}

/** The entity_id Waybill keeps as the order's external id, or PermanentError for anything else. */
export function magentoOrderId(externalId: string): number {
  const id = /^\d{1,15}$/.test(externalId) ? Number(externalId) : 0;
  if (id <= 0) throw new PermanentError(`order ${externalId} is not a Magento order id`);
  return id;
}

/**
 * The notice's lines as the order's items: by SKU over the top-level items (a configurable product ships by its own
 * line), each taking what it has left to ship, in the order's order. A line with more units than Magento has left to
 * ship is refused whole: the order changed in Magento (shipped or refunded there), a person looks.
 */
function itemsToShip(
  order: MagentoOrder,
  notice: FulfilmentNotice,
): { order_item_id: number; qty: number }[] {
  const left = new Map<MagentoOrderItem, number>(
    order.items.filter((item) => !item.parent_item_id).map((item) => [item, qtyToShip(item)]),
  );
  const items: { order_item_id: number; qty: number }[] = [];
  for (const line of notice.shipment.lines) {
    let wanted = line.quantity;
    for (const [item, qty] of left) {
      if (wanted === 0) break;
      if (item.sku.trim() !== line.sku || qty === 0) continue;
      const taken = Math.min(qty, wanted);
      left.set(item, qty - taken);
      wanted -= taken;
      items.push({ order_item_id: item.item_id, qty: taken });
    }
    if (wanted > 0)
      throw new PermanentError(
        `Magento order ${order.increment_id ?? order.entity_id} has ${line.quantity - wanted} unit(s) of ${line.sku} left to ship, not ${line.quantity} (shipped, refunded or cancelled in Magento meanwhile): tracking ${notice.shipment.trackingNumber} not told`,
      );
  }
  return items;
}

/** Magento's Item::getSimpleQtyToShip: ordered less shipped, refunded and cancelled. */
function qtyToShip(item: MagentoOrderItem): number {
  const left =
    item.qty_ordered - (item.qty_shipped ?? 0) - (item.qty_refunded ?? 0) - (item.qty_canceled ?? 0);
  return Math.max(0, Math.round(left));
}

/** Magento's carrier codes (its shipping carriers' ids); any other carrier is `custom`, its name the title. */
export function carrierCode(carrier: string): string {
  const name = carrier.toLowerCase().replace(/[^a-z]/g, '');
  if (name.startsWith('ups')) return 'ups';
  if (name.startsWith('usps') || name === 'unitedstatespostalservice') return 'usps';
  if (name.startsWith('fedex')) return 'fedex';
  if (name.startsWith('dhl')) return 'dhl';
  return 'custom';
}
