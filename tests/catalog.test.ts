import {
  CatalogPage,
  Credits,
  type ErrorBody,
  GenreList,
  imageUrl,
  MovieDetails,
  Person,
  RegionProviders,
  Season,
  TitleProviders,
  TvDetails,
  VideoList,
} from '@sokoul/contracts';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminSession, api } from './helpers/api.js';
import { controlFakeTmdb, FAKE_V3_KEY } from './helpers/fake-tmdb.js';

/** The TMDB routes on the shared stack (Redis cache), against the fake TMDB's v3 payloads. */
const fake = controlFakeTmdb(inject('tmdb'));
let token: string;

beforeAll(async () => {
  token = (await adminSession()).accessToken;
});
afterEach(() => fake.reset());

const get = <T>(path: string) => api<T>('GET', path, { token });

describe('happy paths', () => {
  it('lists trending titles with pictures built from TMDB_IMAGE_BASE_URL', async () => {
    const res = await get<CatalogPage>('/tmdb/trending?type=all&window=day');
    expect(res.status).toBe(200);
    const page = CatalogPage.parse(res.body);
    expect(page.results.length).toBe(20);
    expect(page.totalResults).toBeGreaterThan(20);
    const first = page.results[0];
    expect(first?.type).toBe('tv');
    expect(first?.poster?.widths).toEqual([92, 154, 185, 342, 500, 780]);
    expect(first?.poster && imageUrl(first.poster)).toMatch(
      new RegExp(`^${inject('tmdb')}/t/p/original/p\\d+`),
    );
    const movies = CatalogPage.parse((await get('/tmdb/trending?type=movie&page=1')).body);
    expect(movies.results.every((r) => r.type === 'movie')).toBe(true);
    expect(movies.results.find((r) => r.id === 603)?.title).toBe('Matrix');
  });

  it('discovers with genre, year and rating filters passed through to TMDB', async () => {
    const scifi = CatalogPage.parse((await get('/tmdb/discover?type=movie&with_genres=878')).body);
    expect(scifi.results.map((r) => r.id).sort()).toEqual([11, 157336, 27205, 603].sort());
    const y1999 = CatalogPage.parse(
      (await get('/tmdb/discover?type=movie&year=1999&sort_by=vote_average.desc')).body,
    );
    expect(y1999.results.map((r) => r.id)).toEqual([550, 603]);
    const series = CatalogPage.parse((await get('/tmdb/discover?type=tv&vote_average.gte=8.6')).body);
    expect(series.results.map((r) => r.title).sort()).toEqual([
      'Arcane',
      'Breaking Bad',
      'Stranger Things',
      'The Last of Us',
    ]);
  });

  it('searches films, series and people (multi) with q or query', async () => {
    const multi = CatalogPage.parse((await get('/tmdb/search?q=matrix')).body);
    expect(multi.results.map((r) => [r.type, r.id])).toEqual([['movie', 603]]);
    const people = CatalogPage.parse((await get('/tmdb/search?query=pitt&type=person')).body);
    expect(people.results[0]).toMatchObject({
      type: 'person',
      id: 287,
      title: 'Brad Pitt',
      knownFor: 'Acting',
    });
    expect(people.results[0]?.poster?.widths[0]).toBe(45);
  });

  it('details a film in one call: cast, crew, trailers first, similar, providers for the language region', async () => {
    const res = await get<MovieDetails>('/tmdb/movie/550');
    expect(res.status).toBe(200);
    const movie = MovieDetails.parse(res.body);
    expect(movie).toMatchObject({
      id: 550,
      title: 'Fight Club',
      year: 1999,
      runtime: 139,
      imdbId: 'tt0000550',
    });
    expect(movie.genres.map((g) => g.name)).toEqual(['Drame', 'Thriller']);
    expect(movie.cast.map((c) => c.name)).toEqual(['Brad Pitt', 'Edward Norton']);
    expect(movie.crew).toContainEqual(expect.objectContaining({ name: 'David Fincher', job: 'Director' }));
    expect(movie.videos[0]).toMatchObject({ type: 'Trailer', site: 'YouTube', key: 'trailer550' });
    expect(movie.similar.length).toBeGreaterThan(5);
    expect(movie.providers?.region).toBe('FR');
    expect(movie.providers?.flatrate.map((p) => p.name)).toEqual(['Netflix']);
    const english = MovieDetails.parse((await get('/tmdb/movie/550?language=en-US')).body);
    expect(english.genres.map((g) => g.name)).toEqual(['Drama', 'Thriller']);
    expect(english.providers?.flatrate.map((p) => p.name)).toEqual(['Disney Plus']);
  });

  it('answers in the requested language and keeps the original title', async () => {
    const fr = MovieDetails.parse((await get('/tmdb/movie/120')).body);
    const en = MovieDetails.parse((await get('/tmdb/movie/120?language=en-US')).body);
    expect(fr.title).toBe("Le Seigneur des anneaux : La Communauté de l'anneau");
    expect(fr.originalTitle).toBe('The Lord of the Rings: The Fellowship of the Ring');
    expect(en.title).toBe('The Lord of the Rings: The Fellowship of the Ring');
    expect(en.originalTitle).toBeNull();
  });

  it('details a series with its seasons (specials last) and a season with its episodes', async () => {
    const show = TvDetails.parse((await get('/tmdb/tv/1399')).body);
    expect(show).toMatchObject({ id: 1399, title: 'Game of Thrones', numberOfSeasons: 3, year: 2011 });
    expect(show.seasons.map((s) => s.seasonNumber)).toEqual([1, 2, 3, 0]);
    expect(show.createdBy[0]?.name).toBe('David Benioff');
    const season = Season.parse((await get('/tmdb/tv/1399/season/2?language=en-US')).body);
    expect(season).toMatchObject({ tvId: 1399, seasonNumber: 2, name: 'Season 2' });
    expect(season.episodes.map((e) => e.episodeNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const still = season.episodes[0]?.still;
    expect(still && imageUrl(still, 92)).toMatch(/\/t\/p\/w92\/s\d+/);
  });

  it('serves credits, videos, similar, genres and watch providers on their own routes', async () => {
    const credits = Credits.parse((await get('/tmdb/credits/movie/603')).body);
    expect(credits.cast[0]?.name).toBe('Keanu Reeves');
    const videos = VideoList.parse((await get('/tmdb/videos/tv/1396')).body);
    expect(videos.videos.map((v) => v.type)).toEqual(['Trailer', 'Featurette']);
    const similar = CatalogPage.parse((await get('/tmdb/similar/tv/1399')).body);
    expect(similar.results.every((r) => r.type === 'tv' && r.id !== 1399)).toBe(true);
    const genres = GenreList.parse((await get('/tmdb/genres/movie?language=en-US')).body);
    expect(genres.genres).toContainEqual({ id: 878, name: 'Science Fiction' });
    const region = RegionProviders.parse((await get('/tmdb/watch-providers?type=movie')).body);
    expect(region).toMatchObject({ region: 'FR' });
    expect(region.providers.map((p) => p.name)).toEqual(['Netflix', 'Apple TV']);
    const title = TitleProviders.parse((await get('/tmdb/watch-providers?type=tv&id=1399&region=US')).body);
    expect(title.flatrate.map((p) => p.name)).toEqual(['Disney Plus']);
    const nowhere = TitleProviders.parse((await get('/tmdb/watch-providers?type=tv&id=1399&region=JP')).body);
    expect(nowhere.flatrate).toEqual([]);
  });

  it("lists a person's filmography, newest first, acting and crew", async () => {
    const pitt = Person.parse((await get('/tmdb/person/287')).body);
    expect(pitt).toMatchObject({ name: 'Brad Pitt', birthday: '1963-12-18', imdbId: 'nm0000287' });
    expect(pitt.filmography.map((f) => [f.type, f.id])).toEqual([
      ['tv', 1399],
      ['movie', 550],
    ]);
    expect(pitt.filmography[1]).toMatchObject({ role: 'Role in Fight Club', department: 'Acting' });
    const fincher = Person.parse((await get('/tmdb/person/7467')).body);
    expect(fincher.filmography[0]).toMatchObject({ id: 550, role: 'Director', department: 'Directing' });
  });
});

describe('bad input and missing titles', () => {
  it('requires authentication on every route', async () => {
    for (const path of ['/tmdb/trending', '/tmdb/movie/550', '/tmdb/search?q=x', '/tmdb/person/287']) {
      const res = await api<ErrorBody>('GET', path);
      expect(res.status, path).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it.each([
    ['/tmdb/movie/abc', 'id'],
    ['/tmdb/movie/0', 'id'],
    ['/tmdb/tv/1399/season/x', 'season'],
    ['/tmdb/credits/film/550', 'type'],
    ['/tmdb/similar/person/287', 'type'],
    ['/tmdb/search', 'query'],
    ['/tmdb/search?q=%20%20', 'query'],
    ['/tmdb/trending?type=people', 'type'],
    ['/tmdb/trending?page=501', 'page'],
    ['/tmdb/discover?sort_by=random', 'sort_by'],
    ['/tmdb/discover?with_genres=action', 'with_genres'],
    ['/tmdb/discover?year=19999', 'year'],
    ['/tmdb/movie/550?language=french', 'language'],
    ['/tmdb/watch-providers?region=france', 'region'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const res = await get<ErrorBody>(path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain(field);
  });

  it('answers 404 for titles, seasons and people TMDB does not have', async () => {
    for (const path of ['/tmdb/movie/999999', '/tmdb/tv/1399/season/9', '/tmdb/person/1', '/tmdb/tv/550']) {
      const res = await get<ErrorBody>(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('catalog keys stay private to the server', () => {
  it('never leaks the TMDB key in answers', async () => {
    const res = await api('GET', '/tmdb/movie/603', { token });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(FAKE_V3_KEY);
  });
});
