import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type onRequestAsyncHookHandler } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import type { AnyJobDefinition } from '../jobs/job.ts';
import fastifyCookie from '@fastify/cookie';
import { CSRF_HEADER, operatorAuth, SESSION_COOKIE, supplierAuth } from './auth.ts';
import { sessionRoutes } from './routes/session.ts';
import { portalLinkRoutes } from './routes/portal-link.ts';
import { packingSlipRoutes } from './routes/packing-slip.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { supplierFileRoutes } from './routes/supplier-files.ts';
import { keyRoutes } from './routes/keys.ts';
import { serveUi } from './ui.ts';
import type { Metrics } from './metrics.ts';
import { edgeOptions, guardEdge } from './edge.ts';
import { BODY_LIMIT, DEFAULT_HTTP_LIMITS, type HttpLimits } from './limits.ts';
import { errorHandler } from './problem.ts';
import { adminRoutes } from './routes/admin.ts';
import { routingRoutes } from './routes/routing.ts';
import { pricingRoutes } from './routes/pricing.ts';
import { feedRoutes } from './routes/feeds.ts';
import { reviewRoutes } from './routes/review.ts';
import { healthRoutes } from './routes/health.ts';
import { orderRoutes } from './routes/orders.ts';
import { supplierApiRoutes } from './routes/supplier-api.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { connectionRoutes } from './routes/connections.ts';

export interface Guards {
  read: onRequestAsyncHookHandler;
  write: onRequestAsyncHookHandler;
  admin: onRequestAsyncHookHandler;
}

import type { DeliveryIntake } from '../app/accept-channel-delivery.ts';

export interface ServerOptions {
  jobs: ReadonlyMap<string, AnyJobDefinition>;
  metrics: Metrics;
  logLevel?: string;
  /** Timeouts and the connection cap; DEFAULT_HTTP_LIMITS for what is not given. */
  limits?: Partial<HttpLimits>;
  /** Where the channels' webhooks go in (the hub makes it: whether this process takes them in as they arrive). */
  intake: DeliveryIntake;
}

export { BODY_LIMIT };

export async function buildServer(ctx: AppContext, options: ServerOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const app = Fastify({
    ...edgeOptions(limits),
    logger: {
      level: options.logLevel ?? 'warn',
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-waybill-signature"]'],
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  guardEdge(app, limits);

  app.addHook('onResponse', async (request, reply) => {
    options.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  // Each route says in the OpenAPI document which credential it takes.
  app.addHook('onRoute', (route) => {
    const security: Record<string, string[]>[] | null = route.url.startsWith('/api/v1/session')
      ? []
      : route.url.startsWith('/api/v1/')
        ? [{ apiKey: [] }, { session: [] }]
        : route.url.startsWith('/supplier-api/')
          ? [{ supplierToken: [] }, { session: [] }]
          : null;
    if (security && route.schema) route.schema = { ...route.schema, security };
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Waybill',
        version: '0.1.0',
        description:
          'The drop-ship order hub: operator API, supplier API and channel webhooks. Errors are application/problem+json (RFC 9457) whose `detail` starts with the field or part of the request that was wrong; besides the answers each route lists, any request may be answered 405 (with Allow), 408 (too slow), 413, 414 (a path segment over 100 characters), 415 or 431.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An operator API key (`waybill keys create --role …`)',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: `The web UI's session (POST /api/v1/session); a request that changes something also sends the session's csrfToken in ${CSRF_HEADER}`,
          },
          supplierToken: {
            type: 'http',
            scheme: 'bearer',
            description: "A supplier's token (set with `apiToken` in the setup file)",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(fastifyCookie);
  const auth = operatorAuth(ctx);
  const guards: Guards = { read: auth('read'), write: auth('write'), admin: auth('admin') };
  await app.register(healthRoutes(ctx, options.metrics));
  await app.register(sessionRoutes(ctx, guards));
  await app.register(portalLinkRoutes(ctx));
  await app.register(orderRoutes(ctx, guards));
  await app.register(adminRoutes(ctx, guards, options.jobs));
  await app.register(connectionRoutes(ctx, guards));
  await app.register(routingRoutes(ctx, guards));
  await app.register(pricingRoutes(ctx, guards));
  await app.register(reviewRoutes(ctx, guards));
  await app.register(dashboardRoutes(ctx, guards));
  await app.register(keyRoutes(ctx, guards));
  await app.register(feedRoutes(ctx, guards));
  await app.register(supplierFileRoutes(ctx, guards));
  const supplierGuard = supplierAuth(ctx);
  await app.register(supplierApiRoutes(ctx, supplierGuard));
  await app.register(packingSlipRoutes(ctx, supplierGuard));
  await app.register(webhookRoutes(ctx, options.intake));
  await serveUi(app);
  return app;
}
