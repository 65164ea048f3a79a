import { z } from 'zod';
import { isCountryCode } from '../domain/address.ts';
import { isCurrencyCode } from '../domain/money.ts';

export const currencyCode = z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code').describe('ISO 4217, e.g. USD');
const text = (max: number) => z.string().trim().min(1).max(max);

export const address = z.object({
  name: text(200),
  line1: text(200),
  line2: text(200).optional(),
  city: text(100),
  region: text(100).optional(),
  postalCode: text(20),
  country: z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code').describe('ISO 3166-1 alpha-2, e.g. US'),
  phone: text(40).optional(),
});

export const orderInput = z
  .object({
    externalId: text(100).describe("The channel's own order id; a repeat is recognised and creates nothing"),
    placedAt: z.iso.datetime({ offset: true }).optional(),
    currency: currencyCode,
    customer: z.object({ email: z.email(), name: text(200).optional(), phone: text(40).optional() }),
    shippingAddress: address,
    lines: z
      .array(
        z.object({
          sku: text(64),
          quantity: z.number().int().positive().max(100_000),
          unitPrice: z.number().int().nonnegative().describe('minor units of `currency`'),
        }),
      )
      .min(1)
      .max(500),
  })
  .describe('An order from the generic storefront channel (docs/wire-formats.md)');

export const moneyOut = z.object({ amount: z.number().int(), currency: z.string() });

export const purchaseOrderOut = z.object({
  id: z.string(),
  poNumber: z.string(),
  supplierId: z.string(),
  state: z.string(),
  currency: z.string(),
  total: moneyOut,
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  ackDueAt: z.string().nullable(),
  lines: z.array(
    z.object({
      lineNumber: z.number(),
      sku: z.string(),
      supplierSku: z.string(),
      quantity: z.number(),
      unitCost: moneyOut,
      status: z.string(),
      rejectReason: z.string().nullable(),
      shippedQuantity: z.number(),
    }),
  ),
});

export const orderOut = z.object({
  id: z.string(),
  channelId: z.string(),
  externalId: z.string(),
  state: z.string(),
  holdReason: z.string().nullable(),
  currency: z.string(),
  total: moneyOut,
  customer: z.object({ email: z.string(), name: z.string().optional(), phone: z.string().optional() }),
  shippingAddress: address.extend({ country: z.string() }),
  placedAt: z.string(),
  lines: z.array(z.object({ lineNumber: z.number(), sku: z.string(), quantity: z.number(), unitPrice: moneyOut, state: z.string(), supplierId: z.string().nullable() })),
  purchaseOrders: z.array(purchaseOrderOut),
  shipments: z.array(
    z.object({
      id: z.string(),
      poId: z.string(),
      supplierId: z.string(),
      carrier: z.string(),
      trackingNumber: z.string(),
      state: z.string(),
      shippedAt: z.string(),
      lines: z.array(z.object({ orderLineNumber: z.number(), sku: z.string(), quantity: z.number() })),
    }),
  ),
  events: z.array(z.object({ seq: z.number(), at: z.string(), type: z.string(), subject: z.object({ type: z.string(), id: z.string() }), data: z.unknown() })),
});

export const orderReceiptOut = orderOut
  .pick({ id: true, channelId: true, externalId: true, state: true, holdReason: true, currency: true, total: true, lines: true })
  .extend({
    purchaseOrders: z.array(z.object({ id: z.string(), poNumber: z.string(), supplierId: z.string(), state: z.string(), currency: z.string(), total: moneyOut })),
  })
  .describe('The order as taken in, and the purchase orders it became; GET the Location for the full view');

export const orderSummaryOut = z.object({
  id: z.string(),
  channelId: z.string(),
  externalId: z.string(),
  state: z.string(),
  holdReason: z.string().nullable(),
  total: moneyOut,
  createdAt: z.string(),
});

export const problemOut = z
  .object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string(), instance: z.string(), code: z.string(), field: z.string().optional(), errors: z.array(z.object({ field: z.string(), message: z.string() })).optional() })
  .describe('RFC 9457 problem details (application/problem+json)');

export const ackInput = z.object({
  lines: z
    .array(z.object({ lineNumber: z.number().int().positive(), status: z.enum(['accepted', 'rejected']), reason: text(500).optional() }))
    .min(1),
});

export const shipmentInput = z.object({
  carrier: text(50),
  trackingNumber: z.string().trim().regex(/^[A-Za-z0-9-]{4,40}$/, 'must be 4–40 letters, digits or dashes'),
  shippedAt: z.iso.datetime({ offset: true }).optional(),
  lines: z.array(z.object({ lineNumber: z.number().int().positive(), quantity: z.number().int().positive() })).min(1),
});

export const jobOut = z.object({
  id: z.string(),
  kind: z.string(),
  key: z.string(),
  state: z.string(),
  attempts: z.number(),
  maxAttempts: z.number(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const errorResponses = { 400: problemOut, 401: problemOut, 404: problemOut, 422: problemOut };
