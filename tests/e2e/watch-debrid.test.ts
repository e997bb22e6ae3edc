import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type DirectStreamAnswer,
  type DownloadEngines,
  type DownloadList,
  type Media,
  SearchResults,
  type TokenPair,
} from '@sokoul/contracts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, memberSession, PASSWORD } from '../helpers/api.js';
import { type MadeTorrent, makeTorrent } from '../helpers/bittorrent.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { startSwarmIndexer } from '../helpers/fake-indexer.js';
import { type FakeRealDebrid, startFakeRealDebrid } from '../helpers/fake-realdebrid.js';
import { FAKE_V3_KEY } from '../helpers/fake-tmdb.js';
import { ensurePlaying, playing } from '../helpers/player.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
  tmdbSettings,
} from '../helpers/stack.js';

/**
 * Watching a film through Real-Debrid, in headless Chromium on a stack of its own pointed at the
 * fake Real-Debrid (tests/helpers/fake-realdebrid.ts: its REST API and its download host). Nobody
 * seeds the torrent: only Real-Debrid can fetch it. The member picks Real-Debrid as their default
 * engine in Settings, presses "Regarder", and the film plays through Sokoul's stream route; the
 * Downloads page says Real-Debrid fetched it, and its release is "instantané" once it was seen
 * downloaded there.
 */
const run = promisify(execFile);
const KEY = 'fake-real-debrid-token-0123456789';
/** The Matrix in the fake TMDB (its IMDb id as the fake gives it). */
const FILM = 603;
const RELEASE = 'The.Matrix.1999.720p.WEB-DL.x264-DEBRID';
const SECONDS = 30;
/** The search's default profile refuses a 720p film under a realistic size: the feed states one. */
const STATED_SIZE = 1.4 * 1024 ** 3;
const slowPoll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 90_000, interval: 200 });

async function writeFilm(path: string): Promise<void> {
  await run('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', '-b:v', '3M'],
    ...['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', '-shortest', path],
  ]);
}

describe('a film fetched by Real-Debrid', () => {
  let browser: Browser;
  let work: string;
  let fake: FakeRealDebrid;
  let indexer: Awaited<ReturnType<typeof startSwarmIndexer>>;
  let made: MadeTorrent;
  let own: { stop(): Promise<void> } | undefined;
  let info: StackInfo;
  let databaseUrl: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sokoul-watch-debrid-'));
    const file = join(work, `${RELEASE}.mp4`);
    await writeFilm(file);
    // Announced to a port nothing listens on: no peer, ever.
    made = await makeTorrent(work, `${RELEASE}.mp4`, { announce: ['http://127.0.0.1:9/announce'] });
    fake = await startFakeRealDebrid({ apiKey: KEY });
    fake.torrent({
      hash: made.infoHash,
      name: RELEASE,
      files: [{ path: `/${RELEASE}.mp4`, source: file }],
      downloadMs: 3000,
    });
    indexer = await startSwarmIndexer('Jackett');
    indexer.offer({
      torrent: made,
      title: RELEASE,
      imdb: `tt${String(FILM).padStart(7, '0')}`,
      size: STATED_SIZE,
    });
    databaseUrl = await createTestDatabase('sokoul_watch_debrid');
    const launched = await launchStack({
      ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
      DATABASE_URL: databaseUrl,
      REDIS_URL: MACHINE_REDIS,
      JACKETT_URL: indexer.root,
      JACKETT_API_KEY: 'watch-debrid-key',
      INDEXER_ALLOW_PRIVATE: 'true',
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
      REAL_DEBRID_API_KEY: KEY,
      REAL_DEBRID_API_URL: fake.url,
    });
    own = launched.stack;
    info = launched.info;
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await own?.stop();
    await fake?.close();
    await indexer?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is chosen as the default in Settings, then plays through the stream route', {
    timeout: 240_000,
  }, async () => {
    const user: TokenPair = await memberSession('watch-debrid', info.url);
    const asUser = { base: info.url, token: user.accessToken };
    const engines = await api<DownloadEngines>('GET', '/downloads/engines', asUser);
    expect(engines.body.engines.find((e) => e.name === 'realdebrid')).toMatchObject({
      state: 'ok',
      streaming: 'after_debrid',
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, info.url, user.user.email, PASSWORD);
    await page.goto(`${info.url}/settings`);
    const prefs = page.locator('[data-testid="download-preferences"]');
    const select = prefs.locator('[data-testid="default-engine"]');
    await expect
      .poll(() => select.locator('option').allTextContents())
      .toEqual(['BitTorrent (Sokoul)', 'Real-Debrid']);
    await select.selectOption('realdebrid');
    // Offered once Real-Debrid is configured; on by default.
    const fallback = prefs.locator('[data-testid="debrid-fallback"]');
    expect(await fallback.isChecked()).toBe(true);
    expect(await prefs.textContent()).toContain('Si Real-Debrid échoue, reprendre en BitTorrent');
    await prefs.locator('[data-testid="download-preferences-save"]').click();
    await expect.poll(() => prefs.textContent()).toContain('Préférences enregistrées.');
    await screenshot(page, 'watch-debrid-settings');

    // "Regarder": the search, the download on Real-Debrid, then the film.
    await page.goto(`${info.url}/watch/movie/${FILM}`);
    const mode = page.locator('[data-testid="playback-mode"]');
    await slowPoll(() => mode.getAttribute('data-mode').catch(() => null)).toBe('direct');
    await ensurePlaying(page);
    expect((await playing(page)).duration).toBeCloseTo(SECONDS, 0);
    await slowPoll(async () => (await playing(page)).currentTime).toBeGreaterThan(2);
    await screenshot(page, 'watch-debrid-playing');

    const answer = await api<DirectStreamAnswer>('GET', `/streaming/direct/movie/${FILM}`, asUser);
    expect(answer.status).toBe(200);
    if (answer.body.status !== 'ready') throw new Error(`direct answered ${answer.body.status}`);
    const { downloads } = (await api<DownloadList>('GET', '/downloads', asUser)).body;
    expect(downloads).toHaveLength(1);
    expect(downloads[0]).toMatchObject({ engine: 'realdebrid', name: RELEASE, engineState: null });
    // Real-Debrid's flow, never the endpoint it removed; the bytes came from its download host.
    expect(fake.count('/torrents/addMagnet', 'POST')).toBe(1);
    expect(fake.count('/torrents/selectFiles', 'POST')).toBeGreaterThanOrEqual(1);
    expect(fake.count('/unrestrict/link', 'POST')).toBeGreaterThanOrEqual(1);
    expect(fake.count('/torrents/instantAvailability')).toBe(0);
    expect(fake.servedBytes).toBeGreaterThan(0);

    // The Downloads page names the engine.
    await page.goto(`${info.url}/downloads`);
    const item = page.locator(`[data-testid="download"][data-id="${downloads[0]?.id ?? ''}"]`);
    await expect
      .poll(() => item.locator('[data-testid="download-engine"]').textContent())
      .toBe('Real-Debrid');
    expect(await item.locator('[data-testid="download-engine-state"]').count()).toBe(0);
    await screenshot(page, 'watch-debrid-downloads');

    // Seen downloaded on Real-Debrid: its release shows "instantané" in the releases panel.
    const media = await api<Media>('POST', '/media', { ...asUser, body: { tmdbId: FILM, type: 'movie' } });
    await slowPoll(async () => {
      const latest = await api('GET', `/search/${media.body.id}/latest`, asUser);
      return SearchResults.parse(latest.body).results.find((r) => r.title === RELEASE)?.instant;
    }).toBe(true);
    await page.goto(`${info.url}/movie/${FILM}`);
    await page.click('[data-testid="find-releases"]');
    const release = page.locator('[data-testid="release"]', { hasText: RELEASE });
    await expect
      .poll(() => release.locator('[data-testid="release-instant"]').textContent())
      .toBe('instantané');
    await release.scrollIntoViewIfNeeded();
    await screenshot(page, 'watch-debrid-instant');
    await page.close();
  });
});
