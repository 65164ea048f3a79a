import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../app/api-keys.ts';
import { findApiKeyRole } from '../app/api-keys.ts';
import { hashToken } from '../infra/tokens.ts';
import { TtlCache } from '../infra/ttl-cache.ts';
import { findSupplierByTokenHash } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import { sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    role?: Role;
    supplierId?: string;
  }
}

const ALLOWED: Record<'read' | 'write' | 'admin', readonly Role[]> = {
  read: ['admin', 'operator', 'read-only'],
  write: ['admin', 'operator'],
  admin: ['admin'],
};

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1] ?? null;
}

/** Operator API: `Authorization: Bearer <api key>`, and the key's role must allow the access. */
export function apiKeyAuth(db: Db) {
  // Intake is hot; a revoked key stops working within these few seconds.
  const cache = new TtlCache<Role | null>(5_000);
  return (access: keyof typeof ALLOWED) => async (request: FastifyRequest, reply: FastifyReply) => {
    const key = bearer(request);
    if (!key) return unauthorized(request, reply, 'an API key is required: Authorization: Bearer <key>');
    const hash = hashToken(key);
    let role = cache.get(hash);
    if (role === undefined) {
      role = await findApiKeyRole(db, key);
      cache.set(hash, role);
    }
    if (!role) return unauthorized(request, reply, 'the API key is not valid');
    if (!ALLOWED[access].includes(role))
      return sendProblem(reply, request, 403, 'forbidden', `the ${role} role may not do this`);
    request.role = role;
  };
}

/** Supplier API: the bearer token identifies one supplier, and every route is scoped to it. */
export function supplierAuth(db: Db) {
  const cache = new TtlCache<string | null>(5_000);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(request);
    if (!token)
      return unauthorized(request, reply, 'a supplier token is required: Authorization: Bearer <token>');
    const hash = hashToken(token);
    let supplierId = cache.get(hash);
    if (supplierId === undefined) {
      supplierId = (await findSupplierByTokenHash(db, hash))?.id ?? null;
      cache.set(hash, supplierId);
    }
    if (!supplierId) return unauthorized(request, reply, 'the supplier token is not valid');
    request.supplierId = supplierId;
  };
}

function unauthorized(request: FastifyRequest, reply: FastifyReply, detail: string) {
  reply.header('www-authenticate', 'Bearer');
  return sendProblem(reply, request, 401, 'unauthorized', detail);
}
