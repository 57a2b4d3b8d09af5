import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The Go server (api/server.go serveWebApp) serves dist/ embedded in the
// binary and caches /assets/* for a year, so every asset name carries a
// content hash. `npm run dev` proxies the API to a `facestat serve` on
// 127.0.0.1:8080 (or FACESTAT_DEV_API).
const api = process.env.FACESTAT_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      // GraphiQL's dialogs (Radix) would insert a <style> element, which the
      // Content-Security-Policy refuses: see src/graphiql/styleSingleton.ts.
      'react-style-singleton': fileURLToPath(new URL('./src/graphiql/styleSingleton.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    // dist/.gitkeep is committed (so `//go:embed all:dist` compiles without
    // Node); the build empties dist and copies it back from public/.
    emptyOutDir: true,
    assetsDir: 'assets',
    // GraphiQL's bundle (about 780 kB, 250 kB compressed) loads only on
    // /graphiql; the app's stay well under this.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // Two pages: the app, and GraphiQL (/graphiql, api/graphiql.go) in
      // bundles of its own, so the app does not load GraphiQL's code.
      input: { index: 'index.html', graphiql: 'graphiql.html' },
      onwarn(warning, warn) {
        // GraphiQL's react-compiler-runtime opens with "use no memo", a
        // hint to the React Compiler, which this build does not run.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.id?.includes('react-compiler-runtime')) return;
        warn(warning);
      },
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    proxy: {
      '/graphql': {
        target: api,
        ws: true,
        // The server trusts the session cookie on a WebSocket only from the
        // public URL's origin: present the dev server's sockets as coming
        // from there.
        configure: (proxy) => {
          proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('Origin', api));
        },
      },
      '/images': api,
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}', 'engines.test.ts'],
  },
});
