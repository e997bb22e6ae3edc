import {
  type Alert,
  type AlertLevel,
  type Logger,
  type SokoulEvent,
  Subjects,
  type TorrentNodeConfig,
} from '@sokoul/contracts';
import {
  activeAdminIds,
  clearAlert,
  type Db,
  listAlerts,
  type NewAlert,
  openAlert,
  repeatAlert,
} from '@sokoul/db';
import { JSONCodec, type NatsConnection } from 'nats';
import { alertsActive, alertsRaised } from '../metrics.js';

type Params = Record<string, string | number>;
type AlertEvent = Extract<SokoulEvent, { type: 'alert' }>;
type Phase = NonNullable<AlertEvent['data']['phase']>;

export interface AlertManagerDeps {
  db: Db;
  nc: NatsConnection;
  config: Pick<TorrentNodeConfig, 'ALERT_REPEAT_MINUTES'>;
  log: Logger;
}

const codec = JSONCodec<AlertEvent>();
/** How often alerts held during a NATS outage try to go out. */
const HOLD_RETRY_MS = 500;

/** An alert the database does not store within this is sent from memory instead. */
const STORE_TIMEOUT_MS = 5000;

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface Held {
  event: AlertEvent;
  admins: string[];
}
const LEVELS: AlertLevel[] = ['info', 'warning', 'critical'];

/**
 * One alert per cause, whatever the number of torrent-nodes: the database decides who opened it
 * (`openAlert`), who repeats it (`repeatAlert`, at most every ALERT_REPEAT_MINUTES) and who cleared
 * it; only that caller sends. Each send is an AlertEvent on Subjects.alerts (the Telegram notifier,
 * web push) and on each enabled admin's own subject (their sockets).
 */
export class AlertManager {
  readonly #d: AlertManagerDeps;
  /** The last admins read: a database outage must not also silence its own alert. */
  #admins: string[] = [];
  readonly #held: Held[] = [];
  /** Alerts the database could not store, by cause. */
  readonly #unsaved = new Map<string, Alert>();
  #flushing = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(deps: AlertManagerDeps) {
    this.#d = deps;
  }

  /** Opens the cause's alert, or repeats it when it was last sent long enough ago; what was sent. */
  async raise(
    cause: string,
    level: AlertLevel,
    code: string,
    message: string,
    params: Params = {},
  ): Promise<Phase | null> {
    // Announced from memory while the database was down: it lasts until cleared, not stored twice.
    if (this.#unsaved.has(cause)) return null;
    const wanted = { cause, level, code, params, message };
    let opened: Alert | null;
    try {
      opened = await withTimeout(openAlert(this.#d.db, wanted), STORE_TIMEOUT_MS);
    } catch (error) {
      return this.#raiseUnsaved(wanted, error);
    }
    if (opened) {
      alertsRaised.inc({ code });
      // What Sentinel watches going wrong is expected operation, not a bug of Sokoul: warn.
      this.#d.log.warn('alert raised', { cause, code, level, message });
      await this.#send(opened, 'raised');
      return 'raised';
    }
    const repeated = await repeatAlert(this.#d.db, wanted, this.#d.config.ALERT_REPEAT_MINUTES);
    if (!repeated) return null;
    this.#d.log.warn('alert repeated', { cause, code, times: repeated.notifications });
    await this.#send(repeated, 'repeated');
    return 'repeated';
  }

  /**
   * Closes the cause's alert with `message`; true when this call closed it (and sent "cleared").
   * `code`/`params` word the all-clear for clients that know them (`disk.ok`); else the alert's.
   */
  async clear(cause: string, message: string, wording?: { code: string; params: Params }): Promise<boolean> {
    const unsaved = this.#unsaved.get(cause);
    if (unsaved) {
      // Raised while the database was down: only this node knows it, this node ends it.
      this.#unsaved.delete(cause);
      this.#d.log.info('alert cleared', { cause, code: unsaved.code, message });
      const now = new Date().toISOString();
      await this.#send(
        { ...unsaved, level: 'info', message, clearedAt: now, clearMessage: message, ...(wording ?? {}) },
        'cleared',
      );
      return true;
    }
    const cleared = await clearAlert(this.#d.db, cause, message);
    if (!cleared) return false;
    this.#d.log.info('alert cleared', { cause, code: cleared.code, message });
    await this.#send({ ...cleared, level: 'info', message, ...(wording ?? {}) }, 'cleared');
    return true;
  }

  /**
   * The database cannot store the alert (its own outage, most likely): it is sent once from here
   * (admins' sockets with the last admins known; Subjects.alerts), kept in memory per cause.
   */
  async #raiseUnsaved(wanted: NewAlert, error: unknown): Promise<Phase | null> {
    if (this.#unsaved.has(wanted.cause)) return null;
    this.#d.log.warn('alert raised (not stored: the database does not answer)', {
      cause: wanted.cause,
      code: wanted.code,
      error: String(error),
    });
    const now = new Date().toISOString();
    const alert: Alert = {
      id: crypto.randomUUID(),
      ...wanted,
      raisedAt: now,
      notifiedAt: now,
      notifications: 1,
      clearedAt: null,
      clearMessage: null,
    };
    this.#unsaved.set(wanted.cause, alert);
    alertsRaised.inc({ code: wanted.code });
    await this.#send(alert, 'raised');
    return 'raised';
  }

  async #send(alert: Alert, phase: Phase): Promise<void> {
    const event: AlertEvent = {
      id: crypto.randomUUID(),
      ts: new Date().toISOString(),
      type: 'alert',
      data: {
        level: alert.level,
        message: alert.message,
        code: alert.code,
        params: alert.params,
        alertId: alert.id,
        cause: alert.cause,
        phase,
      },
    };
    const admins = await activeAdminIds(this.#d.db).then(
      (ids) => {
        this.#admins = ids;
        return ids;
      },
      (error: unknown) => {
        this.#d.log.warn('cannot read the admins: the last ones known get the alert', {
          error: String(error),
        });
        return this.#admins;
      },
    );
    this.#held.push({ event, admins });
    await this.#publishHeld();
    await this.#count();
  }

  /**
   * Publishes the alerts held, in order, once NATS answers. While it is disconnected they wait here
   * rather than in the client's buffer, which a reconnection flushes before the subscriptions
   * (the notifier's among them) are back: the NATS outage's own alert would reach no one.
   */
  async #publishHeld(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#held.length > 0) {
        if (!(await this.#connected())) {
          this.#retry ??= setTimeout(() => {
            this.#retry = undefined;
            void this.#publishHeld();
          }, HOLD_RETRY_MS);
          return;
        }
        const { event, admins } = this.#held[0] as Held;
        const data = codec.encode(event);
        try {
          this.#d.nc.publish(Subjects.alerts, data);
          for (const id of admins) this.#d.nc.publish(Subjects.userEvents(id), data);
        } catch (error) {
          this.#d.log.warn('cannot publish an alert', {
            cause: event.data.cause,
            phase: event.data.phase,
            error: String(error),
          });
        }
        this.#held.shift();
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #connected(): Promise<boolean> {
    if (this.#d.nc.isClosed()) {
      // Closed for good (torrent-node stopping): nothing will carry them.
      this.#held.length = 0;
      return false;
    }
    try {
      await withTimeout(this.#d.nc.rtt(), HOLD_RETRY_MS);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops retrying the held alerts (torrent-node stopping). */
  stop(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  /** The open alerts by level, for the metrics (read back: other nodes open and close them too). */
  async #count(): Promise<void> {
    try {
      const open = (await listAlerts(this.#d.db, 0)).filter((a) => a.clearedAt === null);
      for (const level of LEVELS) alertsActive.set({ level }, open.filter((a) => a.level === level).length);
    } catch (error) {
      this.#d.log.debug('cannot count the open alerts', { error: String(error) });
    }
  }
}
