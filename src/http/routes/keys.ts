import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKey, listApiKeyViews, revokeKey, ROLES } from '../../app/api-keys.ts';
import type { AppContext } from '../../app/context.ts';
import { errorResponses, problemOut } from '../schemas.ts';
import type { Guards } from '../server.ts';

const keyOut = z.object({
  id: z.string(),
  role: z.enum(ROLES),
  label: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

/** API keys for machines, kept by an admin: listed (never the keys themselves), made, revoked. */
export function keyRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/keys',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['keys'],
          summary: 'API keys, newest first (only their hashes are stored: a key is shown once, when made)',
          response: { 200: z.object({ keys: z.array(keyOut) }), ...errorResponses, 403: problemOut },
        },
      },
      async () => ({ keys: await listApiKeyViews(ctx.store.db) }),
    );

    app.post(
      '/api/v1/keys',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['keys'],
          summary: 'Make an API key; the answer is the only time the key is shown',
          body: z.object({ role: z.enum(ROLES), label: z.string().min(1).max(100).optional() }),
          response: {
            201: z.object({ id: z.string(), key: z.string(), role: z.enum(ROLES) }),
            ...errorResponses,
            403: problemOut,
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createApiKey(ctx, request.body.role, request.body.label)),
    );

    app.delete(
      '/api/v1/keys/:id',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['keys'],
          summary: 'Revoke an API key (it stops working within 5 seconds); revoking it again changes nothing',
          params: z.object({ id: z.string() }),
          response: { 204: z.null(), ...errorResponses, 403: problemOut },
        },
      },
      async (request, reply) => {
        await revokeKey(ctx, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
