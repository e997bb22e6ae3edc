import {
  type CreatePushSubscriptionRequest,
  checkOutboundUrl,
  OutboundRefused,
  type PushDevice,
  type PushStatus,
  type PushTestMessage,
  Subjects,
  type UpdatePushDeviceRequest,
} from '@sokoul/contracts';
import {
  deletePushDevice,
  findPushTarget,
  listPushDevices,
  updatePushDeviceKinds,
  upsertPushDevice,
} from '@sokoul/db';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';

/**
 * Web push, per account: the VAPID public key browsers subscribe with, the caller's devices and
 * what each is told. Every user manages their own devices only (another's id is a 404); the
 * endpoint (a credential: whoever holds it can push) is stored, never returned.
 */

const notConfigured = () =>
  new ApiError(
    503,
    'not_configured',
    'Web push is off on this server: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set (the launcher generates them)',
  );

const configured = (deps: Deps) => Boolean(deps.config.VAPID_PUBLIC_KEY && deps.config.VAPID_PRIVATE_KEY);

export async function status(deps: Deps, principal: Principal): Promise<PushStatus> {
  return {
    publicKey: configured(deps) ? (deps.config.VAPID_PUBLIC_KEY ?? null) : null,
    devices: await listPushDevices(deps.infra.db, principal.userId),
  };
}

/** POST /push/devices: the same endpoint again updates its row (and moves it to the caller). */
export async function subscribe(
  deps: Deps,
  principal: Principal,
  input: CreatePushSubscriptionRequest,
): Promise<PushDevice> {
  if (!configured(deps)) throw notConfigured();
  const { endpoint, keys } = input.subscription;
  // torrent-node POSTs to it: the outbound guard's rules, checked again there once resolved.
  try {
    checkOutboundUrl(endpoint, { allowPrivate: deps.config.PUSH_ALLOW_PRIVATE });
  } catch (error) {
    if (!(error instanceof OutboundRefused)) throw error;
    throw new ApiError(400, 'validation_failed', `Invalid body: subscription.endpoint ${error.message}`, {}, [
      { path: 'subscription.endpoint', message: error.message },
    ]);
  }
  const device = await upsertPushDevice(deps.infra.db, principal.userId, {
    endpoint,
    p256dh: keys.p256dh,
    auth: keys.auth,
    label: input.label,
    kinds: input.kinds,
  });
  deps.log.info('push device subscribed', { deviceId: device.id, service: device.service });
  return device;
}

export async function update(
  deps: Deps,
  principal: Principal,
  id: string,
  input: UpdatePushDeviceRequest,
): Promise<PushDevice> {
  const device = await updatePushDeviceKinds(deps.infra.db, principal.userId, id, input.kinds);
  if (!device) throw notFound('Device');
  return device;
}

export async function remove(deps: Deps, principal: Principal, id: string): Promise<void> {
  if (!(await deletePushDevice(deps.infra.db, principal.userId, id))) throw notFound('Device');
}

/** POST /push/devices/:id/test: torrent-node sends it (the one process holding the private key's use). */
export async function test(deps: Deps, principal: Principal, id: string): Promise<void> {
  if (!(await findPushTarget(deps.infra.db, principal.userId, id))) throw notFound('Device');
  if (!configured(deps)) throw notConfigured();
  const message: PushTestMessage = { deviceId: id, userId: principal.userId };
  await deps.infra.bus.publish(Subjects.pushTest, message);
}
