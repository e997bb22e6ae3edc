import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, signStream, TorrentNodeConfigSchema } from '@sokoul/contracts';
import { insertFile } from '@sokoul/db';
import type { postgresDb } from '@sokoul/db/postgres';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { WebTorrentEngine } from '../torrent-node/src/downloads/webtorrent.js';
import { observeDownloadBytes, observeDownloads, registry } from '../torrent-node/src/metrics.js';
import { IndexerPool, scout } from '../torrent-node/src/search/scout.js';
import { type StreamServer, startStreamServer } from '../torrent-node/src/streaming/server.js';
import { StreamError, type SubtitleService } from '../torrent-node/src/streaming/types.js';
import { stack } from './helpers/api.js';
import { createFilm, createUser, writeRandomFile, writeVideo } from './helpers/bittorrent.js';
import { type FakeIndexer, startFakeIndexer } from './helpers/fake-indexer.js';
import { captureLogger } from './helpers/logger.js';
import { dropTestDatabase, METRICS_TOKEN, migratedDatabase, ROOT } from './helpers/stack.js';

/**
 * Observability: the Grafana dashboard only names metrics the real services export; the metrics
 * torrent-node adds (indexers, streams, downloads) move when the thing they measure happens; an
 * expected 503 (`not_configured`) is logged at warn.
 */

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Target {
  expr?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
const dashboard = JSON.parse(read('docker/grafana/dashboards/sokoul.json')) as {
  uid: string;
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

/** Series Prometheus makes itself for every target, not read from any /metrics. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, labels or keywords. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings (label values)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery selectors ($__rate_interval included)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!name || call || PROMQL_WORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Every series name a Prometheus text exposition declares (`# TYPE`), histograms' and summaries' parts included. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (!name) continue;
    names.add(name);
    if (type === 'histogram') for (const part of ['_bucket', '_sum', '_count']) names.add(name + part);
    if (type === 'summary') for (const part of ['_sum', '_count']) names.add(name + part);
  }
  return names;
}

/** A sample's value in a text exposition (0 when the series is absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

const metricsNow = () => registry.metrics();

describe('the Grafana dashboard', () => {
  it('reads PromQL metric names the way Prometheus does', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(sokoul_http_request_duration_seconds_bucket{status=~"5..", route!="x(y)"}[$__rate_interval])))',
      ),
    ).toEqual(['sokoul_http_request_duration_seconds_bucket']);
    expect(
      metricNames(
        'sum(rate(a_total[5m])) / on (job) group_left sum without (x) (b_seconds_count) > bool 0.5',
      ),
    ).toEqual(['a_total', 'b_seconds_count']);
    expect(metricNames('up{job=~"sokoul-.*"}')).toEqual(['up']);
  });

  it('is provisioned with its data sources, by uid, and every panel has a query', () => {
    const datasources = parse(read('docker/grafana/provisioning/datasources/datasources.yml')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    const uids = new Map(datasources.datasources.map((d) => [d.uid, d.type]));
    const providers = parse(read('docker/grafana/provisioning/dashboards/sokoul.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers.providers[0]?.options.path).toBe('/etc/grafana/dashboards');
    expect(dashboard.uid).toBe('sokoul');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const source = target.datasource ?? panel.datasource;
        expect(source && uids.get(source.uid), `${panel.title}: data source ${source?.uid}`).toBe(
          source?.type,
        );
        expect(target.expr, panel.title).toBeTruthy();
      }
    }
    // Logs come from Loki (the panel's query is LogQL, not a metric).
    expect(panels.some((p) => p.datasource?.type === 'loki')).toBe(true);
  });

  it('names only metrics that the API’s and torrent-node’s /metrics really export', async () => {
    const headers = { authorization: `Bearer ${METRICS_TOKEN}` };
    const api = await fetch(`${stack().url}/metrics`, { headers });
    const node = await fetch(`http://127.0.0.1:${stack().metricsPort}/metrics`, { headers });
    expect(api.status).toBe(200);
    expect(node.status).toBe(200);
    const available = new Set([...exported(await api.text()), ...exported(await node.text()), ...SYNTHETIC]);
    // Sanity: both expositions were read (one name from each service).
    expect(available.has('sokoul_http_requests_total')).toBe(true);
    expect(available.has('sokoul_tasks_running')).toBe(true);

    const named = new Map<string, string>();
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if ((target.datasource ?? panel.datasource)?.type !== 'prometheus') continue;
        const names = metricNames(target.expr ?? '');
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) named.set(name, panel.title);
      }
    }
    const missing = [...named].filter(([name]) => !available.has(name)).map(([n, t]) => `${n} (${t})`);
    expect(missing).toEqual([]);
    // Every family the issue asks for has a panel.
    for (const family of [
      'sokoul_http_requests_total',
      'sokoul_http_request_duration_seconds_bucket',
      'sokoul_downloads_active',
      'sokoul_downloaded_bytes_total',
      'sokoul_uploaded_bytes_total',
      'sokoul_download_speed_bytes_per_second',
      'sokoul_streams_active',
      'sokoul_stream_bytes_total',
      'sokoul_indexer_queries_total',
      'sokoul_indexer_failed_queries_total',
      'sokoul_indexer_response_time_seconds_bucket',
      'sokoul_job_runs_total',
      'sokoul_job_duration_seconds_sum',
      'sokoul_alerts_active',
      'sokoul_alerts_raised_total',
    ])
      expect(named.has(family), family).toBe(true);
  });
});

describe('indexer metrics', () => {
  let good: FakeIndexer;
  let bad: FakeIndexer;
  const releases = [{ title: 'Film.2020.1080p.WEB-DL.x264-GRP', seeders: 10, size: 2_000_000_000 }];

  beforeAll(async () => {
    good = await startFakeIndexer({ name: 'Good', releases });
    bad = await startFakeIndexer({ name: 'Bad', releases });
    bad.setBehaviour({ kind: 'html' });
  });
  afterAll(async () => {
    await good?.close();
    await bad?.close();
  });

  it('count queries, failures, skips and response times per indexer, and show an open circuit', async () => {
    const pool = new IndexerPool({ failureThreshold: 2, openMs: 60_000 });
    const endpoints = [
      { name: 'obs-good', url: good.url, timeoutMs: 2000 },
      { name: 'obs-bad', url: bad.url, timeoutMs: 2000 },
    ];
    const request = { mode: 'search' as const, query: 'Film' };
    for (let i = 0; i < 3; i++) await scout(pool, endpoints, request);
    const text = await metricsNow();
    expect(sample(text, 'sokoul_indexer_queries_total', { indexer: 'obs-good' })).toBe(3);
    // Two failures open the circuit: the third search does not reach the bad indexer.
    expect(sample(text, 'sokoul_indexer_queries_total', { indexer: 'obs-bad' })).toBe(2);
    expect(
      sample(text, 'sokoul_indexer_failed_queries_total', { indexer: 'obs-bad', reason: 'failed' }),
    ).toBe(2);
    expect(
      sample(text, 'sokoul_indexer_failed_queries_total', { indexer: 'obs-good', reason: 'failed' }),
    ).toBe(0);
    expect(sample(text, 'sokoul_indexer_skipped_queries_total', { indexer: 'obs-bad' })).toBe(1);
    expect(sample(text, 'sokoul_indexer_response_time_seconds_count', { indexer: 'obs-good' })).toBe(3);
    expect(sample(text, 'sokoul_indexer_response_time_seconds_sum', { indexer: 'obs-good' })).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'sokoul_indexer_circuit_open', { indexer: 'obs-bad' })).toBe(1);
    expect(sample(text, 'sokoul_indexer_circuit_open', { indexer: 'obs-good' })).toBe(0);
  });
});

describe('stream metrics', () => {
  const KEY = 'stream-signing-key-for-tests-0123456789abcdef';
  let databaseUrl: string;
  let sql: postgres.Sql;
  let work: string;
  let engine: WebTorrentEngine;
  let server: StreamServer;
  let userId: string;
  let mediaId: string;
  let db: ReturnType<typeof postgresDb>;

  const subtitles: SubtitleService = {
    list: async () => [],
    vtt: async () => {
      throw new StreamError(404, 'not_found', 'Subtitle not found');
    },
    search: async () => ({ candidates: [], quota: null }),
    download: async () => {
      throw new StreamError(503, 'subtitles_not_configured', 'OpenSubtitles is not configured');
    },
    quota: () => null,
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sokoul-obs-'));
    const downloadDir = join(work, 'downloads');
    const libraryDir = join(work, 'library');
    for (const dir of [downloadDir, libraryDir]) mkdirSync(dir, { recursive: true });
    ({ url: databaseUrl, sql, db } = await migratedDatabase('sokoul_obs'));
    userId = await createUser(sql);
    mediaId = await createFilm(sql);
    engine = new WebTorrentEngine({
      downloadDir,
      port: 0,
      dht: false,
      pex: false,
      trackers: false,
      lsd: false,
      utp: false,
      limits: { downloadLimit: 0, uploadLimit: 0 },
      log: captureLogger(),
    });
    const config = parseConfig(TorrentNodeConfigSchema, {
      DATABASE_URL: databaseUrl,
      NATS_URL: 'nats://127.0.0.1:4222',
      DOWNLOAD_DIR: downloadDir,
      LIBRARY_DIR: libraryDir,
      INTERNAL_SIGNING_KEY: KEY,
      CACHE_DIR: join(work, 'cache'),
      STREAM_IDLE_SECONDS: '600',
      TRANSCODE_CONCURRENCY: '1',
    });
    server = await startStreamServer({
      host: '127.0.0.1',
      port: 0,
      db,
      engine,
      config,
      log: captureLogger(),
      subtitles,
    });
  });
  afterAll(async () => {
    await server?.close();
    await engine?.destroy();
    await sql?.end({ timeout: 2 });
    if (databaseUrl) await dropTestDatabase(databaseUrl);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function libraryFile(name: string, write: (path: string) => Promise<void>): Promise<string> {
    const path = join(work, 'library', name);
    await write(path);
    return (await insertFile(db, mediaId, { path, sizeBytes: statSync(path).size, origin: 'import' })).id;
  }

  /** A signed GET read to its end; the number of body bytes received. */
  async function get(fileId: string, route: string, query = '', headers: Record<string, string> = {}) {
    const signed = await signStream(KEY, { fileId, userId, exp: Math.floor(Date.now() / 1000) + 600 });
    return new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/files/${fileId}/${route}?${signed}${query}`,
          headers,
        },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('counts player requests and bytes by playback mode, and who is watching', async () => {
    const direct = await libraryFile('Film.2020.mkv', (p) => writeRandomFile(p, 3 * 1024 * 1024 + 7));
    const before = await metricsNow();
    const whole = await get(direct, 'stream');
    const range = await get(direct, 'stream', '', { range: 'bytes=0-1048575' });
    expect(whole).toEqual({ status: 200, bytes: 3 * 1024 * 1024 + 7 });
    expect(range).toEqual({ status: 206, bytes: 1024 * 1024 });
    // The socket's count ends when the response closes: read once both are done.
    await expect
      .poll(async () => sample(await metricsNow(), 'sokoul_stream_bytes_total', { mode: 'direct' }))
      .toBeGreaterThanOrEqual(
        sample(before, 'sokoul_stream_bytes_total', { mode: 'direct' }) + whole.bytes + range.bytes,
      );
    const after = await metricsNow();
    expect(sample(after, 'sokoul_stream_requests_total', { mode: 'direct' })).toBe(
      sample(before, 'sokoul_stream_requests_total', { mode: 'direct' }) + 2,
    );
    // Headers are counted, not much more: two answers' bodies plus well under a KiB each.
    expect(sample(after, 'sokoul_stream_bytes_total', { mode: 'direct' })).toBeLessThan(
      sample(before, 'sokoul_stream_bytes_total', { mode: 'direct' }) + whole.bytes + range.bytes + 2048,
    );
    // One user on one file in many ranges is one viewer.
    expect(sample(after, 'sokoul_streams_active', { mode: 'direct' })).toBe(1);

    const video = await libraryFile('Video.2020.mkv', (p) => writeVideo(p, 2));
    const remuxed = await get(video, 'remux', '&mode=transcode');
    expect(remuxed.status).toBe(200);
    expect(remuxed.bytes).toBeGreaterThan(1000);
    await expect
      .poll(async () => sample(await metricsNow(), 'sokoul_stream_bytes_total', { mode: 'transcode' }))
      .toBeGreaterThanOrEqual(remuxed.bytes);
    const last = await metricsNow();
    expect(sample(last, 'sokoul_stream_requests_total', { mode: 'transcode' })).toBe(1);
    expect(sample(last, 'sokoul_streams_active', { mode: 'transcode' })).toBe(1);
    // ffmpeg's own reads of the file (the internal user) are not a viewer nor player bytes.
    expect(sample(last, 'sokoul_streams_active', { mode: 'direct' })).toBe(1);
    expect(sample(last, 'sokoul_stream_requests_total', { mode: 'direct' })).toBe(
      sample(after, 'sokoul_stream_requests_total', { mode: 'direct' }),
    );
  });
});

describe('download metrics', () => {
  it('add what each engine received and sent, restart counts included, and sum speeds per engine', async () => {
    const stats = (received: number, uploaded: number, down: number, up: number) => ({
      received,
      uploaded,
      downloadSpeed: down,
      uploadSpeed: up,
    });
    observeDownloadBytes('d1', 'obs-engine', stats(1000, 10, 500, 5));
    observeDownloadBytes('d2', 'obs-engine', stats(2000, 0, 700, 0));
    observeDownloads([
      { id: 'd1', engine: 'obs-engine', state: 'downloading' },
      { id: 'd2', engine: 'obs-engine', state: 'downloading' },
      { id: 'd3', engine: 'obs-engine', state: 'paused' },
    ]);
    let text = await metricsNow();
    expect(sample(text, 'sokoul_downloaded_bytes_total', { engine: 'obs-engine' })).toBe(3000);
    expect(sample(text, 'sokoul_download_speed_bytes_per_second', { engine: 'obs-engine' })).toBe(1200);
    expect(sample(text, 'sokoul_upload_speed_bytes_per_second', { engine: 'obs-engine' })).toBe(5);
    expect(sample(text, 'sokoul_downloads_active', { state: 'downloading', engine: 'obs-engine' })).toBe(2);
    expect(sample(text, 'sokoul_downloads_active', { state: 'paused', engine: 'obs-engine' })).toBe(1);

    // d1 grows, d2 was taken again by its engine (its count restarted at 300), d3 is gone.
    observeDownloadBytes('d1', 'obs-engine', stats(1500, 40, 0, 30));
    observeDownloadBytes('d2', 'obs-engine', stats(300, 0, 100, 0));
    observeDownloads([
      { id: 'd1', engine: 'obs-engine', state: 'seeding' },
      { id: 'd2', engine: 'obs-engine', state: 'downloading' },
    ]);
    text = await metricsNow();
    expect(sample(text, 'sokoul_downloaded_bytes_total', { engine: 'obs-engine' })).toBe(3800);
    expect(sample(text, 'sokoul_uploaded_bytes_total', { engine: 'obs-engine' })).toBe(40);
    expect(sample(text, 'sokoul_download_speed_bytes_per_second', { engine: 'obs-engine' })).toBe(100);
    expect(sample(text, 'sokoul_downloads_active', { state: 'paused', engine: 'obs-engine' })).toBe(0);

    // Nothing running: speeds go to 0 rather than keeping the last value.
    observeDownloads([]);
    text = await metricsNow();
    expect(sample(text, 'sokoul_download_speed_bytes_per_second', { engine: 'obs-engine' })).toBe(0);
    expect(sample(text, 'sokoul_upload_speed_bytes_per_second', { engine: 'obs-engine' })).toBe(0);
  });
});

describe('request log levels', () => {
  interface ApiModule {
    createApp(): { request(path: string, init: RequestInit, env: unknown, ctx: unknown): Promise<Response> };
  }
  // Imported by a computed specifier (as tests/openapi.test.ts does): the tests' type check does
  // not compile workerd code.
  const APP_MODULE = '../functions/src/app.js';
  const REQUEST_LOG_MODULE = '../functions/src/http/request-log.js';
  const ERROR_HANDLER_MODULE = '../functions/src/http/errors.js';
  const ERRORS_MODULE = '../functions/src/errors.js';
  const HONO = 'hono';
  interface TestApp {
    use(handler: unknown): void;
    get(path: string, handler: () => never): void;
    onError(handler: unknown): void;
    request(path: string, init: RequestInit, env: unknown, ctx: unknown): Promise<Response>;
  }

  it('logs an expected 503 (not_configured) at warn and a real server error at error', async () => {
    const { createApp } = (await import(APP_MODULE)) as ApiModule;
    const app = createApp();
    const env = {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      NATS_WS_URL: 'ws://127.0.0.1:1',
      JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789abcdef',
      INTERNAL_SIGNING_KEY: 'test-signing-key-0123456789abcdef0123456789abcdef',
      LOG_LEVEL: 'info',
    };
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };
    const lines: Record<string, unknown>[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      if (typeof line === 'string' && line.startsWith('{'))
        lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    try {
      // No TELEGRAM_WEBHOOK_SECRET here: the webhook answers 503 not_configured.
      const webhook = await app.request(
        '/telegram/webhook',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"update_id":1}' },
        env,
        ctx,
      );
      expect(webhook.status).toBe(503);
      expect(((await webhook.json()) as { error: { code: string } }).error.code).toBe('not_configured');
      // The same middleware and error handler on routes of the test's own: only *not_configured 503s
      // are warnings; an unavailable dependency and an unexpected failure are errors.
      const { Hono } = (await import(HONO)) as { Hono: new () => TestApp };
      const { requestContext } = (await import(REQUEST_LOG_MODULE)) as { requestContext: unknown };
      const { handleError } = (await import(ERROR_HANDLER_MODULE)) as { handleError: unknown };
      const { ApiError } = (await import(ERRORS_MODULE)) as {
        ApiError: new (status: number, code: string, message: string) => Error;
      };
      const own = new Hono();
      own.use(requestContext);
      own.get('/unset', () => {
        throw new ApiError(503, 'subtitles_not_configured', 'OpenSubtitles is not configured');
      });
      own.get('/down', () => {
        throw new ApiError(503, 'dependency_unavailable', 'The database is unavailable');
      });
      own.get('/bug', () => {
        throw new Error('boom');
      });
      own.onError(handleError);
      for (const path of ['/unset', '/down', '/bug']) {
        const res = await own.request(path, {}, env, ctx);
        expect(res.status, path).toBe(path === '/bug' ? 500 : 503);
      }
    } finally {
      spy.mockRestore();
    }
    const logged = (route: string) => lines.find((l) => l.msg === 'request' && l.route === route);
    expect(logged('/telegram/webhook')).toMatchObject({ level: 40, status: 503 });
    expect(logged('/unset')).toMatchObject({ level: 40, status: 503 });
    expect(logged('/down')).toMatchObject({ level: 50, status: 503 });
    expect(logged('/bug')).toMatchObject({ level: 50, status: 500 });
  });
});
