import type {
  CastMember,
  CatalogItem,
  CatalogPage,
  CrewMember,
  Episode,
  FilmographyEntry,
  Genre,
  Image,
  ImageKind,
  MediaType,
  MovieDetails,
  Person,
  Provider,
  RegionProviders,
  Season,
  SeasonSummary,
  TitleProviders,
  TvDetails,
  Video,
} from '@sokoul/contracts';
import { IMAGE_WIDTHS } from '@sokoul/contracts';
import { z } from 'zod';
import { UpstreamFailure } from '../infra/upstream.js';

/*
 * TMDB's v3 payloads, read leniently: unknown fields are dropped, a missing or mistyped optional
 * field becomes null, and a list entry without an id is skipped instead of failing the whole answer.
 */
const str = z.string().nullish().catch(null);
const num = z.number().nullish().catch(null);
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .nullish()
    .catch(null)
    .transform((values) =>
      (values ?? []).flatMap((value) => {
        const parsed = item.safeParse(value);
        return parsed.success ? [parsed.data as z.infer<T>] : [];
      }),
    );
const Id = z.number().int();

const RawItem = z.object({
  id: Id,
  media_type: str,
  title: str,
  name: str,
  original_title: str,
  original_name: str,
  overview: str,
  release_date: str,
  first_air_date: str,
  poster_path: str,
  profile_path: str,
  backdrop_path: str,
  vote_average: num,
  vote_count: num,
  genre_ids: list(z.number().int()),
  known_for_department: str,
  character: str,
  job: str,
  department: str,
});
type RawItem = z.infer<typeof RawItem>;

const RawPage = z.object({
  page: num,
  total_pages: num,
  total_results: num,
  results: list(RawItem),
});

const RawGenre = z.object({ id: Id, name: z.string() });
const RawPerson = z.object({
  id: Id,
  name: z.string(),
  character: str,
  job: str,
  department: str,
  profile_path: str,
  order: num,
});
const RawCredits = z.object({ cast: list(RawPerson), crew: list(RawPerson) });
const RawVideo = z.object({
  key: z.string(),
  site: z.string(),
  name: str,
  type: str,
  official: z.boolean().nullish().catch(null),
  iso_639_1: str,
  published_at: str,
});
const RawVideos = z.object({ results: list(RawVideo) });
const RawProvider = z.object({ provider_id: Id, provider_name: z.string(), logo_path: str });
const RawRegionAvailability = z.object({
  link: str,
  flatrate: list(RawProvider),
  rent: list(RawProvider),
  buy: list(RawProvider),
  free: list(RawProvider),
  ads: list(RawProvider),
});
const RawTitleProviders = z.object({ results: z.record(z.string(), z.unknown()).nullish().catch(null) });
const RawEpisode = z.object({
  id: Id,
  /** Often left out inside a season's own answer: the season says it for all its episodes. */
  season_number: Id.nullish().catch(null),
  episode_number: Id,
  name: str,
  overview: str,
  air_date: str,
  runtime: num,
  still_path: str,
  vote_average: num,
});
const RawSeasonSummary = z.object({
  season_number: Id,
  name: str,
  overview: str,
  air_date: str,
  episode_count: num,
  poster_path: str,
});

const RawOtherTitle = z.object({ title: z.string() });
/** Translations carry a film's `title` or a series' `name`, empty where the language has none of its own. */
const RawTranslation = z.object({ data: z.object({ title: str, name: str }) });

const RawDetails = z.object({
  id: Id,
  tagline: str,
  overview: str,
  genres: list(RawGenre),
  vote_average: num,
  vote_count: num,
  poster_path: str,
  backdrop_path: str,
  status: str,
  original_language: str,
  credits: RawCredits.nullish().catch(null),
  videos: RawVideos.nullish().catch(null),
  similar: RawPage.nullish().catch(null),
  'watch/providers': RawTitleProviders.nullish().catch(null),
  // A film's are under `titles`, a series' under `results`.
  alternative_titles: z
    .object({ titles: list(RawOtherTitle), results: list(RawOtherTitle) })
    .nullish()
    .catch(null),
  translations: z
    .object({ translations: list(RawTranslation) })
    .nullish()
    .catch(null),
});

const RawMovie = RawDetails.extend({
  title: z.string(),
  original_title: str,
  imdb_id: str,
  release_date: str,
  runtime: num,
});

const RawTv = RawDetails.extend({
  name: z.string(),
  original_name: str,
  first_air_date: str,
  last_air_date: str,
  episode_run_time: list(z.number()),
  number_of_seasons: num,
  number_of_episodes: num,
  networks: list(z.object({ id: Id, name: z.string(), logo_path: str })),
  created_by: list(z.object({ id: Id, name: z.string() })),
  seasons: list(RawSeasonSummary),
  next_episode_to_air: RawEpisode.nullish().catch(null),
});

const RawSeason = z.object({
  season_number: Id.nullish().catch(null),
  name: str,
  overview: str,
  air_date: str,
  poster_path: str,
  episodes: list(RawEpisode),
});

const RawPersonDetails = z.object({
  id: Id,
  name: z.string(),
  biography: str,
  birthday: str,
  deathday: str,
  place_of_birth: str,
  known_for_department: str,
  profile_path: str,
  also_known_as: list(z.string()),
  imdb_id: str,
  combined_credits: z
    .object({ cast: list(RawItem), crew: list(RawItem) })
    .nullish()
    .catch(null),
});

/** Parses a TMDB payload; one that is not even the right kind of object is TMDB's fault (502). */
function read<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UpstreamFailure('unavailable', 'TMDB sent an answer Sokoul cannot read');
  return parsed.data;
}

// ---- images ----

export interface Normalizer {
  image(kind: ImageKind, path: string | null | undefined): Image | null;
}

export function createImages(imageBaseUrl: string): Normalizer {
  const base = imageBaseUrl.endsWith('/') ? imageBaseUrl : `${imageBaseUrl}/`;
  return {
    image(kind, path) {
      return path?.startsWith('/') ? { base, path, widths: [...IMAGE_WIDTHS[kind]] } : null;
    },
  };
}

// ---- shapes ----

const text = (value: string | null | undefined) => value ?? '';
const date = (value: string | null | undefined) => (value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value : null);
const yearOf = (value: string | null) => (value ? Number.parseInt(value.slice(0, 4), 10) : null);
const count = (value: number | null | undefined) => Math.max(0, Math.round(value ?? 0));
const rating = (average: number | null | undefined, votes: number | null | undefined) =>
  average !== null && average !== undefined && (votes ?? 0) > 0 ? Math.round(average * 10) / 10 : null;

function item(n: Normalizer, raw: RawItem, fallback: CatalogItem['type']): CatalogItem {
  const type =
    raw.media_type === 'movie' || raw.media_type === 'tv' || raw.media_type === 'person'
      ? raw.media_type
      : fallback;
  const when = date(raw.release_date) ?? date(raw.first_air_date);
  const original = raw.original_title ?? raw.original_name ?? null;
  const title = text(raw.title ?? raw.name ?? original);
  return {
    type,
    id: raw.id,
    title,
    originalTitle: original && original !== title ? original : null,
    overview: text(raw.overview),
    date: when,
    year: yearOf(when),
    poster: n.image(
      type === 'person' ? 'profile' : 'poster',
      type === 'person' ? raw.profile_path : raw.poster_path,
    ),
    backdrop: n.image('backdrop', raw.backdrop_path),
    rating: rating(raw.vote_average, raw.vote_count),
    votes: count(raw.vote_count),
    genreIds: raw.genre_ids,
    knownFor: raw.known_for_department ?? null,
  };
}

export function page(n: Normalizer, data: unknown, fallback: CatalogItem['type']): CatalogPage {
  const raw = read(RawPage, data);
  return {
    page: count(raw.page) || 1,
    totalPages: count(raw.total_pages),
    totalResults: count(raw.total_results),
    results: raw.results.map((r) => item(n, r, fallback)),
  };
}

export function genres(data: unknown): { genres: Genre[] } {
  return { genres: read(z.object({ genres: list(RawGenre) }), data).genres };
}

/** Keeps what a details page shows: the billed cast and the crew that people look for. */
const KEY_JOBS = new Set([
  'Director',
  'Screenplay',
  'Writer',
  'Novel',
  'Creator',
  'Producer',
  'Executive Producer',
  'Original Music Composer',
  'Director of Photography',
]);
const MAX_CAST = 40;

function credits(
  n: Normalizer,
  raw: z.infer<typeof RawCredits> | null | undefined,
): { cast: CastMember[]; crew: CrewMember[] } {
  const cast = (raw?.cast ?? [])
    .map((p, index) => ({
      id: p.id,
      name: p.name,
      character: text(p.character),
      profile: n.image('profile', p.profile_path),
      order: p.order ?? index,
    }))
    .sort((a, b) => a.order - b.order)
    .slice(0, MAX_CAST);
  const seen = new Set<string>();
  const crew: CrewMember[] = [];
  for (const p of raw?.crew ?? []) {
    const job = text(p.job);
    if (!KEY_JOBS.has(job) || seen.has(`${p.id}:${job}`)) continue;
    seen.add(`${p.id}:${job}`);
    crew.push({
      id: p.id,
      name: p.name,
      job,
      department: text(p.department),
      profile: n.image('profile', p.profile_path),
    });
  }
  return { cast, crew };
}

export function creditsOf(n: Normalizer, data: unknown) {
  return credits(n, read(RawCredits, data));
}

/** Trailers first, then teasers and the rest; official before fan uploads; the newest first. */
const VIDEO_ORDER = ['Trailer', 'Teaser', 'Clip', 'Featurette', 'Behind the Scenes'];
function videos(raw: z.infer<typeof RawVideos> | null | undefined, language: string): Video[] {
  const lang = language.slice(0, 2);
  const rank = (v: Video) => {
    const type = VIDEO_ORDER.indexOf(v.type);
    return (type < 0 ? VIDEO_ORDER.length : type) * 4 + (v.official ? 0 : 2) + (v.language === lang ? 0 : 1);
  };
  return (raw?.results ?? [])
    .map((v) => ({
      key: v.key,
      site: v.site,
      name: text(v.name),
      type: text(v.type),
      official: v.official ?? false,
      language: v.iso_639_1 ?? null,
      publishedAt: v.published_at ?? null,
    }))
    .sort((a, b) => rank(a) - rank(b) || (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''));
}

export function videosOf(data: unknown, language: string) {
  return { videos: videos(read(RawVideos, data), language) };
}

function providers(n: Normalizer, raw: z.infer<typeof RawProvider>[]): Provider[] {
  return raw.map((p) => ({ id: p.provider_id, name: p.provider_name, logo: n.image('logo', p.logo_path) }));
}

function titleProviders(
  n: Normalizer,
  raw: z.infer<typeof RawTitleProviders> | null | undefined,
  region: string,
): TitleProviders | null {
  const parsed = RawRegionAvailability.safeParse(raw?.results?.[region]);
  if (!parsed.success) return null;
  const r = parsed.data;
  return {
    region,
    link: r.link ?? null,
    flatrate: providers(n, r.flatrate),
    rent: providers(n, r.rent),
    buy: providers(n, r.buy),
    free: providers(n, [...r.free, ...r.ads]),
  };
}

export function titleProvidersOf(n: Normalizer, data: unknown, region: string): TitleProviders {
  return (
    titleProviders(n, read(RawTitleProviders, data), region) ?? {
      region,
      link: null,
      flatrate: [],
      rent: [],
      buy: [],
      free: [],
    }
  );
}

export function regionProvidersOf(n: Normalizer, data: unknown, region: string): RegionProviders {
  const raw = read(z.object({ results: list(RawProvider.extend({ display_priority: num })) }), data);
  const sorted = [...raw.results].sort((a, b) => (a.display_priority ?? 999) - (b.display_priority ?? 999));
  return { region, providers: providers(n, sorted) };
}

/** Enough for any title's real variants; TMDB lists up to a few hundred for the most translated. */
const MAX_OTHER_TITLES = 100;

/** The names besides `known` (title, original title), each once, in TMDB's order. */
function otherTitles(raw: z.infer<typeof RawDetails>, known: (string | null | undefined)[]): string[] {
  const seen = new Set(known.flatMap((t) => (t ? [t.trim().toLowerCase()] : [])));
  const names = [
    ...(raw.alternative_titles?.titles ?? []).map((t) => t.title),
    ...(raw.alternative_titles?.results ?? []).map((t) => t.title),
    ...(raw.translations?.translations ?? []).map((t) => t.data.title ?? t.data.name ?? ''),
  ];
  const kept: string[] = [];
  for (const name of names) {
    const trimmed = name.trim();
    const key = trimmed.toLowerCase();
    if (!trimmed || seen.has(key)) continue;
    seen.add(key);
    kept.push(trimmed);
    if (kept.length === MAX_OTHER_TITLES) break;
  }
  return kept;
}

function details(
  n: Normalizer,
  raw: z.infer<typeof RawDetails>,
  type: MediaType,
  language: string,
  region: string,
) {
  return {
    id: raw.id,
    tagline: raw.tagline || null,
    overview: text(raw.overview),
    genres: raw.genres,
    rating: rating(raw.vote_average, raw.vote_count),
    votes: count(raw.vote_count),
    poster: n.image('poster', raw.poster_path),
    backdrop: n.image('backdrop', raw.backdrop_path),
    status: raw.status ?? null,
    originalLanguage: raw.original_language ?? null,
    ...credits(n, raw.credits),
    videos: videos(raw.videos, language),
    similar: (raw.similar?.results ?? []).map((r) => item(n, r, type)),
    providers: titleProviders(n, raw['watch/providers'], region),
  };
}

export function movie(n: Normalizer, data: unknown, language: string, region: string): MovieDetails {
  const raw = read(RawMovie, data);
  const released = date(raw.release_date);
  return {
    type: 'movie',
    ...details(n, raw, 'movie', language, region),
    title: raw.title,
    originalTitle: raw.original_title && raw.original_title !== raw.title ? raw.original_title : null,
    alternativeTitles: otherTitles(raw, [raw.title, raw.original_title]),
    imdbId: raw.imdb_id || null,
    releaseDate: released,
    year: yearOf(released),
    runtime: raw.runtime ? Math.round(raw.runtime) : null,
  };
}

/** `seasonNumber` is what the parent (the season) says, for an episode that does not say it itself. */
function episode(n: Normalizer, e: z.infer<typeof RawEpisode>, seasonNumber: number): Episode {
  return {
    id: e.id,
    seasonNumber: e.season_number ?? seasonNumber,
    episodeNumber: e.episode_number,
    name: text(e.name),
    overview: text(e.overview),
    airDate: date(e.air_date),
    runtime: e.runtime ? Math.round(e.runtime) : null,
    still: n.image('still', e.still_path),
    rating: e.vote_average ? Math.round(e.vote_average * 10) / 10 : null,
  };
}

export function tv(n: Normalizer, data: unknown, language: string, region: string): TvDetails {
  const raw = read(RawTv, data);
  const next = raw.next_episode_to_air;
  const first = date(raw.first_air_date);
  const seasons: SeasonSummary[] = raw.seasons
    .map((s) => ({
      seasonNumber: s.season_number,
      name: text(s.name) || `Season ${s.season_number}`,
      overview: text(s.overview),
      airDate: date(s.air_date),
      episodeCount: count(s.episode_count),
      poster: n.image('poster', s.poster_path),
    }))
    // Specials (season 0) last: people open a series to watch it from season 1.
    .sort((a, b) => (a.seasonNumber || 1e6) - (b.seasonNumber || 1e6));
  return {
    type: 'tv',
    ...details(n, raw, 'tv', language, region),
    title: raw.name,
    originalTitle: raw.original_name && raw.original_name !== raw.name ? raw.original_name : null,
    alternativeTitles: otherTitles(raw, [raw.name, raw.original_name]),
    year: yearOf(first),
    firstAirDate: first,
    lastAirDate: date(raw.last_air_date),
    episodeRuntime: raw.episode_run_time[0] ?? null,
    numberOfSeasons: count(raw.number_of_seasons) || seasons.filter((s) => s.seasonNumber > 0).length,
    numberOfEpisodes: count(raw.number_of_episodes),
    networks: raw.networks.map((x) => ({ id: x.id, name: x.name, logo: n.image('logo', x.logo_path) })),
    createdBy: raw.created_by,
    seasons,
    // No parent tells the next episode's season: without its own number it cannot be placed.
    nextEpisode: typeof next?.season_number === 'number' ? episode(n, next, next.season_number) : null,
  };
}

/** `requested`: the season number asked for, when TMDB's answer does not repeat it. */
export function season(n: Normalizer, data: unknown, tvId: number, requested?: number): Season {
  const raw = read(RawSeason, data);
  const number = raw.season_number ?? requested;
  if (number === undefined) throw new UpstreamFailure('unavailable', 'TMDB sent a season without its number');
  return {
    tvId,
    seasonNumber: number,
    name: text(raw.name) || `Season ${number}`,
    overview: text(raw.overview),
    airDate: date(raw.air_date),
    poster: n.image('poster', raw.poster_path),
    episodes: raw.episodes
      .map((e) => episode(n, e, number))
      .sort((a, b) => a.episodeNumber - b.episodeNumber),
  };
}

export function person(n: Normalizer, data: unknown): Person {
  const raw = read(RawPersonDetails, data);
  const seen = new Set<string>();
  const filmography: FilmographyEntry[] = [];
  const add = (r: RawItem, role: string, department: string) => {
    const key = `${r.media_type}:${r.id}:${role}`;
    if (seen.has(key)) return;
    seen.add(key);
    filmography.push({ ...item(n, r, 'movie'), role, department });
  };
  for (const r of raw.combined_credits?.cast ?? []) add(r, text(r.character), 'Acting');
  for (const r of raw.combined_credits?.crew ?? []) add(r, text(r.job), text(r.department));
  filmography.sort((a, b) => {
    if (a.date === b.date) return b.votes - a.votes;
    if (a.date === null) return -1;
    if (b.date === null) return 1;
    return b.date.localeCompare(a.date);
  });
  return {
    id: raw.id,
    name: raw.name,
    biography: text(raw.biography),
    birthday: date(raw.birthday),
    deathday: date(raw.deathday),
    placeOfBirth: raw.place_of_birth ?? null,
    knownFor: raw.known_for_department ?? null,
    profile: n.image('profile', raw.profile_path),
    alsoKnownAs: raw.also_known_as,
    imdbId: raw.imdb_id || null,
    filmography,
  };
}
