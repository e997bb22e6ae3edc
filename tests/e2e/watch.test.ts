import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EpisodeList, LibraryStatus, Media, MediaFile, PlaybackPreferences } from '@sokoul/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { capabilitiesOf, nextEpisode, playableUntil, resumePosition } from '../../web/src/player/playback.js';
import { adminSession, api, memberSession, PASSWORD, stack } from '../helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from '../helpers/browser.js';
import { type FakeOpenSubtitles, startFakeOpenSubtitles } from '../helpers/fake-opensubtitles.js';
import { FAKE_V3_KEY } from '../helpers/fake-tmdb.js';
import { ffmpeg } from '../helpers/media.js';
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
 * The player in headless Chromium, on files made by ffmpeg here and registered as library files:
 * an H.264/AAC MP4 plays directly (seek, pause on Space, resume after a reload), an MKV with AC3
 * audio and an embedded SRT track plays remuxed with its audio made AAC (seeks restart the stream
 * and the clock and subtitles stay the title's), and an episode's end offers the next one.
 */
const _run = promisify(execFile);
let browser: Browser;
let folder: string;

/** Fake-TMDB documentaries no other test uses, and a series nobody else plays. */
const DIRECT_FILM = 900021;
const REMUX_FILM = 900022;
const SERIES = 76479;
const LENGTH = 60;

/** `seconds` of ffmpeg's test pattern (its clock is drawn on the picture) with a tone. */
const lavfi = (seconds: number) => [
  ...['-f', 'lavfi', '-i', `testsrc2=duration=${seconds}:size=640x360:rate=25`],
  ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`],
];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50'];

async function writeMp4(path: string, seconds: number): Promise<void> {
  await ffmpeg(path, [
    ...lavfi(seconds),
    ...h264,
    ...['-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-shortest'],
  ]);
}

/** One line every 2 s, "Réplique N" from N×2 s: which one shows tells the player's clock. */
function writeSrt(path: string, seconds: number): void {
  const at = (s: number) => `00:00:${String(s).padStart(2, '0')},000`;
  const cues = Array.from(
    { length: seconds / 2 },
    (_, i) => `${i + 1}\n${at(i * 2)} --> ${at(i * 2 + 2)}\nRéplique ${i}\n`,
  );
  writeFileSync(path, cues.join('\n'));
}

async function writeMkv(path: string, seconds: number, srt: string): Promise<void> {
  await ffmpeg(path, [
    ...lavfi(seconds),
    ...['-i', srt],
    ...['-map', '0:v', '-map', '1:a', '-map', '2:s'],
    ...h264,
    ...['-c:a', 'ac3', '-b:a', '128k', '-c:s', 'srt', '-metadata:s:s:0', 'language=fre'],
    '-shortest',
  ]);
}

async function addFile(
  mediaId: string,
  path: string,
  fields: Record<string, string | number>,
  base?: string,
): Promise<MediaFile> {
  const admin = await adminSession(base);
  const res = await api<MediaFile>('POST', `/media/${mediaId}/files`, {
    base,
    token: admin.accessToken,
    body: { path, sizeBytes: statSync(path).size, durationSeconds: LENGTH, ...fields },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function addTitle(tmdbId: number, type: 'movie' | 'tv', base?: string): Promise<Media> {
  const admin = await adminSession(base);
  const res = await api<Media>('POST', '/media', { base, token: admin.accessToken, body: { tmdbId, type } });
  expect([200, 201]).toContain(res.status);
  return res.body;
}

let directFilm: Media;
let remuxFilm: Media;
let series: Media;

beforeAll(async () => {
  browser = await launchBrowser();
  folder = join(stack().dataDir, 'downloads', `watch-${process.pid}`);
  mkdirSync(folder, { recursive: true });
  const mp4 = join(folder, 'Documentary.21.2005.mp4');
  const mkv = join(folder, 'Documentary.22.2005.mkv');
  const srt = join(folder, 'lines.srt');
  const episodes = [1, 2].map((n) => join(folder, `The.Boys.S01E0${n}.mp4`));
  writeSrt(srt, LENGTH);
  await Promise.all([
    writeMp4(mp4, LENGTH),
    writeMkv(mkv, LENGTH, srt),
    ...episodes.map((path) => writeMp4(path, 6)),
  ]);
  rmSync(srt);
  [directFilm, remuxFilm, series] = await Promise.all([
    addTitle(DIRECT_FILM, 'movie'),
    addTitle(REMUX_FILM, 'movie'),
    addTitle(SERIES, 'tv'),
  ]);
  await addFile(directFilm.id, mp4, { container: 'mp4', videoCodec: 'h264', audioCodec: 'aac' });
  await addFile(remuxFilm.id, mkv, { container: 'matroska', videoCodec: 'h264', audioCodec: 'ac3' });
  const admin = await adminSession();
  const list = await api<EpisodeList>('GET', `/media/${series.id}/episodes`, { token: admin.accessToken });
  const season = list.body.seasons.find((s) => s.seasonNumber === 1);
  for (const [i, path] of episodes.entries()) {
    const episode = season?.episodes.find((e) => e.episodeNumber === i + 1);
    if (!episode) throw new Error('the series has no first season');
    await addFile(episode.id, path, {
      container: 'mp4',
      videoCodec: 'h264',
      audioCodec: 'aac',
      durationSeconds: 6,
    });
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const showing = (page: Page) =>
  page.evaluate(() => {
    const video = document.querySelector('sokoul-video') as unknown as { textTracks: TextTrackList };
    const tracks = Array.from({ length: video.textTracks.length }, (_, i) => video.textTracks[i]);
    const shown = tracks.find((track) => track?.mode === 'showing');
    const active = shown?.activeCues ? Array.from(shown.activeCues) : [];
    return {
      count: tracks.length,
      mode: shown?.mode ?? 'none',
      cues: shown?.cues?.length ?? 0,
      active: active.map((cue) => (cue as VTTCue).text),
    };
  });

describe('the player', () => {
  it('plays an H.264/AAC MP4 directly: seeks, pauses on Space, and resumes after a reload', {
    timeout: 120_000,
  }, async () => {
    const user = await memberSession('watch-direct');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, user.user.email, PASSWORD);
    // This Chromium decodes H.264 and AAC (Debian's build does), else nothing here could pass.
    expect(
      await page.evaluate(() =>
        document.createElement('video').canPlayType('video/mp4; codecs="avc1.640028"'),
      ),
    ).toBe('probably');

    await page.goto(`${stack().url}/movie/${DIRECT_FILM}`);
    await page.click('[data-testid="watch"]');
    await page.waitForURL(`**/watch/movie/${DIRECT_FILM}`);
    await poll(() => page.title()).toBe('Documentaire 21 — Sokoul');
    const mode = page.locator('[data-testid="playback-mode"]');
    await poll(() => mode.getAttribute('data-mode')).toBe('direct');
    expect(await mode.textContent()).toBe('Lecture directe');
    expect(await page.locator('[data-testid="watch-step"]').textContent()).toBe('Fichier de la bibliothèque');
    await ensurePlaying(page);
    const first = await playing(page);
    expect(first.src).toContain(`/stream?`);
    expect(first.duration).toBeCloseTo(LENGTH, 0);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThan(1);

    // Space pauses and plays again (the player has the focus).
    await page.keyboard.press('Space');
    await poll(async () => (await playing(page)).paused).toBe(true);
    await page.keyboard.press('Space');

    await poll(async () => (await playing(page)).paused).toBe(false);

    await seekTo(page, 20);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThanOrEqual(20);
    const sought = await playing(page);
    expect(sought.currentTime).toBeLessThan(25);
    expect(sought.display).toMatch(/^0:2\d/);
    // → goes 10 s further.
    await page.keyboard.press('ArrowRight');
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThanOrEqual(30);
    await screenshot(page, 'watch-direct');

    // A pause records the position; a reload offers to resume there.
    await seekTo(page, 40);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThanOrEqual(40);
    await page.keyboard.press('k');
    await poll(async () => (await playing(page)).paused).toBe(true);
    const paused = (await playing(page)).currentTime;
    await poll(async () => {
      const res = await api<LibraryStatus>('GET', `/library/status/${DIRECT_FILM}/movie`, {
        token: user.accessToken,
      });
      return res.body.progress?.positionSeconds;
    }).toBe(Math.round(paused));

    await page.reload();
    const prompt = page.locator('[data-testid="resume-prompt"]');
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain(`Reprendre à 0:${Math.round(paused)} ?`);
    await screenshot(page, 'watch-resume');
    await page.click('[data-testid="resume"]');
    await poll(async () => (await playing(page)).paused).toBe(false);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThanOrEqual(paused - 1);
    expect((await playing(page)).currentTime).toBeLessThan(paused + 5);
    await page.close();
  });

  it('plays an MKV with AC3 audio remuxed to AAC, seeks by restarting the stream, and shows its subtitles', {
    timeout: 120_000,
  }, async () => {
    const user = await memberSession('watch-remux');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, user.user.email, PASSWORD);
    await page.goto(`${stack().url}/watch/movie/${REMUX_FILM}`);
    const mode = page.locator('[data-testid="playback-mode"]');
    await poll(() => mode.getAttribute('data-mode')).toBe('remux');
    expect(await mode.textContent()).toBe('Remux : conversion audio AC3 → AAC');
    await ensurePlaying(page);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThan(1);
    // The remuxed stream does not know its length: the player shows the title's.
    expect((await playing(page)).duration).toBeCloseTo(LENGTH, 1);

    await seekTo(page, 30);
    await poll(async () => (await playing(page)).src).toContain('start=30');
    await poll(async () => (await playing(page)).streamTime).toBeGreaterThan(0.5);
    const sought = await playing(page);
    expect(sought.paused).toBe(false);
    expect(sought.currentTime).toBeGreaterThanOrEqual(30);
    expect(sought.currentTime).toBeLessThan(35);
    expect(sought.streamTime).toBeLessThan(5);
    expect(sought.display).toMatch(/^0:3\d/);
    expect(sought.display).toContain('1:00');

    // The embedded subtitles, in the menu; chosen, their cues arrive and follow the title's clock.
    await page.click('[data-testid="subtitles-button"]');
    const track = page.locator('[data-testid="subtitle-track"]');
    await poll(() => track.count()).toBe(1);
    expect(await track.textContent()).toContain('français');
    expect(await track.textContent()).toContain('intégrés');
    await track.click();
    await poll(async () => (await showing(page)).cues).toBeGreaterThan(0);
    await page.keyboard.press('k');
    await poll(async () => (await playing(page)).paused).toBe(true);
    const at = (await playing(page)).currentTime;
    await poll(async () => (await showing(page)).active).toContain(`Réplique ${Math.floor(at / 2)}`);
    await screenshot(page, 'watch-remux-subtitles');

    // The choice is kept for this film, and restored on the next visit.
    const preferences = async () =>
      (
        await api<PlaybackPreferences>('GET', `/playback/preferences/${remuxFilm.id}`, {
          token: user.accessToken,
        })
      ).body;
    await poll(async () => (await preferences()).subtitleLanguage).toBe('fr');
    // `c` turns subtitles off, as media-chrome's shortcut; the menu follows.
    await page.locator('media-controller').focus();
    await page.keyboard.press('c');
    await poll(async () => (await showing(page)).mode).toBe('none');
    await poll(() => page.locator('[data-testid="subtitle-off"]').getAttribute('aria-pressed')).toBe('true');
    await poll(async () => (await preferences()).subtitleLanguage).toBeNull();
    await page.keyboard.press('c');
    await poll(async () => (await showing(page)).mode).toBe('showing');
    await poll(async () => (await preferences()).subtitleLanguage).toBe('fr');

    await page.reload();
    await page.locator('[data-testid="playback-mode"]').waitFor();
    await poll(async () => (await showing(page)).mode).toBe('showing');
    await page.close();
  });

  it('offers the next episode at the end of one, and plays it', { timeout: 90_000 }, async () => {
    const user = await memberSession('watch-next');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    page.setDefaultTimeout(15_000);
    await signIn(page, stack().url, user.user.email, PASSWORD);
    const english = await api('PATCH', '/auth/me', { token: user.accessToken, body: { locale: 'en' } });
    expect(english.status).toBe(200);
    await page.goto(`${stack().url}/tv/${SERIES}?season=1`);
    await page.locator('[data-testid="episode-watch"]').first().click();
    await page.waitForURL(`**/watch/tv/${SERIES}?season=1&episode=1`);
    await poll(() => page.title()).toBe('The Boys · S1 E1 — Sokoul');
    await ensurePlaying(page);
    await seekTo(page, 4);
    const next = page.locator('[data-testid="next-episode"]');
    await next.waitFor();
    expect(await next.textContent()).toContain('Next episode: S1 E2');
    expect(await next.textContent()).toMatch(/Playing in \d+ s/);
    await screenshot(page, 'watch-next-episode');
    await page.click('[data-testid="next-play"]');
    await page.waitForURL(`**/watch/tv/${SERIES}?season=1&episode=2`);
    await poll(() => page.title()).toBe('The Boys · S1 E2 — Sokoul');
    await ensurePlaying(page);
    await poll(async () => (await playing(page)).currentTime).toBeGreaterThan(1.5);
    await page.keyboard.press('k');
    await poll(async () => (await playing(page)).paused).toBe(true);

    // The first episode counts as watched; "continue watching" resumes the second in the player.
    await poll(async () => {
      const res = await api<LibraryStatus>('GET', `/library/status/${SERIES}/tv`, {
        token: user.accessToken,
      });
      return res.body.episodes.find((e) => e.episodeNumber === 1)?.progress.completed;
    }).toBe(true);
    await page.goto(`${stack().url}/`);
    const card = page.locator('[data-testid="row-continue"] [data-testid="media-card"]').first();
    await poll(() => card.getAttribute('href')).toBe(`/watch/tv/${SERIES}?season=1&episode=2`);
    await card.click();
    await page.waitForURL(`**/watch/tv/${SERIES}?season=1&episode=2`);
    await page.locator('[data-testid="playback-mode"]').waitFor();
    await page.close();
  });
});

/**
 * OpenSubtitles from the player, on a stack of its own pointed at the fake OpenSubtitles (the
 * shared stack has none): search, download (a Windows-1252 SRT that arrives as WebVTT and shows),
 * then a spent quota, worded with the time it comes back.
 */
describe('OpenSubtitles in the player', () => {
  const FILM = 900023;
  const KEY = 'opensubtitles-test-key';
  let fake: FakeOpenSubtitles;
  let own: { stop(): Promise<void> } | undefined;
  let info: StackInfo;
  let databaseUrl: string;

  beforeAll(async () => {
    fake = await startFakeOpenSubtitles({
      apiKey: KEY,
      allowedDownloads: 1,
      subtitles: [
        {
          fileId: 7001,
          language: 'fr',
          release: 'Documentaire.23.2005.FRENCH',
          downloadCount: 1200,
          tmdbId: FILM,
          text: '1\r\n00:00:00,000 --> 00:00:59,000\r\nDéjà là, à côté\r\n',
        },
        {
          fileId: 7002,
          language: 'en',
          release: 'Documentary.23.2005.ENGLISH',
          downloadCount: 300,
          tmdbId: FILM,
          text: '1\r\n00:00:00,000 --> 00:00:59,000\r\nAlready there\r\n',
        },
      ],
    });
    databaseUrl = await createTestDatabase('sokoul_watch');
    const launched = await launchStack({
      ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
      DATABASE_URL: databaseUrl,
      REDIS_URL: MACHINE_REDIS,
      OPENSUBTITLES_API_KEY: KEY,
      OPENSUBTITLES_API_URL: fake.url,
    });
    own = launched.stack;
    info = launched.info;
    const downloads = join(info.dataDir, 'downloads');
    mkdirSync(downloads, { recursive: true });
    const mp4 = join(downloads, 'Documentary.23.2005.mp4');
    await writeMp4(mp4, LENGTH);
    const film = await addTitle(FILM, 'movie', info.url);
    await addFile(film.id, mp4, { container: 'mp4', videoCodec: 'h264', audioCodec: 'aac' }, info.url);
  }, 180_000);

  afterAll(async () => {
    await own?.stop();
    await fake?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('searches, downloads and shows a subtitle, then says when the spent quota comes back', {
    timeout: 90_000,
  }, async () => {
    const user = await memberSession('watch-subtitles', info.url);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    page.setDefaultTimeout(15_000);
    await signIn(page, info.url, user.user.email, PASSWORD);
    await page.goto(`${info.url}/watch/movie/${FILM}`);
    await ensurePlaying(page);
    await page.keyboard.press('k');
    await page.click('[data-testid="subtitles-button"]');
    await page.click('[data-testid="opensubtitles-search"]');
    const candidates = page.locator('[data-testid="opensubtitles-candidate"]');
    await poll(() => candidates.count()).toBe(2);
    expect(await candidates.nth(0).textContent()).toContain('Documentaire.23.2005.FRENCH');
    expect(await candidates.nth(0).textContent()).toContain('1\u202f200 téléchargements');

    await page.locator('[data-testid="opensubtitles-candidate"][data-id="7001"]').click();
    const added = page.locator('[data-testid="subtitle-track"]');
    await poll(() => added.count()).toBe(1);
    expect(await added.textContent()).toContain('OpenSubtitles');
    await poll(async () => (await showing(page)).active).toEqual(['Déjà là, à côté']);
    await screenshot(page, 'watch-opensubtitles');

    // The quota (one download) is spent: the second one is refused, with the time it comes back.
    allowConsoleError(page, /Failed to load resource/);
    await page.locator('[data-testid="opensubtitles-candidate"][data-id="7002"]').click();
    const error = page.locator('[data-testid="opensubtitles-error"]');
    await error.waitFor();
    expect(await error.textContent()).toContain('Le quota de téléchargements OpenSubtitles est épuisé.');
    await poll(() => error.textContent()).toContain('Il se renouvelle le');
    expect(fake.counts.downloads).toBe(1);
    await page.close();
  });
});

describe('the player’s arithmetic and wording (in Node)', () => {
  let wording: typeof import('../../web/src/player/wording.js');
  let i18n: typeof import('../../web/src/i18n.js');
  beforeAll(async () => {
    const saved = new Map<string, string>();
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => saved.get(key) ?? null,
      setItem: (key: string, value: string) => saved.set(key, value),
    });
    vi.stubGlobal('document', { documentElement: { lang: '' } });
    i18n = await import('../../web/src/i18n.js');
    wording = await import('../../web/src/player/wording.js');
  });
  afterAll(() => {
    vi.unstubAllGlobals();
  });

  it('maps the bytes on disk from the playhead on to a playable time', () => {
    const file = {
      sizeBytes: 1000,
      complete: false,
      ranges: [
        [0, 499],
        [700, 899],
      ] as [number, number][],
    };
    // 100 s over 1000 bytes: bytes 0–499 are the first 50 s.
    expect(playableUntil(file, 100, 10)).toBe(50);
    expect(playableUntil(file, 100, 75)).toBe(90);
    // The playhead's byte is not there yet.
    expect(playableUntil(file, 100, 60)).toBeNull();
    expect(playableUntil({ ...file, complete: true }, 100, 60)).toBe(100);
  });

  it('offers to resume past 30 s and before the last 5 %', () => {
    expect(resumePosition(null)).toBeNull();
    expect(resumePosition({ positionSeconds: 30, durationSeconds: 3600 })).toBeNull();
    expect(resumePosition({ positionSeconds: 2530, durationSeconds: 3600 })).toBe(2530);
    expect(resumePosition({ positionSeconds: 3430, durationSeconds: 3600 })).toBeNull();
  });

  it('finds the next regular episode, across seasons, specials left out', () => {
    const episode = (n: number) => ({
      id: '00000000-0000-4000-8000-000000000000',
      episodeNumber: n,
      title: `E${n}`,
      airDate: null,
      fileCount: 0,
      progress: null,
    });
    const list = {
      seriesId: '00000000-0000-4000-8000-000000000001',
      seasons: [
        { seasonNumber: 2, episodes: [episode(1)] },
        { seasonNumber: 0, episodes: [episode(1)] },
        { seasonNumber: 1, episodes: [episode(2), episode(1)] },
      ],
    };
    expect(nextEpisode(list, { season: 1, episode: 1 })).toEqual({ season: 1, episode: 2, title: 'E2' });
    expect(nextEpisode(list, { season: 1, episode: 2 })).toEqual({ season: 2, episode: 1, title: 'E1' });
    expect(nextEpisode(list, { season: 2, episode: 1 })).toBeNull();
  });

  it('reports what canPlayType answers, "maybe" included', () => {
    const answers: Record<string, string> = {
      'video/mp4': 'maybe',
      'video/x-matroska': 'maybe',
      'video/mp4; codecs="avc1.640028"': 'probably',
      'audio/mp4; codecs="mp4a.40.2"': 'probably',
    };
    expect(capabilitiesOf((mime) => answers[mime] ?? '')).toEqual({
      containers: ['mp4', 'matroska'],
      video: ['h264'],
      audio: ['aac'],
    });
  });

  it('says the mode and its reasons in one line, in both languages', () => {
    const remux = {
      mode: 'remux' as const,
      reasons: ['container_unsupported' as const, 'audio_unsupported' as const],
      container: 'matroska',
      videoCodec: 'h264',
      audioCodec: 'dts',
    };
    i18n.setLocale('fr');
    expect(wording.modeLine({ ...remux, mode: 'direct', reasons: ['supported'] })).toBe('Lecture directe');
    expect(wording.modeLine(remux)).toBe(
      'Remux : conteneur MKV non pris en charge et conversion audio DTS → AAC',
    );
    expect(
      wording.modeLine({ ...remux, mode: 'transcode', reasons: ['video_unsupported'], videoCodec: 'hevc' }),
    ).toBe('Conversion vidéo : vidéo HEVC non prise en charge par ce navigateur');
    expect(
      wording.stepLine({
        status: 'starting',
        mediaId: '',
        downloadId: '',
        source: null,
        etaSeconds: 20,
        steps: [],
      }),
    ).toBe('Démarrage du téléchargement, lecture dans ~20 s');
    expect(wording.trailLine({ step: 'library', outcome: 'none', code: 'no_file' })).toBe(
      'Bibliothèque : aucun fichier',
    );
    i18n.setLocale('en');
    expect(wording.modeLine(remux)).toBe('Remux: MKV container not supported and audio converted DTS → AAC');
    expect(wording.stepLine({ status: 'searching', mediaId: '', taskId: '', steps: [] })).toBe(
      'Searching for releases…',
    );
  });
});
