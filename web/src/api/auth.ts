import type {
  ApiKey,
  ApiKeyList,
  ChangePasswordRequest,
  CreatedApiKey,
  LoginRequest,
  PublicSettings,
  SignupRequest,
  TokenPair,
  UpdateProfileRequest,
  User,
} from '@sokoul/contracts';
import { publicRequest, request } from './client.js';

export const authApi = {
  settings: () => publicRequest<PublicSettings>('GET', '/auth/settings'),
  signup: (body: SignupRequest) => publicRequest<TokenPair>('POST', '/auth/signup', body),
  login: (body: LoginRequest) => publicRequest<TokenPair>('POST', '/auth/login', body),
  logout: (refreshToken: string) => publicRequest<void>('POST', '/auth/logout', { refreshToken }),
  me: () => request<User>('GET', '/auth/me'),
  updateProfile: (body: UpdateProfileRequest) => request<User>('PATCH', '/auth/me', body),
  changePassword: (body: ChangePasswordRequest) => request<void>('POST', '/auth/password', body),
  listKeys: async (): Promise<ApiKey[]> => (await request<ApiKeyList>('GET', '/auth/api-keys')).apiKeys,
  createKey: (name: string) => request<CreatedApiKey>('POST', '/auth/api-keys', { name }),
  revokeKey: (id: string) => request<void>('DELETE', `/auth/api-keys/${id}`),
};
