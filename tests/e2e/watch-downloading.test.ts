import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DirectStreamAnswer, DownloadList, FileAvailability, TokenPair } from '@sokoul/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, memberSession, PASSWORD } from '../helpers/api.js';
import {
  type Aria2Seeder,
  type MadeTorrent,
  makeTorrent,
  startAria2,
  startTracker,
  type Tracker,
} from '../helpers/bittorrent.js';
import { launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { startSwarmIndexer } from '../helpers/fake-indexer.js';
import { FAKE_V3_KEY } from '../helpers/fake-tmdb.js';
import { ensurePlaying, playing, poll, seekTo } from '../helpers/player.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
  tmdbSettings,
} from '../helpers/stack.js';

/**
 * Watching a film nobody has, in headless Chromium on a stack of its own: its indexer offers one
 * release, a torrent of an H.264/AAC MP4 made here by ffmpeg and seeded by aria2c on loopback with
 * its upload capped. The page searches, starts the download and plays it while it downloads,
 * saying how far playback can go; a seek past the downloaded part is answered and plays on.
 */
const run = promisify(execFile);
const MiB = 1024 * 1024;
/** The Matrix in the fake TMDB (its IMDb id as the fake gives it). */
const FILM = 603;
const RELEASE = 'The.Matrix.1999.720p.WEB-DL.x264-SOKOUL';
const SECONDS = 120;
/** ~74 MiB at this cap: the download takes far longer than the page needs to reach the seek. */
const SEED_LIMIT = '2M';
/** The search's default profile refuses under 0.1 GiB per hour of the film's runtime: the feed says what a real 720p release weighs. */
const STATED_SIZE = 1.4 * 1024 ** 3;
const SEEK_FRACTION = 0.7;
/** Searching, starting the download and reaching the first frame take real seconds on a busy machine. */
const slowPoll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 90_000, interval: 200 });

/** 720p at a constant 5 Mbit/s (a keyframe every 2 s) and AAC, index first: a byte's offset is its time's. */
async function writeFilm(path: string): Promise<void> {
  await run('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=25:duration=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p'],
    ...['-b:v', '5M', '-minrate', '5M', '-maxrate', '5M', '-bufsize', '5M', '-x264-params', 'nal-hrd=cbr'],
    ...['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', '-shortest', path],
  ]);
}

const onDisk = (a: FileAvailability) => a.ranges.reduce((sum, [first, last]) => sum + last - first + 1, 0);
const holds = (a: FileAvailability, offset: number) =>
  a.ranges.some(([first, last]) => offset >= first && offset <= last);

/** The text of the page's step line each time it changes, from the first render on. */
function recordSteps(): void {
  const seen: string[] = [];
  (window as unknown as { steps: string[] }).steps = seen;
  new MutationObserver(() => {
    const text = document.querySelector('[data-testid="watch-step"]')?.textContent;
    if (text && seen[seen.length - 1] !== text) seen.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

const stepsOf = (page: Page) => page.evaluate(() => (window as unknown as { steps: string[] }).steps);

describe('playing a film while it downloads', () => {
  let browser: Browser;
  let work: string;
  let tracker: Tracker;
  let indexer: Awaited<ReturnType<typeof startSwarmIndexer>>;
  let made: MadeTorrent;
  let seeder: Aria2Seeder | undefined;
  let own: { stop(): Promise<void> } | undefined;
  let info: StackInfo;
  let databaseUrl: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sokoul-watch-downloading-'));
    const film = writeFilm(join(work, `${RELEASE}.mp4`));
    film.catch(() => undefined);
    tracker = await startTracker();
    indexer = await startSwarmIndexer('Jackett');
    databaseUrl = await createTestDatabase('sokoul_watch_dl');
    const launched = await launchStack({
      ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
      DATABASE_URL: databaseUrl,
      REDIS_URL: MACHINE_REDIS,
      JACKETT_URL: indexer.root,
      JACKETT_API_KEY: 'watch-downloading-key',
      // The indexer runs on 127.0.0.1, which the outbound guard refuses unless told.
      INDEXER_ALLOW_PRIVATE: 'true',
      // Peers come from the local tracker only.
      TORRENT_DHT: 'false',
      TORRENT_LSD: 'false',
      TORRENT_UTP: 'false',
    });
    own = launched.stack;
    info = launched.info;
    await film;
    made = await makeTorrent(work, `${RELEASE}.mp4`, { announce: [tracker.announce] });
    indexer.offer({
      torrent: made,
      title: RELEASE,
      imdb: `tt${String(FILM).padStart(7, '0')}`,
      size: STATED_SIZE,
    });
    seeder = await startAria2(made, { extra: [`--max-overall-upload-limit=${SEED_LIMIT}`] });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await own?.stop();
    await seeder?.kill();
    await tracker?.close();
    await indexer?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('searches, starts the download, plays it as it comes and answers a seek ahead of it', {
    timeout: 240_000,
  }, async () => {
    const user: TokenPair = await memberSession('watch-downloading', info.url);
    const asUser = { base: info.url, token: user.accessToken };
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await page.addInitScript(recordSteps);
    await signIn(page, info.url, user.user.email, PASSWORD);
    await page.goto(`${info.url}/watch/movie/${FILM}`);

    // The chain's steps as the page said them: the search, the download's start, then playing it.
    const mode = page.locator('[data-testid="playback-mode"]');
    await slowPoll(() => mode.getAttribute('data-mode').catch(() => null)).toBe('direct');
    const steps = await stepsOf(page);
    const searching = steps.indexOf('Recherche de releases…');
    const starting = steps.findIndex((s) => s.startsWith('Démarrage du téléchargement'));
    const ready = steps.findIndex((s) => /^Téléchargement en cours à \d+/.test(s));
    expect(searching, steps.join(' | ')).toBeGreaterThanOrEqual(0);
    expect(starting, steps.join(' | ')).toBeGreaterThan(searching);
    expect(ready, steps.join(' | ')).toBeGreaterThan(starting);
    expect(await mode.textContent()).toBe('Lecture directe');

    const answer = await api<DirectStreamAnswer>('GET', `/streaming/direct/movie/${FILM}`, asUser);
    expect(answer.status).toBe(200);
    if (answer.body.status !== 'ready') throw new Error(`direct answered ${answer.body.status}`);
    const { source } = answer.body;
    expect(source).toMatchObject({ kind: 'download', state: 'downloading', sizeBytes: made.length });
    const availability = async () =>
      (await api<FileAvailability>('GET', `/files/${source.fileId}/availability`, asUser)).body;

    // Playback starts, its clock moves, and the file is not all there at that moment.
    await ensurePlaying(page);
    expect((await playing(page)).duration).toBeCloseTo(SECONDS, 0);
    await slowPoll(async () => (await playing(page)).currentTime).toBeGreaterThan(2);
    const whilePlaying = await availability();
    const downloads = await api<DownloadList>('GET', '/downloads', asUser);
    expect(whilePlaying.complete).toBe(false);
    expect(onDisk(whilePlaying)).toBeLessThan(made.length);
    const download = downloads.body.downloads.find((d) => d.id === source.downloadId);
    expect(download?.state).toBe('downloading');
    expect(download?.bytesTotal).toBe(made.length);
    expect(download?.bytesDone).toBeLessThan(made.length);

    // How far playback can go, from the bytes on disk.
    const until = page.locator('[data-testid="playable-until"]');
    await poll(() => until.textContent().catch(() => '')).toMatch(/^Lecture possible jusqu’à \d+:\d\d$/);
    expect(await page.locator('[data-testid="download-progress"]').textContent()).toMatch(
      /^Téléchargement en cours à \d+/,
    );
    await screenshot(page, 'watch-downloading');

    // A seek to 70 %, whose bytes are not on disk yet: it is answered, and plays on from there.
    const target = Math.round(SECONDS * SEEK_FRACTION);
    const offset = Math.floor(made.length * SEEK_FRACTION);
    const beforeSeek = await availability();
    expect(beforeSeek.complete).toBe(false);
    expect(holds(beforeSeek, offset), `${Math.round(onDisk(beforeSeek) / MiB)} MiB on disk`).toBe(false);
    await seekTo(page, target);
    await slowPoll(async () => (await playing(page)).currentTime).toBeGreaterThan(target + 1);
    const sought = await playing(page);
    expect(sought.paused).toBe(false);
    expect(sought.currentTime).toBeLessThan(target + 10);
    expect(sought.display).toMatch(/^1:[23]\d/);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThan(sought.currentTime + 1);
    expect(holds(await availability(), offset)).toBe(true);
    await screenshot(page, 'watch-downloading-seek');
    await page.close();
  });
});
