import type { SearchResults, StartSearchRequest, Task } from '@sokoul/contracts';
import { request } from './client.js';

export const searchApi = {
  start: (body: StartSearchRequest) => request<Task>('POST', '/search', body),
  results: (mediaId: string, season?: number, episode?: number) => {
    const query = new URLSearchParams();
    if (season !== undefined) query.set('season', String(season));
    if (episode !== undefined) query.set('episode', String(episode));
    return request<SearchResults>('GET', `/search/${mediaId}?${query}`);
  },
};
