import type { CatalogPage, ErrorBody, MovieDetails } from '@sokoul/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Stack } from '../launcher/src/stack.js';
import { adminSession, api, stack as sharedStack } from './helpers/api.js';
import { controlFakeTmdb, FAKE_V4_TOKEN } from './helpers/fake-tmdb.js';
import { createTestDatabase, dropTestDatabase, launchStack, tmdbSettings } from './helpers/stack.js';

/**
 * The catalog cache on both implementations: the shared stack caches in the machine's Redis
 * (through the Upstash-compatible gateway, TMDB v3 key); a second stack has no Redis, so it caches
 * in the Durable Object, and authenticates to TMDB with a v4 read token. Fresh lifetimes are 2 s.
 */
const fake = controlFakeTmdb(inject('tmdb'));
let own: Stack | undefined;
let ownDatabase: string | undefined;
const targets: Record<'redis' | 'durable-object', { base: string; token: string }> = {
  redis: { base: '', token: '' },
  'durable-object': { base: '', token: '' },
};

beforeAll(async () => {
  ownDatabase = await createTestDatabase('sokoul_cache');
  const launched = await launchStack({
    DATABASE_URL: ownDatabase,
    REDIS_URL: undefined,
    ...tmdbSettings(inject('tmdb'), FAKE_V4_TOKEN),
  });
  own = launched.stack;
  targets.redis = { base: sharedStack().url, token: (await adminSession()).accessToken };
  targets['durable-object'] = {
    base: launched.info.url,
    token: (await adminSession(launched.info.url)).accessToken,
  };
});
afterAll(async () => {
  await own?.stop();
  if (ownDatabase) await dropTestDatabase(ownDatabase);
});
afterEach(() => fake.reset());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Languages make distinct cache keys for the same TMDB path, so every case starts cold. */
const LANGUAGES = {
  redis: ['de-DE', 'it-IT', 'es-ES', 'pt-BR', 'ja-JP', 'nl-NL', 'sv-SE', 'da-DK', 'pl-PL'],
  'durable-object': ['de-AT', 'it-CH', 'es-MX', 'pt-PT', 'ko-KR', 'nl-BE', 'fi-FI', 'nb-NO', 'cs-CZ'],
};

describe.each(['redis', 'durable-object'] as const)('TMDB cache on %s', (kind) => {
  const langs = LANGUAGES[kind];
  const lang = (i: number) => langs[i] as string;
  const get = <T>(path: string) =>
    api<T>('GET', path, { base: targets[kind].base, token: targets[kind].token });

  it('reports which cache implementation it uses', async () => {
    const health = await api<{ checks: { cache: { detail: string } } }>('GET', '/health', {
      base: targets[kind].base,
    });
    expect(health.body.checks.cache.detail).toBe(kind);
  });

  it('misses once, then hits without calling TMDB', async () => {
    const before = await fake.calls('/movie/603');
    const first = await get<MovieDetails>(`/tmdb/movie/603?language=${lang(0)}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const second = await get<MovieDetails>(`/tmdb/movie/603?language=${lang(0)}`);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(await fake.calls('/movie/603')).toBe(before + 1);
  });

  it('serves an expired answer at once and refreshes it in the background', async () => {
    const path = `/tmdb/trending?type=tv&language=${lang(1)}`;
    const before = await fake.calls('/trending/tv');
    await get(path);
    await sleep(2300);
    const stale = await get<CatalogPage>(path);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-cache')).toBe('STALE');
    await expect.poll(() => fake.calls('/trending/tv'), { timeout: 3000 }).toBe(before + 2);
    await expect.poll(async () => (await get(path)).headers.get('x-cache'), { timeout: 3000 }).toBe('HIT');
  });

  it('keeps serving the cached copy while TMDB fails, and 502s only without one', async () => {
    const path = `/tmdb/tv/1396?language=${lang(2)}`;
    const primed = await get<{ title: string }>(path);
    expect(primed.status).toBe(200);
    await fake.behave({ path: '/tv/1396', mode: 'status', status: 503 });
    await sleep(2300);
    for (let i = 0; i < 3; i++) {
      const res = await get<{ title: string }>(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('STALE');
      expect(res.body.title).toBe(primed.body.title);
      await sleep(200);
    }
    const cold = await get<ErrorBody>(`/tmdb/tv/1396?language=${lang(3)}`);
    expect(cold.status).toBe(502);
    expect(cold.body.error).toMatchObject({ code: 'upstream_error', message: 'TMDB answered with HTTP 503' });
  });

  it('cuts a hanging TMDB at its timeout', async () => {
    await fake.behave({ path: '/tv/1668', mode: 'hang' });
    const started = Date.now();
    const res = await get<ErrorBody>(`/tmdb/tv/1668?language=${lang(4)}`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(502);
    expect(res.body.error.message).toBe('TMDB did not answer within 1000 ms');
    expect(elapsed).toBeGreaterThanOrEqual(900);
  });

  it('answers a malformed TMDB payload with a 502, not a crash', async () => {
    await fake.behave({ path: '/movie/27205', mode: 'malformed' });
    const res = await get<ErrorBody>(`/tmdb/movie/27205?language=${lang(5)}`);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'upstream_error', message: 'TMDB sent a malformed answer' });
    const health = await api('GET', '/health', { base: targets[kind].base });
    expect(health.status).toBe(200);
  });

  it('makes one TMDB call for many identical concurrent misses', async () => {
    await fake.behave({ path: '/person/819', mode: 'delay', delayMs: 300 });
    const before = await fake.calls('/person/819');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => get<{ name: string }>(`/tmdb/person/819?language=${lang(6)}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.name))).toEqual(new Set(['Edward Norton']));
    expect(await fake.calls('/person/819')).toBe(before + 1);
  });

  it('honours Retry-After on 429: no TMDB call for anything until it passes', async () => {
    await fake.behave({ path: '/movie/13', mode: 'status', status: 429, retryAfter: 2 });
    const limited = await get<ErrorBody>(`/tmdb/movie/13?language=${lang(7)}`);
    expect(limited.status).toBe(503);
    expect(limited.body.error.code).toBe('upstream_rate_limited');
    expect(limited.headers.get('retry-after')).toBe('2');
    await fake.reset();
    const before = await fake.calls('/movie/8587');
    const other = await get<ErrorBody>(`/tmdb/movie/8587?language=${lang(7)}`);
    expect(other.status).toBe(503);
    expect(await fake.calls('/movie/8587')).toBe(before);
    await sleep(2200);
    const after = await get(`/tmdb/movie/8587?language=${lang(7)}`);
    expect(after.status).toBe(200);
    expect(await fake.calls('/movie/8587')).toBe(before + 1);
  });

  it('reads a Retry-After given as an HTTP-date', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    await fake.behave({ path: '/movie/13', mode: 'status', status: 429, retryAfter: at });
    const limited = await get<ErrorBody>(`/tmdb/movie/13?language=${lang(8)}`);
    expect(limited.status).toBe(503);
    // Three seconds give 2 to 4 once the date's whole seconds are rounded up (10 when unread).
    const seconds = Number(limited.headers.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThanOrEqual(4);
    await fake.reset();
    // Leaves no back-off behind for the tests that follow.
    await sleep(seconds * 1000 + 200);
  });
});
