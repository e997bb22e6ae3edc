import {
  CatalogPage,
  imageSrcSet,
  imageUrl,
  MovieDetails,
  Person,
  Season,
  TvDetails,
} from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import * as normalize from '../functions/src/catalog/normalize.js';
import { UpstreamFailure } from '../functions/src/infra/upstream.js';

/** TMDB payload quirks: extra fields, missing or mistyped optional ones, broken list entries. */
const images = normalize.createImages('https://image.example/t/p');

describe('lists', () => {
  it('keeps good entries, drops entries without an id, and tolerates nulls and extra fields', () => {
    const page = normalize.page(
      images,
      {
        page: 2,
        total_pages: 7,
        total_results: 130,
        unexpected: { nested: true },
        results: [
          {
            id: 1,
            media_type: 'movie',
            title: 'One',
            release_date: '2020-05-01',
            poster_path: '/a.jpg',
            vote_average: 7.26,
            vote_count: 10,
            genre_ids: [18],
            brand_new_field: 'x',
          },
          { title: 'No id' },
          {
            id: 2,
            media_type: 'tv',
            name: 'Two',
            first_air_date: '',
            poster_path: null,
            vote_average: 9,
            vote_count: 0,
          },
          { id: 3, name: 'Three', genre_ids: 'not-a-list', overview: null, release_date: 'soon' },
          'garbage',
        ],
      },
      'movie',
    );
    expect(CatalogPage.parse(page)).toEqual(page);
    expect(page).toMatchObject({ page: 2, totalPages: 7, totalResults: 130 });
    expect(page.results.map((r) => [r.type, r.id, r.title])).toEqual([
      ['movie', 1, 'One'],
      ['tv', 2, 'Two'],
      ['movie', 3, 'Three'],
    ]);
    const [one, two, three] = page.results;
    expect(one).toMatchObject({ year: 2020, rating: 7.3, genreIds: [18] });
    expect(one?.poster).toEqual({
      base: 'https://image.example/t/p/',
      path: '/a.jpg',
      widths: [92, 154, 185, 342, 500, 780],
    });
    expect(one?.poster && imageUrl(one.poster, 185)).toBe('https://image.example/t/p/w185/a.jpg');
    expect(one?.poster && imageUrl(one.poster)).toBe('https://image.example/t/p/original/a.jpg');
    expect(two).toMatchObject({ date: null, year: null, poster: null, rating: null });
    expect(three).toMatchObject({ genreIds: [], overview: '', date: null });
  });

  it('rejects answers that are not a list at all', () => {
    for (const bad of [null, 'html', [1, 2], 42]) {
      expect(() => normalize.page(images, bad, 'movie')).toThrow(UpstreamFailure);
    }
    // An object with a mistyped results field still reads as an empty page.
    expect(normalize.page(images, { results: 'x' }, 'movie').results).toEqual([]);
  });
});

describe('details', () => {
  it('reads a film without any appended parts', () => {
    const movie = normalize.movie(
      images,
      { id: 9, title: 'Bare', genres: 'drama', runtime: null },
      'fr-FR',
      'FR',
    );
    expect(MovieDetails.parse(movie)).toEqual(movie);
    expect(movie).toMatchObject({
      cast: [],
      crew: [],
      videos: [],
      similar: [],
      providers: null,
      genres: [],
      runtime: null,
      alternativeTitles: [],
    });
  });

  it('gathers the other names a title goes by: alternative titles, then translated ones, each once', () => {
    const movie = normalize.movie(
      images,
      {
        id: 129,
        title: 'Le Voyage de Chihiro',
        original_title: '千と千尋の神隠し',
        alternative_titles: {
          titles: [
            { iso_3166_1: 'JP', title: 'Sen to Chihiro no Kamikakushi', type: 'romaji' },
            { iso_3166_1: 'US', title: 'Spirited Away', type: '' },
            { iso_3166_1: 'XX' },
          ],
        },
        translations: {
          translations: [
            { iso_639_1: 'en', data: { title: 'Spirited Away', overview: '' } },
            { iso_639_1: 'fr', data: { title: 'Le Voyage de Chihiro' } },
            { iso_639_1: 'de', data: { title: ' Chihiros Reise ins Zauberland ' } },
            { iso_639_1: 'it', data: { title: '' } },
            { iso_639_1: 'es', data: 'broken' },
          ],
        },
      },
      'fr-FR',
      'FR',
    );
    expect(MovieDetails.parse(movie)).toEqual(movie);
    expect(movie.alternativeTitles).toEqual([
      'Sen to Chihiro no Kamikakushi',
      'Spirited Away',
      'Chihiros Reise ins Zauberland',
    ]);
    // A series' alternative titles come under `results`, its translations as `name`.
    const show = normalize.tv(
      images,
      {
        id: 1399,
        name: 'Game of Thrones',
        original_name: 'Game of Thrones',
        alternative_titles: { results: [{ iso_3166_1: 'FR', title: 'Le Trône de fer', type: '' }] },
        translations: { translations: [{ iso_639_1: 'ru', data: { name: 'Игра престолов' } }] },
      },
      'en-US',
      'US',
    );
    expect(show.alternativeTitles).toEqual(['Le Trône de fer', 'Игра престолов']);
  });

  it('fails clearly when required fields are missing', () => {
    expect(() => normalize.movie(images, { id: 9 }, 'fr-FR', 'FR')).toThrow(
      'TMDB sent an answer Sokoul cannot read',
    );
    expect(() => normalize.tv(images, { name: 'No id' }, 'fr-FR', 'FR')).toThrow(UpstreamFailure);
  });

  it('orders videos: trailers, official, in the language first', () => {
    const movie = normalize.movie(
      images,
      {
        id: 1,
        title: 'T',
        videos: {
          results: [
            { key: 'clip', site: 'YouTube', type: 'Clip', official: true, iso_639_1: 'fr' },
            { key: 'fan-trailer', site: 'YouTube', type: 'Trailer', official: false, iso_639_1: 'fr' },
            { key: 'en-trailer', site: 'YouTube', type: 'Trailer', official: true, iso_639_1: 'en' },
            { key: 'fr-trailer', site: 'YouTube', type: 'Trailer', official: true, iso_639_1: 'fr' },
            { site: 'YouTube', type: 'Trailer' },
          ],
        },
      },
      'fr-FR',
      'FR',
    );
    expect(movie.videos.map((v) => v.key)).toEqual(['fr-trailer', 'en-trailer', 'fan-trailer', 'clip']);
  });

  it('puts specials last and counts seasons when TMDB omits the total', () => {
    const show = normalize.tv(
      images,
      {
        id: 5,
        name: 'Show',
        seasons: [
          { season_number: 0, name: 'Specials', episode_count: 3 },
          { season_number: 2, name: null, episode_count: 8 },
          { season_number: 1, name: 'Season 1', episode_count: 10 },
        ],
      },
      'en-US',
      'US',
    );
    expect(TvDetails.parse(show)).toEqual(show);
    expect(show.seasons.map((s) => [s.seasonNumber, s.name])).toEqual([
      [1, 'Season 1'],
      [2, 'Season 2'],
      [0, 'Specials'],
    ]);
    expect(show.numberOfSeasons).toBe(2);
  });

  it('sorts a filmography newest first with announced titles on top, without duplicates', () => {
    const person = normalize.person(images, {
      id: 3,
      name: 'P',
      combined_credits: {
        cast: [
          { id: 1, media_type: 'movie', title: 'Old', release_date: '1990-01-01', character: 'A' },
          { id: 2, media_type: 'tv', name: 'Next', character: 'B' },
          { id: 3, media_type: 'movie', title: 'New', release_date: '2020-01-01', character: 'C' },
          { id: 3, media_type: 'movie', title: 'New', release_date: '2020-01-01', character: 'C' },
        ],
        crew: [
          {
            id: 1,
            media_type: 'movie',
            title: 'Old',
            release_date: '1990-01-01',
            job: 'Director',
            department: 'Directing',
          },
        ],
      },
    });
    expect(Person.parse(person)).toEqual(person);
    expect(person.filmography.map((f) => [f.id, f.role])).toEqual([
      [2, 'B'],
      [3, 'C'],
      [1, 'A'],
      [1, 'Director'],
    ]);
  });

  it('builds no picture from a missing or relative path', () => {
    expect(images.image('poster', null)).toBeNull();
    expect(images.image('poster', 'relative.jpg')).toBeNull();
    const logo = normalize.createImages('https://cdn.example/p/').image('logo', '/l.png');
    expect(logo && imageSrcSet(logo)).toBe(
      'https://cdn.example/p/w45/l.png 45w, https://cdn.example/p/w92/l.png 92w, https://cdn.example/p/w154/l.png 154w',
    );
  });
});

describe('seasons', () => {
  it('gives episodes that omit their season number the season’s own', () => {
    const season = normalize.season(
      images,
      {
        season_number: 2,
        name: 'Season 2',
        episodes: [
          { id: 22, episode_number: 2, name: 'Second' },
          { id: 21, episode_number: 1, name: 'First', season_number: null },
          { id: 23, episode_number: 3, name: 'Third', season_number: 2 },
        ],
      },
      7,
    );
    expect(Season.parse(season)).toEqual(season);
    expect(season.episodes.map((e) => [e.seasonNumber, e.episodeNumber, e.name])).toEqual([
      [2, 1, 'First'],
      [2, 2, 'Second'],
      [2, 3, 'Third'],
    ]);
  });

  it('takes the number asked for when the season does not repeat it, and refuses one that says nothing', () => {
    const answer = { name: null, episodes: [{ id: 1, episode_number: 1 }] };
    const season = normalize.season(images, answer, 7, 3);
    expect(season).toMatchObject({ tvId: 7, seasonNumber: 3, name: 'Season 3' });
    expect(season.episodes.map((e) => [e.seasonNumber, e.episodeNumber])).toEqual([[3, 1]]);
    expect(() => normalize.season(images, answer, 7)).toThrow(UpstreamFailure);
  });

  it('leaves out a next episode that does not say its season', () => {
    const base = { id: 5, name: 'Show', seasons: [] };
    const next = { id: 9, episode_number: 4, name: 'Soon' };
    expect(
      normalize.tv(images, { ...base, next_episode_to_air: next }, 'en-US', 'US').nextEpisode,
    ).toBeNull();
    expect(
      normalize.tv(images, { ...base, next_episode_to_air: { ...next, season_number: 2 } }, 'en-US', 'US')
        .nextEpisode,
    ).toMatchObject({ seasonNumber: 2, episodeNumber: 4 });
  });
});
