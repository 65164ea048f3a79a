import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

/** Where `npm run build:ui` (run by `npm install`) leaves the admin UI and the supplier portal. */
export const UI_DIST = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

/** The admin UI's pages (its client-side routes): each answers the admin page, which draws the right one. */
export const ADMIN_PAGES = [
  '/',
  '/sign-in',
  '/orders',
  '/orders/:orderId',
  '/review',
  '/dead-letters',
  '/channels',
  '/suppliers',
  '/suppliers/:supplierId/files',
  '/stock',
  '/users',
  '/keys',
] as const;

/**
 * Scripts and styles from the hub itself only, no framing by another site: what a page can be made to run or show
 * is what the build put in it.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The built web UI: the admin at `/` (its pages), the supplier portal at `/portal`, their assets at `/assets/`. */
export async function serveUi(app: FastifyInstance): Promise<void> {
  const page = (file: string) => {
    const path = `${UI_DIST}${file}`;
    // Read once: the build does not change under a running hub (a rebuild needs a restart, as a code change does).
    let html: string | undefined;
    return async (request: FastifyRequest, reply: FastifyReply) => {
      html ??= existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      if (html === undefined)
        return sendProblem(
          reply,
          request,
          503,
          'ui_not_built',
          'the web UI is not built: run `npm run build:ui` (npm install does it), then start the hub again',
        );
      return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
    };
  };
  const admin = page('index.html');
  const portal = page('portal/index.html');
  for (const url of ADMIN_PAGES) app.get(url, { schema: { hide: true } }, admin);
  app.get('/portal', { schema: { hide: true } }, portal);
  app.get('/portal/*', { schema: { hide: true } }, portal);
  await app.register(fastifyStatic, {
    root: `${UI_DIST}assets`,
    prefix: '/assets/',
    // Vite names each asset by its content's hash: a name never changes what it holds.
    immutable: true,
    maxAge: '365d',
    index: false,
    // Before a build the folder is missing: an asset is then not found (404), and the pages say why.
    schemaHide: true,
  });
}
