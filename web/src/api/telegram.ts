import { type TelegramNotificationKind, TelegramRoutes } from '@sokoul/contracts';
import { call } from './client.js';

export const telegramApi = {
  status: () => call(TelegramRoutes.status),
  linkCode: () => call(TelegramRoutes.linkCode),
  removeLink: (id: string) => call(TelegramRoutes.removeLink, { params: { id } }),
  setMuted: (muted: TelegramNotificationKind[]) => call(TelegramRoutes.setPreferences, { body: { muted } }),
  allLinks: async () => (await call(TelegramRoutes.allLinks)).links,
};
