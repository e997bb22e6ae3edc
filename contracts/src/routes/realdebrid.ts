import { AUTH_ERRORS, errors, jsonContent, route, USER_AUTH } from '../http.js';
import { RealDebridAccount } from '../realdebrid.js';

const tags = ['Admin'];

/** Real-Debrid's account for Settings: admins only (403 otherwise). */
export const RealDebridRoutes = {
  account: route({
    method: 'get',
    path: '/admin/realdebrid',
    tags,
    summary: 'Test the Real-Debrid key: the account (user, premium until) or why it cannot be used',
    description:
      'torrent-node asks Real-Debrid with the key it applies now (REAL_DEBRID_API_KEY, stored or from its environment). A 503 when no torrent-node answers.',
    security: USER_AUTH,
    responses: { 200: jsonContent(RealDebridAccount, 'The account'), ...errors(...AUTH_ERRORS, 502, 503) },
  }),
};
