import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Two pages from one build: the operator's admin UI (`/`) and the suppliers' portal (`/portal`). The hub serves
 * `ui/dist/index.html`, `ui/dist/portal/index.html` and `ui/dist/assets/` (see src/http for the page paths).
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    rollupOptions: {
      input: { admin: here('index.html'), portal: here('portal/index.html') },
    },
  },
});
