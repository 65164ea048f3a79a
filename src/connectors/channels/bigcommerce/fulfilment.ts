import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice } from '../sales-channel.ts';
import {
  createShipment,
  orderProducts,
  orderShipments,
  type BigCommerceOrderProduct,
  type BigCommerceShipment,
  type ShipmentRequest,
} from './api.ts';
import type { ApiCall } from './transport.ts';

/** orderShipment_Post's tracking_number maxLength. */
const TRACKING_NUMBER_MAX = 50;

/**
 * Tells BigCommerce of one shipment: POST /v2/orders/{id}/shipments with the tracking number, the carrier (as a
 * tracking_carrier value, so BigCommerce links the tracking page in its e-mails) and the order products shipped,
 * one shipment per shipping address of the order (a BigCommerce shipment goes to one `order_address_id`).
 * BigCommerce moves the order to Shipped or Partially Shipped by itself and e-mails the customer.
 *
 * Safe to repeat: each shipment's comments carry `[waybill <eventId>]`, and what shipments under that mark already
 * hold (one whose answer was lost, say) is subtracted before anything is created.
 */
export async function notifyShipment(call: ApiCall, notice: FulfilmentNotice): Promise<void> {
  const orderId = bigCommerceOrderId(notice.externalId);
  const { trackingNumber, carrier } = notice.shipment;
  if (trackingNumber.length > TRACKING_NUMBER_MAX)
    throw new PermanentError(
      `shipment ${notice.shipment.id}: tracking number ${trackingNumber} is longer than the ${TRACKING_NUMBER_MAX} characters BigCommerce keeps`,
    );
  const mark = eventMark(notice.eventId);
  const [products, shipments] = await Promise.all([
    orderProducts(call, orderId),
    orderShipments(call, orderId),
  ]);
  const wanted = subtractShipped(
    quantitiesBySku(notice.shipment.lines),
    shipments.filter((s) => s.comments?.includes(mark)),
    products,
  );
  for (const request of plan(orderId, wanted, products)) {
    await createShipment(call, orderId, {
      ...request,
      tracking_number: trackingNumber,
      tracking_carrier: trackingCarrier(carrier),
      shipping_method: carrier,
      comments: `Shipped by Waybill ${mark}`,
    });
  }
}

export function eventMark(eventId: string): string {
  return `[waybill ${eventId}]`;
}

/** The order's id at BigCommerce: Waybill keeps it as the order's external id. */
export function bigCommerceOrderId(externalId: string): number {
  if (!/^[1-9]\d{0,14}$/.test(externalId))
    throw new PermanentError(`external id ${externalId} is not a BigCommerce order id`);
  return Number(externalId);
}

function quantitiesBySku(lines: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return bySku;
}

/** What is still to ship of this notice: the shipments already made under its mark are taken off, by SKU. */
function subtractShipped(
  wanted: Map<string, number>,
  made: readonly BigCommerceShipment[],
  products: readonly BigCommerceOrderProduct[],
): Map<string, number> {
  const skuOf = new Map(products.map((p) => [p.id, (p.sku ?? '').trim()]));
  for (const item of made.flatMap((s) => s.items)) {
    const sku = skuOf.get(item.order_product_id);
    if (sku !== undefined && wanted.has(sku)) wanted.set(sku, Math.max(0, wanted.get(sku)! - item.quantity));
  }
  return wanted;
}

/**
 * The order products to ship, grouped by shipping address: each SKU's units go to the order's products of that SKU
 * that still have units unshipped, first line first. Units the order does not have unshipped are refused, naming
 * the SKU: BigCommerce would refuse the shipment, and a retry cannot change that.
 */
function plan(
  orderId: number,
  wanted: ReadonlyMap<string, number>,
  products: readonly BigCommerceOrderProduct[],
): Pick<ShipmentRequest, 'order_address_id' | 'items'>[] {
  const byAddress = new Map<number, { order_product_id: number; quantity: number }[]>();
  for (const [sku, quantity] of wanted) {
    let left = quantity;
    for (const product of products.filter((p) => (p.sku ?? '').trim() === sku)) {
      const open = product.quantity - (product.quantity_shipped ?? 0);
      const units = Math.min(open, left);
      if (units <= 0) continue;
      const items = byAddress.get(product.order_address_id) ?? [];
      items.push({ order_product_id: product.id, quantity: units });
      byAddress.set(product.order_address_id, items);
      left -= units;
    }
    if (left > 0)
      throw new PermanentError(
        `BigCommerce order ${orderId} has ${quantity - left} unshipped units of SKU ${sku}, not the ${quantity} shipped`,
      );
  }
  return [...byAddress].map(([address, items]) => ({ order_address_id: address, items }));
}

/**
 * BigCommerce's tracking-carrier values (dev-docs assets/csv/tracking_carrier_values.csv) for the carriers Waybill's
 * suppliers name; another carrier is given as '' with its name in shipping_method, and the tracking number still shows.
 */
const TRACKING_CARRIERS: ReadonlyMap<string, string> = new Map([
  ['ups', 'ups'],
  ['fedex', 'fedex'],
  ['usps', 'usps'],
  ['dhl', 'dhl'],
  ['dhl express', 'dhl'],
  ['dhl ecommerce', 'dhl-global-mail'],
  ['royal mail', 'royal-mail'],
  ['canada post', 'canada-post'],
  ['australia post', 'australia-post'],
  ['dpd', 'dpd'],
  ['gls', 'gls'],
  ['tnt', 'tnt'],
  ['postnl', 'postnl'],
  ['ontrac', 'ontrac'],
  ['lasership', 'lasership'],
  ['purolator', 'purolator'],
]);

export function trackingCarrier(carrier: string): string {
  return TRACKING_CARRIERS.get(carrier.trim().toLowerCase()) ?? '';
}
