import { RealDebridRoutes } from '@sokoul/contracts';
import { call } from './client.js';

/** Settings' "test connection" for Real-Debrid (admins). */
export const realDebridApi = {
  account: () => call(RealDebridRoutes.account),
};
