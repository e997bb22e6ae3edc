import {
  ContinueList,
  EpisodeList,
  type ErrorBody,
  HistoryList,
  LibraryStatus,
  type ListEntry,
  Media,
  type MediaFile,
  MediaList,
  PersonalList,
  RecordProgressResponse,
} from '@sokoul/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, memberSession } from './helpers/api.js';

/** Media, personal lists and watch history on the shared stack (machine PostgreSQL, fake TMDB). */
let admin: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  admin = (await adminSession()).accessToken;
  alice = (await memberSession('alice')).accessToken;
  bob = (await memberSession('bob')).accessToken;
});

const call = <T>(token: string, method: string, path: string, body?: unknown) =>
  api<T>(method, path, { token, body });
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

async function addFromTmdb(tmdbId: number, type: 'movie' | 'tv'): Promise<Media> {
  const res = await call<Media>(alice, 'POST', '/media', { tmdbId, type });
  expect([200, 201]).toContain(res.status);
  return Media.parse(res.body);
}

describe('media', () => {
  it('creates a film from TMDB once: the second call answers the same row', async () => {
    const first = await call<Media>(alice, 'POST', '/media', { tmdbId: 603, type: 'movie' });
    const second = await call<Media>(bob, 'POST', '/media', { tmdbId: 603, type: 'movie' });
    // Other test files may have added it already: then both answers are 200.
    expect([200, 201]).toContain(first.status);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(Media.parse(first.body)).toMatchObject({
      tmdbId: 603,
      type: 'movie',
      title: 'Matrix',
      originalTitle: 'The Matrix',
      year: 1999,
      runtimeMinutes: 139,
      genreIds: [28, 878],
      genres: ['Action', 'Science-Fiction'],
      fileCount: 0,
    });
    expect(first.body.poster?.path).toMatch(/^\/p603/);
  });

  it('creates a series with every episode, grouped by season', async () => {
    const show = await addFromTmdb(1399, 'tv');
    const res = await call<EpisodeList>(alice, 'GET', `/media/${show.id}/episodes`);
    expect(res.status).toBe(200);
    const list = EpisodeList.parse(res.body);
    expect(list.seasons.map((s) => [s.seasonNumber, s.episodes.length])).toEqual([
      [0, 2],
      [1, 10],
      [2, 10],
      [3, 10],
    ]);
    expect(list.seasons[1]?.episodes[0]).toMatchObject({
      episodeNumber: 1,
      title: 'Épisode 1 (saison 1)',
      progress: null,
    });
  });

  it('creates a title by hand', async () => {
    const res = await call<Media>(alice, 'POST', '/media', {
      type: 'movie',
      title: 'Vacances 2019',
      year: 2019,
      genres: ['Famille'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      tmdbId: null,
      title: 'Vacances 2019',
      genres: ['Famille'],
      poster: null,
    });
  });

  it('lists with filters, fuzzy search and cursor pages', async () => {
    await addFromTmdb(27205, 'movie');
    await addFromTmdb(157336, 'movie');
    const scifi = MediaList.parse((await call(alice, 'GET', '/media?type=movie&genre=878&limit=100')).body);
    expect(scifi.media.map((m) => m.tmdbId).sort()).toEqual(expect.arrayContaining([603, 27205, 157336]));
    expect(scifi.media.every((m) => m.genreIds.includes(878))).toBe(true);
    const byName = MediaList.parse((await call(alice, 'GET', '/media?genre=science-fiction&limit=100')).body);
    expect(byName.media.map((m) => m.tmdbId).sort()).toEqual(scifi.media.map((m) => m.tmdbId).sort());
    const y2010 = MediaList.parse((await call(alice, 'GET', '/media?year=2010')).body);
    expect(y2010.media.map((m) => m.title)).toEqual(['Inception']);
    const series = MediaList.parse((await call(alice, 'GET', '/media?type=tv')).body);
    expect(series.media.every((m) => m.type === 'tv')).toBe(true);

    // Typos and partial words still find the title, best match first.
    const typo = MediaList.parse(
      (await call(alice, 'GET', `/media?q=${encodeURIComponent('interstelar')}`)).body,
    );
    expect(typo.media[0]?.title).toBe('Interstellar');
    const original = MediaList.parse((await call(alice, 'GET', '/media?q=matrix')).body);
    expect(original.media[0]?.tmdbId).toBe(603);

    // Pages of 1 by title cover every title once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: MediaList = MediaList.parse(
        (await call(alice, 'GET', `/media?sort=title&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body,
      );
      seen.push(...page.media.map((m) => m.title.toLowerCase()));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keeps several files per title and filters on having files', async () => {
    const matrix = await addFromTmdb(603, 'movie');
    const add = (path: string, resolution: string) =>
      call<MediaFile>(admin, 'POST', `/media/${matrix.id}/files`, {
        path,
        sizeBytes: 4_500_000_000,
        container: 'mkv',
        videoCodec: 'hevc',
        audioCodec: 'eac3',
        resolution,
        durationSeconds: 8160,
        quality: `${resolution} BluRay`,
        origin: 'import',
      });
    const uhd = await add('/media/films/The.Matrix.1999.2160p.mkv', '2160p');
    const fhd = await add('/media/films/The.Matrix.1999.1080p.mkv', '1080p');
    expect([uhd.status, fhd.status]).toEqual([201, 201]);
    const duplicate = await add('/media/films/The.Matrix.1999.1080p.mkv', '1080p');
    expect(duplicate.status).toBe(409);
    const files = await call<{ files: MediaFile[] }>(alice, 'GET', `/media/${matrix.id}/files`);
    expect(files.body.files.map((f) => f.resolution)).toEqual(['2160p', '1080p']);
    expect((await call<Media>(alice, 'GET', `/media/${matrix.id}`)).body.fileCount).toBe(2);
    const withFiles = MediaList.parse((await call(alice, 'GET', '/media?hasFiles=true&limit=100')).body);
    expect(withFiles.media.map((m) => m.id)).toContain(matrix.id);
    const withoutFiles = MediaList.parse((await call(alice, 'GET', '/media?hasFiles=false&limit=100')).body);
    expect(withoutFiles.media.map((m) => m.id)).not.toContain(matrix.id);
    const removed = await call(admin, 'DELETE', `/media/${matrix.id}/files/${fhd.body.id}`);
    expect(removed.status).toBe(204);
    expect((await call<Media>(alice, 'GET', `/media/${matrix.id}`)).body.fileCount).toBe(1);
  });

  it('lets admins edit and delete titles', async () => {
    const created = await call<Media>(alice, 'POST', '/media', { type: 'tv', title: 'Série maison' });
    await call(alice, 'POST', '/watchlist', { mediaId: created.body.id });
    const before = PersonalList.parse((await call(alice, 'GET', '/watchlist?q=maison')).body);
    expect(before.items.map((i) => i.media.title)).toEqual(['Série maison']);
    const edited = await call<Media>(admin, 'PATCH', `/media/${created.body.id}`, {
      title: 'Série de la maison',
      year: 2024,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: 'Série de la maison', year: 2024 });
    // Lists are kept per user between writes; an edited title shows in them at once.
    const after = PersonalList.parse((await call(alice, 'GET', '/watchlist?q=maison')).body);
    expect(after.items.map((i) => i.media.title)).toEqual(['Série de la maison']);
    expect((await call(admin, 'DELETE', `/media/${created.body.id}`)).status).toBe(204);
    expect((await call(alice, 'GET', `/media/${created.body.id}`)).status).toBe(404);
  });
});

describe.each(['library', 'favorites', 'watchlist'] as const)('/%s', (list) => {
  it('adds idempotently, lists, sorts, filters and removes', async () => {
    const user = (await memberSession(`lists-${list}`)).accessToken;
    const first = await call<ListEntry>(user, 'POST', `/${list}`, { tmdbId: 550, type: 'movie' });
    expect(first.status).toBe(201);
    const again = await call<ListEntry>(user, 'POST', `/${list}`, { tmdbId: 550, type: 'movie' });
    expect(again.status).toBe(200);
    expect(again.body.addedAt).toBe(first.body.addedAt);
    const matrix = await addFromTmdb(603, 'movie');
    expect((await call(user, 'POST', `/${list}`, { mediaId: matrix.id })).status).toBe(201);
    const show = await addFromTmdb(1396, 'tv');
    expect((await call(user, 'POST', `/${list}`, { mediaId: show.id })).status).toBe(201);

    const all = PersonalList.parse((await call(user, 'GET', `/${list}`)).body);
    expect(all.items.map((i) => i.media.title)).toEqual(['Breaking Bad', 'Matrix', 'Fight Club']);
    const byTitle = PersonalList.parse((await call(user, 'GET', `/${list}?sort=title`)).body);
    expect(byTitle.items.map((i) => i.media.title)).toEqual(['Breaking Bad', 'Fight Club', 'Matrix']);
    const films = PersonalList.parse(
      (await call(user, 'GET', `/${list}?type=movie&sort=year&order=asc`)).body,
    );
    expect(films.items.map((i) => i.media.title).sort()).toEqual(['Fight Club', 'Matrix']);
    const byYear = PersonalList.parse((await call(user, 'GET', `/${list}?sort=year&order=asc`)).body);
    expect(byYear.items.map((i) => i.media.year)).toEqual([1999, 1999, 2008]);
    const found = PersonalList.parse((await call(user, 'GET', `/${list}?q=club`)).body);
    expect(found.items.map((i) => i.media.tmdbId)).toEqual([550]);
    const page1 = PersonalList.parse((await call(user, 'GET', `/${list}?limit=2`)).body);
    const page2 = PersonalList.parse(
      (await call(user, 'GET', `/${list}?limit=2&cursor=${page1.nextCursor}`)).body,
    );
    expect([...page1.items, ...page2.items].map((i) => i.media.title)).toEqual([
      'Breaking Bad',
      'Matrix',
      'Fight Club',
    ]);
    expect(page2.nextCursor).toBeNull();

    expect((await call(user, 'DELETE', `/${list}/${matrix.id}`)).status).toBe(204);
    const gone = await call<ErrorBody>(user, 'DELETE', `/${list}/${matrix.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
    expect(PersonalList.parse((await call(user, 'GET', `/${list}`)).body).items).toHaveLength(2);
  });
});

describe('/library/status', () => {
  it('answers everything a details page needs in one call', async () => {
    const user = (await memberSession('status')).accessToken;
    const before = LibraryStatus.parse((await call(user, 'GET', '/library/status/680/movie')).body);
    expect(before).toMatchObject({
      mediaId: null,
      inLibrary: false,
      favorite: false,
      inWatchlist: false,
      progress: null,
    });
    await call(user, 'POST', '/favorites', { tmdbId: 680, type: 'movie' });
    await call(user, 'POST', '/watchlist', { tmdbId: 680, type: 'movie' });
    await call(user, 'POST', '/watch-history', {
      tmdbId: 680,
      type: 'movie',
      positionSeconds: 1200,
      durationSeconds: 9240,
    });
    const after = LibraryStatus.parse((await call(user, 'GET', '/library/status/680/movie')).body);
    expect(after).toMatchObject({ inLibrary: false, favorite: true, inWatchlist: true, files: [] });
    expect(after.mediaId).not.toBeNull();
    expect(after.progress).toMatchObject({ positionSeconds: 1200, durationSeconds: 9240, completed: false });

    await call(user, 'POST', '/watch-history', {
      tmdbId: 1668,
      type: 'tv',
      seasonNumber: 1,
      episodeNumber: 2,
      positionSeconds: 1300,
      durationSeconds: 1320,
    });
    const series = LibraryStatus.parse((await call(user, 'GET', '/library/status/1668/tv')).body);
    expect(series.episodes).toEqual([
      { seasonNumber: 1, episodeNumber: 2, progress: expect.objectContaining({ completed: true }) },
    ]);
  });
});

describe('/watch-history', () => {
  it('is idempotent and never lets an older report overwrite a newer one', async () => {
    const user = (await memberSession('progress')).accessToken;
    const report = (positionSeconds: number, at: string) =>
      call<RecordProgressResponse>(user, 'POST', '/watch-history', {
        tmdbId: 13,
        type: 'movie',
        positionSeconds,
        durationSeconds: 8520,
        at,
      });
    const newer = minutesAgo(1);
    const older = minutesAgo(5);
    const first = await report(2400, newer);
    expect(first.status).toBe(200);
    expect(RecordProgressResponse.parse(first.body)).toMatchObject({
      applied: true,
      progress: { positionSeconds: 2400 },
    });
    const repeat = await report(2400, newer);
    expect(repeat.body).toMatchObject({ applied: false, progress: { positionSeconds: 2400 } });
    const late = await report(600, older);
    expect(late.body).toMatchObject({
      applied: false,
      progress: { positionSeconds: 2400, completed: false },
    });
    const history = HistoryList.parse((await call(user, 'GET', '/watch-history')).body);
    expect(history.items).toHaveLength(1);
    expect(history.items[0]?.progress.positionSeconds).toBe(2400);
  });

  it('counts a title as watched past 90% or in the credits', async () => {
    const user = (await memberSession('completed')).accessToken;
    const at90 = await call<RecordProgressResponse>(user, 'POST', '/watch-history', {
      tmdbId: 238,
      type: 'movie',
      positionSeconds: 9000,
      durationSeconds: 10_000,
    });
    expect(at90.body.progress.completed).toBe(true);
    const at89 = await call<RecordProgressResponse>(user, 'POST', '/watch-history', {
      tmdbId: 496243,
      type: 'movie',
      positionSeconds: 8900,
      durationSeconds: 10_000,
    });
    expect(at89.body.progress.completed).toBe(false);
    const credits = await call<RecordProgressResponse>(user, 'POST', '/watch-history', {
      tmdbId: 496243,
      type: 'movie',
      positionSeconds: 8000,
      durationSeconds: 10_000,
      inCredits: true,
    });
    expect(credits.body.progress.completed).toBe(true);
  });

  it('continues films midway and series at the next unwatched episode, most recent first', async () => {
    const user = (await memberSession('continue')).accessToken;
    const watch = (body: Record<string, unknown>, at: string) =>
      call<RecordProgressResponse>(user, 'POST', '/watch-history', { ...body, at });
    const episode = (seasonNumber: number, episodeNumber: number, positionSeconds: number, at: string) =>
      watch(
        { tmdbId: 66732, type: 'tv', seasonNumber, episodeNumber, positionSeconds, durationSeconds: 3000 },
        at,
      );

    await watch(
      { tmdbId: 8587, type: 'movie', positionSeconds: 1800, durationSeconds: 5280 },
      minutesAgo(30),
    );
    await watch({ tmdbId: 129, type: 'movie', positionSeconds: 7000, durationSeconds: 7500 }, minutesAgo(25));
    await episode(1, 3, 3000, minutesAgo(20));
    let items = ContinueList.parse((await call(user, 'GET', '/watch-history/continue')).body).items;
    expect(items.map((i) => [i.reason, i.media.title])).toEqual([
      ['next', 'Épisode 4 (saison 1)'],
      ['resume', 'Le Roi lion'],
    ]);
    expect(items[0]?.series?.title).toBe('Stranger Things');
    expect(items[0]?.media).toMatchObject({ type: 'episode', seasonNumber: 1, episodeNumber: 4 });
    expect(items[1]?.progress).toMatchObject({ positionSeconds: 1800, completed: false });

    // The season finale leads to the next season; an episode already seen is skipped.
    await episode(2, 1, 3000, minutesAgo(15));
    await episode(1, 10, 2950, minutesAgo(10));
    items = ContinueList.parse((await call(user, 'GET', '/watch-history/continue')).body).items;
    expect(items[0]?.media).toMatchObject({ seasonNumber: 2, episodeNumber: 2 });

    // Midway through an episode: resume it.
    await episode(2, 2, 1200, minutesAgo(5));
    items = ContinueList.parse((await call(user, 'GET', '/watch-history/continue')).body).items;
    expect(items[0]).toMatchObject({ reason: 'resume', media: { seasonNumber: 2, episodeNumber: 2 } });
    expect(items).toHaveLength(2);

    // The series page's episode list shows what the user has watched.
    const show = await addFromTmdb(66732, 'tv');
    const list = EpisodeList.parse((await call(user, 'GET', `/media/${show.id}/episodes`)).body);
    const watched = list.seasons.flatMap((s) =>
      s.episodes.filter((e) => e.progress?.completed).map((e) => `${s.seasonNumber}x${e.episodeNumber}`),
    );
    expect(watched).toEqual(['1x3', '1x10', '2x1']);

    const history = HistoryList.parse((await call(user, 'GET', '/watch-history?type=episode&limit=2')).body);
    expect(history.items.map((i) => i.media.episodeNumber)).toEqual([2, 10]);
    expect(history.items[0]?.series?.tmdbId).toBe(66732);
    expect(history.nextCursor).not.toBeNull();

    // Forgetting an entry takes it off "continue watching".
    expect((await call(user, 'DELETE', `/watch-history/${items[1]?.media.id}`)).status).toBe(204);
    items = ContinueList.parse((await call(user, 'GET', '/watch-history/continue')).body).items;
    expect(items).toHaveLength(1);
  });
});

describe('bad input', () => {
  it.each([
    ['POST', '/media', {}, 'validation_failed'],
    ['POST', '/media', { tmdbId: 'abc', type: 'movie' }, 'validation_failed'],
    ['POST', '/media', { tmdbId: 603, type: 'person' }, 'validation_failed'],
    ['POST', '/media', { type: 'movie', title: '' }, 'validation_failed'],
    ['POST', '/watchlist', { mediaId: 'not-a-uuid' }, 'validation_failed'],
    [
      'POST',
      '/watch-history',
      {
        tmdbId: 603,
        type: 'movie',
        mediaId: '00000000-0000-4000-8000-000000000000',
        positionSeconds: 1,
        durationSeconds: 2,
      },
      'validation_failed',
    ],
    [
      'POST',
      '/watch-history',
      { tmdbId: 1399, type: 'tv', positionSeconds: 1, durationSeconds: 2 },
      'validation_failed',
    ],
    [
      'POST',
      '/watch-history',
      { tmdbId: 603, type: 'movie', positionSeconds: 1, durationSeconds: 0 },
      'validation_failed',
    ],
    [
      'POST',
      '/watch-history',
      { tmdbId: 603, type: 'movie', positionSeconds: 1, durationSeconds: 2, at: '2999-01-01T00:00:00Z' },
      'validation_failed',
    ],
  ])('%s %s %j is a 400', async (method, path, body, code) => {
    const res = await call<ErrorBody>(alice, method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it.each([
    ['/media?sort=popular', 'sort'],
    ['/media?sort=relevance', 'relevance'],
    ['/media?cursor=garbage', 'cursor'],
    ['/media?limit=1000', 'limit'],
    ['/media?hasFiles=maybe', 'hasFiles'],
    ['/favorites?sort=rating', 'sort'],
    ['/watch-history?type=person', 'type'],
    ['/library/status/abc/movie', 'tmdbId'],
    ['/library/status/550/person', 'type'],
  ])('GET %s is a 400 naming %s', async (path, field) => {
    const res = await call<ErrorBody>(alice, 'GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it('answers 404 for unknown titles, series and episodes', async () => {
    expect((await call(alice, 'POST', '/media', { tmdbId: 999_999, type: 'movie' })).status).toBe(404);
    expect((await call(alice, 'GET', '/media/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call(alice, 'GET', '/media/not-a-uuid')).status).toBe(404);
    const film = await addFromTmdb(550, 'movie');
    expect((await call(alice, 'GET', `/media/${film.id}/episodes`)).status).toBe(404);
    const episode = await call<ErrorBody>(alice, 'POST', '/watch-history', {
      tmdbId: 1399,
      type: 'tv',
      seasonNumber: 7,
      episodeNumber: 1,
      positionSeconds: 1,
      durationSeconds: 2,
    });
    expect(episode.status).toBe(404);
    const show = await addFromTmdb(1399, 'tv');
    const onSeries = await call<ErrorBody>(alice, 'POST', '/watch-history', {
      mediaId: show.id,
      positionSeconds: 1,
      durationSeconds: 2,
    });
    expect(onSeries.status).toBe(400);
  });
});

describe('security: every personal row belongs to its owner', () => {
  it('never shows, changes or removes another user’s lists and progress', async () => {
    const film = await addFromTmdb(680, 'movie');
    for (const list of ['library', 'favorites', 'watchlist']) {
      expect((await call(alice, 'POST', `/${list}`, { mediaId: film.id })).status).toBeLessThan(300);
    }
    await call(alice, 'POST', '/watch-history', {
      mediaId: film.id,
      positionSeconds: 600,
      durationSeconds: 9240,
    });

    for (const list of ['library', 'favorites', 'watchlist']) {
      const other = PersonalList.parse((await call(bob, 'GET', `/${list}`)).body);
      expect(other.items.map((i) => i.media.id)).not.toContain(film.id);
      const stolen = await call<ErrorBody>(bob, 'DELETE', `/${list}/${film.id}`);
      expect(stolen.status).toBe(404);
      const mine = PersonalList.parse((await call(alice, 'GET', `/${list}?limit=100`)).body);
      expect(mine.items.map((i) => i.media.id)).toContain(film.id);
    }
    const status = LibraryStatus.parse((await call(bob, 'GET', '/library/status/680/movie')).body);
    expect(status).toMatchObject({ inLibrary: false, favorite: false, inWatchlist: false, progress: null });
    const history = HistoryList.parse((await call(bob, 'GET', '/watch-history')).body);
    expect(history.items.map((i) => i.media.id)).not.toContain(film.id);
    const resume = ContinueList.parse((await call(bob, 'GET', '/watch-history/continue')).body);
    expect(resume.items.map((i) => i.media.id)).not.toContain(film.id);
    expect((await call(bob, 'DELETE', `/watch-history/${film.id}`)).status).toBe(404);
    const aliceHistory = HistoryList.parse((await call(alice, 'GET', '/watch-history?limit=100')).body);
    expect(aliceHistory.items.map((i) => i.media.id)).toContain(film.id);

    // Episode progress on a series page is the caller's own.
    await call(alice, 'POST', '/watch-history', {
      tmdbId: 94605,
      type: 'tv',
      seasonNumber: 1,
      episodeNumber: 1,
      positionSeconds: 2400,
      durationSeconds: 2400,
    });
    const arcane = await addFromTmdb(94605, 'tv');
    const seenByAlice = EpisodeList.parse((await call(alice, 'GET', `/media/${arcane.id}/episodes`)).body);
    expect(seenByAlice.seasons[1]?.episodes[0]?.progress?.completed).toBe(true);
    const seenByBob = EpisodeList.parse((await call(bob, 'GET', `/media/${arcane.id}/episodes`)).body);
    expect(seenByBob.seasons.flatMap((s) => s.episodes).every((e) => e.progress === null)).toBe(true);
    const bobStatus = LibraryStatus.parse((await call(bob, 'GET', '/library/status/94605/tv')).body);
    expect(bobStatus.episodes).toEqual([]);
  });

  it('keeps shared titles editable by admins only', async () => {
    const film = await addFromTmdb(603, 'movie');
    expect((await call<ErrorBody>(alice, 'PATCH', `/media/${film.id}`, { title: 'Hacked' })).status).toBe(
      403,
    );
    expect((await call<ErrorBody>(alice, 'DELETE', `/media/${film.id}`)).status).toBe(403);
    const file = await call<ErrorBody>(alice, 'POST', `/media/${film.id}/files`, {
      path: '/x.mkv',
      sizeBytes: 1,
    });
    expect(file.status).toBe(403);
    expect((await call<Media>(alice, 'GET', `/media/${film.id}`)).body.title).toBe('Matrix');
  });

  it('requires authentication everywhere', async () => {
    for (const [method, path] of [
      ['GET', '/media'],
      ['POST', '/media'],
      ['GET', '/library'],
      ['GET', '/favorites'],
      ['POST', '/watchlist'],
      ['GET', '/library/status/550/movie'],
      ['POST', '/watch-history'],
      ['GET', '/watch-history/continue'],
    ] as const) {
      const res = await api<ErrorBody>(method, path, { body: method === 'POST' ? {} : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });
});
