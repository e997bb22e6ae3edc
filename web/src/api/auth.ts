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
  signup: (body: SignupRequest) => call(AuthRoutes.signup, { body }),
  login: (body: LoginRequest) => call(AuthRoutes.login, { body }),
  logout: (refreshToken: string) => call(AuthRoutes.logout, { body: { refreshToken } }),
  me: () => call(AuthRoutes.me),
  updateProfile: (body: UpdateProfileRequest) => call(AuthRoutes.updateMe, { body }),
  changePassword: (body: ChangePasswordRequest) => call(AuthRoutes.changePassword, { body }),
  listKeys: async () => (await call(ApiKeyRoutes.list)).apiKeys,
  createKey: (name: string) => call(ApiKeyRoutes.create, { body: { name } }),
  revokeKey: (id: string) => call(ApiKeyRoutes.revoke, { params: { id } }),
};
