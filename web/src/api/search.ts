import type { QualityProfileList, SearchResults, StartSearchRequest, Task } from '@sokoul/contracts';
import { request, withQuery } from './client.js';

export const searchApi = {
  profiles: () => request<QualityProfileList>('GET', '/search/profiles'),
  start: (body: StartSearchRequest) => request<Task>('POST', '/search', body),
  results: (mediaId: string, season?: number, episode?: number) =>
    request<SearchResults>('GET', withQuery(`/search/${mediaId}`, { season, episode })),
};
