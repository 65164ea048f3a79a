import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acknowledgePurchaseOrder } from '../../app/acknowledge-purchase-order.ts';
import type { AppContext } from '../../app/context.ts';
import { NotFoundError } from '../../app/errors.ts';
import { recordShipment } from '../../app/record-shipment.ts';
import { purchaseOrderView } from '../../app/views.ts';
import { loadPurchaseOrders } from '../../store/purchase-orders.repo.ts';
import { listSupplierPurchaseOrders } from '../../store/views-orders.repo.ts';
import { ackInput, errorResponses, problemOut, purchaseOrderOut, shipmentInput } from '../schemas.ts';

const poParams = z.object({ poNumber: z.string() });
const responses = { ...errorResponses, 409: problemOut };

/** `/supplier-api/v1`: a supplier's token sees its own purchase orders and nothing else (others answer 404). */
export function supplierApiRoutes(
  ctx: AppContext,
  supplierGuard: ReturnType<typeof import('../auth.ts').supplierAuth>,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', supplierGuard);

    app.get(
      '/supplier-api/v1/purchase-orders',
      {
        schema: {
          tags: ['supplier'],
          summary: "The supplier's purchase orders, newest first",
          description:
            'A page at a time: pass `next` as `before` for the page after; `next` is null on the last page.',
          querystring: z.object({
            status: z.string().optional(),
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
        const { status, limit } = request.query;
        const before = request.query.before ?? request.query.cursor;
        const page = await listSupplierPurchaseOrders(ctx.store.db, request.supplierId!, {
          status,
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
