import { z } from 'zod';

/**
 * The part of an Orders API v2026-01-01 `Order` Waybill reads (models/orders-api-model/orders_2026-01-01.json in
 * amzn/selling-partner-api-models; zod keeps only these fields). searchOrders returns it with the datasets asked in
 * includedData: RECIPIENT and BUYER need no Restricted Data Token in this version, only the seller's roles.
 */
const text = z.string().optional();
export const amazonMoney = z.object({ amount: z.string(), currencyCode: z.string() });
export type AmazonMoney = z.infer<typeof amazonMoney>;

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const count = z.number().int().nonnegative();

const detailedBreakdown = z.object({ subtype: text, value: amazonMoney.optional() });
const itemBreakdown = z.object({
  type: z.string(),
  subtotal: amazonMoney,
  detailedBreakdowns: z.array(detailedBreakdown).optional(),
});
export type AmazonItemBreakdown = z.infer<typeof itemBreakdown>;

export const amazonOrderItem = z.object({
  orderItemId: z.string().min(1),
  quantityOrdered: count,
  product: z.object({
    sellerSku: text,
    title: text,
    price: z.object({ unitPrice: amazonMoney.optional() }).optional(),
  }),
  proceeds: z
    .object({ proceedsTotal: amazonMoney.optional(), breakdowns: z.array(itemBreakdown).optional() })
    .optional(),
  cancellation: z
    .object({ cancellationRequest: z.object({ requester: text, cancelReason: text }).optional() })
    .optional(),
  fulfillment: z
    .object({ quantityFulfilled: count.optional(), quantityUnfulfilled: count.optional() })
    .optional(),
});
export type AmazonOrderItem = z.infer<typeof amazonOrderItem>;

export const FULFILLMENT_STATUSES = [
  'PENDING_AVAILABILITY',
  'PENDING',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'CANCELLED',
  'UNFULFILLABLE',
] as const;

const address = z.object({
  name: text,
  companyName: text,
  addressLine1: text,
  addressLine2: text,
  addressLine3: text,
  city: text,
  districtOrCounty: text,
  stateOrRegion: text,
  postalCode: text,
  countryCode: text,
  phone: text,
});

const orderPackage = z.object({
  packageReferenceId: z.string(),
  carrier: text,
  trackingNumber: text,
  packageItems: z.array(z.object({ orderItemId: z.string(), quantity: count })).optional(),
});

export const amazonOrder = z.object({
  orderId: z.string().min(1),
  createdTime: isoDateTime,
  lastUpdatedTime: isoDateTime,
  salesChannel: z.object({ channelName: z.string(), marketplaceId: text }),
  buyer: z.object({ buyerName: text, buyerEmail: text, buyerCompanyName: text }).optional(),
  recipient: z.object({ deliveryAddress: address.optional() }).optional(),
  proceeds: z
    .object({
      grandTotal: amazonMoney.optional(),
      breakdowns: z.array(z.object({ type: z.string(), subtotal: amazonMoney })).optional(),
    })
    .optional(),
  fulfillment: z.object({ fulfillmentStatus: z.enum(FULFILLMENT_STATUSES), fulfilledBy: text }).optional(),
  orderItems: z.array(amazonOrderItem).min(1),
  packages: z.array(orderPackage).optional(),
});
export type AmazonOrder = z.infer<typeof amazonOrder>;
