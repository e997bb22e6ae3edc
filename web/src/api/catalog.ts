import type {
  CatalogPage,
  DiscoverQuery,
  GenreList,
  MediaType,
  MovieDetails,
  Person,
  Season,
  TvDetails,
} from '@sokoul/contracts';
import { tmdbLanguage } from '../i18n.js';
import { request, withQuery } from './client.js';

/**
 * Client-side cache of catalog answers: going back and forth between pages reuses the answer (or
 * the request in flight) instead of asking again. Failures are not kept, so a retry really retries.
 */
const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 300;
const entries = new Map<string, { at: number; value: Promise<unknown> }>();

function cached<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const url = withQuery(path, { ...params, language: tmdbLanguage() });
  const hit = entries.get(url);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = request<T>('GET', url);
  if (entries.size >= MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  entries.set(url, { at: Date.now(), value });
  value.catch(() => entries.delete(url));
  return value;
}

export type DiscoverFilters = Partial<Omit<DiscoverQuery, 'type' | 'language'>>;

export const catalogApi = {
  trending: (type: 'all' | MediaType, window: 'day' | 'week' = 'week', page = 1) =>
    cached<CatalogPage>('/tmdb/trending', { type, window, page }),
  discover: (type: MediaType, filters: DiscoverFilters) =>
    cached<CatalogPage>('/tmdb/discover', { type, ...filters }),
  search: (query: string, type: 'multi' | MediaType | 'person' = 'multi', page = 1) =>
    cached<CatalogPage>('/tmdb/search', { query, type, page }),
  genres: (type: MediaType) => cached<GenreList>(`/tmdb/genres/${type}`),
  movie: (id: number) => cached<MovieDetails>(`/tmdb/movie/${id}`),
  tv: (id: number) => cached<TvDetails>(`/tmdb/tv/${id}`),
  season: (id: number, n: number) => cached<Season>(`/tmdb/tv/${id}/season/${n}`),
  person: (id: number) => cached<Person>(`/tmdb/person/${id}`),
};
