import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acknowledgePurchaseOrder } from '../../app/acknowledge-purchase-order.ts';
import type { AppContext } from '../../app/context.ts';
import { NotFoundError } from '../../app/errors.ts';
import { recordShipment } from '../../app/record-shipment.ts';
import { purchaseOrderView } from '../../app/views.ts';
import { listSupplierPurchaseOrders, loadPurchaseOrders } from '../../store/purchase-orders.repo.ts';
import { purchaseOrderMachine, type PurchaseOrderState } from '../../domain/purchase-order.machine.ts';
import {
  ackInput,
  currencyCode,
  errorResponses,
  problemOut,
  purchaseOrderOut,
  shipmentInput,
} from '../schemas.ts';
import { importFeed } from '../../app/import-feed.ts';
import { countryCode } from '../../app/setup-values.ts';
import { isValidGtin } from '../../domain/gtin.ts';
import { money, toDecimalString, type CurrencyCode } from '../../domain/money.ts';
import { FEED_FIELDS, feedMapping } from '../../feeds/feed-mapping.ts';
import { feedReportOut, refuseRefused } from './feeds.ts';

const poParams = z.object({ poNumber: z.string() });

const amountIn = z.object({ amount: z.number().int().positive(), currency: currencyCode });
const inventoryItem = z
  .object({
    supplierSku: z.string().min(1).max(255),
    gtin: z.string().refine(isValidGtin, 'must be a GTIN-8/12/13/14 with a valid check digit').optional(),
    stock: z.number().int().nonnegative().optional(),
    cost: amountIn.optional(),
    leadDays: z.number().int().nonnegative().optional(),
    shipFrom: z.object({ country: countryCode, region: z.string().min(1).max(64).optional() }).optional(),
    packSize: z.number().int().positive().optional(),
    minQuantity: z.number().int().positive().optional(),
    map: amountIn.optional(),
    discontinued: z.boolean().optional(),
  })
  .refine((i) => !i.cost || !i.map || i.cost.currency === i.map.currency, {
    message: 'must be in the currency of cost',
    path: ['map', 'currency'],
  });
const inventoryIn = z.object({
  /** `delta` (the default): only these SKUs change; `full`: these are all, and the rest are missing. */
  kind: z.enum(['delta', 'full']).default('delta'),
  items: z.array(inventoryItem).min(1).max(10_000),
});
const responses = { ...errorResponses, 409: problemOut };

/** The supplier's words for where its purchase orders stand (the portal's tabs). */
const PORTAL_STATES = ['new', 'acknowledged', 'to_ship', 'shipped'] as const;

/**
 * Each of the supplier's words as purchase order states (domain/purchase-order.machine.ts). A draft (not released to
 * it yet) and a cancelled one are in none of them.
 */
const STATES_OF: Record<(typeof PORTAL_STATES)[number], readonly PurchaseOrderState[]> = {
  // Not acknowledged yet; an acknowledgement is taken from all three (it may overtake the record of the send).
  new: ['pending', 'sent', 'send_failed'],
  // Answered, whatever the answer: accepted in whole or in part, rejected, and on to shipping.
  acknowledged: ['accepted', 'partially_accepted', 'rejected', 'partially_shipped', 'shipped'],
  to_ship: ['accepted', 'partially_accepted', 'partially_shipped'],
  shipped: ['shipped'],
};

/** `/supplier-api/v1`: a supplier's token sees its own purchase orders and nothing else (others answer 404). */
export function supplierApiRoutes(
  ctx: AppContext,
  supplierGuard: ReturnType<typeof import('../auth.ts').supplierAuth>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', supplierGuard);

    app.post(
      '/supplier-api/v1/inventory',
      {
        schema: {
          tags: ['supplier'],
          summary: 'Push stock, costs and the rest of a catalog feed: a delta unless `kind` is full',
          description:
            "Imported as a feed of this supplier's (diffed, quarantined by its thresholds, recorded in its feed history): 201 applied, 202 quarantined. Amounts in minor units.",
          body: inventoryIn,
          response: { 201: feedReportOut, 202: feedReportOut, ...responses },
        },
      },
      async (request, reply) => {
        const report = await importFeed(ctx, {
          supplierId: request.supplierId!,
          source: 'push',
          kind: request.body.kind,
          mapping: PUSH_MAPPING,
          bytes: Buffer.from(JSON.stringify(request.body.items.map(asFeedRow))),
        });
        refuseRefused(report);
        return reply.code(report.status === 'quarantined' ? 202 : 201).send(report);
      },
    );

    app.get(
      '/supplier-api/v1/purchase-orders',
      {
        schema: {
          tags: ['supplier'],
          summary: "The supplier's purchase orders, newest first; filter and search them",
          description:
            'A page at a time: pass `next` as `before` for the page after; `next` is null on the last page. `state`: `new` (not acknowledged yet: pending, sent, send_failed), `acknowledged` (answered: accepted, partially_accepted, rejected, partially_shipped, shipped), `to_ship` (accepted in whole or part and not all shipped: accepted, partially_accepted, partially_shipped), `shipped`. `q`: a purchase order number by prefix, or a SKU or supplier SKU of one of its lines whole (case ignored).',
          querystring: z.object({
            state: z.enum(PORTAL_STATES).optional().describe('new, acknowledged, to_ship or shipped'),
            status: z
              .enum(purchaseOrderMachine.states)
              .optional()
              .describe('one purchase order state exactly (sent, accepted, …)'),
            q: z.string().max(200).optional().describe('search: PO number prefix, or a SKU whole'),
            limit: z.coerce.number().int().min(1).max(500).default(100),
            before: z
              .string()
              .optional()
              .describe('cursor: the `next` of the previous page (a purchase order id)'),
            cursor: z.string().optional().describe('deprecated: the old name of `before`, read the same way'),
          }),
          response: {
            200: z.object({ purchaseOrders: z.array(purchaseOrderOut), next: z.string().nullable() }),
            ...responses,
          },
        },
      },
      async (request) => {
        const { state, status, q, limit } = request.query;
        const before = request.query.before ?? request.query.cursor;
        // Both given: the state must be both (`state=to_ship&status=accepted`: accepted; `state=new&status=shipped`: none).
        const states = state ? STATES_OF[state].filter((s) => !status || s === status) : status && [status];
        const page = await listSupplierPurchaseOrders(ctx.store.db, request.supplierId!, {
          states,
          q,
          limit,
          before,
        });
        return { purchaseOrders: page.purchaseOrders.map(purchaseOrderView), next: page.next };
      },
    );

    app.get(
      '/supplier-api/v1/purchase-orders/:poNumber',
      {
        schema: {
          tags: ['supplier'],
          summary: 'One purchase order',
          params: poParams,
          response: { 200: purchaseOrderOut, ...responses },
        },
      },
      async (request) => {
        const [po] = await loadPurchaseOrders(ctx.store.db, {
          poNumber: request.params.poNumber,
          supplierId: request.supplierId!,
        });
        if (!po) throw new NotFoundError(`purchase order ${request.params.poNumber}`);
        return purchaseOrderView(po);
      },
    );

    app.post(
      '/supplier-api/v1/purchase-orders/:poNumber/acknowledgement',
      {
        schema: {
          tags: ['supplier'],
          summary: 'Accept or reject each line of a purchase order',
          description:
            'Every line must be named once. The same acknowledgement again answers 200 and changes nothing; a different one answers 409.',
          params: poParams,
          body: ackInput,
          response: { 200: purchaseOrderOut, ...responses },
        },
      },
      async (request) => {
        const result = await acknowledgePurchaseOrder(
          ctx,
          request.supplierId!,
          request.params.poNumber,
          request.body.lines,
        );
        return purchaseOrderView(result.purchaseOrder);
      },
    );

    app.post(
      '/supplier-api/v1/purchase-orders/:poNumber/shipments',
      {
        schema: {
          tags: ['supplier'],
          summary: 'Report a shipment: carrier, tracking number and the lines in the parcel',
          description:
            'The same tracking number again for this PO answers 200 with the shipment already recorded.',
          params: poParams,
          body: shipmentInput,
          response: {
            200: z.object({ shipmentId: z.string(), duplicate: z.boolean() }),
            201: z.object({ shipmentId: z.string(), duplicate: z.boolean() }),
            ...responses,
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await recordShipment(ctx, request.supplierId!, request.params.poNumber, {
          carrier: body.carrier,
          trackingNumber: body.trackingNumber,
          shippedAt: body.shippedAt ? new Date(body.shippedAt) : undefined,
          lines: body.lines,
        });
        return reply
          .code(result.kind === 'created' ? 201 : 200)
          .send({ shipmentId: result.shipmentId, duplicate: result.kind === 'duplicate' });
      },
    );
  };
}

/**
 * A push goes through the same feed path as a file (one reader, one diff, one quarantine, and the kept file is what
 * an approval applies): its items as a JSON feed, amounts as decimals in their currency, as a supplier's file has.
 */
const PUSH_MAPPING = feedMapping.parse({
  format: 'json',
  columns: Object.fromEntries(FEED_FIELDS.map((f) => [f, f])),
});

function asFeedRow(item: z.output<typeof inventoryItem>): Record<string, unknown> {
  const amount = (m: { amount: number; currency: string } | undefined) =>
    m && toDecimalString(money(m.amount, m.currency as CurrencyCode));
  return {
    supplierSku: item.supplierSku,
    gtin: item.gtin,
    cost: amount(item.cost),
    currency: item.cost?.currency ?? item.map?.currency,
    stock: item.stock,
    leadDays: item.leadDays,
    shipFromCountry: item.shipFrom?.country,
    shipFromRegion: item.shipFrom?.region,
    packSize: item.packSize,
    minQuantity: item.minQuantity,
    map: amount(item.map),
    discontinued: item.discontinued,
  };
}
