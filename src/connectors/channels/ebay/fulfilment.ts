import { z } from 'zod';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { FulfilmentNotice } from '../sales-channel.ts';
import { ORDERS_PATH } from './poll.ts';
import { ebayFailureOf, type EbayCall } from './transport.ts';

const orderLines = z.object({
  orderId: z.string(),
  lineItems: z.array(z.object({ lineItemId: z.string(), sku: z.string().optional(), quantity: z.number() })),
});
const fulfillments = z.object({
  fulfillments: z
    .array(
      z.object({
        fulfillmentId: z.string().optional(),
        shipmentTrackingNumber: z.string().optional(),
        lineItems: z.array(z.object({ lineItemId: z.string(), quantity: z.number().optional() })).optional(),
      }),
    )
    .default([]),
});
type Fulfillments = z.infer<typeof fulfillments>['fulfillments'];

/**
 * Carrier names as Waybill's suppliers give them → eBay's shipping carrier codes (ShippingCarrierCodeType, from the
 * Trading API's GeteBayDetails). Anything else goes as it is: eBay takes free text for carriers it does not list.
 */
const CARRIER_CODES: Readonly<Record<string, string>> = {
  ups: 'UPS',
  usps: 'USPS',
  fedex: 'FedEx',
  dhl: 'DHL',
  'dhl express': 'DHL',
  'royal mail': 'RoyalMail',
  'canada post': 'CanadaPost',
  'australia post': 'AustraliaPost',
  'deutsche post': 'DeutschePost',
  hermes: 'Hermes',
  ontrac: 'OnTrac',
};

/**
 * Tells eBay of one shipment (createShippingFulfillment): the order's line items it carries and their quantities,
 * the carrier and the tracking number. eBay takes no idempotency key, so Waybill looks before it writes: the
 * order's shipping fulfilments are read first, and one with this tracking number means the shipment was told
 * already (a retry after a lost answer, a notice run twice), so nothing is written again.
 */
export async function notifyShipment(call: EbayCall, notice: FulfilmentNotice, now: Date): Promise<void> {
  const orderId = notice.externalId;
  const base = `${ORDERS_PATH}/${encodeURIComponent(orderId)}`;
  const existing = await listFulfillments(call, base);
  if (told(existing, notice)) return;
  const order = orderLines.parse((await call({ method: 'GET', path: base })).body);
  const lineItems = lineItemsFor(order, existing, notice);
  try {
    await call({
      method: 'POST',
      path: `${base}/shipping_fulfillment`,
      body: {
        lineItems,
        shippedDate: (notice.createdAt > now ? now : notice.createdAt).toISOString(),
        shippingCarrierCode: carrierCode(notice.shipment.carrier),
        trackingNumber: alphanumeric(notice.shipment.trackingNumber),
      },
    });
  } catch (error) {
    // 409: eBay holds these lines as shipped already; told, if by this tracking number (a race with a retry).
    if (ebayFailureOf(error)?.status === 409 && told(await listFulfillments(call, base), notice)) return;
    throw error;
  }
}

async function listFulfillments(call: EbayCall, base: string): Promise<Fulfillments> {
  const { body } = await call({ method: 'GET', path: `${base}/shipping_fulfillment` });
  return fulfillments.parse(body).fulfillments;
}

function told(existing: Fulfillments, notice: FulfilmentNotice): boolean {
  const tracking = normalise(notice.shipment.trackingNumber);
  return existing.some((f) => f.shipmentTrackingNumber && normalise(f.shipmentTrackingNumber) === tracking);
}

/**
 * The notice's SKUs as the order's line items, each given the units not yet in a fulfilment (a SKU on two line
 * items fills the first first). A SKU the order lacks, or more units than are left, is refused: eBay would be told
 * of a parcel that is not its order's.
 */
function lineItemsFor(
  order: z.infer<typeof orderLines>,
  existing: Fulfillments,
  notice: FulfilmentNotice,
): { lineItemId: string; quantity: number }[] {
  const shipped = new Map<string, number>();
  for (const f of existing)
    for (const l of f.lineItems ?? [])
      shipped.set(l.lineItemId, (shipped.get(l.lineItemId) ?? 0) + (l.quantity ?? 0));
  const out: { lineItemId: string; quantity: number }[] = [];
  for (const line of notice.shipment.lines) {
    let wanted = line.quantity;
    for (const item of order.lineItems.filter((i) => (i.sku ?? '').trim() === line.sku)) {
      const left = item.quantity - (shipped.get(item.lineItemId) ?? 0);
      const take = Math.min(left, wanted);
      if (take <= 0) continue;
      out.push({ lineItemId: item.lineItemId, quantity: take });
      shipped.set(item.lineItemId, (shipped.get(item.lineItemId) ?? 0) + take);
      wanted -= take;
    }
    if (wanted > 0)
      throw new PermanentError(
        `shipment ${notice.shipment.id}: eBay order ${order.orderId} has no ${wanted} more unshipped units of SKU ${line.sku}`,
      );
  }
  return out;
}

export function carrierCode(carrier: string): string {
  return CARRIER_CODES[carrier.trim().toLowerCase()] ?? carrier.trim();
}

/**
 * The tracking number as eBay takes it: letters and digits only ("Spaces, hyphens, and all other special characters
 * are not supported", ShippingFulfillmentDetails.trackingNumber), so "1Z 999-AA1" goes as "1Z999AA1".
 */
function alphanumeric(tracking: string): string {
  return tracking.replace(/[^A-Za-z0-9]/g, '');
}

/** The form two tracking numbers are compared in: as eBay takes them, any case. */
function normalise(tracking: string): string {
  return alphanumeric(tracking).toUpperCase();
}
