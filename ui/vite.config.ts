import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Where `vite` (the dev server) sends API calls: a hub started beside it (`npm start`, port 8080 unless PORT). */
const HUB = process.env.WAYBILL_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`;

/**
 * Two pages from one build: the operator's admin UI (`/`) and the suppliers' portal (`/portal`). The hub serves
 * `ui/dist/index.html`, `ui/dist/portal/index.html` and `ui/dist/assets/` (src/http/ui.ts lists the page paths).
 * `npx vite --config ui/vite.config.ts` serves the sources with hot reload instead.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react(), portalPagesInDev()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    rollupOptions: {
      input: { admin: here('index.html'), portal: here('portal/index.html') },
      // What both pages use (React, the router, ui/src's shared parts) goes in one chunk, named for what it is.
      output: {
        chunkFileNames: 'assets/shared-[hash].js',
        // The one stylesheet (ui/src/styles.css), whichever chunk it rides with.
        assetFileNames: (asset) =>
          asset.names.some((n) => n.endsWith('.css'))
            ? 'assets/styles-[hash][extname]'
            : 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: { proxy: { '/api': HUB, '/supplier-api': HUB } },
});

/** The dev server answers unknown paths with the admin page; the portal's own paths get the portal's, as the hub does. */
function portalPagesInDev(): Plugin {
  return {
    name: 'waybill-portal-pages',
    configureServer(server) {
      server.middlewares.use((request, _response, next) => {
        const path = request.url?.split(/[?#]/)[0] ?? '';
        if ((path === '/portal' || path.startsWith('/portal/')) && !path.includes('.'))
          request.url = '/portal/index.html';
        next();
      });
    },
  };
}
