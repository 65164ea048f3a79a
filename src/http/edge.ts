import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { ServerOptions as HttpServerOptions } from 'node:http';
import { BODY_LIMIT, MAX_PARAM_LENGTH, type HttpLimits } from './limits.ts';
import { RoutePaths } from './method-not-allowed.ts';
import { clientErrorHandler, frameworkErrors, sendProblem } from './problem.ts';
import { refuseNul } from './refuse-nul.ts';

/** Fastify's options for the edge: limits and timeouts on every connection, and its own refusals as problems. */
export function edgeOptions(limits: HttpLimits): FastifyServerOptions & { http: HttpServerOptions } {
  return {
    bodyLimit: BODY_LIMIT,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks the headers and request timeouts only this often (its default, 30 s, would let them run long).
    // Its refusal of an HTTP/1.1 request without Host is a bare 400: guardEdge answers it as a problem.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      requireHostHeader: false,
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(limits),
    // Fastify's own answer while closing is bare JSON: guardEdge answers the same 503 as a problem.
    return503OnClosing: false,
  };
}

/**
 * What every request meets before its route: 503 while the server closes, 400 without Host, a U+0000 refused,
 * text/plain not read (415), and for no route a 404, or a 405 with `Allow` when the path takes other methods.
 */
export function guardEdge(app: FastifyInstance, limits: HttpLimits): void {
  app.server.maxConnections = limits.maxConnections;
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', refuseNul);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (closing)
      return void sendProblem(
        reply.header('connection', 'close'),
        request,
        503,
        'shutting_down',
        'server: shutting down; send the request again',
      );
    // RFC 9112 §3.2: a 1.1 request without Host is answered 400.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined)
      return void sendProblem(reply, request, 400, 'missing_host', 'host: required in an HTTP/1.1 request', {
        field: 'host',
      });
    done();
  });
  const paths = new RoutePaths();
  app.addHook('onRoute', (route) => paths.add(route.url, route.method));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = paths.allowed(path);
    if (allowed.length === 0)
      return sendProblem(reply, request, 404, 'not_found', `path: no route ${request.method} ${path}`, {
        field: 'path',
      });
    return sendProblem(
      reply.header('allow', allowed.join(', ')),
      request,
      405,
      'method_not_allowed',
      `method: ${path} takes ${allowed.join(', ')}, not ${request.method}`,
      { field: 'method' },
    );
  });
}
