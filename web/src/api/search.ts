import { SearchRoutes, type StartSearchRequest } from '@sokoul/contracts';
import { call } from './client.js';

export const searchApi = {
  profiles: () => call(SearchRoutes.profiles),
  start: (body: StartSearchRequest) => call(SearchRoutes.start, { body }),
  results: (searchId: string) => call(SearchRoutes.results, { params: { searchId } }),
};
