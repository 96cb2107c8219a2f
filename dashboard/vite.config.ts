import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/** Builds the dashboard to dist/, which the hub serves at `/` with an SPA fallback. */
export default defineConfig({
  base: '/',
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // `npm run dev -w dashboard`: the API and the event socket come from a hub on its default port.
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8765', ws: true } } },
});
