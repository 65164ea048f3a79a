import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

/**
 * Where the first U+0000 is in a parsed value (`customer.name`, `lines[0].sku`, '' for the value itself); null when
 * there is none. Raw bytes (a webhook's body, kept for its signature) are not looked into.
 */
export function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNul(item, `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const found = key.includes('\0') ? at : findNul(item, at);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A `preValidation` hook: a U+0000 anywhere in the path parameters, the query or a JSON body is refused, naming the
 * field. PostgreSQL cannot store it in text (SQLite can), so refusing it here answers the same on both databases.
 */
export async function refuseNul(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const inUrl = locate('params', request.params) ?? locate('query', request.query);
  const inBody = inUrl === null ? findNul(request.body) : null;
  const field = inUrl ?? (inBody === null ? null : inBody || 'body');
  if (field === null) return undefined;
  // Answered here, the request goes no further (Fastify: send in an async hook, then return the reply).
  return sendProblem(reply, request, inUrl === null ? 422 : 400, 'invalid_input', `${field}: must not contain U+0000 (NUL)`, { field });
}

function locate(where: string, value: unknown): string | null {
  const found = findNul(value);
  return found === null ? null : `${where}.${found}`;
}
