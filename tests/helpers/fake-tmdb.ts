import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for TMDB's v3 API, answering with payloads shaped like the examples in TMDB's
 * reference (developer.themoviedb.org): same field names, nesting, nulls and extra fields. It also
 * serves pictures under /t/p/ (the image CDN) and a control API under /__control so tests in other
 * processes can make it slow, failing, hanging or malformed, and count the calls it received.
 */

export const FAKE_V3_KEY = '0123456789abcdef0123456789abcdef';
export const FAKE_V4_TOKEN =
  'eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJzb2tvdWwtdGVzdCIsInNjb3BlcyI6WyJhcGlfcmVhZCJdLCJ2ZXJzaW9uIjoxfQ.c2lnbmF0dXJl';

export interface Behaviour {
  /** Applies to requests whose path starts with this (e.g. "/movie/603"). */
  path: string;
  mode: 'status' | 'hang' | 'malformed' | 'delay';
  status?: number;
  /** Seconds, or an HTTP-date. */
  retryAfter?: number | string;
  delayMs?: number;
}

type Lang = 'fr' | 'en';
interface Title {
  id: number;
  type: 'movie' | 'tv';
  en: string;
  fr: string;
  date: string;
  genres: number[];
  vote: number;
  votes: number;
  popularity: number;
  lang: string;
}

const MOVIE_GENRES = [
  [28, 'Action', 'Action'],
  [12, 'Adventure', 'Aventure'],
  [16, 'Animation', 'Animation'],
  [35, 'Comedy', 'Comédie'],
  [80, 'Crime', 'Crime'],
  [99, 'Documentary', 'Documentaire'],
  [18, 'Drama', 'Drame'],
  [14, 'Fantasy', 'Fantastique'],
  [878, 'Science Fiction', 'Science-Fiction'],
  [53, 'Thriller', 'Thriller'],
] as const;
const TV_GENRES = [
  [10759, 'Action & Adventure', 'Action & Aventure'],
  [18, 'Drama', 'Drame'],
  [10765, 'Sci-Fi & Fantasy', 'Science-Fiction & Fantastique'],
  [35, 'Comedy', 'Comédie'],
] as const;

/** id, type, English title, French title, date, genres, rating, votes, popularity, language. */
type TitleRow = [number, 'movie' | 'tv', string, string, string, number[], number, number, number, string];
// biome-ignore format: one title per line reads as a table
const TITLE_ROWS: TitleRow[] = [
  [550, 'movie', 'Fight Club', 'Fight Club', '1999-10-15', [18, 53], 8.4, 30000, 80, 'en'],
  [603, 'movie', 'The Matrix', 'Matrix', '1999-03-31', [28, 878], 8.2, 25000, 90, 'en'],
  [120, 'movie', 'The Lord of the Rings: The Fellowship of the Ring', "Le Seigneur des anneaux : La Communauté de l'anneau", '2001-12-18', [12, 14, 28], 8.4, 26000, 85, 'en'],
  [27205, 'movie', 'Inception', 'Inception', '2010-07-15', [28, 878, 12], 8.4, 36000, 95, 'en'],
  [194, 'movie', 'Amélie', "Le Fabuleux Destin d'Amélie Poulain", '2001-04-25', [35], 7.9, 11000, 40, 'fr'],
  [129, 'movie', 'Spirited Away', 'Le Voyage de Chihiro', '2001-07-20', [16, 14], 8.5, 16000, 70, 'ja'],
  [680, 'movie', 'Pulp Fiction', 'Pulp Fiction', '1994-09-10', [53, 80], 8.5, 27000, 75, 'en'],
  [13, 'movie', 'Forrest Gump', 'Forrest Gump', '1994-06-23', [35, 18], 8.5, 26000, 65, 'en'],
  [157336, 'movie', 'Interstellar', 'Interstellar', '2014-11-05', [12, 18, 878], 8.4, 34000, 99, 'en'],
  [8587, 'movie', 'The Lion King', 'Le Roi lion', '1994-06-24', [16, 18], 8.3, 17000, 60, 'en'],
  [496243, 'movie', 'Parasite', 'Parasite', '2019-05-30', [35, 53, 18], 8.5, 17500, 55, 'ko'],
  [872585, 'movie', 'Oppenheimer', 'Oppenheimer', '2023-07-19', [18], 8.1, 9000, 120, 'en'],
  [11, 'movie', 'Star Wars', 'La Guerre des étoiles', '1977-05-25', [12, 28, 878], 8.2, 20000, 70, 'en'],
  [238, 'movie', 'The Godfather', 'Le Parrain', '1972-03-14', [18, 80], 8.7, 20000, 85, 'en'],
  [1399, 'tv', 'Game of Thrones', 'Game of Thrones', '2011-04-17', [10765, 18, 10759], 8.4, 22000, 300, 'en'],
  [1396, 'tv', 'Breaking Bad', 'Breaking Bad', '2008-01-20', [18], 8.9, 13000, 250, 'en'],
  [66732, 'tv', 'Stranger Things', 'Stranger Things', '2016-07-15', [18, 10765], 8.6, 17000, 200, 'en'],
  [1668, 'tv', 'Friends', 'Friends', '1994-09-22', [35], 8.4, 7000, 180, 'en'],
  [94605, 'tv', 'Arcane', 'Arcane', '2021-11-06', [16, 10765], 8.7, 4500, 150, 'en'],
  [76479, 'tv', 'The Boys', 'The Boys', '2019-07-25', [10765, 10759], 8.5, 10000, 160, 'en'],
  [71446, 'tv', 'Money Heist', 'La Casa de Papel', '2017-05-02', [80, 18], 8.2, 18000, 140, 'es'],
  [60574, 'tv', 'Peaky Blinders', 'Peaky Blinders', '2013-09-12', [18, 80], 8.5, 9000, 130, 'en'],
  [1402, 'tv', 'The Walking Dead', 'The Walking Dead', '2010-10-31', [10759, 18, 10765], 8.1, 15000, 110, 'en'],
  [100088, 'tv', 'The Last of Us', 'The Last of Us', '2023-01-15', [18], 8.6, 5000, 170, 'en'],
];
/** Thirty low-popularity documentaries, so lists run over several pages. */
for (let i = 1; i <= 30; i++) {
  TITLE_ROWS.push([
    900_000 + i,
    'movie',
    `Documentary ${i}`,
    `Documentaire ${i}`,
    '2005-01-01',
    [99],
    6,
    50,
    i / 10,
    'en',
  ]);
}
const TITLES: Title[] = TITLE_ROWS.map(([id, type, en, fr, date, genres, vote, votes, popularity, lang]) => ({
  id,
  type,
  en,
  fr,
  date,
  genres,
  vote,
  votes,
  popularity,
  lang,
}));

/** Names some titles go by besides their English and French ones: alternative titles by country, translations. */
const OTHER_NAMES: Record<
  number,
  { alternative: [string, string, string][]; translated: [string, string][] }
> = {
  129: {
    alternative: [['JP', 'Sen to Chihiro no Kamikakushi', 'romaji']],
    translated: [['de', 'Chihiros Reise ins Zauberland']],
  },
  238: { alternative: [['US', "Mario Puzo's The Godfather", '']], translated: [['de', 'Der Pate']] },
  1399: { alternative: [['FR', 'Le Trône de fer', '']], translated: [['ru', 'Игра престолов']] },
};

/** `append_to_response=alternative_titles`: a film's under `titles`, a series' under `results`. */
function alternativeTitles(t: Title) {
  const titles = (OTHER_NAMES[t.id]?.alternative ?? []).map(([iso_3166_1, title, type]) => ({
    iso_3166_1,
    title,
    type,
  }));
  return t.type === 'movie' ? { titles } : { results: titles };
}

/** `append_to_response=translations`: every language's title (a series' `name`) and overview. */
function translations(t: Title) {
  const rows: [string, string, string][] = [
    ['en', 'US', t.en],
    ['fr', 'FR', t.fr],
    ...(OTHER_NAMES[t.id]?.translated ?? []).map(([lang, title]): [string, string, string] => [
      lang,
      lang.toUpperCase(),
      title,
    ]),
  ];
  return {
    translations: rows.map(([iso_639_1, iso_3166_1, title]) => ({
      iso_3166_1,
      iso_639_1,
      name: iso_639_1,
      english_name: iso_639_1,
      data:
        t.type === 'movie'
          ? { homepage: '', overview: `${title}.`, runtime: 0, tagline: '', title }
          : { homepage: '', overview: `${title}.`, tagline: '', name: title },
    })),
  };
}

const PEOPLE = [
  {
    id: 287,
    name: 'Brad Pitt',
    dept: 'Acting',
    birthday: '1963-12-18',
    place: 'Shawnee, Oklahoma, USA',
    credits: [550, 1399],
  },
  {
    id: 819,
    name: 'Edward Norton',
    dept: 'Acting',
    birthday: '1969-08-18',
    place: 'Boston, Massachusetts, USA',
    credits: [550],
  },
  {
    id: 7467,
    name: 'David Fincher',
    dept: 'Directing',
    birthday: '1962-08-28',
    place: 'Denver, Colorado, USA',
    credits: [550],
  },
  {
    id: 6384,
    name: 'Keanu Reeves',
    dept: 'Acting',
    birthday: '1964-09-02',
    place: 'Beirut, Lebanon',
    credits: [603],
  },
  {
    id: 22970,
    name: 'Peter Dinklage',
    dept: 'Acting',
    birthday: '1969-06-11',
    place: 'Morristown, New Jersey, USA',
    credits: [1399],
  },
];

const langOf = (params: URLSearchParams): Lang =>
  (params.get('language') ?? 'en-US').startsWith('fr') ? 'fr' : 'en';
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');
const pathFor = (kind: string, id: number) => `/${kind}${id}${slug(String(id)).slice(0, 2)}.jpg`;
const overview = (t: Title, lang: Lang) =>
  lang === 'fr' ? `Résumé de « ${t.fr} ».` : `Overview of "${t.en}".`;

/** A list entry as in /trending, /discover and /search: films and series have different names. */
function listEntry(t: Title, lang: Lang, withMediaType: boolean) {
  const common = {
    adult: false,
    backdrop_path: pathFor('b', t.id),
    id: t.id,
    original_language: t.lang,
    overview: overview(t, lang),
    poster_path: pathFor('p', t.id),
    genre_ids: t.genres,
    popularity: t.popularity,
    vote_average: t.vote,
    vote_count: t.votes,
    ...(withMediaType ? { media_type: t.type } : {}),
  };
  return t.type === 'movie'
    ? { ...common, title: t[lang], original_title: t.en, release_date: t.date, video: false }
    : { ...common, name: t[lang], original_name: t.en, first_air_date: t.date, origin_country: ['US'] };
}

function personEntry(p: (typeof PEOPLE)[number]) {
  return {
    adult: false,
    gender: 2,
    id: p.id,
    known_for_department: p.dept,
    name: p.name,
    original_name: p.name,
    popularity: 20,
    profile_path: pathFor('h', p.id),
    media_type: 'person',
    known_for: p.credits.flatMap((id) => {
      const t = TITLES.find((x) => x.id === id);
      return t ? [listEntry(t, 'en', true)] : [];
    }),
  };
}

/** TMDB pages hold 20 results. */
function paged<T>(items: T[], params: URLSearchParams) {
  const page = Math.max(1, Number(params.get('page') ?? 1));
  return {
    page,
    results: items.slice((page - 1) * 20, page * 20),
    total_pages: Math.max(1, Math.ceil(items.length / 20)),
    total_results: items.length,
  };
}

function credits(t: Title) {
  const people = PEOPLE.filter((p) => p.credits.includes(t.id));
  return {
    id: t.id,
    cast: people
      .filter((p) => p.dept === 'Acting')
      .map((p, order) => ({
        adult: false,
        gender: 2,
        id: p.id,
        known_for_department: p.dept,
        name: p.name,
        original_name: p.name,
        popularity: 20,
        profile_path: pathFor('h', p.id),
        cast_id: 4 + order,
        character: `Character ${order + 1}`,
        credit_id: `52fe4250c3a36847f80149f${order}`,
        order,
      })),
    crew: people
      .filter((p) => p.dept === 'Directing')
      .map((p) => ({
        adult: false,
        gender: 2,
        id: p.id,
        known_for_department: 'Directing',
        name: p.name,
        original_name: p.name,
        popularity: 15,
        profile_path: pathFor('h', p.id),
        credit_id: '52fe4250c3a36847f8014a11',
        department: 'Directing',
        job: 'Director',
      })),
  };
}

function videos(t: Title) {
  return {
    id: t.id,
    results: [
      {
        iso_639_1: 'en',
        iso_3166_1: 'US',
        name: `${t.en} - Official Trailer`,
        key: `trailer${t.id}`,
        site: 'YouTube',
        size: 1080,
        type: 'Trailer',
        official: true,
        published_at: '2014-10-02T19:20:22.000Z',
        id: `5c9294240e0a267cd516835${t.id % 10}`,
      },
      {
        iso_639_1: 'en',
        iso_3166_1: 'US',
        name: `${t.en} - Featurette`,
        key: `featurette${t.id}`,
        site: 'YouTube',
        size: 720,
        type: 'Featurette',
        official: false,
        published_at: '2015-01-01T00:00:00.000Z',
        id: `5c9294240e0a267cd516836${t.id % 10}`,
      },
    ],
  };
}

function providers(t: Title) {
  const provider = (id: number, name: string, priority: number) => ({
    logo_path: pathFor('l', id),
    provider_id: id,
    provider_name: name,
    display_priority: priority,
  });
  return {
    id: t.id,
    results: {
      FR: {
        link: `https://www.themoviedb.org/${t.type}/${t.id}/watch?locale=FR`,
        flatrate: [provider(8, 'Netflix', 0)],
        rent: [provider(2, 'Apple TV', 4)],
        buy: [provider(2, 'Apple TV', 4)],
      },
      US: {
        link: `https://www.themoviedb.org/${t.type}/${t.id}/watch?locale=US`,
        flatrate: [provider(337, 'Disney Plus', 1)],
      },
    },
  };
}

function similar(t: Title, lang: Lang, params: URLSearchParams) {
  const items = TITLES.filter((x) => x.type === t.type && x.id !== t.id).map((x) =>
    listEntry(x, lang, false),
  );
  return paged(items, params);
}

function genresOf(t: Title, lang: Lang) {
  const all = t.type === 'movie' ? MOVIE_GENRES : [...TV_GENRES, ...MOVIE_GENRES];
  return t.genres.flatMap((g) => {
    const found = all.find(([id]) => id === g);
    return found ? [{ id: found[0], name: lang === 'fr' ? found[2] : found[1] }] : [];
  });
}

function episodesOf(t: Title, season: number, lang: Lang) {
  const count = season === 0 ? 2 : 10;
  return Array.from({ length: count }, (_, i) => ({
    air_date: `${Number(t.date.slice(0, 4)) + Math.max(0, season - 1)}-04-${String(10 + i).padStart(2, '0')}`,
    episode_number: i + 1,
    episode_type: i === 0 ? 'standard' : i === count - 1 ? 'finale' : 'standard',
    id: t.id * 1000 + season * 100 + i + 1,
    name: lang === 'fr' ? `Épisode ${i + 1} (saison ${season})` : `Episode ${i + 1} (season ${season})`,
    overview: lang === 'fr' ? `Résumé de l'épisode ${i + 1}.` : `Episode ${i + 1} overview.`,
    production_code: '',
    runtime: 55 + i,
    season_number: season,
    show_id: t.id,
    still_path: pathFor('s', t.id * 1000 + season * 100 + i),
    vote_average: 8.1,
    vote_count: 120,
    crew: [],
    guest_stars: [],
  }));
}

function details(t: Title, params: URLSearchParams) {
  const lang = langOf(params);
  const appended = (params.get('append_to_response') ?? '').split(',');
  const common = {
    adult: false,
    backdrop_path: pathFor('b', t.id),
    genres: genresOf(t, lang),
    homepage: '',
    id: t.id,
    original_language: t.lang,
    overview: overview(t, lang),
    popularity: t.popularity,
    poster_path: pathFor('p', t.id),
    production_companies: [
      {
        id: 508,
        logo_path: '/7cxRWzi4LsVm4Utfpr1hfARNurT.png',
        name: 'Regency Enterprises',
        origin_country: 'US',
      },
    ],
    production_countries: [{ iso_3166_1: 'US', name: 'United States of America' }],
    spoken_languages: [{ english_name: 'English', iso_639_1: 'en', name: 'English' }],
    status: t.type === 'movie' ? 'Released' : 'Ended',
    tagline: lang === 'fr' ? 'Une accroche.' : 'A tagline.',
    vote_average: t.vote,
    vote_count: t.votes,
    ...(appended.includes('credits') ? { credits: credits(t) } : {}),
    ...(appended.includes('videos') ? { videos: videos(t) } : {}),
    ...(appended.includes('similar') ? { similar: similar(t, lang, new URLSearchParams()) } : {}),
    ...(appended.includes('watch/providers') ? { 'watch/providers': providers(t) } : {}),
    ...(appended.includes('alternative_titles') ? { alternative_titles: alternativeTitles(t) } : {}),
    ...(appended.includes('translations') ? { translations: translations(t) } : {}),
  };
  if (t.type === 'movie') {
    return {
      ...common,
      belongs_to_collection: null,
      budget: 63000000,
      imdb_id: `tt${String(t.id).padStart(7, '0')}`,
      origin_country: ['US'],
      original_title: t.en,
      release_date: t.date,
      revenue: 100853753,
      runtime: 139,
      title: t[lang],
      video: false,
    };
  }
  const seasons = [0, 1, 2, 3].map((n) => ({
    air_date: n === 0 ? null : `${Number(t.date.slice(0, 4)) + n - 1}-04-17`,
    episode_count: n === 0 ? 2 : 10,
    id: t.id * 10 + n,
    name: n === 0 ? 'Specials' : lang === 'fr' ? `Saison ${n}` : `Season ${n}`,
    overview: '',
    poster_path: pathFor('p', t.id * 10 + n),
    season_number: n,
    vote_average: 8,
  }));
  return {
    ...common,
    created_by: [
      {
        id: 9813,
        credit_id: '5256c8c219c2956ff604858a',
        name: 'David Benioff',
        original_name: 'David Benioff',
        gender: 2,
        profile_path: null,
      },
    ],
    episode_run_time: [60],
    first_air_date: t.date,
    in_production: false,
    languages: ['en'],
    last_air_date: `${Number(t.date.slice(0, 4)) + 2}-04-26`,
    last_episode_to_air: { ...episodesOf(t, 3, lang)[9] },
    name: t[lang],
    next_episode_to_air: null,
    networks: [{ id: 49, logo_path: '/tuomPhY2UtuPTqqFnKMVHvSb724.png', name: 'HBO', origin_country: 'US' }],
    number_of_episodes: 30,
    number_of_seasons: 3,
    origin_country: ['US'],
    original_name: t.en,
    seasons,
    type: 'Scripted',
  };
}

function person(p: (typeof PEOPLE)[number], params: URLSearchParams) {
  const lang = langOf(params);
  const appended = (params.get('append_to_response') ?? '').split(',');
  const titles = p.credits.flatMap((id) => TITLES.filter((t) => t.id === id));
  return {
    adult: false,
    also_known_as: [p.name.toUpperCase()],
    biography: lang === 'fr' ? `Biographie de ${p.name}.` : `Biography of ${p.name}.`,
    birthday: p.birthday,
    deathday: null,
    gender: 2,
    homepage: null,
    id: p.id,
    imdb_id: `nm${String(p.id).padStart(7, '0')}`,
    known_for_department: p.dept,
    name: p.name,
    place_of_birth: p.place,
    popularity: 20,
    profile_path: pathFor('h', p.id),
    ...(appended.includes('combined_credits')
      ? {
          combined_credits: {
            cast:
              p.dept === 'Acting'
                ? titles.map((t) => ({
                    ...listEntry(t, lang, true),
                    character: `Role in ${t.en}`,
                    credit_id: `c${t.id}`,
                    order: 0,
                  }))
                : [],
            crew:
              p.dept === 'Directing'
                ? titles.map((t) => ({
                    ...listEntry(t, lang, true),
                    department: 'Directing',
                    job: 'Director',
                    credit_id: `d${t.id}`,
                  }))
                : [],
          },
        }
      : {}),
  };
}

function matches(t: Title, query: string) {
  const q = query.toLowerCase();
  return t.en.toLowerCase().includes(q) || t.fr.toLowerCase().includes(q);
}

const notFound = {
  success: false,
  status_code: 34,
  status_message: 'The resource you requested could not be found.',
};

/** The API's answer for a path, or null for a 404. */
function answer(path: string, params: URLSearchParams): unknown {
  const lang = langOf(params);
  let m: RegExpMatchArray | null;
  m = path.match(/^\/trending\/(all|movie|tv)\/(day|week)$/);
  if (m) {
    const type = m[1];
    const items = TITLES.filter((t) => type === 'all' || t.type === type)
      .sort((a, b) => b.popularity - a.popularity)
      .map((t) => listEntry(t, lang, true));
    return paged(items, params);
  }
  m = path.match(/^\/discover\/(movie|tv)$/);
  if (m) {
    const type = m[1];
    const genres = (params.get('with_genres') ?? '').split(/[,|]/).filter(Boolean).map(Number);
    const year = params.get('primary_release_year') ?? params.get('first_air_date_year');
    const minVote = Number(params.get('vote_average.gte') ?? 0);
    const sort = params.get('sort_by') ?? 'popularity.desc';
    const items = TITLES.filter(
      (t) =>
        t.type === type &&
        genres.every((g) => t.genres.includes(g)) &&
        (!year || t.date.startsWith(year)) &&
        t.vote >= minVote,
    ).sort((a, b) =>
      sort.startsWith('vote_average')
        ? b.vote - a.vote
        : sort.includes('date')
          ? b.date.localeCompare(a.date)
          : b.popularity - a.popularity,
    );
    return paged(
      items.map((t) => listEntry(t, lang, false)),
      params,
    );
  }
  m = path.match(/^\/search\/(multi|movie|tv|person)$/);
  if (m) {
    const type = m[1];
    const query = params.get('query') ?? '';
    const titles = TITLES.filter((t) => (type === 'multi' || t.type === type) && matches(t, query)).map((t) =>
      listEntry(t, lang, type === 'multi'),
    );
    const people =
      type === 'multi' || type === 'person'
        ? PEOPLE.filter((p) => p.name.toLowerCase().includes(query.toLowerCase())).map(personEntry)
        : [];
    return paged([...titles, ...people], params);
  }
  m = path.match(/^\/genre\/(movie|tv)\/list$/);
  if (m) {
    const list = m[1] === 'movie' ? MOVIE_GENRES : TV_GENRES;
    return { genres: list.map(([id, en, fr]) => ({ id, name: lang === 'fr' ? fr : en })) };
  }
  m = path.match(/^\/watch\/providers\/(movie|tv)$/);
  if (m) {
    return {
      results: [
        {
          display_priorities: { FR: 0, US: 0 },
          display_priority: 0,
          logo_path: pathFor('l', 8),
          provider_name: 'Netflix',
          provider_id: 8,
        },
        {
          display_priorities: { FR: 4 },
          display_priority: 4,
          logo_path: pathFor('l', 2),
          provider_name: 'Apple TV',
          provider_id: 2,
        },
      ],
    };
  }
  m = path.match(/^\/person\/(\d+)$/);
  if (m) {
    const p = PEOPLE.find((x) => x.id === Number(m?.[1]));
    return p ? person(p, params) : null;
  }
  m = path.match(/^\/(movie|tv)\/(\d+)(\/.*)?$/);
  if (m) {
    const t = TITLES.find((x) => x.type === m?.[1] && x.id === Number(m?.[2]));
    if (!t) return null;
    const rest = m[3] ?? '';
    if (rest === '') return details(t, params);
    if (rest === '/credits') return credits(t);
    if (rest === '/videos') return videos(t);
    if (rest === '/similar') return similar(t, lang, params);
    if (rest === '/watch/providers') return providers(t);
    const season = rest.match(/^\/season\/(\d+)$/);
    if (season && t.type === 'tv') {
      const n = Number(season[1]);
      if (n > 3) return null;
      return {
        _id: `5256c89f19c2956ff6046d4${n}`,
        air_date: `${Number(t.date.slice(0, 4)) + Math.max(0, n - 1)}-04-17`,
        episodes: episodesOf(t, n, lang),
        name: n === 0 ? 'Specials' : lang === 'fr' ? `Saison ${n}` : `Season ${n}`,
        overview: '',
        id: t.id * 10 + n,
        poster_path: pathFor('p', t.id * 10 + n),
        season_number: n,
        vote_average: 8.3,
      };
    }
  }
  return null;
}

/** A small picture per path, so pages render real images offline. */
function picture(path: string): string {
  let hash = 0;
  for (const ch of path) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = hash % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="300" viewBox="0 0 200 300"><rect width="200" height="300" fill="hsl(${hue},45%,35%)"/><circle cx="100" cy="120" r="50" fill="hsl(${(hue + 180) % 360},60%,70%)"/></svg>`;
}

export interface FakeTmdb {
  url: string;
  apiBase: string;
  imageBase: string;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
}

/** Starts the fake; `latencyMs` delays every API answer (the benchmark's "TMDB answering in 50 ms"). */
export async function startFakeTmdb(options: { port?: number; latencyMs?: number } = {}): Promise<FakeTmdb> {
  let behaviours: Behaviour[] = [];
  let latencyMs = options.latencyMs ?? 0;
  const calls = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/__control')) {
      if (req.method === 'POST' && url.pathname === '/__control/behaviour') {
        behaviours.push((await readBody(req)) as Behaviour);
        return json(res, 204, {});
      }
      if (req.method === 'POST' && url.pathname === '/__control/reset') {
        behaviours = [];
        const body = (await readBody(req)) as { latencyMs?: number } | null;
        latencyMs = body?.latencyMs ?? options.latencyMs ?? 0;
        return json(res, 204, {});
      }
      if (url.pathname === '/__control/calls') {
        const prefix = url.searchParams.get('path') ?? '';
        let total = 0;
        for (const [path, n] of calls) if (path.startsWith(prefix)) total += n;
        return json(res, 200, { calls: total });
      }
      return json(res, 404, {});
    }
    if (url.pathname.startsWith('/t/p/')) {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
      return res.end(picture(url.pathname));
    }
    if (!url.pathname.startsWith('/3/')) return json(res, 404, notFound);
    const path = url.pathname.slice(2);
    calls.set(path, (calls.get(path) ?? 0) + 1);

    const authorized =
      url.searchParams.get('api_key') === FAKE_V3_KEY ||
      req.headers.authorization === `Bearer ${FAKE_V4_TOKEN}`;
    if (!authorized) {
      return json(res, 401, {
        status_code: 7,
        status_message: 'Invalid API key: You must be granted a valid key.',
        success: false,
      });
    }
    const behaviour = behaviours.find((b) => path.startsWith(b.path));
    const delay = (behaviour?.mode === 'delay' ? behaviour.delayMs : undefined) ?? latencyMs;
    if (behaviour?.mode === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (behaviour?.mode === 'status') {
      const status = behaviour.status ?? 500;
      if (status === 429) {
        return json(
          res,
          429,
          {
            success: false,
            status_code: 25,
            status_message: 'Your request count (41) is over the allowed limit of 40.',
          },
          { 'retry-after': String(behaviour.retryAfter ?? 10) },
        );
      }
      res.writeHead(status, { 'content-type': 'text/html' });
      return res.end(`<html><body><h1>${status} Internal Server Error</h1></body></html>`);
    }
    if (behaviour?.mode === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
      return res.end('{"id": 603, "title": "The Matr');
    }
    const body = answer(path, url.searchParams);
    if (body === null) return json(res, 404, notFound);
    json(res, 200, body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiBase: `${url}/3`,
    imageBase: `${url}/t/p/`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Test-side control of a fake running in another process (the global setup's). */
export function controlFakeTmdb(url: string) {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}/__control/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`fake TMDB control ${path}: ${response.status}`);
  };
  return {
    behave: (behaviour: Behaviour) => post('behaviour', behaviour),
    reset: (latencyMs?: number) => post('reset', { latencyMs }),
    async calls(path: string): Promise<number> {
      const response = await fetch(`${url}/__control/calls?path=${encodeURIComponent(path)}`);
      return ((await response.json()) as { calls: number }).calls;
    },
  };
}
