import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, TELEGRAM_ALLOWED_UPDATES, TELEGRAM_SECRET_HEADER } from '@sokoul/contracts';
import { type Api, GrammyError } from 'grammy';
import { backoffMs, botSignal, describeTelegramError } from './api.js';

/** Telegram holds a getUpdates call open this long when nothing happens. */
const LONG_POLL_SECONDS = 25;
const DELIVERY_TIMEOUT_MS = 30_000;
/** Answers that mean the API will never take this update: skipped, so one bad update never blocks the bot. */
const REFUSED_FOR_GOOD = new Set([400, 413, 415, 422]);

export interface PollerDeps {
  /** Plain (not paced): getUpdates and deleteWebhook carry no chat. */
  api: Api;
  /** `${APP_URL}/telegram/webhook`. */
  webhookUrl: string;
  secret: string;
  log: Logger;
}

/**
 * Long polling for installs without a public address (no PUBLIC_URL): Telegram's updates are
 * fetched with getUpdates and each one is POSTed to the API's webhook route with the webhook
 * secret, so the same handlers answer as in webhook mode. The offset moves past an update only
 * once the API took it: the API down (or restarting) means the update waits, never that it is lost.
 */
export class TelegramPoller {
  readonly #d: PollerDeps;
  readonly #abort = new AbortController();
  #loop: Promise<void> | null = null;
  /** The next update wanted, and the offset Telegram was last told (what it has forgotten). */
  #offset = 0;
  #confirmed = 0;

  constructor(deps: PollerDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#loop = this.#run().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#d.log.error('telegram poller stopped', { error: String(error) });
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error('torrent-node is stopping'));
    await this.#loop;
    // Tells Telegram what was delivered since the last call, so a restart does not repeat it.
    if (this.#offset > this.#confirmed) {
      await this.#d.api
        .getUpdates({ offset: this.#offset, limit: 1, timeout: 0 }, botSignal(AbortSignal.timeout(2000)))
        .catch(() => undefined);
    }
  }

  async #run(): Promise<void> {
    const { api, log } = this.#d;
    const signal = this.#abort.signal;
    // Webhook and polling are never both active: Telegram refuses getUpdates while a webhook is set.
    for (let attempt = 0; ; attempt++) {
      try {
        await api.deleteWebhook({ drop_pending_updates: false }, botSignal(signal));
        break;
      } catch (error) {
        if (signal.aborted) return;
        log.warn(
          'telegram: cannot remove the webhook before polling, retrying',
          describeTelegramError(error),
        );
        await sleep(backoffMs(attempt, 60_000), undefined, { signal });
      }
    }
    log.info('telegram: long polling started', { webhookUrl: this.#d.webhookUrl });
    let failures = 0;
    while (!signal.aborted) {
      let updates: { update_id: number }[];
      try {
        const offset = this.#offset;
        updates = await api.getUpdates(
          { offset, timeout: LONG_POLL_SECONDS, allowed_updates: [...TELEGRAM_ALLOWED_UPDATES] },
          botSignal(signal),
        );
        this.#confirmed = offset;
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        const conflict = error instanceof GrammyError && error.error_code === 409;
        const message = conflict
          ? /webhook/i.test(error.description)
            ? 'telegram: a webhook is set while PUBLIC_URL is not: run `sokoul telegram webhook delete` or set PUBLIC_URL'
            : 'telegram: another process polls this bot (only one may): check that torrent-node runs once'
          : 'telegram: getUpdates failed, retrying';
        log[conflict || failures > 0 ? 'error' : 'warn'](message, describeTelegramError(error));
        await sleep(backoffMs(failures++, 60_000), undefined, { signal });
        continue;
      }
      for (const update of updates) {
        await this.#deliver(update);
        this.#offset = update.update_id + 1;
      }
    }
  }

  /** Until the API took it (or refused it for good); rejects only when stopping. */
  async #deliver(update: { update_id: number }): Promise<void> {
    const { webhookUrl, secret, log } = this.#d;
    const signal = this.#abort.signal;
    for (let attempt = 0; ; attempt++) {
      let status: number | string;
      try {
        const res = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TELEGRAM_SECRET_HEADER]: secret },
          body: JSON.stringify(update),
          signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
        });
        await res.body?.cancel();
        if (res.ok) {
          log.debug('telegram: update delivered', { updateId: update.update_id });
          return;
        }
        if (REFUSED_FOR_GOOD.has(res.status)) {
          log.warn('telegram: the API refused an update, skipped', {
            updateId: update.update_id,
            status: res.status,
          });
          return;
        }
        status = res.status;
      } catch (error) {
        if (signal.aborted) throw error;
        status = String(error instanceof Error ? (error.cause ?? error.message) : error);
      }
      const delay = backoffMs(attempt);
      log[attempt < 3 ? 'warn' : 'error']('telegram: the API did not take an update, retrying', {
        updateId: update.update_id,
        status,
        attempt,
        retryInMs: delay,
      });
      await sleep(delay, undefined, { signal });
    }
  }
}
