import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

// The renderer only: `src-renderer` -> `dist/renderer`, served by `streams host` and loaded by Electron.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const HOST = process.env.STREAMS_DEV_HOST ?? 'http://127.0.0.1:7070';
const toHost: ProxyOptions = { target: HOST, changeOrigin: false, ws: true };

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  // Relative asset URLs, so the same build works under http:// and file:// (Electron).
  base: './',
  define: { __STUDIO_VERSION__: JSON.stringify(pkg.version) },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // hls.js and dash.js (about 0.5 and 1 MB) load only when a player opens: their size is expected.
    chunkSizeWarningLimit: 1500,
    // The studio, and the guest page (/guest/<id>: no account, its own small bundle).
    rollupOptions: { input: { main: fileURLToPath(new URL('./src-renderer/index.html', import.meta.url)), guest: fileURLToPath(new URL('./src-renderer/guest.html', import.meta.url)) } },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': toHost,
      '/auth': toHost,
      '/login': toHost,
      '/healthz': toHost,
      '/metrics': toHost,
    },
  },
});
