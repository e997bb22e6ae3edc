import type {
  ContinueList,
  HistoryList,
  LibraryStatus,
  ListEntry,
  ListSort,
  MediaRef,
  MediaType,
  PersonalList,
  PersonalListName,
  RecordProgressRequest,
  RecordProgressResponse,
} from '@sokoul/contracts';
import { request } from './client.js';

const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(name, String(value));
  return search.toString();
};

export interface ListFilters {
  type?: MediaType;
  q?: string;
  sort?: ListSort;
  cursor?: string;
}

export const libraryApi = {
  status: (tmdbId: number, type: MediaType) =>
    request<LibraryStatus>('GET', `/library/status/${tmdbId}/${type}`),
  add: (list: PersonalListName, ref: MediaRef) => request<ListEntry>('POST', `/${list}`, ref),
  remove: (list: PersonalListName, mediaId: string) => request<void>('DELETE', `/${list}/${mediaId}`),
  list: (list: PersonalListName, filters: ListFilters = {}, limit = 50) =>
    request<PersonalList>('GET', `/${list}?${query({ ...filters, limit })}`),
  history: (cursor?: string) => request<HistoryList>('GET', `/watch-history?${query({ cursor, limit: 50 })}`),
  continueWatching: () => request<ContinueList>('GET', '/watch-history/continue'),
  record: (body: RecordProgressRequest) => request<RecordProgressResponse>('POST', '/watch-history', body),
  forget: (mediaId: string) => request<void>('DELETE', `/watch-history/${mediaId}`),
};
