import {
  AdminRoutes,
  type DownloadClientInput,
  DownloadRoutes,
  type ExternalClientName,
  type SignupMode,
  type SpeedLimits,
  type UpdateUserRequest,
} from '@sokoul/contracts';
import { call } from './client.js';

export const adminApi = {
  users: async () => (await call(AdminRoutes.users)).users,
  updateUser: (id: string, body: UpdateUserRequest) => call(AdminRoutes.updateUser, { params: { id }, body }),
  deleteUser: (id: string) => call(AdminRoutes.deleteUser, { params: { id } }),
  settings: () => call(AdminRoutes.settings),
  setSignupMode: (signupMode: SignupMode) => call(AdminRoutes.updateSettings, { body: { signupMode } }),
  createInvite: () => call(AdminRoutes.createInvite, { body: {} }),
  speedLimits: () => call(DownloadRoutes.limits),
  setSpeedLimits: (body: SpeedLimits) => call(DownloadRoutes.setLimits, { body }),
  downloadClients: () => call(DownloadRoutes.clients),
  setDownloadClient: (name: ExternalClientName, body: DownloadClientInput) =>
    call(DownloadRoutes.setClient, { params: { name }, body }),
  removeDownloadClient: (name: ExternalClientName) => call(DownloadRoutes.removeClient, { params: { name } }),
};
