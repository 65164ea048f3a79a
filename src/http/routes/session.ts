import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../app/api-keys.ts';
import type { AppContext } from '../../app/context.ts';
import {
  AccountLocked,
  choosePassword,
  createUser,
  disableUserById,
  issueSignInLink,
  listUserViews,
  MIN_PASSWORD_LENGTH,
  signInWithLink,
  signInWithPassword,
  signOut,
  type SignedIn,
} from '../../app/users.ts';
import { CSRF_HEADER, refuseCsrf, SESSION_COOKIE, sessionFromCookie } from '../auth.ts';
import { sendProblem } from '../problem.ts';
import { errorResponses, problemOut } from '../schemas.ts';
import type { Guards } from '../server.ts';

const userOut = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum([...ROLES, 'supplier']),
  supplierId: z.string().nullable(),
  hasPassword: z.boolean().describe('false until the user chooses one after their sign-in link'),
});
const sessionOut = z.object({
  user: userOut,
  csrfToken: z
    .string()
    .describe(`repeat it in the ${CSRF_HEADER} header of every request that changes something`),
  expiresAt: z.string(),
});
const sessionErrors = { ...errorResponses, 403: problemOut, 409: problemOut, 429: problemOut };

/** Loopback is plain HTTP in development and tests; everywhere else the cookie goes over TLS only. */
function overLoopback(request: FastifyRequest): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(request.hostname);
}

/** Sets the session's cookie on the answer (every way of signing in), and says what the UI needs of the session. */
export function startSession(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) {
  reply.setCookie(SESSION_COOKIE, signedIn.sessionToken, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: !overLoopback(request),
    expires: new Date(signedIn.expiresAt),
  });
  return {
    user: signedIn.user,
    csrfToken: signedIn.csrfToken,
    expiresAt: new Date(signedIn.expiresAt).toISOString(),
  };
}

/** Sign-in to the web UI (operators and suppliers' users), and the admin's list of users. */
export function sessionRoutes(ctx: AppContext, guard: Guards): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/session',
      {
        schema: {
          tags: ['session'],
          summary: 'Sign in with email and password',
          description: `Sets the HttpOnly session cookie (\`${SESSION_COOKIE}\`). ${'5'} failed sign-ins in a row lock the account for 15 minutes (429 with Retry-After).`,
          body: z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
          response: { 200: sessionOut, ...sessionErrors },
        },
      },
      async (request, reply) => {
        try {
          return startSession(
            request,
            reply,
            await signInWithPassword(ctx, request.body.email, request.body.password),
          );
        } catch (error) {
          if (error instanceof AccountLocked) reply.header('retry-after', Math.ceil(error.retryAfterSeconds));
          throw error;
        }
      },
    );

    app.post(
      '/api/v1/session/link',
      {
        schema: {
          tags: ['session'],
          summary: 'Sign in with a one-time sign-in link',
          description:
            'The token is the `link` of the link a user was given (`/sign-in#link=…`). It works once, for 72 hours.',
          body: z.object({ token: z.string().min(1).max(200) }),
          response: { 200: sessionOut, ...sessionErrors },
        },
      },
      async (request, reply) => startSession(request, reply, await signInWithLink(ctx, request.body.token)),
    );

    app.get(
      '/api/v1/session',
      {
        schema: {
          tags: ['session'],
          summary: 'Who is signed in, and the CSRF token of the session',
          response: { 200: sessionOut, ...sessionErrors },
        },
      },
      async (request, reply) => {
        const session = await sessionFromCookie(ctx, request);
        if (!session) return sendProblem(reply, request, 401, 'unauthorized', 'session: not signed in');
        return {
          user: session.user,
          csrfToken: session.csrfToken,
          expiresAt: new Date(session.expiresAt).toISOString(),
        };
      },
    );

    app.delete(
      '/api/v1/session',
      {
        schema: {
          tags: ['session'],
          summary: 'Sign out',
          response: { 204: z.null(), ...sessionErrors },
        },
      },
      async (request, reply) => {
        const session = await sessionFromCookie(ctx, request);
        if (session && !session.csrfOk) return refuseCsrf(request, reply);
        if (session) await signOut(ctx, request.cookies[SESSION_COOKIE]!);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    app.put(
      '/api/v1/session/password',
      {
        schema: {
          tags: ['session'],
          summary: "Choose the signed-in user's password (their other sessions end)",
          body: z.object({ password: z.string().min(MIN_PASSWORD_LENGTH).max(1024) }),
          response: { 204: z.null(), ...sessionErrors },
        },
      },
      async (request, reply) => {
        const session = await sessionFromCookie(ctx, request);
        if (!session) return sendProblem(reply, request, 401, 'unauthorized', 'session: not signed in');
        if (!session.csrfOk) return refuseCsrf(request, reply);
        await choosePassword(
          ctx,
          { userId: session.user.id, sessionToken: request.cookies[SESSION_COOKIE]! },
          request.body.password,
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/users',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['session'],
          summary: 'The people who sign in to the web UI',
          response: {
            200: z.object({
              users: z.array(userOut.extend({ createdAt: z.string(), disabledAt: z.string().nullable() })),
            }),
            ...sessionErrors,
          },
        },
      },
      async () => ({ users: await listUserViews(ctx.store.db) }),
    );

    app.post(
      '/api/v1/users/:id/link',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['session'],
          summary: 'A new one-time sign-in link for a user (a lost password, a lapsed invitation)',
          params: z.object({ id: z.string() }),
          response: { 200: z.object({ id: z.string(), signInPath: z.string() }), ...sessionErrors },
        },
      },
      async (request) => {
        const issued = await issueSignInLink(ctx, { id: request.params.id });
        return { id: issued.id, signInPath: issued.signInPath };
      },
    );

    app.delete(
      '/api/v1/users/:id',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['session'],
          summary: 'Disable a user: their sessions end at once and they sign in no more',
          params: z.object({ id: z.string() }),
          response: { 204: z.null(), ...sessionErrors },
        },
      },
      async (request, reply) => {
        if (request.user?.id === request.params.id)
          return sendProblem(reply, request, 409, 'conflict', 'id: an admin does not disable their own user');
        await disableUserById(ctx, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/v1/users',
      {
        onRequest: guard.admin,
        schema: {
          tags: ['session'],
          summary:
            "Create an operator (a role) or a supplier's user (a supplier), with a one-time sign-in link",
          description:
            "The answer holds the sign-in path (append it to the hub's address) once: only its hash is kept.",
          body: z.union([
            z.object({ email: z.string().min(1).max(320), role: z.enum(ROLES) }),
            z.object({ email: z.string().min(1).max(320), supplierId: z.string().min(1) }),
          ]),
          response: {
            201: z.object({ id: z.string(), signInPath: z.string() }),
            ...sessionErrors,
            409: problemOut,
          },
        },
      },
      async (request, reply) => {
        const created = await createUser(ctx, request.body);
        return reply.code(201).send({ id: created.id, signInPath: created.signInPath });
      },
    );
  };
}
