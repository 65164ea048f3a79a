import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

/**
 * Where the first U+0000 is in a parsed value (`customer.name`, `lines[0].sku`, '' for the value itself); null when
 * there is none. Raw bytes (a webhook's body, kept for its signature) are not looked into. A walk with its own
 * stack, not recursion: JSON nested 100,000 deep is valid, and must not overflow the call stack.
 */
export function findNul(value: unknown): string | null {
  const pending: [unknown, string][] = [[value, '']];
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\0')) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${path}[${i}]`]);
    } else if (item !== null && typeof item === 'object' && !ArrayBuffer.isView(item)) {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const at = path ? `${path}.${key}` : key;
        pending.push(key.includes('\0') ? [key, at] : [child, at]);
      }
    }
  }
  return null;
}

/**
 * A `preValidation` hook: a U+0000 anywhere in the path parameters, the query or a JSON body is refused, naming the
 * field. PostgreSQL cannot store it in text (SQLite can), so refusing it here answers the same on both databases.
 */
export function refuseNul(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const inUrl = locate('params', request.params) ?? locate('query', request.query);
  const inBody = inUrl === null ? findNul(request.body) : null;
  const field = inUrl ?? (inBody === null ? null : inBody || 'body');
  // A callback hook, not an async one: every request passes here, and a promise per request is measurable at intake.
  if (field === null) return done();
  // Answered here, the request goes no further (Fastify: a callback hook that sends does not call done).
  void sendProblem(
    reply,
    request,
    inUrl === null ? 422 : 400,
    'invalid_input',
    `${field}: must not contain U+0000 (NUL)`,
    { field },
  );
}

function locate(where: string, value: unknown): string | null {
  const found = findNul(value);
  return found === null ? null : `${where}.${found}`;
}
