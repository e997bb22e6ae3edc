import { DurableObject } from 'cloudflare:workers';
import {
  DataChangedMessage,
  JOBS_STREAM,
  parseConfig,
  type SharedConfig,
  SharedConfigSchema,
  SokoulEvent,
  Subjects,
} from '@sokoul/contracts';
import { connect, JSONCodec, type Msg, type NatsConnection, RetentionPolicy } from 'nats.ws';
import { type Bindings, textBindings, userSessionStub } from './bindings.js';
import { createLogger, errorMessage, type Logger } from './log.js';

const KEEPALIVE_MS = 30_000;
const codec = JSONCodec<unknown>();

export interface NatsStatus {
  connected: boolean;
  latencyMs: number | null;
  detail?: string;
}

/** The reply travels as JSON text: RPC types cannot carry `unknown`. */
export type NatsRequestResult = { ok: true; json: string } | { ok: false; error: string };

/**
 * Owns the long-lived nats.ws connection of the workerd app: publishing (events, JetStream jobs),
 * request/reply, and the event bridge that forwards `events.user.*` and `events.broadcast` to the
 * UserSession objects of users who have a socket open. Holding an outbound WebSocket keeps this
 * object awake; an alarm re-checks the connection so a restarted NATS is picked up again.
 *
 * It also hears `data.changed` from torrent-node. What that means to the app's caches is the app's
 * business (functions extends this class with it), so this package needs no cache client.
 */
export abstract class NatsBridge extends DurableObject<Bindings> {
  #nc: NatsConnection | undefined;
  #connecting: Promise<NatsConnection> | undefined;
  #streamReady = false;
  #users = new Set<string>();
  #log: Logger;
  readonly #config: SharedConfig;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#config = parseConfig(SharedConfigSchema, textBindings(env));
    this.#log = createLogger(this.#config.LOG_LEVEL, { component: 'nats-bridge' });
    ctx.blockConcurrencyWhile(async () => {
      this.#users = new Set((await ctx.storage.get<string[]>('users')) ?? []);
    });
  }

  private async connection(): Promise<NatsConnection> {
    if (this.#nc && !this.#nc.isClosed()) return this.#nc;
    this.#connecting ??= this.open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  private async open(): Promise<NatsConnection> {
    const servers = this.#config.NATS_WS_URL;
    if (!servers) throw new Error('NATS_WS_URL is not set');
    // The embedded server (and docker-compose's) refuses clients without it.
    const token = this.#config.NATS_TOKEN;
    const nc = await connect({
      servers,
      name: 'sokoul-api',
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      timeout: 2000,
      ...(token ? { token } : {}),
    });
    nc.subscribe(Subjects.userEventsWildcard, { callback: (err, msg) => err || this.forward(msg) });
    nc.subscribe(Subjects.broadcastEvents, { callback: (err, msg) => err || this.forward(msg) });
    nc.subscribe(Subjects.dataChanged, { callback: (err, msg) => err || this.changed(msg) });
    // Core NATS keeps nothing for a subscriber that is away: whatever changed while this bridge
    // was not connected is unknown, so every kept answer is treated as changed.
    this.apply({ scope: 'titles' });
    void (async () => {
      for await (const status of nc.status())
        if (status.type === 'reconnect') this.apply({ scope: 'titles' });
    })();
    void nc.closed().then((err) => {
      if (this.#nc === nc) this.#nc = undefined;
      this.#streamReady = false;
      this.#log.warn('nats connection closed', err ? { error: errorMessage(err) } : {});
    });
    this.#nc = nc;
    this.#log.info('nats connected', { server: nc.getServer() });
    await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
    return nc;
  }

  private forward(msg: Msg): void {
    let event: SokoulEvent;
    try {
      event = SokoulEvent.parse(codec.decode(msg.data));
    } catch (error) {
      this.#log.warn('dropping malformed event', { subject: msg.subject, error: errorMessage(error) });
      return;
    }
    const targets =
      msg.subject === Subjects.broadcastEvents
        ? [...this.#users]
        : [msg.subject.slice('events.user.'.length)];
    for (const userId of targets) {
      if (!this.#users.has(userId)) continue;
      this.ctx.waitUntil(
        userSessionStub(this.env, userId)
          .deliver(event)
          .then((keep) => (keep ? undefined : this.unregister(userId)))
          .catch((error: unknown) =>
            this.#log.warn('event delivery failed', { userId, error: errorMessage(error) }),
          ),
      );
    }
  }

  private changed(msg: Msg): void {
    let change: DataChangedMessage;
    try {
      change = DataChangedMessage.parse(codec.decode(msg.data));
    } catch (error) {
      this.#log.warn('dropping malformed data change', { error: errorMessage(error) });
      return;
    }
    this.apply(change);
  }

  private apply(change: DataChangedMessage): void {
    this.ctx.waitUntil(
      this.dataChanged(change).catch((error: unknown) =>
        this.#log.warn('cannot apply a data change', { ...change, error: errorMessage(error) }),
      ),
    );
  }

  /** Drops what the app keeps about the data that changed: one user's, or everyone's. */
  protected abstract dataChanged(change: DataChangedMessage): Promise<void>;

  /** Called by a UserSession when its first socket opens. */
  async register(userId: string): Promise<void> {
    if (!this.#users.has(userId)) {
      this.#users.add(userId);
      await this.ctx.storage.put('users', [...this.#users]);
    }
    await this.connection().catch((error: unknown) =>
      this.#log.warn('nats not reachable yet', { error: errorMessage(error) }),
    );
  }

  async unregister(userId: string): Promise<void> {
    if (this.#users.delete(userId)) await this.ctx.storage.put('users', [...this.#users]);
  }

  async publish(subject: string, data: unknown): Promise<void> {
    const nc = await this.connection();
    nc.publish(subject, codec.encode(data));
  }

  /** Durable publish to the jobs stream; resolves once JetStream has stored the message. */
  async enqueue(subject: string, data: unknown, msgID: string): Promise<void> {
    const nc = await this.connection();
    if (!this.#streamReady) {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.info(JOBS_STREAM.name).catch(() =>
        jsm.streams.add({
          name: JOBS_STREAM.name,
          subjects: [...JOBS_STREAM.subjects],
          retention: RetentionPolicy.Workqueue,
        }),
      );
      this.#streamReady = true;
    }
    await nc.jetstream().publish(subject, codec.encode(data), { msgID });
  }

  async request(subject: string, data: unknown, timeoutMs: number): Promise<NatsRequestResult> {
    try {
      const nc = await this.connection();
      const reply = await nc.request(subject, codec.encode(data), { timeout: timeoutMs });
      return { ok: true, json: new TextDecoder().decode(reply.data) };
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
  }

  async status(): Promise<NatsStatus> {
    try {
      const nc = await this.connection();
      return { connected: true, latencyMs: await nc.rtt() };
    } catch (error) {
      return { connected: false, latencyMs: null, detail: errorMessage(error) };
    }
  }

  override async alarm(): Promise<void> {
    await this.connection().catch((error: unknown) =>
      this.#log.warn('nats reconnect failed', { error: errorMessage(error) }),
    );
    await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
  }
}
