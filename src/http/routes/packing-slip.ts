import type { onRequestAsyncHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { packingSlipOf } from '../../app/packing-slip.ts';
import { errorResponses } from '../schemas.ts';

/** The blind packing slip, for the supplier's token or its portal users: their own purchase orders only. */
export function packingSlipRoutes(ctx: AppContext, auth: onRequestAsyncHookHandler): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/supplier-api/v1/purchase-orders/:poNumber/packing-slip',
      {
        onRequest: auth,
        schema: {
          tags: ['supplier'],
          summary: 'The blind packing slip of a purchase order, as a PDF to print and put in the parcel',
          description:
            "In the retailer's name, with its logo and return address, the customer's address and the lines with their quantities: no prices and nothing of the supplier's.",
          params: z.object({ poNumber: z.string() }),
          produces: ['application/pdf'],
          response: { 200: z.any().describe('application/pdf'), ...errorResponses },
        },
      },
      async (request, reply) => {
        const pdf = await packingSlipOf(ctx, request.supplierId!, request.params.poNumber);
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="packing-slip-${request.params.poNumber}.pdf"`)
          .header('cache-control', 'private, no-store')
          .send(pdf);
      },
    );
  };
}
