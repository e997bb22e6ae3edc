import type {
  AlertLevel,
  CheckKind,
  CheckStatus,
  HealthCheck,
  Logger,
  TorrentNodeConfig,
} from '@sokoul/contracts';
import { type Db, forgetNode, listChecks, pruneChecks, recordHeartbeat, saveCheck } from '@sokoul/db';
import type { AlertManager } from './alerts.js';

/** torrent-node's version, as its heartbeats and the System page show it. */
export const VERSION = '0.1.0';

type Params = Record<string, string | number>;

/** What one run of a check found. `impact` and `fix` are for failing ones. */
export interface CheckOutcome {
  status: CheckStatus;
  code: string;
  params?: Params;
  message: string;
  impact?: string;
  fix?: string;
}

export interface CheckDef {
  id: string;
  kind: CheckKind;
  subject: string | null;
  run(signal: AbortSignal): Promise<CheckOutcome>;
  /** Consecutive failures before the alert is raised (1); the check's row shows each at once. */
  raiseAfter?: number;
}

/**
 * The checks of one kind that apply now (an indexer per enabled indexer; none for TMDB without a
 * key). Listed again every interval: a check that stopped applying is deleted and its alert cleared.
 */
export interface CheckSource {
  kind: CheckKind;
  list(): Promise<CheckDef[]> | CheckDef[];
}

export interface SentinelDeps {
  db: Db;
  alerts: AlertManager;
  log: Logger;
  config: Pick<TorrentNodeConfig, 'NODE_ID' | 'SENTINEL_INTERVAL_SECONDS' | 'SENTINEL_MAX_BACKOFF_MINUTES'>;
  sources: CheckSource[];
  /** The first wait after a failure, doubling with each one (1 minute). */
  backoffBaseMs?: number;
  /** One run may take this long before it counts as failed. */
  checkTimeoutMs?: number;
}

interface State {
  def: CheckDef;
  failures: number;
  failingSince: string | null;
  nextAt: number;
  running: boolean;
}

const LEVEL: Record<Exclude<CheckStatus, 'ok'>, AlertLevel> = { error: 'critical', warning: 'warning' };

/**
 * Sentinel: named checks run every SENTINEL_INTERVAL_SECONDS while they pass; a failing one is run
 * again after 1 minute, then 2, 4… up to SENTINEL_MAX_BACKOFF_MINUTES, so a dead service is not
 * hammered. Each result is saved (the System page reads it); a failing check raises its alert (the
 * check's id is the cause), a passing one clears it.
 */
export class Sentinel {
  readonly #d: SentinelDeps;
  readonly #states = new Map<string, State>();
  /** Failures saved by an earlier run of this node: the back-off goes on after a restart. */
  readonly #saved = new Map<string, HealthCheck>();
  readonly #running = new Set<Promise<void>>();
  #listedAt = 0;
  #listing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(deps: SentinelDeps) {
    this.#d = deps;
  }

  get #intervalMs(): number {
    return this.#d.config.SENTINEL_INTERVAL_SECONDS * 1000;
  }

  async start(): Promise<void> {
    try {
      for (const check of await listChecks(this.#d.db))
        if (check.nodeId === this.#d.config.NODE_ID) this.#saved.set(check.id, check);
    } catch (error) {
      this.#d.log.warn('cannot read the last checks', { error: String(error) });
    }
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#listing;
    await Promise.allSettled([...this.#running]);
  }

  /** The checks this node runs now and when each runs next (tests and logs). */
  get checks(): { id: string; failures: number; nextAt: number }[] {
    return [...this.#states.values()].map((s) => ({
      id: s.def.id,
      failures: s.failures,
      nextAt: s.nextAt,
    }));
  }

  #tick(): void {
    if (this.#stopped) return;
    if (!this.#listing && Date.now() - this.#listedAt >= this.#intervalMs) {
      this.#listing = this.#list().finally(() => {
        this.#listing = null;
      });
    }
    const now = Date.now();
    for (const state of this.#states.values()) {
      if (state.running || state.nextAt > now) continue;
      state.running = true;
      const run = this.#run(state).finally(() => {
        state.running = false;
        this.#running.delete(run);
      });
      this.#running.add(run);
    }
    // Often enough for the shortest interval; at most once a second.
    const wait = Math.min(1000, Math.max(20, this.#intervalMs / 4));
    this.#timer = setTimeout(() => this.#tick(), wait);
  }

  /** Lists every source's checks; those gone are deleted (with their alerts). */
  async #list(): Promise<void> {
    this.#listedAt = Date.now();
    for (const source of this.#d.sources) {
      let defs: CheckDef[];
      try {
        defs = await source.list();
      } catch (error) {
        this.#d.log.warn('cannot list checks', { kind: source.kind, error: String(error) });
        continue;
      }
      if (this.#stopped) return;
      const ids = new Set(defs.map((d) => d.id));
      for (const def of defs) {
        const state = this.#states.get(def.id);
        if (state) {
          state.def = def;
          continue;
        }
        const saved = this.#saved.get(def.id);
        this.#states.set(def.id, {
          def,
          failures: saved?.failures ?? 0,
          failingSince: saved?.failingSince ?? null,
          // A check saved failing waits for its back-off as if torrent-node had not restarted.
          nextAt: saved && saved.failures > 0 ? Date.parse(saved.nextCheckAt) : 0,
          running: false,
        });
      }
      const gone = [...this.#states.values()].filter((s) => s.def.kind === source.kind && !ids.has(s.def.id));
      for (const state of gone) this.#states.delete(state.def.id);
      try {
        const pruned = new Set(await pruneChecks(this.#d.db, this.#d.config.NODE_ID, source.kind, [...ids]));
        for (const state of gone) pruned.add(state.def.id);
        for (const id of pruned) {
          this.#saved.delete(id);
          await this.#d.alerts.clear(id, `${id} is no longer checked (it was removed or no longer applies)`);
        }
      } catch (error) {
        this.#d.log.warn('cannot delete the checks that no longer apply', {
          kind: source.kind,
          error: String(error),
        });
      }
    }
  }

  async #run(state: State): Promise<void> {
    const { def } = state;
    const outcome = await this.#outcome(def);
    if (this.#stopped || this.#states.get(def.id) !== state) return;
    const failing = outcome.status !== 'ok';
    const now = new Date();
    state.failures = failing ? state.failures + 1 : 0;
    state.failingSince = failing ? (state.failingSince ?? now.toISOString()) : null;
    const maxMs = this.#d.config.SENTINEL_MAX_BACKOFF_MINUTES * 60_000;
    const base = this.#d.backoffBaseMs ?? 60_000;
    const delay = failing ? Math.min(maxMs, base * 2 ** Math.min(30, state.failures - 1)) : this.#intervalMs;
    state.nextAt = now.getTime() + delay;
    const check: HealthCheck = {
      id: def.id,
      kind: def.kind,
      subject: def.subject,
      status: outcome.status,
      code: outcome.code,
      params: outcome.params ?? {},
      message: outcome.message,
      impact: failing ? (outcome.impact ?? '') : '',
      fix: failing ? (outcome.fix ?? '') : '',
      nodeId: this.#d.config.NODE_ID,
      checkedAt: now.toISOString(),
      nextCheckAt: new Date(state.nextAt).toISOString(),
      failingSince: state.failingSince,
      failures: state.failures,
    };
    if (failing && state.failures === 1) {
      this.#d.log.warn('health check failing', {
        check: def.id,
        code: outcome.code,
        message: outcome.message,
      });
    }
    try {
      await this.#bounded(saveCheck(this.#d.db, check));
    } catch (error) {
      this.#d.log.warn('cannot save a health check', { check: def.id, error: String(error) });
    }
    try {
      if (outcome.status === 'ok') {
        await this.#bounded(this.#d.alerts.clear(def.id, `Resolved: ${outcome.message}`));
      } else if (state.failures >= (def.raiseAfter ?? 1)) {
        await this.#bounded(
          this.#d.alerts.raise(def.id, LEVEL[outcome.status], outcome.code, outcome.message, {
            ...(outcome.params ?? {}),
            ...(def.subject ? { subject: def.subject } : {}),
          }),
        );
      }
    } catch (error) {
      this.#d.log.warn('cannot raise or clear an alert', { check: def.id, error: String(error) });
    }
  }

  /** `work`, or a rejection after the check timeout: a database that hangs must not stop the check. */
  async #bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in time')), this.#d.checkTimeoutMs ?? 15_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The check's result; one that throws or takes too long is failing, saying why. */
  async #outcome(def: CheckDef): Promise<CheckOutcome> {
    const timeoutMs = this.#d.checkTimeoutMs ?? 15_000;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        def.run(controller.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
          }, timeoutMs);
        }),
      ]);
    } catch (error) {
      return {
        status: 'error',
        code: 'check.failed',
        params: { check: def.id },
        message: `The ${def.id} check failed: ${error instanceof Error ? error.message : String(error)}`,
        impact: 'Sokoul cannot tell whether this part works.',
        fix: 'Read torrent-node’s logs around this time for the cause.',
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface HeartbeatDeps {
  db: Db;
  config: Pick<TorrentNodeConfig, 'NODE_ID' | 'HEARTBEAT_INTERVAL_MS'>;
  log: Logger;
  startedAt: number;
}

/**
 * Writes this node's heartbeat into ops_nodes every HEARTBEAT_INTERVAL_MS (other nodes' Sentinels
 * and the API read them); a clean stop removes the row, so a node stopped on purpose is not missed.
 */
export function recordHeartbeats(deps: HeartbeatDeps): { stop(): Promise<void> } {
  const { db, config, log } = deps;
  let failing = false;
  const beat = async () => {
    try {
      await recordHeartbeat(db, {
        nodeId: config.NODE_ID,
        startedAt: new Date(deps.startedAt),
        rssBytes: process.memoryUsage().rss,
        version: VERSION,
      });
      failing = false;
    } catch (error) {
      if (!failing) log.warn('cannot record the heartbeat', { error: String(error) });
      failing = true;
    }
  };
  let last = beat();
  const timer = setInterval(() => {
    last = beat();
  }, config.HEARTBEAT_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await last;
      await forgetNode(db, config.NODE_ID).catch((error: unknown) =>
        log.warn('cannot remove the heartbeat row', { error: String(error) }),
      );
    },
  };
}
