import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, InputError } from '../app/errors.ts';
import { IllegalTransitionError } from '../domain/state-machine.ts';

/** RFC 9457 problem details. `detail` names the offending field when there is one. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  field?: string;
  errors?: { field: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, code: string, detail: string, extra: Partial<Problem> = {}) {
  const problem: Problem = { type: `urn:waybill:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, instance: request.url, code, ...extra };
  return reply.code(status).type('application/problem+json').send(problem);
}

/** The one place errors become HTTP answers. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const errors = error.validation.map((v) => ({ field: fieldFromPointer(where, v.instancePath), message: v.message ?? 'invalid' }));
    const first = errors[0]!;
    return sendProblem(reply, request, where === 'body' ? 422 : 400, 'invalid_input', `${first.field}: ${first.message}`, { field: first.field, errors });
  }
  if (error instanceof InputError) return sendProblem(reply, request, error.status, error.code, error.message, { field: error.field });
  if (error instanceof AppError) return sendProblem(reply, request, error.status, error.code, error.message);
  if (error instanceof IllegalTransitionError) return sendProblem(reply, request, 409, error.code, error.message);
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return sendProblem(reply, request, 400, 'malformed_json', `body: not valid JSON (${error.message})`, { field: 'body' });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendProblem(reply, request, status, (error.code ?? 'bad_request').toLowerCase(), `body: ${error.message}`);
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, request, 500, 'internal_error', 'an unexpected error occurred; it has been logged');
}

/** `/lines/0/quantity` in the body → `lines[0].quantity`. */
function fieldFromPointer(where: string, pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  const path = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  if (where === 'body') return path || 'body';
  return path ? `${where}.${path}` : where;
}
