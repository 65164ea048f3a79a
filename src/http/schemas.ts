import { z } from 'zod';
import { isCountryCode } from '../domain/address.ts';
import { isCurrencyCode } from '../domain/money.ts';

export const currencyCode = z
  .string()
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code')
  .describe('ISO 4217, e.g. USD');
const text = (max: number) => z.string().trim().min(1).max(max);

export const address = z.object({
  name: text(200),
  line1: text(200),
  line2: text(200).optional(),
  city: text(100),
  region: text(100).optional(),
  postalCode: text(20),
  country: z
    .string()
    .refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code')
    .describe('ISO 3166-1 alpha-2, e.g. US'),
  phone: text(40).optional(),
});

const minor = z.number().int().nonnegative().describe('minor units of `currency`');
const taxInput = z.object({
  title: text(100),
  rate: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal fraction like 0.19')
    .optional(),
  amount: minor,
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
          lineId: text(100).optional().describe("the channel's own id of the line"),
          title: text(200).optional(),
          requiresShipping: z
            .boolean()
            .optional()
            .describe(
              'false for gift wrap, gift cards, services: kept with their money, never sent to a supplier',
            ),
          discount: minor
            .optional()
            .describe('the discounts allocated to this line, all its units (minor units)'),
          taxes: z.array(taxInput).max(20).optional(),
        }),
      )
      .min(1)
      .max(500),
    taxesIncluded: z
      .boolean()
      .optional()
      .describe('whether unit and shipping prices include their taxes (default false)'),
    shipping: z
      .array(
        z.object({
          title: text(200),
          price: minor,
          discount: minor.optional(),
          taxes: z.array(taxInput).max(20).optional(),
        }),
      )
      .max(20)
      .optional(),
    fees: z
      .array(
        z.object({
          title: text(200),
          amount: z.number().int().describe('minor units; negative for a fee that lowers the order'),
          taxes: z.array(taxInput).max(20).optional(),
        }),
      )
      .max(20)
      .optional(),
    total: minor
      .optional()
      .describe(
        'what the customer was charged; when it differs from the sum of the parts the order is taken and flagged on its timeline',
      ),
  })
  .describe('An order from the generic storefront channel (docs/wire-formats.md)');

export const moneyOut = z.object({ amount: z.number().int(), currency: z.string() });
const taxLineOut = z.object({
  title: z.string(),
  rate: z.string().nullable().describe('a decimal fraction, "0.19"'),
  id: z.string().nullish(),
  amount: moneyOut,
});
const lineMoneyOut = z
  .object({
    subtotal: moneyOut.describe('unit price × quantity before discounts'),
    discount: moneyOut.describe("the order's discounts allocated to this line"),
    taxes: z.array(taxLineOut),
    total: moneyOut.describe(
      'what the customer paid for the line: subtotal − discount, plus its taxes when prices exclude tax',
    ),
  })
  .describe('The line as the channel charged it');
const orderMoneyOut = z
  .object({
    taxesIncluded: z.boolean().describe('whether line and shipping prices include their taxes'),
    subtotal: moneyOut.describe('the lines before discounts'),
    discounts: moneyOut.describe("the channel's total of discounts (lines and shipping)"),
    shipping: moneyOut.describe('shipping lines before their discounts'),
    fees: moneyOut,
    tax: moneyOut.describe("the channel's total of taxes"),
    total: moneyOut.describe('what the customer was charged, as the channel says'),
    shippingLines: z.array(
      z.object({ title: z.string(), price: moneyOut, discount: moneyOut, taxes: z.array(taxLineOut) }),
    ),
    feeLines: z.array(z.object({ title: z.string(), amount: moneyOut, taxes: z.array(taxLineOut) })),
    presentment: z
      .object({ currency: z.string(), total: moneyOut })
      .nullable()
      .describe("the customer's currency where the channel charged in another one than the shop's"),
    mismatches: z
      .array(
        z.object({
          figure: z.enum(['total', 'discounts', 'tax']),
          channel: z.number().int(),
          parts: z.number().int(),
        }),
      )
      .describe(
        "figures where the channel's own and the sum of the parts disagree (minor units): lines + shipping + fees − discounts (+ tax where not included) = total",
      ),
  })
  .describe("The order's money as the channel charged it");
const addressOut = z.object({
  name: z.string(),
  line1: z.string(),
  line2: z.string().optional(),
  city: z.string(),
  region: z.string().optional(),
  postalCode: z.string(),
  country: z.string(),
  phone: z.string().optional(),
});

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
  total: moneyOut.describe('what the customer was charged, as the channel says'),
  money: orderMoneyOut,
  customer: z.object({ email: z.string(), name: z.string().optional(), phone: z.string().optional() }),
  // What intake stored, as it stored it: a channel order may come with an incomplete address (and is then held).
  shippingAddress: addressOut,
  placedAt: z.string(),
  lines: z.array(
    z.object({
      lineNumber: z.number(),
      channelLineId: z.string().nullable().describe("the channel's own id of the line"),
      sku: z.string(),
      title: z.string().nullable(),
      quantity: z.number(),
      unitPrice: moneyOut,
      requiresShipping: z
        .boolean()
        .describe('false for gift wrap, gift cards, services: never sent to a supplier'),
      money: lineMoneyOut,
      state: z.string(),
      supplierId: z.string().nullable(),
    }),
  ),
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
  events: z.array(
    z.object({
      seq: z.number(),
      at: z.string(),
      type: z.string(),
      subject: z.object({ type: z.string(), id: z.string() }),
      data: z.unknown(),
    }),
  ),
});

export const orderReceiptOut = orderOut
  .pick({
    id: true,
    channelId: true,
    externalId: true,
    state: true,
    holdReason: true,
    currency: true,
    total: true,
    money: true,
    lines: true,
  })
  .extend({
    purchaseOrders: z.array(
      z.object({
        id: z.string(),
        poNumber: z.string(),
        supplierId: z.string(),
        state: z.string(),
        currency: z.string(),
        total: moneyOut,
      }),
    ),
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
  placedAt: z.string().describe('when the customer placed it, as the channel says'),
  customer: z.object({ email: z.string(), name: z.string().nullable() }),
  lineCount: z.number().int(),
});

const isoDay = z.iso.date();
const isoInstant = z.iso.datetime({ offset: true });

/** A query bound in time: an ISO 8601 date (a UTC day) or a date-time with its offset. */
export const dayOrInstant = z
  .string()
  .refine(
    (s) => isoDay.safeParse(s).success || isoInstant.safeParse(s).success,
    'must be an ISO 8601 date (2026-01-31) or date-time with an offset (2026-01-31T09:00:00Z)',
  );

export const problemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    instance: z.string(),
    code: z.string(),
    field: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json)');

export const ackInput = z.object({
  lines: z
    .array(
      z
        .object({
          lineNumber: z.number().int().positive(),
          status: z.enum(['accepted', 'rejected', 'backordered']),
          reason: text(500).optional(),
          /** A backordered line: the day the supplier expects to have it (its own calendar day). */
          availableOn: z.iso.date().optional(),
        })
        .refine((l) => l.status !== 'backordered' || l.availableOn !== undefined, {
          message: 'a backordered line needs the day it is expected (YYYY-MM-DD)',
          path: ['availableOn'],
        }),
    )
    .min(1),
});

export const shipmentInput = z.object({
  carrier: text(50),
  trackingNumber: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{4,40}$/, 'must be 4–40 letters, digits or dashes'),
  shippedAt: z.iso.datetime({ offset: true }).optional(),
  lines: z
    .array(z.object({ lineNumber: z.number().int().positive(), quantity: z.number().int().positive() }))
    .min(1),
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
