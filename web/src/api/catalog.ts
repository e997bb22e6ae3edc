import {
  type ApiRoute,
  CatalogRoutes,
  type DiscoverQuery,
  type MediaType,
  type RouteOutput,
} from '@sokoul/contracts';
import { LRUCache } from 'lru-cache';
import { tmdbLanguage } from '../i18n.js';
import { type CallArgs, call, urlOf } from './client.js';

/**
 * Client-side cache of catalog answers: going back and forth between pages reuses the answer (or
 * the request in flight) instead of asking again. Failures are not kept, so a retry really retries.
 */
const answers = new LRUCache<string, Promise<unknown>>({ max: 300, ttl: 5 * 60_000 });

function cached<R extends ApiRoute>(route: R, ...args: CallArgs<R>): Promise<RouteOutput<R>> {
  const url = urlOf(route, args[0]);
  const hit = answers.get(url);
  if (hit) return hit as Promise<RouteOutput<R>>;
  const value = call(route, ...args);
  answers.set(url, value);
  value.catch(() => answers.delete(url));
  return value;
}

export type DiscoverFilters = Partial<Omit<DiscoverQuery, 'type' | 'language'>>;

const language = () => tmdbLanguage();

export const catalogApi = {
  trending: (type: 'all' | MediaType, window: 'day' | 'week' = 'week', page = 1) =>
    cached(CatalogRoutes.trending, { query: { type, window, page, language: language() } }),
  discover: (type: MediaType, filters: DiscoverFilters) =>
    cached(CatalogRoutes.discover, { query: { type, ...filters, language: language() } }),
  search: (query: string, type: 'multi' | MediaType | 'person' = 'multi', page = 1) =>
    cached(CatalogRoutes.search, { query: { query, type, page, language: language() } }),
  genres: (type: MediaType) =>
    cached(CatalogRoutes.genres, { params: { type }, query: { language: language() } }),
  movie: (id: number) => cached(CatalogRoutes.movie, { params: { id }, query: { language: language() } }),
  tv: (id: number) => cached(CatalogRoutes.tv, { params: { id }, query: { language: language() } }),
  season: (id: number, n: number) =>
    cached(CatalogRoutes.season, { params: { id, n }, query: { language: language() } }),
  person: (id: number) => cached(CatalogRoutes.person, { params: { id }, query: { language: language() } }),
};
