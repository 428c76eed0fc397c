/**
 * Builds the renderer (renderer/) into dist/renderer/, which both Electron and `tessera serve` load.
 * Relative asset URLs (base './') work from file:, a custom scheme, or any path on the server.
 */
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The dev server injects an inline script (React Fast Refresh) that the production CSP forbids, so the CSP
 * <meta> is dropped in `vite` dev only. Builds keep it untouched.
 */
function devWithoutCsp(): Plugin {
  return {
    name: 'tessera-dev-without-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/s, ''),
  };
}

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), devWithoutCsp()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The Markdown, KaTeX and highlight.js stack is one ~1 MB chunk; it is local, so size is not latency.
    chunkSizeWarningLimit: 2000,
  },
});
