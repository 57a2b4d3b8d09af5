import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The Go server (api/server.go serveWebApp) serves dist/ embedded in the
// binary and caches /assets/* for a year, so every asset name carries a
// content hash. `npm run dev` proxies the API to a `facestat serve` on
// 127.0.0.1:8080 (or FACESTAT_DEV_API).
const api = process.env.FACESTAT_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // dist/.gitkeep is committed (so `//go:embed all:dist` compiles without
    // Node); the build empties dist and copies it back from public/.
    emptyOutDir: true,
    assetsDir: 'assets',
    rollupOptions: {
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
