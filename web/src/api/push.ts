import { type CreatePushSubscriptionRequest, type PushKind, PushRoutes } from '@sokoul/contracts';
import { call } from './client.js';

export const pushApi = {
  status: () => call(PushRoutes.status),
  subscribe: (body: CreatePushSubscriptionRequest) => call(PushRoutes.subscribe, { body }),
  setKinds: (id: string, kinds: PushKind[]) => call(PushRoutes.update, { params: { id }, body: { kinds } }),
  remove: (id: string) => call(PushRoutes.remove, { params: { id } }),
  test: (id: string) => call(PushRoutes.test, { params: { id } }),
};
