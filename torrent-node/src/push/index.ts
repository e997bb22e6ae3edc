import { DownloadEventMessage, type Logger, PushTestMessage, SokoulEvent, Subjects } from '@sokoul/contracts';
import {
  adminPushTargets,
  type Db,
  findPushTarget,
  mediaTitle,
  type PushTarget,
  shownTitle,
  titlePath,
  userPushTargets,
} from '@sokoul/db';
import type { NatsConnection, Subscription } from 'nats';
import { Background, decodeJson } from '../background.js';
import {
  type Delivery,
  type PushConfig,
  type PushMessage,
  PushSender,
  pushTopic,
  type Urgency,
} from './sender.js';
import { pushTexts } from './texts.js';

export type { Delivery, PushConfig };
export { PushSender };

export interface PushDeps {
  nc: NatsConnection;
  db: Db;
  config: PushConfig;
  log: Logger;
  /** Tests shorten the back-off. */
  retryBaseMs?: number;
}

type AlertEvent = Extract<SokoulEvent, { type: 'alert' }>;

const ICON = '/icons/icon-192.png';
const DAY = 24 * 3600;
const PUSH_QUEUE = 'sokoul-push';

const URGENCY: Record<AlertEvent['data']['level'], Urgency> = {
  critical: 'high',
  warning: 'normal',
  info: 'low',
};

/**
 * Web push from torrent-node: a finished download to its owner's devices (opted in to
 * `download.ready`), Sentinel's alerts to every admin's (`alert`), and a test to one device when
 * the API asks. Everything runs beside the events, never in their way: a slow or dead push service
 * delays nothing but its own message.
 */
export class PushNotifier {
  readonly #d: PushDeps;
  readonly sender: PushSender;
  readonly #subs: Subscription[] = [];
  readonly #work = new Background((error) =>
    this.#d.log.warn('web push: cannot send', { error: String(error) }),
  );

  constructor(deps: PushDeps) {
    this.#d = deps;
    this.sender = new PushSender({
      db: deps.db,
      config: deps.config,
      log: deps.log,
      ...(deps.retryBaseMs !== undefined ? { retryBaseMs: deps.retryBaseMs } : {}),
    });
  }

  start(): void {
    const on = (subject: string, handle: (data: unknown) => Promise<unknown> | null) =>
      this.#d.nc.subscribe(subject, {
        // One torrent-node of several sends each message (core pub/sub reaches them all).
        queue: PUSH_QUEUE,
        callback: (err, msg) => {
          if (err) return;
          const work = handle(decodeJson(msg.data));
          if (work) this.#work.track(work);
        },
      });
    this.#subs.push(
      on(Subjects.downloadEvents, (data) => {
        const parsed = DownloadEventMessage.safeParse(data);
        return parsed.success ? this.notifyDownload(parsed.data) : null;
      }),
      on(Subjects.alerts, (data) => {
        const parsed = SokoulEvent.safeParse(data);
        return parsed.success && parsed.data.type === 'alert' ? this.notifyAlert(parsed.data) : null;
      }),
      on(Subjects.pushTest, (data) => {
        const parsed = PushTestMessage.safeParse(data);
        return parsed.success ? this.sendTest(parsed.data) : null;
      }),
    );
  }

  async stop(): Promise<void> {
    for (const sub of this.#subs.splice(0)) sub.unsubscribe();
    this.sender.stop();
    await this.#work.settled();
  }

  /** A download completed with files in the library: its owner's devices. What came of each. */
  async notifyDownload(message: DownloadEventMessage): Promise<Delivery[]> {
    const { userId, event } = message;
    if (event.type !== 'download.completed' || event.data.imported <= 0) return [];
    const targets = await userPushTargets(this.#d.db, userId, 'download.ready');
    if (targets.length === 0) return [];
    const download = event.data.download;
    const media = shownTitle(await mediaTitle(this.#d.db, download.mediaId));
    const season = media?.season ?? download.season;
    const episode = media?.episode ?? download.episode;
    const url = titlePath(media, season, episode) ?? '/downloads';
    return this.#sendAll(targets, (target) => {
      const t = pushTexts(target.locale);
      const name = media?.title ?? download.mediaTitle;
      const title =
        season !== null && episode !== null
          ? `${name} ${t.episodeLabel(season, episode)}`
          : season !== null
            ? `${name} (${t.seasonLabel(season)})`
            : media?.year
              ? `${name} (${media.year})`
              : name;
      return {
        payload: {
          kind: 'download.ready',
          title: t.ready,
          body: title,
          url,
          tag: `download-${download.id}`,
          icon: ICON,
        },
        ttlSeconds: DAY,
        urgency: 'normal',
      };
    });
  }

  /** An alert raised, repeated or cleared: every admin's devices opted in to alerts. */
  async notifyAlert(alert: AlertEvent): Promise<Delivery[]> {
    const targets = await adminPushTargets(this.#d.db, 'alert');
    if (targets.length === 0) return [];
    const { data } = alert;
    // One notification per cause on screen: the cleared one replaces the raised one.
    const tag = `alert-${data.cause ?? data.code ?? alert.id}`;
    return this.#sendAll(targets, (target) => ({
      payload: {
        kind: 'alert',
        title: pushTexts(target.locale).alert(data),
        body: data.message,
        url: '/system',
        tag,
        icon: ICON,
      },
      // An alert is about now: a device offline for hours learns it from the System page.
      ttlSeconds: 6 * 3600,
      urgency: data.phase === 'cleared' ? 'low' : URGENCY[data.level],
      topic: pushTopic(tag),
    }));
  }

  /** The API's "send a test": that device only, whatever it opted in to. */
  async sendTest(message: PushTestMessage): Promise<Delivery[]> {
    const target = await findPushTarget(this.#d.db, message.userId, message.deviceId);
    if (!target) {
      this.#d.log.info('web push: test for a device that is not there', { deviceId: message.deviceId });
      return [];
    }
    const t = pushTexts(target.locale);
    return this.#sendAll([target], () => ({
      payload: {
        kind: 'alert',
        title: t.test.title,
        body: t.test.body,
        url: '/settings',
        tag: 'push-test',
        icon: ICON,
      },
      ttlSeconds: 300,
      urgency: 'normal',
    }));
  }

  async #sendAll(targets: PushTarget[], build: (target: PushTarget) => PushMessage): Promise<Delivery[]> {
    const messages = targets.map((target) => ({ target, message: build(target) }));
    const results = await Promise.all(messages.map((m) => this.sender.deliver(m.target, m.message)));
    this.#d.log.info('web push sent', {
      kind: messages[0]?.message.payload.kind,
      devices: targets.length,
      sent: results.filter((r) => r === 'sent').length,
      gone: results.filter((r) => r === 'gone').length,
    });
    return results;
  }
}

export interface PushService {
  stop(): Promise<void>;
}

/** Web push when the VAPID pair is set (the launcher generates it); off otherwise, saying so. */
export function startPush(deps: PushDeps): PushService | null {
  const log = deps.log.child({ module: 'push' });
  if (!deps.config.VAPID_PUBLIC_KEY || !deps.config.VAPID_PRIVATE_KEY) {
    log.info('VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY are not set: web push is off');
    return null;
  }
  const notifier = new PushNotifier({ ...deps, log });
  notifier.start();
  return { stop: () => notifier.stop() };
}
