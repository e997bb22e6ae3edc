import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const api = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [solid()],
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/auth': api,
      '/tasks': api,
      '/admin': api,
      '/health': api,
      '/ws': { target: api, ws: true },
    },
  },
});
