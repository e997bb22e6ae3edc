import { z } from 'zod';

/** Catalog (TMDB proxy) shapes: what `/tmdb/*` answers, normalised from TMDB's v3 payloads. */

export const MediaType = z.enum(['movie', 'tv']);
export type MediaType = z.infer<typeof MediaType>;

/**
 * A TMDB picture: the image host (TMDB_IMAGE_BASE_URL), the file's path and the widths TMDB serves it
 * in. Compact on the wire; `imageUrl` and `imageSrcSet` build the URLs.
 */
export const Image = z.object({
  base: z.string(),
  path: z.string(),
  widths: z.array(z.number().int().positive()),
});
export type Image = z.infer<typeof Image>;

/** The widths TMDB serves for each kind of picture (its /configuration `*_sizes`). */
export const IMAGE_WIDTHS = {
  poster: [92, 154, 185, 342, 500, 780],
  backdrop: [300, 780, 1280],
  profile: [45, 185],
  still: [92, 185, 300],
  logo: [45, 92, 154],
} as const;
export type ImageKind = keyof typeof IMAGE_WIDTHS;

/** The picture at a width TMDB serves (see `widths`), or the original file. */
export const imageUrl = (image: Image, width?: number): string =>
  `${image.base}${width ? `w${width}` : 'original'}${image.path}`;

/** `srcset` for an <img>: every width, for the browser to choose from `sizes`. */
export const imageSrcSet = (image: Image): string =>
  image.widths.map((width) => `${imageUrl(image, width)} ${width}w`).join(', ');

/** A film, a series or a person as listed in rows, grids and search results. */
export const CatalogItem = z.object({
  type: z.enum(['movie', 'tv', 'person']),
  id: z.number().int(),
  title: z.string(),
  originalTitle: z.string().nullable(),
  overview: z.string(),
  date: z.string().nullable(),
  year: z.number().int().nullable(),
  poster: Image.nullable(),
  backdrop: Image.nullable(),
  rating: z.number().nullable(),
  votes: z.number().int(),
  genreIds: z.array(z.number().int()),
  /** Persons: their department ("Acting", "Directing"). */
  knownFor: z.string().nullable(),
});
export type CatalogItem = z.infer<typeof CatalogItem>;

export const CatalogPage = z.object({
  page: z.number().int(),
  totalPages: z.number().int(),
  totalResults: z.number().int(),
  results: z.array(CatalogItem),
});
export type CatalogPage = z.infer<typeof CatalogPage>;

export const Genre = z.object({ id: z.number().int(), name: z.string() });
export type Genre = z.infer<typeof Genre>;
export const GenreList = z.object({ genres: z.array(Genre) });
export type GenreList = z.infer<typeof GenreList>;

export const CastMember = z.object({
  id: z.number().int(),
  name: z.string(),
  character: z.string(),
  profile: Image.nullable(),
  order: z.number().int(),
});
export type CastMember = z.infer<typeof CastMember>;

export const CrewMember = z.object({
  id: z.number().int(),
  name: z.string(),
  job: z.string(),
  department: z.string(),
  profile: Image.nullable(),
});
export type CrewMember = z.infer<typeof CrewMember>;

export const Credits = z.object({ cast: z.array(CastMember), crew: z.array(CrewMember) });
export type Credits = z.infer<typeof Credits>;

export const Video = z.object({
  key: z.string(),
  site: z.string(),
  name: z.string(),
  type: z.string(),
  official: z.boolean(),
  language: z.string().nullable(),
  publishedAt: z.string().nullable(),
});
export type Video = z.infer<typeof Video>;
export const VideoList = z.object({ videos: z.array(Video) });
export type VideoList = z.infer<typeof VideoList>;

export const Provider = z.object({ id: z.number().int(), name: z.string(), logo: Image.nullable() });
export type Provider = z.infer<typeof Provider>;

/** Where one title can be watched in one region. */
export const TitleProviders = z.object({
  region: z.string(),
  link: z.string().nullable(),
  flatrate: z.array(Provider),
  rent: z.array(Provider),
  buy: z.array(Provider),
  free: z.array(Provider),
});
export type TitleProviders = z.infer<typeof TitleProviders>;

/** The services available in a region (for filters). */
export const RegionProviders = z.object({ region: z.string(), providers: z.array(Provider) });
export type RegionProviders = z.infer<typeof RegionProviders>;

const DetailsBase = z.object({
  id: z.number().int(),
  title: z.string(),
  originalTitle: z.string().nullable(),
  /** Every other name TMDB knows it by (alternative titles, translated titles): release names use any of them. */
  alternativeTitles: z.array(z.string()),
  tagline: z.string().nullable(),
  overview: z.string(),
  year: z.number().int().nullable(),
  genres: z.array(Genre),
  rating: z.number().nullable(),
  votes: z.number().int(),
  poster: Image.nullable(),
  backdrop: Image.nullable(),
  status: z.string().nullable(),
  originalLanguage: z.string().nullable(),
  cast: z.array(CastMember),
  crew: z.array(CrewMember),
  videos: z.array(Video),
  similar: z.array(CatalogItem),
  providers: TitleProviders.nullable(),
});

export const MovieDetails = DetailsBase.extend({
  type: z.literal('movie'),
  imdbId: z.string().nullable(),
  releaseDate: z.string().nullable(),
  runtime: z.number().int().nullable(),
});
export type MovieDetails = z.infer<typeof MovieDetails>;

export const SeasonSummary = z.object({
  seasonNumber: z.number().int(),
  name: z.string(),
  overview: z.string(),
  airDate: z.string().nullable(),
  episodeCount: z.number().int(),
  poster: Image.nullable(),
});
export type SeasonSummary = z.infer<typeof SeasonSummary>;

export const Episode = z.object({
  id: z.number().int(),
  seasonNumber: z.number().int(),
  episodeNumber: z.number().int(),
  name: z.string(),
  overview: z.string(),
  airDate: z.string().nullable(),
  runtime: z.number().int().nullable(),
  still: Image.nullable(),
  rating: z.number().nullable(),
});
export type Episode = z.infer<typeof Episode>;

export const TvDetails = DetailsBase.extend({
  type: z.literal('tv'),
  firstAirDate: z.string().nullable(),
  lastAirDate: z.string().nullable(),
  episodeRuntime: z.number().int().nullable(),
  numberOfSeasons: z.number().int(),
  numberOfEpisodes: z.number().int(),
  networks: z.array(z.object({ id: z.number().int(), name: z.string(), logo: Image.nullable() })),
  createdBy: z.array(z.object({ id: z.number().int(), name: z.string() })),
  seasons: z.array(SeasonSummary),
  nextEpisode: Episode.nullable(),
});
export type TvDetails = z.infer<typeof TvDetails>;

export const Season = z.object({
  tvId: z.number().int(),
  seasonNumber: z.number().int(),
  name: z.string(),
  overview: z.string(),
  airDate: z.string().nullable(),
  poster: Image.nullable(),
  episodes: z.array(Episode),
});
export type Season = z.infer<typeof Season>;

/** One line of a person's filmography: the title and what they did on it. */
export const FilmographyEntry = CatalogItem.extend({ role: z.string(), department: z.string() });
export type FilmographyEntry = z.infer<typeof FilmographyEntry>;

export const Person = z.object({
  id: z.number().int(),
  name: z.string(),
  biography: z.string(),
  birthday: z.string().nullable(),
  deathday: z.string().nullable(),
  placeOfBirth: z.string().nullable(),
  knownFor: z.string().nullable(),
  profile: Image.nullable(),
  alsoKnownAs: z.array(z.string()),
  imdbId: z.string().nullable(),
  /** Newest first; undated entries (announced projects) first of all. */
  filmography: z.array(FilmographyEntry),
});
export type Person = z.infer<typeof Person>;

// ---- queries ----

export const TmdbLanguage = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'expected a language tag like fr-FR');
/** TMDB serves at most 500 pages of any list. */
const PageNumber = z.coerce.number().int().min(1).max(500).default(1);
const Region = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 country code like FR');
const IdList = z.string().regex(/^\d+([,|]\d+)*$/, 'expected ids separated by , (and) or | (or)');
const Rating = z.coerce.number().min(0).max(10);

export const LanguageQuery = z.object({ language: TmdbLanguage.optional() });
export type LanguageQuery = z.infer<typeof LanguageQuery>;

export const TrendingQuery = LanguageQuery.extend({
  type: z.enum(['all', 'movie', 'tv']).default('all'),
  window: z.enum(['day', 'week']).default('week'),
  page: PageNumber,
});
export type TrendingQuery = z.infer<typeof TrendingQuery>;

export const DiscoverSort = z.enum([
  'popularity.desc',
  'popularity.asc',
  'vote_average.desc',
  'vote_average.asc',
  'vote_count.desc',
  'primary_release_date.desc',
  'primary_release_date.asc',
  'first_air_date.desc',
  'first_air_date.asc',
  'revenue.desc',
  'title.asc',
  'name.asc',
]);
export type DiscoverSort = z.infer<typeof DiscoverSort>;

/** TMDB's discover filters, passed through under their TMDB names. */
export const DiscoverQuery = LanguageQuery.extend({
  type: MediaType.default('movie'),
  page: PageNumber,
  sort_by: DiscoverSort.optional(),
  with_genres: IdList.optional(),
  without_genres: IdList.optional(),
  year: z.coerce.number().int().min(1874).max(2100).optional(),
  'vote_average.gte': Rating.optional(),
  'vote_average.lte': Rating.optional(),
  'vote_count.gte': z.coerce.number().int().min(0).optional(),
  region: Region.optional(),
  with_original_language: z
    .string()
    .regex(/^[a-z]{2}$/, 'expected an ISO 639-1 code like fr')
    .optional(),
  with_watch_providers: IdList.optional(),
  watch_region: Region.optional(),
});
export type DiscoverQuery = z.infer<typeof DiscoverQuery>;

/** `q` is accepted as a short alias of TMDB's `query`. */
export const SearchQuery = z.preprocess(
  (v) => (v && typeof v === 'object' && !('query' in v) && 'q' in v ? { ...v, query: v.q } : v),
  LanguageQuery.extend({
    query: z.string({ message: 'is required' }).trim().min(1, 'is required').max(200),
    type: z.enum(['multi', 'movie', 'tv', 'person']).default('multi'),
    page: PageNumber,
    year: z.coerce.number().int().min(1874).max(2100).optional(),
  }),
);
export type SearchQuery = z.infer<typeof SearchQuery>;

export const WatchProvidersQuery = LanguageQuery.extend({
  type: MediaType.default('movie'),
  /** With an id: where that title is available; without: every service in the region. */
  id: z.coerce.number().int().positive().optional(),
  region: Region.optional(),
});
export type WatchProvidersQuery = z.infer<typeof WatchProvidersQuery>;

export const SimilarQuery = LanguageQuery.extend({ page: PageNumber });
export type SimilarQuery = z.infer<typeof SimilarQuery>;

/** The region that goes with a language tag: fr-FR → FR, a bare `en` → US. */
export function regionOf(language: string): string {
  const region = language.split('-')[1];
  if (region) return region;
  return language === 'en' ? 'US' : language.toUpperCase();
}
