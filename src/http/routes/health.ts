import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { isMigrated } from '../../store/migrate.ts';
import type { Metrics } from '../metrics.ts';

export function healthRoutes(ctx: AppContext, metrics: Metrics): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['health'],
          summary: 'The process is up',
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['health'],
          summary: 'The database is reachable and migrated',
          response: {
            200: z.object({ status: z.literal('ready') }),
            503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
          },
        },
      },
      async (_request, reply) => {
        try {
          if (await isMigrated(ctx.store.db)) return { status: 'ready' as const };
          return reply
            .code(503)
            .send({ status: 'unavailable' as const, reason: 'migrations pending: run `waybill migrate`' });
        } catch {
          return reply.code(503).send({ status: 'unavailable' as const, reason: 'database unreachable' });
        }
      },
    );

    app.get(
      '/metrics',
      { schema: { tags: ['health'], summary: 'Prometheus metrics (text format)' } },
      async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  };
}
