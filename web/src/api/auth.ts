import {
  ApiKeyRoutes,
  AuthRoutes,
  type ChangePasswordRequest,
  type LoginRequest,
  type SignupRequest,
  type UpdateProfileRequest,
} from '@sokoul/contracts';
import { call } from './client.js';

export const authApi = {
  settings: () => call(AuthRoutes.settings),
  // The browser's sessions keep their refresh token in the HttpOnly cookie (see client.ts).
  signup: (body: SignupRequest) => call(AuthRoutes.signup, { body: { ...body, session: 'cookie' } }),
  login: (body: LoginRequest) => call(AuthRoutes.login, { body: { ...body, session: 'cookie' } }),
  logout: () => call(AuthRoutes.logout, { body: {} }),
  me: () => call(AuthRoutes.me),
  updateProfile: (body: UpdateProfileRequest) => call(AuthRoutes.updateMe, { body }),
  changePassword: (body: ChangePasswordRequest) => call(AuthRoutes.changePassword, { body }),
  listKeys: async () => (await call(ApiKeyRoutes.list)).apiKeys,
  createKey: (name: string) => call(ApiKeyRoutes.create, { body: { name } }),
  revokeKey: (id: string) => call(ApiKeyRoutes.revoke, { params: { id } }),
};
