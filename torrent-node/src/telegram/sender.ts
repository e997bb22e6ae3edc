import { setTimeout as sleep } from 'node:timers/promises';
import {
  JOBS_STREAM,
  type Logger,
  Subjects,
  TELEGRAM_OUTBOX_CONSUMER,
  type TelegramCall,
  TelegramOutboxMessage,
} from '@sokoul/contracts';
import { type Db, deleteChatLinks } from '@sokoul/db';
import { type Api, GrammyError } from 'grammy';
import { AckPolicy, type ConsumerMessages, type JsMsg, type NatsConnection, nanos } from 'nats';
import { backoffMs, botSignal, describeTelegramError } from './api.js';

/** A message not acknowledged within this is delivered again (kept alive by `working()` meanwhile). */
const ACK_WAIT_MS = 60_000;
const WORKING_EVERY_MS = 20_000;
/** Messages held at once: the server stops delivering beyond it (they wait in the stream). */
const MAX_IN_FLIGHT = 1000;
const REQUEUE_DELAY_MS = 2000;
/** Telegram's advice: about one message a second in one chat. */
const CHAT_SPACING_MS = 1000;
/** Older than Telegram accepts: a callback answer after ~15 minutes, an edit after 48 hours. */
const STALE_MS: Partial<Record<TelegramCall['method'], number>> = {
  answerCallbackQuery: 10 * 60_000,
  editMessageText: 47 * 3600_000,
};
/** Telegram could not fetch or read a sendPhoto's image. */
const PHOTO_REFUSED =
  /HTTP URL|file identifier|IMAGE_PROCESS_FAILED|PHOTO_INVALID|web page content|get HTTP/i;
/** The chat is gone for the bot: its links go, the message is dropped. */
const CHAT_GONE = /bot was blocked|user is deactivated|bot was kicked|bot is not a member|chat not found/i;

export interface SenderDeps {
  nc: NatsConnection;
  db: Db;
  /** Paced (see `botApi`). */
  api: Api;
  log: Logger;
}

type Outcome = 'sent' | 'dropped' | 'requeued';

/**
 * Delivers the outbox (`Subjects.telegramOutbox`) to Telegram: the only place Bot API calls leave
 * from. A message is acknowledged once Telegram took it or refused it for good; until then it is
 * retried here, in order behind the same chat's earlier messages (one chain per chat, many chats
 * at once). Telegram down or flooded never loses a message: it waits, and a crash meanwhile
 * leaves it unacknowledged, so it is delivered again.
 */
export class TelegramSender {
  readonly #d: SenderDeps;
  readonly #chains = new Map<number, Promise<void>>();
  /** Messages being delivered, kept alive with `working()` (delivery may wait a long time). */
  readonly #held = new Set<JsMsg>();
  /** Deliveries outside any chat's chain (callback answers). */
  readonly #loose = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #messages: ConsumerMessages | null = null;
  #loop: Promise<void> | null = null;
  #working: NodeJS.Timeout | null = null;
  #stopping = false;

  constructor(deps: SenderDeps) {
    this.#d = deps;
  }

  /** Needs the SOKOUL_JOBS stream (the task runner creates it). */
  async start(): Promise<void> {
    const jsm = await this.#d.nc.jetstreamManager();
    const settings = { ack_wait: nanos(ACK_WAIT_MS), max_ack_pending: MAX_IN_FLIGHT };
    await jsm.consumers
      .add(JOBS_STREAM.name, {
        durable_name: TELEGRAM_OUTBOX_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        filter_subject: Subjects.telegramOutbox,
        ...settings,
      })
      // Made by an earlier version with other settings: it takes these.
      .catch((error: unknown) =>
        jsm.consumers.update(JOBS_STREAM.name, TELEGRAM_OUTBOX_CONSUMER, settings).catch(() => {
          throw error;
        }),
      );
    const consumer = await this.#d.nc.jetstream().consumers.get(JOBS_STREAM.name, TELEGRAM_OUTBOX_CONSUMER);
    this.#messages = await consumer.consume({ max_messages: 100 });
    this.#working = setInterval(() => {
      for (const msg of this.#held) msg.working();
    }, WORKING_EVERY_MS);
    this.#loop = this.#consume(this.#messages).catch((error: unknown) =>
      this.#d.log.error('telegram outbox consumer stopped', { error: String(error) }),
    );
  }

  /** Stops taking messages; what is still waiting after `graceMs` goes back to the stream. */
  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = true;
    await this.#messages?.close().catch(() => undefined);
    await this.#loop;
    // Every delivery ends by acknowledging its message or handing it back (aborted).
    const drained = Promise.all([...this.#chains.values(), ...this.#loose]);
    await Promise.race([drained, sleep(graceMs, undefined, { ref: false })]);
    this.#abort.abort(new Error('torrent-node is stopping'));
    await drained;
    if (this.#working) clearInterval(this.#working);
  }

  async #consume(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.#stopping) {
        msg.nak();
        continue;
      }
      this.#take(msg);
    }
  }

  #take(msg: JsMsg): void {
    let parsed: TelegramOutboxMessage;
    try {
      const result = TelegramOutboxMessage.safeParse(msg.json());
      if (!result.success) throw new Error(result.error.message);
      parsed = result.data;
    } catch (error) {
      this.#d.log.warn('telegram outbox: not a message, dropped', { error: String(error), seq: msg.seq });
      msg.term();
      return;
    }
    const { call } = parsed;
    const staleAfter = STALE_MS[call.method];
    if (staleAfter !== undefined && Date.now() - Date.parse(parsed.queuedAt) > staleAfter) {
      this.#d.log.info('telegram outbox: too old for Telegram, dropped', {
        id: parsed.id,
        method: call.method,
      });
      msg.ack();
      return;
    }
    this.#held.add(msg);
    const run = () =>
      this.#deliver(parsed)
        .catch((error: unknown): Outcome => {
          // Only an abort (stopping) gets here: the message goes back to the stream.
          this.#d.log.debug('telegram outbox: delivery interrupted', { id: parsed.id, error: String(error) });
          return 'requeued';
        })
        .then((outcome) => {
          this.#held.delete(msg);
          try {
            if (outcome === 'requeued') msg.nak(REQUEUE_DELAY_MS);
            else msg.ack();
          } catch (error) {
            // NATS is gone: unacknowledged, the message is delivered again.
            this.#d.log.warn('telegram outbox: cannot acknowledge', { id: parsed.id, error: String(error) });
          }
        });
    if (!('chat_id' in call.params)) {
      // Callback answers belong to no chat's order (and Telegram wants them fast).
      const loose = run().finally(() => this.#loose.delete(loose));
      this.#loose.add(loose);
      return;
    }
    const chatId = call.params.chat_id;
    // The throttler spaces calls from when it lets them go, and the global limit may hold one
    // after that: the chain itself keeps the chat's next call a second behind this one's answer.
    const spaced = () =>
      run().then(() =>
        sleep(CHAT_SPACING_MS, undefined, { signal: this.#abort.signal }).catch(() => undefined),
      );
    const next = (this.#chains.get(chatId) ?? Promise.resolve()).then(spaced);
    this.#chains.set(chatId, next);
    void next.finally(() => {
      if (this.#chains.get(chatId) === next) this.#chains.delete(chatId);
    });
  }

  /** Retries until Telegram answers for good; rejects only when stopping. */
  async #deliver(message: TelegramOutboxMessage): Promise<Outcome> {
    let { call } = message;
    const signal = this.#abort.signal;
    const log = this.#d.log;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return 'requeued';
      try {
        await this.#call(call, signal);
        return 'sent';
      } catch (error) {
        if (signal.aborted) return 'requeued';
        const fields = { id: message.id, method: call.method, attempt, ...describeTelegramError(error) };
        if (error instanceof GrammyError) {
          const { error_code: code, description } = error;
          if (code === 400 && /message is not modified/i.test(description)) return 'sent';
          if (code === 400 && call.method === 'sendPhoto' && PHOTO_REFUSED.test(description)) {
            // Telegram could not fetch the poster: the text still goes, without it.
            log.info('telegram could not use the photo: sending the text alone', fields);
            const { photo: _photo, caption, ...rest } = call.params;
            call = { method: 'sendMessage', params: { ...rest, text: caption } };
            continue;
          }
          if ((code === 403 || code === 400) && CHAT_GONE.test(description) && 'chat_id' in call.params) {
            return this.#chatGone(call.params.chat_id, message, fields);
          }
          if (code === 429) {
            const seconds = error.parameters.retry_after ?? 1;
            log.warn('telegram: flood limit, waiting', { ...fields, retryAfter: seconds });
            await sleep(seconds * 1000, undefined, { signal });
            continue;
          }
          // 401 and 404 are ours (a wrong token or API root), 5xx Telegram's: the message waits.
          if (code < 500 && code !== 401 && code !== 404) {
            log.warn('telegram refused a message: dropped', fields);
            return 'dropped';
          }
        }
        const delay = backoffMs(attempt);
        log[attempt === 0 ? 'warn' : 'debug']('telegram unreachable: the message waits', {
          ...fields,
          retryInMs: delay,
        });
        await sleep(delay, undefined, { signal });
      }
    }
  }

  async #chatGone(
    chatId: number,
    message: TelegramOutboxMessage,
    fields: Record<string, unknown>,
  ): Promise<Outcome> {
    try {
      const removed = await deleteChatLinks(this.#d.db, chatId);
      this.#d.log.info('telegram: the chat is gone for the bot, its links removed', {
        ...fields,
        chatId,
        removed,
      });
      return 'dropped';
    } catch (error) {
      this.#d.log.warn('telegram: cannot remove the links of a gone chat, the message comes back later', {
        id: message.id,
        chatId,
        error: String(error),
      });
      return 'requeued';
    }
  }

  #call(call: TelegramCall, abort: AbortSignal): Promise<unknown> {
    const raw = this.#d.api.raw;
    const signal = botSignal(abort);
    switch (call.method) {
      case 'sendMessage':
        return raw.sendMessage(call.params, signal);
      case 'sendPhoto':
        return raw.sendPhoto(call.params, signal);
      case 'editMessageText':
        return raw.editMessageText(call.params, signal);
      case 'answerCallbackQuery':
        return raw.answerCallbackQuery(call.params, signal);
    }
  }
}
