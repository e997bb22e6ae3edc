import type {
  ContinueList,
  ErrorBody,
  HealthReport,
  Media,
  MediaList,
  RecordProgressResponse,
  TokenPair,
} from '@sokoul/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputs } from '../launcher/src/build.js';
import { createLogger } from '../launcher/src/log.js';
import { findNatsServer, startNatsServer } from '../launcher/src/nats.js';
import { spawnManaged } from '../launcher/src/processes.js';
import type { Stack } from '../launcher/src/stack.js';
import { api, eventually, PASSWORD } from './helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from './helpers/browser.js';
import { launchStack, ROOT, type StackInfo } from './helpers/stack.js';

/**
 * A stack of its own with every embedded default (PostgreSQL from the embedded binaries, a
 * nats-server child, the Durable Object cache), so stopping services here disturbs no other test.
 */
let stack: Stack;
let info: StackInfo;
let wsPort: number;
let natsPort: number;
const log = createLogger('warn', 'test');

beforeAll(async () => {
  ({ stack, info } = await launchStack({ DATABASE_URL: undefined, REDIS_URL: undefined }));
  natsPort = Number(new URL(info.natsUrl).port);
  wsPort = Number(new URL(info.natsWsUrl).port);
});
afterAll(async () => {
  await stack?.stop();
});

/** The admin is whichever of the two concurrent first sign-ups below won. */
async function adminLogin(): Promise<{ email: string; login: { status: number; body: TokenPair } }> {
  for (const email of ['one@example.test', 'two@example.test']) {
    const login = await api<TokenPair>('POST', '/auth/login', {
      base: info.url,
      body: { email, password: PASSWORD },
    });
    if (login.status === 200) return { email, login };
  }
  throw new Error('neither first account can sign in');
}

const health = async () => api<HealthReport>('GET', '/health', { base: info.url });
const service = (name: string) => {
  const found = stack.services.find((s) => s.name === name);
  if (!found) throw new Error(`no ${name} in the stack`);
  return found;
};

describe('embedded defaults', () => {
  it('runs on the embedded PostgreSQL with migrations applied and the first account as admin', async () => {
    const report = await health();
    expect(report.status).toBe(200);
    expect(report.body.checks.cache.detail).toBe('durable-object');
    const [first, second] = await Promise.all([
      api<TokenPair>('POST', '/auth/signup', {
        base: info.url,
        body: { email: 'one@example.test', password: PASSWORD },
      }),
      api<TokenPair>('POST', '/auth/signup', {
        base: info.url,
        body: { email: 'two@example.test', password: PASSWORD },
      }),
    ]);
    // Concurrent first sign-ups: exactly one becomes admin, the other is refused (invite mode).
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([201, 403]);
    const winner = first.status === 201 ? first : second;
    expect(winner.body.user.role).toBe('admin');
  });

  it('runs the library on the embedded PostgreSQL: pg_trgm fuzzy search, progress, continue watching', async () => {
    const token = (await adminLogin()).login.body.accessToken;
    const add = (title: string, year: number) =>
      api<Media>('POST', '/media', { base: info.url, token, body: { type: 'movie', title, year } });
    const rear = await add('Rear Window', 1954);
    await add('Vertigo', 1958);
    expect(rear.status).toBe(201);
    const found = await api<MediaList>('GET', '/media?q=rear%20windw', { base: info.url, token });
    expect(found.body.media.map((m) => m.title)).toEqual(['Rear Window']);
    const progress = await api<RecordProgressResponse>('POST', '/watch-history', {
      base: info.url,
      token,
      body: { mediaId: rear.body.id, positionSeconds: 900, durationSeconds: 6720 },
    });
    expect(progress.body).toMatchObject({ applied: true, progress: { completed: false } });
    const resume = await api<ContinueList>('GET', '/watch-history/continue', { base: info.url, token });
    expect(resume.body.items.map((i) => [i.reason, i.media.title])).toEqual([['resume', 'Rear Window']]);
  });

  it('answers the catalog with a setup message when no TMDB key is configured, in the API and the app', {
    timeout: 60_000,
  }, async () => {
    const { email, login } = await adminLogin();
    const res = await api<ErrorBody>('GET', '/tmdb/trending', {
      base: info.url,
      token: login.body.accessToken,
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('not_configured');
    expect(res.body.error.message).toContain('TMDB_API_KEY');

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ locale: 'en-US' });
      // The catalog's 503 is the point of this test; Chromium logs each one as a failed resource.
      allowConsoleError(page, /status of 503/);
      await signIn(page, info.url, email, PASSWORD);
      const notice = page.locator('[data-testid="tmdb-not-configured"]').first();
      await notice.waitFor();
      expect(await notice.textContent()).toContain('TMDB_API_KEY');
      expect(await page.locator('.load-error').count()).toBe(0);
      await screenshot(page, 'catalog-not-configured');
    } finally {
      await browser.close();
    }
  });
});

describe('a dependency that dies degrades the feature, not the process', () => {
  it('reports torrent-node down, keeps other routes working, and recovers when it returns', async () => {
    await service('torrent-node').stop(false);
    await eventually(async () => {
      const report = await health();
      expect(report.status).toBe(503);
      expect(report.body.failing).toEqual(['torrentNode']);
    }, 10_000);
    const settings = await api('GET', '/auth/settings', { base: info.url });
    expect(settings.status).toBe(200);

    const node = spawnManaged('torrent-node', process.execPath, [outputs(ROOT).torrentNode], {
      graceMs: 3000,
      log,
      pidDir: `${info.dataDir}/run`,
      env: {
        ...process.env,
        DATABASE_URL: info.databaseUrl,
        NATS_URL: info.natsUrl,
        TORRENT_NODE_METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
    });
    stack.services.push(node);
    await eventually(async () => expect((await health()).status).toBe(200), 15_000);
  });

  it('reports NATS down and recovers without restarting the API when it comes back', async () => {
    await service('nats').stop(false);
    stack.services.splice(
      stack.services.findIndex((s) => s.name === 'nats'),
      1,
    );
    await eventually(async () => {
      const report = await health();
      expect(report.status).toBe(503);
      expect(report.body.failing).toEqual(expect.arrayContaining(['nats']));
    }, 10_000);
    const me = await api('POST', '/auth/login', {
      base: info.url,
      body: { email: 'nobody@example.test', password: 'x' },
    });
    expect(me.status).toBe(401);

    const bin = findNatsServer();
    if (!bin) throw new Error('nats-server is required for this test');
    const nats = await startNatsServer({
      bin,
      dataDir: info.dataDir,
      port: natsPort,
      wsPort,
      graceMs: 3000,
      log,
    });
    stack.services.unshift(nats);
    await eventually(async () => {
      const report = await health();
      expect(report.body.failing).toEqual([]);
      expect(report.status).toBe(200);
    }, 20_000);
  });
});
