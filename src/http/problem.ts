import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, InputError } from '../app/errors.ts';
import { IllegalTransitionError } from '../domain/state-machine.ts';
import { clientProblem, fastifyProblem } from './framework-problems.ts';
import type { HttpLimits } from './limits.ts';

/** RFC 9457 problem details. `detail` names the offending field when there is one. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request's path; absent when the request could not be read at all. */
  instance?: string;
  code: string;
  field?: string;
  errors?: { field: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  431: 'Request header fields too large',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export function problemDocument(
  status: number,
  code: string,
  detail: string,
  extra: Partial<Problem> = {},
): Problem {
  return {
    type: `urn:waybill:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extra: Partial<Problem> = {},
) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problemDocument(status, code, detail, { instance: request.url, ...extra }));
}

/** The one place errors become HTTP answers. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const errors = error.validation.map((v) => ({
      field: fieldFromPointer(where, v.instancePath),
      message: v.message ?? 'invalid',
    }));
    const first = errors[0]!;
    return sendProblem(
      reply,
      request,
      where === 'body' ? 422 : 400,
      'invalid_input',
      `${first.field}: ${first.message}`,
      { field: first.field, errors },
    );
  }
  if (error instanceof InputError)
    return sendProblem(reply, request, error.status, error.code, error.message, { field: error.field });
  if (error instanceof AppError) return sendProblem(reply, request, error.status, error.code, error.message);
  if (error instanceof IllegalTransitionError)
    return sendProblem(reply, request, 409, error.code, error.message);
  const framework = fastifyProblem(error, request);
  if (framework)
    return sendProblem(
      reply,
      request,
      framework.status,
      framework.code,
      framework.detail,
      framework.field ? { field: framework.field } : {},
    );
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(
    reply,
    request,
    500,
    'internal_error',
    'an unexpected error occurred; it has been logged',
  );
}

/** Fastify's `frameworkErrors`: a URL it cannot route (a bad %-escape, an over-long parameter). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = fastifyProblem(error, request) ?? {
    status: 400,
    code: 'bad_request',
    detail: `request: ${error.message}`,
  };
  void sendProblem(
    reply,
    request,
    problem.status,
    problem.code,
    problem.detail,
    problem.field ? { field: problem.field } : {},
  );
}

/**
 * Node's `clientError`: a request its HTTP parser refuses, or one that took too long. There is no request object,
 * so the answer is written on the socket by hand, as Node's own default does, and the connection closed.
 */
export function clientErrorHandler(limits: HttpLimits) {
  return (error: ConnectionError, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const problem = clientProblem(error, limits);
    const body = JSON.stringify(problemDocument(problem.status, problem.code, problem.detail));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

/** `/lines/0/quantity` in the body → `lines[0].quantity`; `/before` in the querystring → `query.before`. */
function fieldFromPointer(where: string, pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  const path = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  if (where === 'body') return path || 'body';
  const part = where === 'querystring' ? 'query' : where;
  return path ? `${part}.${path}` : part;
}
