import type { TestProject } from 'vitest/node';
import {
  PROTECTED_RELEASES,
  STACK_JACKETT_KEY,
  STACK_RELEASES,
  startFakeFlareSolverr,
  startFakeIndexer,
  startFakeProxy,
} from './fake-indexer.js';
import { FAKE_V3_KEY, startFakeTmdb } from './fake-tmdb.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
  tmdbSettings,
} from './stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
    /** The fake TMDB's root URL (control API under /__control). */
    tmdb: string;
    /** The fake Jackett's root URL (control: /__calls, /__behaviour). */
    jackett: string;
    /** A Torznab indexer behind a (fake) Cloudflare challenge, and the fake FlareSolverr. */
    protectedIndexer: string;
    flareSolverr: string;
    /** The HTTP proxy added indexers go through (GET / lists the tunnels it opened). */
    proxy: string;
  }
}

/** The shared stack's search limit (not the default, so the runner test proves the setting works). */
export const SEARCH_CONCURRENCY = 2;

/**
 * The shared stack every API test talks to: the machine's PostgreSQL (a fresh database), the
 * machine's Redis through the launcher's Upstash-compatible gateway, a nats-server of our own
 * (the machine's has no WebSocket listener, which workerd needs), bare workerd and torrent-node.
 */
export default async function setup(project: TestProject) {
  // npm test's side lane runs files that start what they need themselves.
  if (process.env.SOKOUL_TESTS_SHARED_STACK === 'off') return undefined;
  const tmdb = await startFakeTmdb();
  const jackett = await startFakeIndexer({
    name: 'Jackett',
    releases: STACK_RELEASES,
    apiKey: STACK_JACKETT_KEY,
  });
  const flareSolverr = await startFakeFlareSolverr();
  const proxy = await startFakeProxy();
  const protectedIndexer = await startFakeIndexer({ name: 'Protected', releases: PROTECTED_RELEASES });
  protectedIndexer.setBehaviour({ kind: 'cloudflare' });
  const databaseUrl = await createTestDatabase('sokoul_test');
  const { stack, info } = await launchStack({
    ...tmdbSettings(tmdb.url, FAKE_V3_KEY),
    JACKETT_URL: jackett.root,
    JACKETT_API_KEY: STACK_JACKETT_KEY,
    INDEXER_TIMEOUT_MS: '2000',
    FLARESOLVERR_URL: flareSolverr.url,
    INDEXER_PROXY_URL: proxy.url,
    // The fake indexers run on 127.0.0.1: the outbound guard refuses loopback unless allowed
    // (tests/outbound.test.ts proves it does without this).
    INDEXER_ALLOW_PRIVATE: 'true',
    PUSH_ALLOW_PRIVATE: 'true',
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    SEARCH_CONCURRENCY: String(SEARCH_CONCURRENCY),
    LOGIN_RATE_LIMIT: '5',
    // Long enough for auth.test.ts's doubling waits (6 s of sleeps between slow logins) to stay
    // inside one window on a loaded machine.
    LOGIN_RATE_WINDOW: '30',
    // Test files sign up dozens of members from 127.0.0.1; the limit itself is tested from other addresses.
    SIGNUP_RATE_LIMIT: '400',
    SIGNUP_RATE_WINDOW: '60',
  });
  project.provide('stack', info);
  project.provide('tmdb', tmdb.url);
  project.provide('jackett', jackett.root);
  project.provide('protectedIndexer', protectedIndexer.url);
  project.provide('flareSolverr', flareSolverr.url);
  project.provide('proxy', proxy.url);
  return async () => {
    await stack.stop();
    await tmdb.close();
    await jackett.close();
    await protectedIndexer.close();
    await flareSolverr.close();
    await proxy.close();
    await dropTestDatabase(databaseUrl);
  };
}
