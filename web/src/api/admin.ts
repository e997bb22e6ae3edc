import type { Invite, Settings, SignupMode, UpdateUserRequest, User, UserList } from '@sokoul/contracts';
import { request } from './client.js';

export const adminApi = {
  users: async (): Promise<User[]> => (await request<UserList>('GET', '/admin/users')).users,
  updateUser: (id: string, body: UpdateUserRequest) => request<User>('PATCH', `/admin/users/${id}`, body),
  deleteUser: (id: string) => request<void>('DELETE', `/admin/users/${id}`),
  settings: () => request<Settings>('GET', '/admin/settings'),
  setSignupMode: (signupMode: SignupMode) => request<Settings>('PATCH', '/admin/settings', { signupMode }),
  createInvite: () => request<Invite>('POST', '/admin/invites', {}),
};
