import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type onRequestAsyncHookHandler } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import type { AnyJobDefinition } from '../jobs/job.ts';
import { apiKeyAuth, supplierAuth } from './auth.ts';
import type { Metrics } from './metrics.ts';
import { errorHandler, sendProblem } from './problem.ts';
import { adminRoutes } from './routes/admin.ts';
import { healthRoutes } from './routes/health.ts';
import { orderRoutes } from './routes/orders.ts';
import { supplierApiRoutes } from './routes/supplier-api.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export interface Guards {
  read: onRequestAsyncHookHandler;
  write: onRequestAsyncHookHandler;
  admin: onRequestAsyncHookHandler;
}

export interface ServerOptions {
  jobs: ReadonlyMap<string, AnyJobDefinition>;
  metrics: Metrics;
  logLevel?: string;
}

/** 1 MiB: larger bodies are refused with 413 before they are read into memory. */
export const BODY_LIMIT = 1024 * 1024;

export async function buildServer(ctx: AppContext, options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: { level: options.logLevel ?? 'warn', redact: ['req.headers.authorization', 'req.headers["x-waybill-signature"]'] },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  app.addHook('onResponse', async (request, reply) => {
    options.metrics.httpDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // Each route says in the OpenAPI document which credential it takes.
  app.addHook('onRoute', (route) => {
    const security = route.url.startsWith('/api/v1/') ? [{ apiKey: [] }] : route.url.startsWith('/supplier-api/') ? [{ supplierToken: [] }] : null;
    if (security && route.schema) route.schema = { ...route.schema, security };
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Waybill', version: '0.1.0', description: 'The drop-ship order hub: operator API, supplier API and channel webhooks. Errors are application/problem+json (RFC 9457).' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An operator API key (`waybill keys create --role …`)' },
          supplierToken: { type: 'http', scheme: 'bearer', description: "A supplier's token (set with `apiToken` in the setup file)" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const auth = apiKeyAuth(ctx.store.db);
  const guards: Guards = { read: auth('read'), write: auth('write'), admin: auth('admin') };
  await app.register(healthRoutes(ctx, options.metrics));
  await app.register(orderRoutes(ctx, guards));
  await app.register(adminRoutes(ctx, guards, options.jobs));
  await app.register(supplierApiRoutes(ctx, supplierAuth(ctx.store.db)));
  await app.register(webhookRoutes(ctx));
  return app;
}
