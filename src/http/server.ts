import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type onRequestAsyncHookHandler } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app/context.ts';
import type { AnyJobDefinition } from '../jobs/job.ts';
import { apiKeyAuth, supplierAuth } from './auth.ts';
import type { Metrics } from './metrics.ts';
import { BODY_LIMIT, DEFAULT_HTTP_LIMITS, MAX_PARAM_LENGTH, type HttpLimits } from './limits.ts';
import { RoutePaths } from './method-not-allowed.ts';
import { clientErrorHandler, errorHandler, frameworkErrors, sendProblem } from './problem.ts';
import { refuseNul } from './refuse-nul.ts';
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
  /** Timeouts and the connection cap; DEFAULT_HTTP_LIMITS for what is not given. */
  limits?: Partial<HttpLimits>;
}

export { BODY_LIMIT };

export async function buildServer(ctx: AppContext, options: ServerOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks the headers and request timeouts only this often (its default, 30 s, would let them run long).
    // Node's refusal of an HTTP/1.1 request without Host is a bare 400: the hook below answers it as a problem.
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs, requireHostHeader: false },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(limits),
    // Fastify's own answer while closing is bare JSON: the same 503 comes as a problem from the hook below.
    return503OnClosing: false,
    logger: { level: options.logLevel ?? 'warn', redact: ['req.headers.authorization', 'req.headers["x-waybill-signature"]'] },
  }).withTypeProvider<ZodTypeProvider>();
  app.server.maxConnections = limits.maxConnections;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // Every body Waybill takes is JSON (webhook routes read their own bytes): text/plain answers 415, not 422.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', refuseNul);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) return void sendProblem(reply.header('connection', 'close'), request, 503, 'shutting_down', 'server: shutting down; send the request again');
    // RFC 9112 §3.2: a 1.1 request without Host is answered 400.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) return void sendProblem(reply, request, 400, 'missing_host', 'host: required in an HTTP/1.1 request', { field: 'host' });
    done();
  });
  const paths = new RoutePaths();
  app.addHook('onRoute', (route) => paths.add(route.url, route.method));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = paths.allowed(path);
    if (allowed.length === 0) return sendProblem(reply, request, 404, 'not_found', `path: no route ${request.method} ${path}`, { field: 'path' });
    return sendProblem(reply.header('allow', allowed.join(', ')), request, 405, 'method_not_allowed', `method: ${path} takes ${allowed.join(', ')}, not ${request.method}`, { field: 'method' });
  });

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
      info: { title: 'Waybill', version: '0.1.0', description: 'The drop-ship order hub: operator API, supplier API and channel webhooks. Errors are application/problem+json (RFC 9457) whose `detail` starts with the field or part of the request that was wrong; besides the answers each route lists, any request may be answered 405 (with Allow), 408 (too slow), 413, 414 (a path segment over 100 characters), 415 or 431.' },
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
