import {
  type Download,
  DownloadEventMessage,
  type InlineKeyboardMarkup,
  type Locale,
  type Logger,
  SokoulEvent,
  Subjects,
  TelegramCall,
  type TelegramNotificationKind,
  type TelegramOutboxMessage,
  type TorrentNodeConfig,
  telegramButtonLink,
} from '@sokoul/contracts';
import {
  adminAlertChats,
  type Db,
  mediaTitle,
  notificationChats,
  type ShownTitle as Shown,
  shownTitle as shown,
  titlePath,
} from '@sokoul/db';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { Background, decodeJson } from '../background.js';
import { parseRelease } from '../search/release.js';
import { notificationTexts } from './texts.js';

type NotifierConfig = Pick<TorrentNodeConfig, 'TMDB_IMAGE_BASE_URL' | 'PUBLIC_URL' | 'APP_URL'>;

export interface NotifierDeps {
  nc: NatsConnection;
  db: Db;
  config: NotifierConfig;
  log: Logger;
}

const outbox = JSONCodec<TelegramOutboxMessage>();

/**
 * Tells users on Telegram about their downloads (completed and in the library, failed, stalled)
 * and admins about alerts: one message per linked chat, in the user's language, queued on the
 * outbox like every Bot API call. Nothing here waits for Telegram.
 */
export class TelegramNotifier {
  readonly #d: NotifierDeps;
  readonly #subs: Subscription[] = [];
  readonly #work = new Background((error) =>
    this.#d.log.warn('telegram: cannot queue a notification', { error: String(error) }),
  );

  constructor(deps: NotifierDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#subs.push(
      this.#d.nc.subscribe(Subjects.downloadEvents, {
        callback: (err, msg) => {
          if (err) return;
          const parsed = DownloadEventMessage.safeParse(decodeJson(msg.data));
          if (parsed.success) this.#work.track(this.notifyDownload(parsed.data));
        },
      }),
      // Sentinel's alerts (raised, repeated, cleared) for admins' chats. One notifier of the
      // queue group takes each, however many torrent-nodes run.
      this.#d.nc.subscribe(Subjects.alerts, {
        queue: 'telegram-notifier',
        callback: (err, msg) => {
          if (err) return;
          const parsed = SokoulEvent.safeParse(decodeJson(msg.data));
          if (parsed.success && parsed.data.type === 'alert')
            this.#work.track(this.notifyAdmins(parsed.data));
        },
      }),
    );
  }

  async stop(): Promise<void> {
    for (const sub of this.#subs.splice(0)) sub.unsubscribe();
    await this.#work.settled();
  }

  /** Queues the messages for one download event; how many (0 when it is not one to tell). */
  async notifyDownload(message: DownloadEventMessage): Promise<number> {
    const { userId, event } = message;
    let kind: TelegramNotificationKind;
    if (event.type === 'download.completed' && event.data.imported > 0) kind = 'download.completed';
    else if (event.type === 'download.failed') kind = 'download.failed';
    else if (event.type === 'download.stalled') kind = 'download.stalled';
    else return 0;
    const chats = await notificationChats(this.#d.db, userId, kind);
    if (chats.length === 0) return 0;
    const download = event.data.download;
    const media = shown(await mediaTitle(this.#d.db, download.mediaId));
    const calls = chats.map(({ chatId, locale }) => {
      const title = this.#title(download, media, locale);
      if (event.type === 'download.completed') return this.#completed(chatId, locale, download, media, title);
      const t = notificationTexts(locale);
      const link = telegramButtonLink(this.#d.config, '/downloads');
      const text =
        event.type === 'download.failed'
          ? t.failed({
              title,
              release: download.name,
              code: download.error?.code ?? null,
              message: download.error?.message ?? null,
            })
          : t.stalled({ title, release: download.name, next: event.data.next?.name ?? null });
      return textMessage(
        chatId,
        text,
        link ? { inline_keyboard: [[{ text: t.downloads, url: link }]] } : undefined,
      );
    });
    await this.#queueAll(calls, { kind, downloadId: download.id });
    return calls.length;
  }

  /** Queues an alert for every admin's linked chats (those who did not mute alerts). */
  async notifyAdmins(alert: Extract<SokoulEvent, { type: 'alert' }>): Promise<number> {
    const chats = await adminAlertChats(this.#d.db);
    const calls = chats.map(({ chatId, locale }) =>
      textMessage(chatId, notificationTexts(locale).alert(alert.data)),
    );
    await this.#queueAll(calls, { kind: 'alert', code: alert.data.code ?? null });
    return calls.length;
  }

  #title(download: Download, media: Shown | undefined, locale: Locale): string {
    const t = notificationTexts(locale);
    const name = media?.title ?? download.mediaTitle;
    const season = media?.season ?? download.season;
    const episode = media?.episode ?? download.episode;
    if (season !== null && episode !== null) return `${name} ${t.episodeLabel(season, episode)}`;
    if (season !== null) return `${name} (${t.seasonLabel(season)})`;
    return media?.year ? `${name} (${media.year})` : name;
  }

  #completed(
    chatId: number,
    locale: Locale,
    download: Download,
    media: Shown | undefined,
    title: string,
  ): TelegramCall {
    const t = notificationTexts(locale);
    const parsed = parseRelease(download.name);
    const quality = [parsed.resolution, parsed.source].filter(Boolean).join(' · ') || null;
    const text = t.completed({ title, quality });
    const season = media?.season ?? download.season;
    const episode = media?.episode ?? download.episode;
    const path = titlePath(media, season, episode);
    const link = path ? telegramButtonLink(this.#d.config, path) : null;
    const playable = path?.startsWith('/watch/') ?? false;
    const markup: InlineKeyboardMarkup | undefined = link
      ? { inline_keyboard: [[{ text: playable ? t.watch : t.open, url: link }]] }
      : undefined;
    if (!media?.posterPath) return textMessage(chatId, text, markup);
    const base = this.#d.config.TMDB_IMAGE_BASE_URL.replace(/\/+$/, '');
    return {
      method: 'sendPhoto',
      params: {
        chat_id: chatId,
        photo: `${base}/w500${media.posterPath}`,
        caption: text,
        parse_mode: 'HTML',
        ...(markup ? { reply_markup: markup } : {}),
      },
    };
  }

  async #queueAll(calls: TelegramCall[], fields: Record<string, unknown>): Promise<void> {
    const js = this.#d.nc.jetstream();
    for (const call of calls) {
      const message: TelegramOutboxMessage = {
        id: crypto.randomUUID(),
        call: TelegramCall.parse(call),
        queuedAt: new Date().toISOString(),
      };
      await js.publish(Subjects.telegramOutbox, outbox.encode(message), { msgID: message.id });
    }
    this.#d.log.info('telegram notifications queued', { ...fields, count: calls.length });
  }
}

function textMessage(chatId: number, text: string, markup?: InlineKeyboardMarkup): TelegramCall {
  return {
    method: 'sendMessage',
    params: {
      chat_id: chatId,
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(markup ? { reply_markup: markup } : {}),
    },
  };
}
