import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';

const api = 'http://127.0.0.1:3000';

/** Lists every file of the build in precache.json, for the service worker to cache at install. */
const precacheList = (): Plugin => ({
  name: 'sokoul-precache-list',
  apply: 'build',
  enforce: 'post',
  generateBundle(_, bundle) {
    const files = Object.keys(bundle)
      .filter((file) => file !== 'sw.js' && !file.endsWith('.map') && !file.startsWith('docs/'))
      .map((file) => `/${file}`);
    this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(files) });
  },
});

/** Swagger UI's files for the API reference at /docs, served from the app's origin (no CDN). */
const apiReference = (): Plugin => ({
  name: 'sokoul-api-reference',
  apply: 'build',
  generateBundle() {
    const resolve = createRequire(import.meta.url).resolve;
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const source = readFileSync(resolve(`swagger-ui-dist/${file}`));
      this.emitFile({ type: 'asset', fileName: `docs/${file}`, source });
    }
  },
});

export default defineConfig({
  plugins: [solid(), apiReference(), precacheList()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      input: { index: 'index.html', sw: 'src/sw.ts' },
      // The service worker keeps a fixed name at the root: its URL decides its scope.
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: {
    proxy: {
      '/auth': api,
      '/tasks': api,
      '/admin': api,
      '/tmdb': api,
      '/health': api,
      '/ws': { target: api, ws: true },
    },
  },
});
