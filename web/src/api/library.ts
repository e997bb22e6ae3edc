import type {
  ContinueList,
  HistoryList,
  LibraryStatus,
  ListEntry,
  MediaRef,
  MediaType,
  PersonalList,
  PersonalListName,
  PersonalListQueryInput,
  RecordProgressRequest,
  RecordProgressResponse,
} from '@sokoul/contracts';
import { request, withQuery } from './client.js';

export type ListFilters = Pick<PersonalListQueryInput, 'type' | 'q' | 'sort' | 'cursor'>;

export const libraryApi = {
  status: (tmdbId: number, type: MediaType) =>
    request<LibraryStatus>('GET', `/library/status/${tmdbId}/${type}`),
  add: (list: PersonalListName, ref: MediaRef) => request<ListEntry>('POST', `/${list}`, ref),
  remove: (list: PersonalListName, mediaId: string) => request<void>('DELETE', `/${list}/${mediaId}`),
  list: (list: PersonalListName, filters: ListFilters = {}, limit = 50) =>
    request<PersonalList>('GET', withQuery(`/${list}`, { ...filters, limit })),
  history: (cursor?: string) =>
    request<HistoryList>('GET', withQuery('/watch-history', { cursor, limit: 50 })),
  continueWatching: () => request<ContinueList>('GET', '/watch-history/continue'),
  record: (body: RecordProgressRequest) => request<RecordProgressResponse>('POST', '/watch-history', body),
  forget: (mediaId: string) => request<void>('DELETE', `/watch-history/${mediaId}`),
};
