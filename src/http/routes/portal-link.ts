import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { rememberListenerUrl, signInWithPortalLink } from '../../app/portal-link.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../auth.ts';
import { errorResponses } from '../schemas.ts';
import { startSession } from './session.ts';

const linkSessionOut = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    role: z.literal('supplier'),
    supplierId: z.string(),
    hasPassword: z.boolean(),
  }),
  csrfToken: z
    .string()
    .describe(`repeat it in the ${CSRF_HEADER} header of every request that changes something`),
  expiresAt: z.string(),
  poNumber: z.string().describe('the purchase order the link opens'),
  location: z.string().describe("the portal page of that purchase order: where the link's page goes next"),
});

/**
 * The landing of a portal link (docs/email-transport.md): the portal page at /portal/link reads the token from the
 * URL's fragment and posts it here; the answer sets the session cookie and says which PO page to open.
 */
export function portalLinkRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Where links point when the setup names no publicUrl: this server, once it listens.
    app.addHook('onListen', async function () {
      const address = this.server.address();
      if (address && typeof address === 'object') rememberListenerUrl(ctx, listenerUrl(address));
    });

    app.post(
      '/api/v1/session/portal-link',
      {
        schema: {
          tags: ['session'],
          summary: "Sign in to the supplier portal with a purchase order's link",
          description: `The token is the \`token\` in the fragment of the link a PO email carries (\`/portal/link#token=…\`). It signs in as the supplier's link user (the same \`${SESSION_COOKIE}\` cookie and CSRF rule as a password's) as often as needed for 14 days; unknown, expired or revoked links answer 401.`,
          body: z.object({ token: z.string().min(1).max(200) }),
          response: { 200: linkSessionOut, ...errorResponses },
        },
      },
      async (request, reply) => {
        const signedIn = await signInWithPortalLink(ctx, request.body.token);
        const session = startSession(request, reply, signedIn);
        return {
          ...session,
          user: { ...session.user, role: 'supplier' as const, supplierId: signedIn.user.supplierId! },
          poNumber: signedIn.poNumber,
          location: `/portal/purchase-orders/${encodeURIComponent(signedIn.poNumber)}`,
        };
      },
    );
  };
}

/** `http://host:port` of a listening socket; a wildcard address is reached on loopback. */
function listenerUrl(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
