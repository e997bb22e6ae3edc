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
      .filter((file) => file !== 'sw.js' && !file.endsWith('.map'))
      .map((file) => `/${file}`);
    this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(files) });
  },
});

export default defineConfig({
  plugins: [solid(), precacheList()],
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
