import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { testChannelConnection, testSupplierConnection } from '../../app/test-connection.ts';
import { CONNECTION_FAILURES } from '../../connectors/shared/connection-test.ts';
import { errorResponses } from '../schemas.ts';
import type { Guards } from '../server.ts';

const connectionCheckOut = z.object({
  ok: z.boolean(),
  /** Why it failed, when it did: credentials refused, nothing answered, a scope missing, another refusal, settings unusable. */
  reason: z.enum(CONNECTION_FAILURES).optional(),
  /** What answered (the shop's name), or what went wrong, in words. */
  detail: z.string(),
  checkedAt: z.string(),
});
const idParams = z.object({ id: z.string() });

/** Connection tests: does a channel's or supplier's stored setup reach the other side? */
export function connectionRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/channels/:id/test',
      {
        onRequest: guard.write,
        schema: {
          tags: ['setup'],
          summary: "Test a channel's connection with its stored settings and secrets",
          description:
            "One cheap real request to the platform (Shopify: the shop and the token's access scopes; WooCommerce: its system status; a storefront: a signed ping event), changing nothing. 200 with what it found: `ok`, or `ok: false` and the reason.",
          params: idParams,
          response: { 200: connectionCheckOut, ...errorResponses },
        },
      },
      async (request) => testChannelConnection(ctx, request.params.id),
    );

    app.post(
      '/api/v1/suppliers/:id/test',
      {
        onRequest: guard.write,
        schema: {
          tags: ['setup'],
          summary: "Test a supplier's transport with its stored settings and secrets",
          description:
            "One cheap real request over the supplier's transport (REST/JSON: a signed ping to its endpoint), changing nothing. 200 with what it found.",
          params: idParams,
          response: { 200: connectionCheckOut, ...errorResponses },
        },
      },
      async (request) => testSupplierConnection(ctx, request.params.id),
    );
  };
}
