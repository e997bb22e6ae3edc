import { readdir, stat, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  BACKUP_NAME,
  HealthReport,
  type Logger,
  type SubtitleQuota,
  type TorrentNodeConfig,
} from '@sokoul/contracts';
import { type Db, firstAccountAt, forgetNode, getJob, listNodes } from '@sokoul/db';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import type { Engines } from '../downloads/engines.js';
import type { IndexerPool } from '../search/scout.js';
import type { TorznabEndpoint } from '../search/torznab.js';
import { fetchCaps } from '../search/torznab.js';
import type { CheckDef, CheckOutcome, CheckSource } from './sentinel.js';

/*
 * Sentinel's checks, one source per kind. Each outcome says what is wrong (message), why it matters
 * (impact) and how to fix it (fix), in English; `code` + `params` let the web app word it.
 */

export interface CheckDeps {
  db: Db;
  nc: NatsConnection;
  config: TorrentNodeConfig;
  log: Logger;
  fetch?: typeof fetch;
}

const ok = (code: string, message: string, params: CheckOutcome['params'] = {}): CheckOutcome => ({
  status: 'ok',
  code,
  params,
  message,
});

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
const MiB = 1024 * 1024;

/** One check that always applies. */
const single = (def: CheckDef): CheckSource => ({ kind: def.kind, list: () => [def] });

/** `run`, rejected once `signal` aborts (the sentinel's timeout). */
function abortable<T>(signal: AbortSignal, run: Promise<T>): Promise<T> {
  return Promise.race([
    run,
    new Promise<never>((_, reject) => {
      if (signal.aborted) reject(new Error('aborted'));
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }),
  ]);
}

// ---- dependencies ----

/** A database that takes longer than this to answer `SELECT 1` is down for its users too. */
const PING_TIMEOUT_MS = 5000;

export function databaseSource(deps: Pick<CheckDeps, 'db'>): CheckSource {
  return single({
    id: 'database',
    kind: 'database',
    subject: null,
    run: async (signal) => {
      try {
        await abortable(AbortSignal.any([signal, AbortSignal.timeout(PING_TIMEOUT_MS)]), deps.db.ping());
        return ok('ok', 'PostgreSQL answers');
      } catch (error) {
        return {
          status: 'error',
          code: 'dependency.down',
          params: { dependency: 'database' },
          message: `PostgreSQL does not answer: ${reason(error)}`,
          impact: 'Nothing can be read or saved: searches, downloads and the web app stop working.',
          fix: 'Check that PostgreSQL runs and that DATABASE_URL points at it (sokoul start starts its own).',
        };
      }
    },
  });
}

export function natsSource(deps: Pick<CheckDeps, 'nc'>): CheckSource {
  return single({
    id: 'nats',
    kind: 'nats',
    subject: null,
    run: async (signal) => {
      try {
        // rtt() fails at once while disconnected (a flush would wait for the reconnection).
        const rtt = await abortable(signal, deps.nc.rtt());
        return ok('ok', `NATS answers (${rtt} ms)`, { rttMs: rtt });
      } catch (error) {
        return {
          status: 'error',
          code: 'dependency.down',
          params: { dependency: 'nats' },
          message: `NATS is not connected: ${reason(error)}`,
          impact:
            'Searches and tasks are not started, live updates do not reach the web app and the bot is silent.',
          fix: 'Check that nats-server runs (with JetStream) and that NATS_URL points at it; torrent-node reconnects by itself.',
        };
      }
    },
  });
}

const CacheAnswer = HealthReport.pick({ checks: true });

/**
 * The API's cache (Redis over REST, or its Durable Object): torrent-node has no client of its own,
 * so it asks the API's /health, which probes the cache the way the API uses it.
 */
export function cacheSource(deps: Pick<CheckDeps, 'config' | 'fetch'>): CheckSource {
  const fetchImpl = deps.fetch ?? fetch;
  return single({
    id: 'cache',
    kind: 'cache',
    subject: null,
    run: async (signal) => {
      const url = `${deps.config.APP_URL.replace(/\/+$/, '')}/health`;
      let cache: z.infer<typeof CacheAnswer>['checks']['cache'] | undefined;
      try {
        const answer = await fetchImpl(url, { signal, headers: { accept: 'application/json' } });
        cache = CacheAnswer.parse(await answer.json()).checks.cache;
      } catch (error) {
        return {
          status: 'warning',
          code: 'cache.unverified',
          params: { url },
          message: `The cache could not be checked: the API at ${url} did not answer (${reason(error)})`,
          impact: 'Sokoul cannot tell whether the cache works; the API itself may be down.',
          fix: 'Check that the API (workerd) runs and that APP_URL points at it.',
        };
      }
      if (!cache || cache.status === 'up')
        return ok('ok', `The cache answers${cache?.detail ? ` (${cache.detail})` : ''}`);
      return {
        status: 'error',
        code: 'dependency.down',
        params: { dependency: 'cache' },
        message: `The cache does not answer: ${cache.detail ?? 'down'}`,
        impact:
          'Catalogue pages and TMDB answers are fetched again each time: slower pages, rate limits reached sooner.',
        fix: 'Check Redis (REDIS_URL, or UPSTASH_REDIS_REST_URL and its token); sokoul start runs a gateway in front of REDIS_URL.',
      };
    },
  });
}

/** How long a node may stay silent before it is forgotten (it was removed, or renamed). */
const FORGET_NODE_MS = 24 * 3600_000;

/** The other torrent-nodes, by their heartbeats: one not seen for three intervals is down. */
export function nodesSource(deps: Pick<CheckDeps, 'db' | 'config' | 'log'>): CheckSource {
  const window = () => deps.config.HEARTBEAT_INTERVAL_MS * 3;
  return {
    kind: 'torrentNode',
    list: async () => {
      const nodes = await listNodes(deps.db, window());
      const defs: CheckDef[] = [];
      for (const node of nodes) {
        if (node.nodeId === deps.config.NODE_ID) continue;
        if (Date.now() - Date.parse(node.lastSeenAt) > FORGET_NODE_MS) {
          deps.log.info('forgetting a torrent-node silent for a day', { nodeId: node.nodeId });
          await forgetNode(deps.db, node.nodeId);
          continue;
        }
        defs.push({
          id: `torrentNode:${node.nodeId}`,
          kind: 'torrentNode',
          subject: node.nodeId,
          run: async () => {
            const seen = (await listNodes(deps.db, window())).find((n) => n.nodeId === node.nodeId);
            if (!seen) return ok('ok', `torrent-node ${node.nodeId} stopped cleanly`);
            if (seen.alive) return ok('ok', `torrent-node ${node.nodeId} sends its heartbeats`);
            return {
              status: 'error',
              code: 'node.missing',
              params: { node: node.nodeId, lastSeenAt: seen.lastSeenAt },
              message: `torrent-node ${node.nodeId} has not sent a heartbeat since ${seen.lastSeenAt}`,
              impact: 'Its downloads, streams and scheduled jobs stopped with it.',
              fix: 'Restart it (sokoul start, or its container) and read its logs for why it stopped.',
            };
          },
        });
      }
      return defs;
    },
  };
}

// ---- indexers ----

export interface IndexerDeps {
  pool: IndexerPool;
  /** The endpoints searches use now (configuredIndexers), and why some could not be listed. */
  endpoints: () => Promise<{ endpoints: TorznabEndpoint[]; errors: string[] }>;
}

/** A failure rate above this, over the queries since the last check, is a warning. */
const FAILURE_RATE = 0.5;

/**
 * One check per indexer searches use: its breaker open is an error; since the last check, half its
 * queries failing a warning; idle (no query since), a real caps request says whether it answers.
 */
export function indexerSource(deps: IndexerDeps): CheckSource {
  const seen = new Map<string, { successes: number; failures: number }>();
  return {
    kind: 'indexer',
    list: async () => {
      const { endpoints, errors } = await deps.endpoints();
      const defs: CheckDef[] = endpoints.map((endpoint) => ({
        id: `indexer:${endpoint.name}`.slice(0, 200),
        kind: 'indexer',
        subject: endpoint.name,
        run: async (): Promise<CheckOutcome> => {
          const name = endpoint.name;
          const health = deps.pool.health().find((h) => h.indexer === name);
          const before = seen.get(name);
          if (health) seen.set(name, { successes: health.successes, failures: health.failures });
          const fixIt = `Check that ${name} is up and its URL and API key are right (in the admin settings, or JACKETT_/PROWLARR_ variables).`;
          const impact = 'Searches get fewer results (none if it is the only indexer).';
          if (health?.state === 'open') {
            return {
              status: 'error',
              code: 'indexer.failing',
              params: { indexer: name, failures: health.consecutiveFailures },
              message: `${name} failed ${health.consecutiveFailures} times in a row and is left alone until ${health.retryAt}: ${health.lastError ?? 'no reason given'}`,
              impact,
              fix: fixIt,
            };
          }
          const queries = health
            ? health.successes + health.failures - (before ? before.successes + before.failures : 0)
            : 0;
          if (health && queries > 0) {
            const failed = health.failures - (before?.failures ?? 0);
            if (failed / queries >= FAILURE_RATE) {
              return {
                status: 'warning',
                code: 'indexer.unreliable',
                params: { indexer: name, failed, queries },
                message:
                  `${name} failed ${failed} of its last ${queries} searches: ${health.lastError ?? ''}`.trim(),
                impact,
                fix: fixIt,
              };
            }
            return ok('ok', `${name} answered ${queries - failed} of its last ${queries} searches`, {
              indexer: name,
            });
          }
          // Idle since the last check: ask it for its capabilities (cheap, counts for no search).
          try {
            await fetchCaps(endpoint);
            return ok('ok', `${name} answers`, { indexer: name });
          } catch (error) {
            return {
              status: 'error',
              code: 'indexer.unreachable',
              params: { indexer: name },
              message: `${name} does not answer: ${reason(error)}`,
              impact,
              fix: fixIt,
            };
          }
        },
      }));
      const count = endpoints.length;
      const discovery: CheckOutcome =
        errors.length > 0
          ? {
              status: count === 0 ? 'error' : 'warning',
              code: 'indexer.discovery',
              params: { count },
              message: errors.join('; '),
              impact: 'The indexers it names are not searched.',
              fix: 'Fix what the message names (Prowlarr reachable with its API key, FLARESOLVERR_URL set).',
            }
          : count === 0
            ? {
                status: 'warning',
                code: 'indexer.none',
                params: { count },
                message: 'No indexer is configured',
                impact: 'Searches find nothing.',
                fix: 'Add an indexer in the admin settings, or set JACKETT_URL or PROWLARR_URL with their API keys.',
              }
            : ok('ok', `${count} ${count === 1 ? 'indexer is' : 'indexers are'} configured`, { count });
      defs.push({ id: 'indexer:discovery', kind: 'indexer', subject: null, run: async () => discovery });
      return defs;
    },
  };
}

// ---- download engines and services ----

const ENGINE_LABELS: Record<string, string> = {
  webtorrent: 'BitTorrent',
  realdebrid: 'Real-Debrid',
  qbittorrent: 'qBittorrent',
  transmission: 'Transmission',
};

/** Each download engine and external client, as it reports itself (clients poll on their own). */
export function engineSource(deps: { engines: Engines }): CheckSource {
  return {
    kind: 'engine',
    list: () =>
      deps.engines.info().map((info) => {
        const label = ENGINE_LABELS[info.name] ?? info.name;
        return {
          id: `engine:${info.name}`,
          kind: 'engine' as const,
          subject: label,
          // A client just configured says `unreachable` until its first answer: not an outage yet.
          raiseAfter: 2,
          run: async (): Promise<CheckOutcome> => {
            const now = deps.engines.info().find((i) => i.name === info.name) ?? info;
            if (now.state === 'ok') return ok('ok', `${label} works`, { engine: info.name });
            return {
              status: 'error',
              code: `engine.${now.state}`,
              params: { engine: info.name, state: now.state },
              message: `${label} cannot be used (${now.state})${now.message ? `: ${now.message}` : ''}`,
              impact: `Downloads on ${label} wait until it works again; users who chose it cannot start new ones.`,
              fix:
                now.state === 'unauthorized'
                  ? `Check ${label}'s credentials in the admin settings.`
                  : `Check that ${label} runs and that the URL in the admin settings reaches it.`,
            };
          },
        };
      }),
  };
}

/** TMDB's /configuration with the key, when one is set. */
export function tmdbSource(deps: Pick<CheckDeps, 'config' | 'fetch'>): CheckSource {
  const fetchImpl = deps.fetch ?? fetch;
  return {
    kind: 'tmdb',
    list: () => {
      const key = deps.config.TMDB_API_KEY;
      if (!key) return [];
      return [
        {
          id: 'tmdb',
          kind: 'tmdb',
          subject: null,
          run: async (signal): Promise<CheckOutcome> => {
            const v3 = /^[0-9a-f]{32}$/i.test(key);
            const url = new URL(`${deps.config.TMDB_API_BASE_URL.replace(/\/+$/, '')}/configuration`);
            if (v3) url.searchParams.set('api_key', key);
            const down = (why: string, code = 'tmdb.unreachable'): CheckOutcome => ({
              status: 'error',
              code,
              params: {},
              message: `TMDB ${why}`,
              impact: 'New titles, posters and details cannot be fetched (cached pages still show).',
              fix:
                code === 'tmdb.unauthorized'
                  ? 'Set a valid TMDB_API_KEY (a free key from themoviedb.org).'
                  : 'Check this machine’s Internet access and TMDB_API_BASE_URL.',
            });
            try {
              const answer = await fetchImpl(url, {
                signal,
                headers: { accept: 'application/json', ...(v3 ? {} : { authorization: `Bearer ${key}` }) },
              });
              const body = (await answer.json().catch(() => null)) as { status_code?: unknown } | null;
              if (answer.status === 401) return down('rejected the API key', 'tmdb.unauthorized');
              // TMDB checks the key first: its own "not found" (a JSON status_code) still proves both.
              const tmdbNotFound = answer.status === 404 && typeof body?.status_code === 'number';
              if (!answer.ok && !tmdbNotFound) return down(`answered ${answer.status}`);
              return ok('ok', 'TMDB answers');
            } catch (error) {
              return down(`does not answer: ${reason(error)}`);
            }
          },
        },
      ];
    },
  };
}

const RdUser = z.object({ type: z.string(), expiration: z.string().nullish() });
/** A premium account ending within this is a warning. */
const RD_EXPIRY_WARNING_MS = 7 * 86_400_000;

/** Real-Debrid's account (/user) when a key is set: reachable, the key accepted, premium. */
export function realDebridSource(deps: Pick<CheckDeps, 'config' | 'fetch'>): CheckSource {
  const fetchImpl = deps.fetch ?? fetch;
  return {
    kind: 'realDebrid',
    list: () => {
      const key = deps.config.REAL_DEBRID_API_KEY;
      if (!key) return [];
      return [
        {
          id: 'realDebrid',
          kind: 'realDebrid',
          subject: null,
          run: async (signal): Promise<CheckOutcome> => {
            const impact = 'Real-Debrid downloads do not start; those under way wait.';
            const url = `${deps.config.REAL_DEBRID_API_URL.replace(/\/+$/, '')}/user`;
            let body: unknown;
            try {
              const answer = await fetchImpl(url, { signal, headers: { authorization: `Bearer ${key}` } });
              if (answer.status === 401 || answer.status === 403) {
                await answer.body?.cancel();
                return {
                  status: 'error',
                  code: 'realdebrid.unauthorized',
                  params: { status: answer.status },
                  message: `Real-Debrid refused the API token (${answer.status})`,
                  impact,
                  fix: 'Set REAL_DEBRID_API_KEY to the token shown at real-debrid.com/apitoken.',
                };
              }
              if (!answer.ok) throw new Error(`it answered ${answer.status}`);
              body = await answer.json();
            } catch (error) {
              return {
                status: 'error',
                code: 'realdebrid.unreachable',
                params: {},
                message: `Real-Debrid does not answer: ${reason(error)}`,
                impact,
                fix: 'Check this machine’s Internet access and REAL_DEBRID_API_URL.',
              };
            }
            const user = RdUser.safeParse(body);
            if (!user.success) {
              return {
                status: 'warning',
                code: 'realdebrid.unexpected',
                params: {},
                message: 'Real-Debrid answered something unexpected about the account',
                impact,
                fix: 'Try again later; if it lasts, Real-Debrid’s API may have changed.',
              };
            }
            if (user.data.type !== 'premium') {
              return {
                status: 'error',
                code: 'realdebrid.not_premium',
                params: { type: user.data.type },
                message: 'The Real-Debrid account is not premium',
                impact,
                fix: 'Renew the premium subscription at real-debrid.com.',
              };
            }
            const expires = user.data.expiration ? Date.parse(user.data.expiration) : Number.NaN;
            if (Number.isFinite(expires) && expires - Date.now() < RD_EXPIRY_WARNING_MS) {
              return {
                status: 'warning',
                code: 'realdebrid.expiring',
                params: { expiresAt: new Date(expires).toISOString() },
                message: `The Real-Debrid premium ends on ${new Date(expires).toISOString().slice(0, 10)}`,
                impact: 'Real-Debrid downloads will stop when it ends.',
                fix: 'Renew the premium subscription at real-debrid.com.',
              };
            }
            return ok('ok', 'The Real-Debrid account is premium', {
              ...(Number.isFinite(expires) ? { expiresAt: new Date(expires).toISOString() } : {}),
            });
          },
        },
      ];
    },
  };
}

/**
 * OpenSubtitles' download quota, as its last download answer told it (asking costs a login, which
 * OpenSubtitles rations): used up is a warning until it resets; past the reset it is unknown again.
 */
export function openSubtitlesSource(deps: {
  config: Pick<TorrentNodeConfig, 'OPENSUBTITLES_API_KEY'>;
  quota: () => SubtitleQuota | null;
}): CheckSource {
  return {
    kind: 'openSubtitles',
    list: () =>
      deps.config.OPENSUBTITLES_API_KEY
        ? [
            {
              id: 'openSubtitles',
              kind: 'openSubtitles',
              subject: null,
              run: async (): Promise<CheckOutcome> => {
                const quota = deps.quota();
                const resetAt = quota?.resetAt ? Date.parse(quota.resetAt) : Number.NaN;
                if (quota?.remaining === 0 && resetAt <= Date.now())
                  return ok('ok', `The OpenSubtitles download quota was renewed at ${quota.resetAt}`);
                if (quota?.remaining === 0) {
                  return {
                    status: 'warning',
                    code: 'subtitles.quota',
                    params: { resetAt: quota.resetAt ?? '' },
                    message: `The OpenSubtitles download quota is used up${quota.resetAt ? ` until ${quota.resetAt}` : ''}`,
                    impact: 'New subtitles cannot be downloaded (those already fetched still work).',
                    fix: 'Wait for the reset, or log in with an account that has a larger quota (OPENSUBTITLES_USERNAME/PASSWORD).',
                  };
                }
                return quota?.remaining != null
                  ? ok('ok', `${quota.remaining} OpenSubtitles downloads left`, {
                      remaining: quota.remaining,
                    })
                  : ok('ok', 'OpenSubtitles is configured (no download yet told the quota)');
              },
            },
          ]
        : [],
  };
}

// ---- the host ----

/** Free space of the media and data folders against ALERT_DISK_FREE_MB. */
export function diskSource(
  deps: Pick<CheckDeps, 'config'> & {
    freeBytes?: (path: string) => Promise<{ free: number; total: number }>;
  },
): CheckSource {
  const read =
    deps.freeBytes ??
    (async (path: string) => {
      // A folder not made yet (torrent-node makes them when it first writes) is measured on the
      // disk it will be made on: its nearest existing parent.
      let at = resolve(path);
      for (;;) {
        try {
          const s = await statfs(at);
          return { free: Number(s.bavail) * Number(s.bsize), total: Number(s.blocks) * Number(s.bsize) };
        } catch (error) {
          const parent = dirname(at);
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw error;
          at = parent;
        }
      }
    });
  return {
    kind: 'disk',
    list: () => {
      const { config } = deps;
      const folders = [
        { folder: 'downloads', path: config.DOWNLOAD_DIR },
        ...(config.LIBRARY_DIR ? [{ folder: 'library', path: config.LIBRARY_DIR }] : []),
        { folder: 'data', path: config.DATA_DIR },
      ];
      return folders.map(({ folder, path }) => ({
        id: `disk:${folder}`,
        kind: 'disk' as const,
        subject: folder,
        run: async (): Promise<CheckOutcome> => {
          const minFreeMb = config.ALERT_DISK_FREE_MB;
          let space: { free: number; total: number };
          try {
            space = await read(path);
          } catch (error) {
            return {
              status: 'error',
              code: 'disk.unreadable',
              params: { folder, path },
              message: `The ${folder} folder (${path}) cannot be read: ${reason(error)}`,
              impact: 'Nothing can be written there.',
              fix: 'Check that the folder exists, its disk is mounted and torrent-node may write to it.',
            };
          }
          const freeMb = Math.floor(space.free / MiB);
          const params = { folder, path, freeMb, minFreeMb, totalMb: Math.floor(space.total / MiB) };
          if (freeMb < minFreeMb) {
            return {
              status: 'error',
              code: 'disk.low',
              params,
              message: `The ${folder} folder (${path}) has ${freeMb} MB free, below ${minFreeMb} MB`,
              impact:
                folder === 'data'
                  ? 'Backups, caches and the embedded database may stop being written.'
                  : 'Downloads pause when the disk fills up; imports into the library fail.',
              fix: 'Free space (remove finished downloads or old titles), or move the folder to a larger disk.',
            };
          }
          return ok('ok', `The ${folder} folder has ${freeMb} MB free`, params);
        },
      }));
    },
  };
}

/** CPU use averaged over a window, from the kernel's counters (os.cpus) between runs. */
export class CpuMeter {
  readonly #samples: { at: number; idle: number; total: number }[] = [];
  readonly #read: () => { idle: number; total: number };

  constructor(read?: () => { idle: number; total: number }) {
    this.#read =
      read ??
      (() => {
        let idle = 0;
        let total = 0;
        for (const cpu of cpus()) {
          const t = cpu.times;
          idle += t.idle;
          total += t.user + t.nice + t.sys + t.idle + t.irq;
        }
        return { idle, total };
      });
  }

  /** Takes a sample; the percent used since the oldest sample within `windowMs` and the span covered. */
  sample(windowMs: number): { percent: number; coveredMs: number } | null {
    const now = Date.now();
    const current = { at: now, ...this.#read() };
    this.#samples.push(current);
    // Keep the newest sample at or before the window's start, so the window is covered.
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? now) <= now - windowMs) this.#samples.shift();
    const oldest = this.#samples[0];
    if (!oldest || oldest === current) return null;
    const total = current.total - oldest.total;
    if (total <= 0) return null;
    return { percent: (1 - (current.idle - oldest.idle) / total) * 100, coveredMs: now - oldest.at };
  }
}

export function cpuSource(deps: Pick<CheckDeps, 'config'> & { meter?: CpuMeter }): CheckSource {
  const meter = deps.meter ?? new CpuMeter();
  return single({
    id: 'cpu',
    kind: 'cpu',
    subject: null,
    run: async () => {
      const { ALERT_CPU_PERCENT: threshold, ALERT_CPU_WINDOW_MINUTES: minutes } = deps.config;
      const windowMs = minutes * 60_000;
      const measured = meter.sample(windowMs);
      if (!measured) return ok('ok', 'Measuring CPU use', { threshold });
      const percent = Math.round(measured.percent);
      const params = { percent, threshold, windowMinutes: minutes };
      // Only a whole window above the threshold counts: a burst is not an alert.
      if (measured.coveredMs >= windowMs * 0.9 && percent >= threshold) {
        return {
          status: 'warning',
          code: 'cpu.high',
          params,
          message: `CPU use averaged ${percent}% over ${minutes} minutes (threshold ${threshold}%)`,
          impact: 'Streams may stutter (transcodes) and searches and imports slow down.',
          fix: 'Lower TRANSCODE_CONCURRENCY or MAX_CONCURRENT_DL, or look for another program using the CPU.',
        };
      }
      return ok('ok', `CPU use is ${percent}%`, params);
    },
  });
}

export function memorySource(
  deps: Pick<CheckDeps, 'config'> & { read?: () => { free: number; total: number } },
): CheckSource {
  const read = deps.read ?? (() => ({ free: freemem(), total: totalmem() }));
  return single({
    id: 'memory',
    kind: 'memory',
    subject: null,
    run: async () => {
      const { free, total } = read();
      const percent = Math.round((1 - free / total) * 100);
      const threshold = deps.config.ALERT_MEMORY_PERCENT;
      const params = { percent, threshold, freeMb: Math.floor(free / MiB) };
      if (percent >= threshold) {
        return {
          status: 'warning',
          code: 'memory.high',
          params,
          message: `Memory is ${percent}% used (threshold ${threshold}%)`,
          impact: 'The system may kill processes (torrent-node, PostgreSQL) when it runs out.',
          fix: 'Lower MAX_CONCURRENT_DL or TRANSCODE_CONCURRENCY, add memory, or stop other programs.',
        };
      }
      return ok('ok', `Memory is ${percent}% used`, params);
    },
  });
}

/**
 * The newest backup (an archive in BACKUP_DIR, or the backup job's last good run) against
 * ALERT_BACKUP_MAX_AGE_HOURS. Without any, it is fine while Sokoul is younger than that age (since
 * its first account); a failed last run is a warning too.
 */
export function backupSource(deps: Pick<CheckDeps, 'config' | 'db'>): CheckSource {
  return single({
    id: 'backup',
    kind: 'backup',
    subject: null,
    run: async () => {
      const { config, db } = deps;
      const maxHours = config.ALERT_BACKUP_MAX_AGE_HOURS;
      const maxMs = maxHours * 3600_000;
      let newest = 0;
      const names = await readdir(config.BACKUP_DIR).catch(() => [] as string[]);
      for (const name of names.filter((n) => BACKUP_NAME.test(n))) {
        const s = await stat(join(config.BACKUP_DIR, name)).catch(() => null);
        if (s) newest = Math.max(newest, s.mtimeMs);
      }
      const job = await getJob(db, 'backup');
      const last = job?.lastRun;
      if (last?.outcome === 'ok' && last.finishedAt) newest = Math.max(newest, Date.parse(last.finishedAt));
      const fix = 'Run a backup now from the System page (or `sokoul backup create`) and read its outcome.';
      const impact = 'A disk failure or a mistake would lose everything since the last backup.';
      if (last?.outcome === 'failed' && Date.parse(last.startedAt) > newest) {
        return {
          status: 'warning',
          code: 'backup.failed',
          params: { detail: last.detail.slice(0, 300) },
          message: `The last backup failed: ${last.detail}`,
          impact,
          fix,
        };
      }
      if (newest === 0) {
        const since = await firstAccountAt(db);
        if (!since || Date.now() - Date.parse(since) < maxMs) return ok('ok', 'No backup yet; none is due');
        return {
          status: 'warning',
          code: 'backup.missing',
          params: { maxHours },
          message: `No backup was ever made (expected within ${maxHours} hours)`,
          impact,
          fix,
        };
      }
      const ageHours = Math.floor((Date.now() - newest) / 3600_000);
      const params = { ageHours, maxHours, at: new Date(newest).toISOString() };
      if (Date.now() - newest > maxMs) {
        return {
          status: 'warning',
          code: 'backup.old',
          params,
          message: `The last backup is ${ageHours} hours old (more than ${maxHours})`,
          impact,
          fix,
        };
      }
      return ok('ok', `The last backup is ${ageHours} hours old`, params);
    },
  });
}

export interface SourcesDeps extends CheckDeps {
  engines: Engines;
  indexers: IndexerDeps;
  subtitleQuota: () => SubtitleQuota | null;
}

/** Every check torrent-node runs. */
export function defaultSources(deps: SourcesDeps): CheckSource[] {
  return [
    databaseSource(deps),
    cacheSource(deps),
    natsSource(deps),
    nodesSource(deps),
    indexerSource(deps.indexers),
    engineSource(deps),
    tmdbSource(deps),
    realDebridSource(deps),
    openSubtitlesSource({ config: deps.config, quota: deps.subtitleQuota }),
    diskSource(deps),
    cpuSource(deps),
    memorySource(deps),
    backupSource(deps),
  ];
}
