// The dashboard: built into website/dist, which wrangler serves as the Worker's static assets.
// `npm run dev:web` serves it with hot reload and sends /api and /hooks to `npm start`'s server.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = `http://127.0.0.1:${process.env.PORT || 8787}`;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2_000, sourcemap: true },
  server: { proxy: { '/api': { target: api, ws: true }, '/hooks': api } },
});
