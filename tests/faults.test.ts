import type {
  ContinueList,
  Download,
  ErrorBody,
  HealthReport,
  Media,
  MediaFile,
  MediaList,
  RecordProgressResponse,
  StartedDownload,
  StreamSourceList,
  Task,
  TelegramStatus,
  TokenPair,
} from '@sokoul/contracts';
import { connect, StorageType } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Supervised } from '../launcher/src/processes.js';
import type { Stack } from '../launcher/src/stack.js';
import { api, eventually, PASSWORD } from './helpers/api.js';
import { allowConsoleError, launchBrowser, screenshot, signIn } from './helpers/browser.js';
import { launchStack, type StackInfo } from './helpers/stack.js';

/**
 * A stack of its own with every embedded default (PostgreSQL from the embedded binaries, a
 * nats-server child, the Durable Object cache), so stopping services here disturbs no other test.
 */
let stack: Stack;
let info: StackInfo;

beforeAll(async () => {
  ({ stack, info } = await launchStack({ DATABASE_URL: undefined, REDIS_URL: undefined }));
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

/** Time from a kill to the stack answering again, printed so runs show how long recovery takes. */
function timer(what: string) {
  const started = Date.now();
  return () => {
    const ms = Date.now() - started;
    console.info(`${what}: ${ms} ms`);
    return ms;
  };
}

const pidOf = (name: string) => {
  const pid = (service(name) as Supervised).pid;
  if (!pid) throw new Error(`${name} is not running`);
  return pid;
};

/** Polls /health until it reports `name` down, and returns that report. */
async function downReport(name: string): Promise<HealthReport> {
  let seen: HealthReport | undefined;
  await eventually(
    async () => {
      const report = await health();
      expect(report.status).toBe(503);
      expect(report.body.failing).toContain(name);
      seen = report.body;
    },
    10_000,
    20,
  );
  if (!seen) throw new Error('unreachable');
  return seen;
}

describe('the launcher restarts a service that crashes', () => {
  it('restarts torrent-node after kill -9, reporting it down meanwhile', async () => {
    const workerd = pidOf('workerd');
    const before = pidOf('torrent-node');
    const recovered = timer('torrent-node back after kill -9');
    process.kill(before, 'SIGKILL');
    const down = await downReport('torrentNode');
    expect(down.checks.torrentNode.detail).toBeTruthy();
    expect((await api('GET', '/auth/settings', { base: info.url })).status).toBe(200);
    await eventually(async () => expect((await health()).status).toBe(200), 15_000);
    expect(recovered()).toBeLessThan(15_000);
    expect(pidOf('torrent-node')).not.toBe(before);
    expect(pidOf('workerd')).toBe(workerd);
  });

  it('restarts NATS after kill -9 on the same ports and JetStream store: /health and POST /tasks work again', {
    timeout: 60_000,
  }, async () => {
    const { login } = await adminLogin();
    const token = login.body.accessToken;
    // A message stored in JetStream before the crash must be there after the restart.
    const nc = await connect({ servers: info.natsUrl, token: info.natsToken });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'FAULTS', subjects: ['faults.>'], storage: StorageType.File });
    const stored = await nc.jetstream().publish('faults.kept', new TextEncoder().encode('kept'));
    await nc.close();
    const title = await api<Media>('POST', '/media', {
      base: info.url,
      token,
      body: { type: 'movie', title: 'Queued while NATS is down' },
    });

    const workerd = pidOf('workerd');
    const before = pidOf('nats');
    const recovered = timer('NATS back after kill -9');
    process.kill(before, 'SIGKILL');
    const down = await downReport('nats');
    expect(down.checks.nats.status).toBe('down');
    expect(down.checks.nats.detail).toBeTruthy();
    // Routes that do not need the bus keep working meanwhile.
    const login401 = await api('POST', '/auth/login', {
      base: info.url,
      body: { email: 'nobody@example.test', password: 'x' },
    });
    expect(login401.status).toBe(401);
    // Telegram settings live in the database: shown while the bus is down (no bot on this stack).
    const telegram = await api<TelegramStatus>('GET', '/telegram', { base: info.url, token });
    expect(telegram.status).toBe(200);
    expect(telegram.body).toMatchObject({ configured: false, links: [] });
    // A download is queued without the bus: the row is the truth, and torrent-node reconciles every
    // row when it starts (the wake-up on downloads.control is only lost).
    const queued = await api<StartedDownload>('POST', '/downloads', {
      base: info.url,
      token,
      body: { magnetUrl: `magnet:?xt=urn:btih:${'ab'.repeat(20)}`, mediaId: title.body.id },
    });
    expect(queued.status).toBe(202);

    await eventually(
      async () => {
        const report = await health();
        expect(report.body.failing).toEqual([]);
        expect(report.status).toBe(200);
      },
      20_000,
      50,
    );
    const task = await api<Task>('POST', '/tasks', {
      base: info.url,
      token,
      body: { type: 'system.report' },
    });
    expect(task.status).toBe(202);
    expect(recovered()).toBeLessThan(20_000);
    await eventually(async () => {
      const res = await api<Task>('GET', `/tasks/${task.body.id}`, { base: info.url, token });
      expect(res.body.status).toBe('done');
    }, 15_000);
    expect(pidOf('nats')).not.toBe(before);
    expect(pidOf('workerd')).toBe(workerd);
    const afterRestart = await api<Download>('GET', `/downloads/${queued.body.download.id}`, {
      base: info.url,
      token,
    });
    expect(afterRestart.status).toBe(200);
    expect(afterRestart.body.infoHash).toBe('ab'.repeat(20));

    const again = await connect({ servers: info.natsUrl, token: info.natsToken });
    try {
      const kept = await (await again.jetstreamManager()).streams.getMessage('FAULTS', { seq: stored.seq });
      expect(new TextDecoder().decode(kept.data)).toBe('kept');
    } finally {
      await again.close();
    }
  });

  it('restarts the embedded PostgreSQL after kill -9 on the same data: an acknowledged write is kept', {
    timeout: 60_000,
  }, async () => {
    const { login } = await adminLogin();
    const token = login.body.accessToken;
    const written = await api<Media>('POST', '/media', {
      base: info.url,
      token,
      body: { type: 'movie', title: 'Written before the crash', year: 1999 },
    });
    expect(written.status).toBe(201);

    const before = pidOf('postgres');
    const recovered = timer('PostgreSQL back after kill -9');
    process.kill(before, 'SIGKILL');
    const down = await downReport('database');
    expect(down.checks.database.detail).toBeTruthy();
    await eventually(
      async () => {
        const report = await health();
        expect(report.body.failing).toEqual([]);
        expect(report.status).toBe(200);
      },
      20_000,
      50,
    );
    expect(recovered()).toBeLessThan(20_000);
    expect(pidOf('postgres')).not.toBe(before);
    const read = await api<Media>('GET', `/media/${written.body.id}`, { base: info.url, token });
    expect(read.status).toBe(200);
    expect(read.body.title).toBe('Written before the crash');
    const task = await api<Task>('POST', '/tasks', {
      base: info.url,
      token,
      body: { type: 'system.report' },
    });
    expect(task.status).toBe(202);
    await eventually(async () => {
      const res = await api<Task>('GET', `/tasks/${task.body.id}`, { base: info.url, token });
      expect(res.body.status).toBe('done');
    }, 15_000);
  });

  it('does not restart a service the launcher stops on purpose', async () => {
    const node = service('torrent-node') as Supervised;
    await node.stop(false);
    expect(node.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 1500));
    expect(node.pid).toBeUndefined();
    expect((await health()).body.failing).toEqual(['torrentNode']);
  });

  it('answers what torrent-node serves with 503 streaming_unavailable while it is down, and the rest as usual', async () => {
    const token = (await adminLogin()).login.body.accessToken;
    const title = await api<Media>('POST', '/media', {
      base: info.url,
      token,
      body: { type: 'movie', title: 'Streamed while torrent-node is down' },
    });
    const file = await api<MediaFile>('POST', `/media/${title.body.id}/files`, {
      base: info.url,
      token,
      body: { path: '/srv/films/down.mp4', sizeBytes: 1000 },
    });
    expect(file.status).toBe(201);
    // The API signs without torrent-node; reading the bytes and asking about the file need it.
    const sources = await api<StreamSourceList>('GET', `/media/${title.body.id}/stream`, {
      base: info.url,
      token,
    });
    expect(sources.status).toBe(200);
    const url = sources.body.sources[0]?.url ?? '';
    const down = [
      await api<ErrorBody>('GET', url, { base: info.url, headers: { range: 'bytes=0-99' } }),
      await api<ErrorBody>('GET', `/files/${file.body.id}/availability`, { base: info.url, token }),
      await api<ErrorBody>('POST', `/files/${file.body.id}/playback`, {
        base: info.url,
        token,
        body: { capabilities: { containers: ['mp4'], video: ['h264'], audio: ['aac'] } },
      }),
    ];
    for (const res of down) {
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('streaming_unavailable');
      expect(res.body.error.message).toMatch(/torrent-node/);
    }
    expect((await api('GET', `/media/${title.body.id}`, { base: info.url, token })).status).toBe(200);
    // The bot's settings need no torrent-node either (it only sends the bot's messages).
    expect((await api('GET', '/telegram', { base: info.url, token })).status).toBe(200);
    expect((await health()).body.failing).toEqual(['torrentNode']);
  });
});
