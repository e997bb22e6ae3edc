import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, PushPayload, TorrentNodeConfig } from '@sokoul/contracts';
import { type Db, forgetPushDevice, markPushSent, type PushTarget } from '@sokoul/db';
import webpush from 'web-push';
import { guardedFetch, OutboundRefused } from '../search/outbound.js';

export type PushConfig = Pick<
  TorrentNodeConfig,
  'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'VAPID_SUBJECT' | 'PUSH_ALLOW_PRIVATE'
>;

export type Urgency = webpush.Urgency;

export interface PushMessage {
  payload: PushPayload;
  /** How long the push service keeps it for a device that is offline. */
  ttlSeconds: number;
  urgency: Urgency;
  /** Messages with the same topic replace each other while still undelivered (an alert's phases). */
  topic?: string;
}

/** What came of one device's message: delivered, the subscription is gone (row deleted), or not. */
export type Delivery = 'sent' | 'gone' | 'failed';

export interface PushSenderDeps {
  db: Db;
  config: PushConfig;
  log: Logger;
  /** Attempts for a 429, a 5xx or a network failure; the first wait, doubled after each. */
  attempts?: number;
  retryBaseMs?: number;
  /** Longest wait a push service's Retry-After may impose before the message is given up. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
}

/** The push services' topic header: at most 32 characters of the URL-safe alphabet. */
export const pushTopic = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 32);

/** Seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * Sends one message to one device (RFC 8030): web-push builds the request (the payload encrypted
 * for the subscription, RFC 8291 aes128gcm; the VAPID JWT for the push service's origin, RFC 8292),
 * and it goes through the outbound guard (an endpoint is a URL a user gave). 404/410 mean the
 * subscription is gone: the row is deleted. 429 and 5xx are retried a few times with back-off
 * (Retry-After honoured when short); anything else is logged and dropped. Never throws.
 */
export class PushSender {
  readonly #d: PushSenderDeps;
  readonly #abort = new AbortController();

  constructor(deps: PushSenderDeps) {
    this.#d = deps;
  }

  /** Ends the waits between retries (torrent-node stopping). */
  stop(): void {
    this.#abort.abort();
  }

  async deliver(target: PushTarget, message: PushMessage): Promise<Delivery> {
    const { config, log } = this.#d;
    const fields = { deviceId: target.id, kind: message.payload.kind, service: hostOf(target.endpoint) };
    if (!config.VAPID_PUBLIC_KEY || !config.VAPID_PRIVATE_KEY) return 'failed';
    let request: webpush.RequestDetails;
    try {
      request = webpush.generateRequestDetails(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        JSON.stringify(message.payload),
        {
          vapidDetails: {
            subject: config.VAPID_SUBJECT,
            publicKey: config.VAPID_PUBLIC_KEY,
            privateKey: config.VAPID_PRIVATE_KEY,
          },
          TTL: message.ttlSeconds,
          urgency: message.urgency,
          contentEncoding: 'aes128gcm',
          ...(message.topic ? { topic: message.topic } : {}),
        },
      );
    } catch (error) {
      // Keys the browser gave that are not a P-256 point, or a broken VAPID pair.
      log.warn('web push: cannot build the message', { ...fields, error: String(error) });
      return 'failed';
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
    }
    const attempts = this.#d.attempts ?? 4;
    const base = this.#d.retryBaseMs ?? 2000;
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let wait: number | null = null;
      try {
        const response = await guardedFetch(
          target.endpoint,
          {
            method: 'POST',
            headers,
            body: request.body ? new Uint8Array(request.body) : null,
            signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#d.timeoutMs ?? 10_000)]),
          },
          { allowPrivate: config.PUSH_ALLOW_PRIVATE },
        );
        status = response.status;
        wait = retryAfterMs(response.headers.get('retry-after'));
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        if (error instanceof OutboundRefused) {
          log.warn('web push: endpoint refused by the outbound guard', { ...fields, reason: error.message });
          return 'failed';
        }
        if (this.#abort.signal.aborted) return 'failed';
        status = 0;
        log.debug('web push: push service unreachable', { ...fields, attempt, error: String(error) });
      }
      if (status >= 200 && status < 300) {
        await markPushSent(this.#d.db, target.id).catch((error: unknown) =>
          log.warn('web push: cannot record the delivery', { ...fields, error: String(error) }),
        );
        log.debug('web push delivered', { ...fields, status, attempt });
        return 'sent';
      }
      if (status === 404 || status === 410) {
        const removed = await forgetPushDevice(this.#d.db, target.id, target.endpoint, target.p256dh).catch(
          (error: unknown) => {
            log.warn('web push: cannot forget a device', { ...fields, error: String(error) });
            return false;
          },
        );
        log.info('web push: the subscription is gone, device removed', { ...fields, status, removed });
        return 'gone';
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      const delay = wait ?? base * 2 ** (attempt - 1);
      if (!retryable || attempt >= attempts || delay > (this.#d.maxRetryAfterMs ?? 5 * 60_000)) {
        log.warn('web push: not delivered', { ...fields, status, attempts: attempt });
        return 'failed';
      }
      try {
        await sleep(delay, undefined, { signal: this.#abort.signal });
      } catch {
        return 'failed';
      }
    }
  }
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return '';
  }
}
