import type { QualityProfileList, SearchResults, StartSearchRequest, Task } from '@sokoul/contracts';
import { request } from './client.js';

export const searchApi = {
  profiles: () => request<QualityProfileList>('GET', '/search/profiles'),
  start: (body: StartSearchRequest) => request<Task>('POST', '/search', body),
  results: (mediaId: string, season?: number, episode?: number) => {
    const query = new URLSearchParams();
    if (season !== undefined) query.set('season', String(season));
    if (episode !== undefined) query.set('episode', String(episode));
    return request<SearchResults>('GET', `/search/${mediaId}?${query}`);
  },
};
