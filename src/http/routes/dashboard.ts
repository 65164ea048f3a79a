import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { dashboardOf } from '../../app/dashboard.ts';
import { errorResponses } from '../schemas.ts';
import type { Guards } from '../server.ts';

const dashboardOut = z.object({
  attention: z.object({
    reviewQueue: z.number().describe('orders held for a person'),
    deadLetters: z.number().describe('jobs that ran out of attempts'),
    overduePurchaseOrders: z
      .number()
      .describe('purchase orders past their acknowledgement or shipping deadline'),
    channels: z.array(z.object({ id: z.string(), name: z.string(), reasons: z.array(z.string()) })),
  }),
  ordersPerDay: z.array(
    z.object({ day: z.string().describe('YYYY-MM-DD, UTC'), channels: z.record(z.string(), z.number()) }),
  ),
});

/** The operator's first screen. */
export function dashboardRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/dashboard',
      {
        onRequest: guard.read,
        schema: {
          tags: ['orders'],
          summary: 'What needs attention now, and orders per day and channel',
          querystring: z.object({ days: z.coerce.number().int().min(1).max(90).default(30) }),
          response: { 200: dashboardOut, ...errorResponses },
        },
      },
      async (request) => dashboardOf(ctx, request.query.days),
    );
  };
}
