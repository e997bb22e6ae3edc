import {
  FavoritesRoutes,
  HistoryRoutes,
  LibraryRoutes,
  type MediaRef,
  type MediaType,
  type PersonalListName,
  type PersonalListQueryInput,
  type RecordProgressRequest,
  WatchlistRoutes,
} from '@sokoul/contracts';
import { call } from './client.js';

export type ListFilters = Pick<PersonalListQueryInput, 'type' | 'q' | 'sort' | 'cursor'>;

const LISTS = { library: LibraryRoutes, favorites: FavoritesRoutes, watchlist: WatchlistRoutes } as const;

export const libraryApi = {
  status: (tmdbId: number, type: MediaType) => call(LibraryRoutes.status, { params: { tmdbId, type } }),
  add: (list: PersonalListName, ref: MediaRef) => call(LISTS[list].add, { body: ref }),
  remove: (list: PersonalListName, mediaId: string) => call(LISTS[list].remove, { params: { mediaId } }),
  list: (list: PersonalListName, filters: ListFilters = {}, limit = 50) =>
    call(LISTS[list].list, { query: { ...filters, limit } }),
  history: (cursor?: string) => call(HistoryRoutes.list, { query: { cursor, limit: 50 } }),
  continueWatching: () => call(HistoryRoutes.continue),
  record: (body: RecordProgressRequest) => call(HistoryRoutes.record, { body }),
  forget: (mediaId: string) => call(HistoryRoutes.forget, { params: { mediaId } }),
};
