import type { ConnectionError, FastifyError, FastifyRequest } from 'fastify';
import { BODY_LIMIT, MAX_PARAM_LENGTH, type HttpLimits } from './limits.ts';

/** A refusal by Fastify or Node itself, before any route ran: what to answer, naming what was wrong. */
export interface FrameworkProblem {
  status: number;
  code: string;
  detail: string;
  field?: string;
}

/** Fastify's own errors (FST_ERR_*) and any other 4xx error as problems; null for anything else (a 500). */
export function fastifyProblem(error: FastifyError, request: FastifyRequest): FrameworkProblem | null {
  // What the client sent is echoed, shortened: it may be anything.
  const header = (name: string) => String(request.headers[name] ?? '(none)').slice(0, 100);
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'malformed_json', detail: 'body: not valid JSON', field: 'body' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        code: 'malformed_json',
        detail: 'body: empty, but content-type says application/json',
        field: 'body',
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'payload_too_large',
        detail: `body: over the limit of ${BODY_LIMIT} bytes`,
        field: 'body',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        detail: `content-type: ${header('content-type')} is not taken here; send application/json`,
        field: 'content-type',
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        code: 'bad_content_length',
        detail: `content-length: ${header('content-length')} does not match the body sent`,
        field: 'content-length',
      };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        code: 'bad_url',
        detail: 'path: not a valid URL (a malformed %-escape)',
        field: 'path',
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        code: 'path_too_long',
        detail: `path: a path segment is longer than ${MAX_PARAM_LENGTH} characters, longer than any id`,
        field: 'path',
      };
  }
  // Fastify's JSON parser throws SyntaxError for a prototype-poisoning key (`__proto__`).
  if (error instanceof SyntaxError)
    return { status: 400, code: 'malformed_json', detail: `body: ${error.message}`, field: 'body' };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500)
    return {
      status,
      code: (error.code?.replace(/^FST_ERR_/, '') ?? 'bad_request').toLowerCase(),
      detail: `request: ${error.message}`,
    };
  return null;
}

/** Node's `clientError` (the parser refused the request, or it took too long) as a problem. */
export function clientProblem(error: ConnectionError, limits: HttpLimits): FrameworkProblem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'request_timeout',
        detail: `request: not received in time (headers within ${limits.headersTimeoutMs} ms, the whole request within ${limits.requestTimeoutMs} ms)`,
      };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers_too_large', detail: 'headers: larger than the server takes' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return {
        status: 400,
        code: 'bad_content_length',
        detail: `content-length: not valid for this request (${parserReason(error)})`,
      };
    case 'HPE_INVALID_METHOD':
      // Often the rest of a body longer than its Content-Length, read as the start of the next request.
      return {
        status: 400,
        code: 'malformed_request',
        detail: `request: not valid HTTP/1.1 (${parserReason(error)}); is content-length the body's length in bytes?`,
      };
    default:
      return {
        status: 400,
        code: 'malformed_request',
        detail: `request: not valid HTTP/1.1 (${parserReason(error)})`,
      };
  }
}

/** llhttp's reason (`Invalid method encountered`) without the raw bytes, which may hold anything the client sent. */
function parserReason(error: ConnectionError): string {
  const reason = (error as ConnectionError & { reason?: unknown }).reason;
  return `${error.code}${typeof reason === 'string' ? `: ${reason}` : ''}`;
}
