import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests that inspect the API's module graph in Node (its route table, its OpenAPI document).
  resolve: {
    alias: {
      'cloudflare:workers': fileURLToPath(new URL('./tests/helpers/cloudflare-workers.ts', import.meta.url)),
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    // One shared stack; files that stop services start their own. Sequential files keep a 2-core
    // machine predictable.
    fileParallelism: false,
    testTimeout: 30_000,
    // What the browser tests poll for is asynchronous (a search, an event): a second is too tight
    // on a loaded 2-core machine, and a poll still returns as soon as it holds.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
