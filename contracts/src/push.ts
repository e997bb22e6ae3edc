import { z } from 'zod';

/** Web push for the PWA: one subscription per device, opted in per kind. */
export const PushKind = z.enum(['download.ready', 'alert']);
export type PushKind = z.infer<typeof PushKind>;

/** What the browser's PushManager.subscribe() gives (PushSubscription.toJSON()). */
export const PushSubscriptionInput = z.object({
  endpoint: z.url({ protocol: /^https?$/, error: 'expected the push service’s http(s) URL' }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: z
      .string()
      .regex(/^[A-Za-z0-9_-]{80,100}$/, 'expected the P-256 public key in base64url')
      .max(100),
    auth: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,32}$/, 'expected the auth secret in base64url')
      .max(32),
  }),
});
export type PushSubscriptionInput = z.infer<typeof PushSubscriptionInput>;

export const CreatePushSubscriptionRequest = z.object({
  subscription: PushSubscriptionInput,
  /** How the device shows in Settings (`Firefox sur Linux`). */
  label: z.string().trim().max(100).default(''),
  kinds: z.array(PushKind).max(PushKind.options.length).default(['download.ready', 'alert']),
});
export type CreatePushSubscriptionRequest = z.infer<typeof CreatePushSubscriptionRequest>;

export const PushDevice = z.object({
  id: z.uuid(),
  label: z.string(),
  /** The push service's host, never the whole endpoint (it is a credential). */
  service: z.string(),
  kinds: z.array(PushKind),
  createdAt: z.string(),
  lastSentAt: z.string().nullable(),
});
export type PushDevice = z.infer<typeof PushDevice>;

export const UpdatePushDeviceRequest = z.object({ kinds: z.array(PushKind).max(PushKind.options.length) });
export type UpdatePushDeviceRequest = z.infer<typeof UpdatePushDeviceRequest>;

export const PushStatus = z.object({
  /** The VAPID public key the browser subscribes with (base64url); null when push is off. */
  publicKey: z.string().nullable(),
  devices: z.array(PushDevice),
});
export type PushStatus = z.infer<typeof PushStatus>;

/** What the service worker receives and shows. */
export const PushPayload = z.object({
  kind: PushKind,
  title: z.string(),
  body: z.string(),
  /** Opened on a click, within the app (`/watch/movie/603`). */
  url: z.string(),
  tag: z.string(),
  icon: z.string().optional(),
});
export type PushPayload = z.infer<typeof PushPayload>;
