import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../app/api-keys.ts';
import { findApiKeyRole } from '../app/api-keys.ts';
import type { AppContext } from '../app/context.ts';
import { sessionOf, SUPPLIER_ROLE, type UserView } from '../app/users.ts';
import { hashToken, safeEqual } from '../infra/tokens.ts';
import { TtlCache } from '../infra/ttl-cache.ts';
import { findSupplierByTokenHash } from '../store/partners.repo.ts';
import { sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    role?: Role;
    supplierId?: string;
    /** The signed-in person, when the request came with a session cookie rather than a bearer token. */
    user?: UserView;
  }
}

/** The web UI's session cookie (HttpOnly: no script reads it; the CSRF token is what pages send back). */
export const SESSION_COOKIE = 'waybill_session';
/** The header a state-changing request made with the session cookie repeats the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session the request's cookie names, if live, and whether the request may go on with it: a state-changing
 * request must carry the session's CSRF token (another site's form can send the cookie, never the header).
 */
export async function sessionFromCookie(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<{ user: UserView; csrfToken: string; expiresAt: number; csrfOk: boolean } | undefined> {
  const token = request.cookies?.[SESSION_COOKIE];
  if (!token) return undefined;
  const session = await sessionOf(ctx.store.db, token, ctx.clock.now().getTime());
  if (!session) return undefined;
  const sent = request.headers[CSRF_HEADER];
  const csrfOk =
    SAFE_METHODS.has(request.method) || (typeof sent === 'string' && safeEqual(sent, session.csrfToken));
  return { ...session, csrfOk };
}

/** 403 `csrf`: the session cookie came without its token on a request that changes something. */
export function refuseCsrf(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(
    reply,
    request,
    403,
    'csrf',
    `${CSRF_HEADER}: required with the session cookie on a request that changes something; send the csrfToken of GET /api/v1/session`,
    { field: CSRF_HEADER },
  );
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

/**
 * Operator API: `Authorization: Bearer <api key>`, or an operator's session cookie (the web UI), and the key's or
 * user's role must allow the access.
 */
export function operatorAuth(ctx: AppContext) {
  // Intake is hot; a revoked key stops working within these few seconds.
  const cache = new TtlCache<Role | null>(5_000);
  return (access: keyof typeof ALLOWED) => async (request: FastifyRequest, reply: FastifyReply) => {
    const key = bearer(request);
    let role: Role | null | undefined;
    if (key) {
      const hash = hashToken(key);
      role = cache.get(hash);
      if (role === undefined) {
        role = await findApiKeyRole(ctx.store.db, key);
        cache.set(hash, role);
      }
      if (!role) return unauthorized(request, reply, 'the API key is not valid');
    } else {
      const session = await sessionFromCookie(ctx, request);
      if (!session)
        return unauthorized(
          request,
          reply,
          'an API key is required (Authorization: Bearer <key>), or sign in: POST /api/v1/session',
        );
      if (session.user.role === SUPPLIER_ROLE)
        return sendProblem(
          reply,
          request,
          403,
          'forbidden',
          "a supplier's user works in the supplier portal",
        );
      if (!session.csrfOk) return refuseCsrf(request, reply);
      role = session.user.role;
      request.user = session.user;
    }
    if (!ALLOWED[access].includes(role))
      return sendProblem(reply, request, 403, 'forbidden', `the ${role} role may not do this`);
    request.role = role;
  };
}

/**
 * Supplier API: the bearer token identifies one supplier, or a supplier's user is signed in (the portal); every
 * route is scoped to that supplier.
 */
export function supplierAuth(ctx: AppContext) {
  const cache = new TtlCache<string | null>(5_000);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) {
      const session = await sessionFromCookie(ctx, request);
      if (!session)
        return unauthorized(
          request,
          reply,
          "a supplier token is required (Authorization: Bearer <token>), or a supplier's user signed in to the portal",
        );
      // Signed in, but as an operator: who they are is known, and this is not theirs (the admin UI is).
      if (session.user.supplierId === null)
        return sendProblem(
          reply,
          request,
          403,
          'forbidden',
          "an operator works in the admin UI; the portal is suppliers' users'",
        );
      if (!session.csrfOk) return refuseCsrf(request, reply);
      request.user = session.user;
      request.supplierId = session.user.supplierId;
      return;
    }
    const hash = hashToken(token);
    let supplierId = cache.get(hash);
    if (supplierId === undefined) {
      supplierId = (await findSupplierByTokenHash(ctx.store.db, hash))?.id ?? null;
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
