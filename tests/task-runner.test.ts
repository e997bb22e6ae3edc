import {
  SearchOutcome,
  type StartedSearch,
  Subjects,
  type Task,
  TorrentHealthReply,
} from '@sokoul/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, eventually, promotedSession, runSearch, stack, waitForTask } from './helpers/api.js';
import type { IndexerBehaviour } from './helpers/fake-indexer.js';
import { SEARCH_CONCURRENCY } from './helpers/global-setup.js';
import { METRICS_TOKEN } from './helpers/stack.js';

/**
 * torrent-node's task runner on the shared stack: a bounded number of searches at once, and a
 * database that drops mid-search costs at most that task, never the process.
 */
const json = JSONCodec<unknown>();
const jackett = inject('jackett');
const behave = (behaviour: IndexerBehaviour) =>
  fetch(`${jackett}/__behaviour`, { method: 'POST', body: JSON.stringify(behaviour) });
let nc: NatsConnection;
let sql: postgres.Sql;
let token: string;

beforeAll(async () => {
  nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
  sql = postgres(stack().databaseUrl, { max: 3, onnotice: () => {} });
  // An admin: the test also runs a system report, which only admins may start.
  token = (await promotedSession('runner')).accessToken;
  // A first search without delay: Jackett's capabilities are then cached (the delays below hold
  // the search request alone, within the indexer timeout) and its circuit breaker is closed.
  await behave({ kind: 'ok' });
  const { task } = await runSearch(token, {
    tmdbId: 603,
    type: 'movie',
    query: 'Matrix warm-up',
    fresh: true,
  });
  expect(SearchOutcome.parse(task.result).reports).toEqual([expect.objectContaining({ status: 'ok' })]);
});
afterAll(async () => {
  await behave({ kind: 'ok' });
  await nc?.drain();
  await sql?.end();
});

const health = async () =>
  TorrentHealthReply.parse(
    json.decode((await nc.request(Subjects.torrentHealth, json.encode({}), { timeout: 5000 })).data),
  );

/** The rejections nothing handled in torrent-node, as its safety net counted them. */
async function unhandledRejections(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${stack().metricsPort}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const match = /^sokoul_torrent_node_unhandled_rejections_total (\d+)$/m.exec(await res.text());
  if (!match) throw new Error('torrent-node does not count unhandled rejections');
  return Number(match[1]);
}

const startSearch = async (query: string) => {
  const res = await api<StartedSearch>('POST', '/search', {
    token,
    body: { tmdbId: 603, type: 'movie', query, fresh: true },
  });
  expect(res.status).toBe(202);
  return res.body;
};

describe('task runner', () => {
  it('runs a bounded number of searches at once; the others wait their turn and all complete', async () => {
    const limit = SEARCH_CONCURRENCY;
    await behave({ kind: 'ok', delayMs: 1200 });
    try {
      const started = await Promise.all(
        Array.from({ length: limit + 2 }, (_, i) => startSearch(`Matrix burst ${i}`)),
      );
      const ids = started.map((s) => s.task.id);
      let most = 0;
      const deadline = Date.now() + 30_000;
      for (;;) {
        most = Math.max(most, (await health()).runningTasks);
        const statuses = await Promise.all(
          ids.map(async (id) => (await api<Task>('GET', `/tasks/${id}`, { token })).body.status),
        );
        if (statuses.every((s) => s === 'done' || s === 'failed')) {
          expect(statuses.every((s) => s === 'done')).toBe(true);
          break;
        }
        if (Date.now() > deadline) throw new Error(`searches still unfinished: ${statuses.join(', ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Several at once (the indexer's delay overlapped), never more than the limit.
      expect(most).toBeGreaterThanOrEqual(2);
      expect(most).toBeLessThanOrEqual(limit);
      for (const id of ids) {
        const task = (await api<Task>('GET', `/tasks/${id}`, { token })).body;
        expect(SearchOutcome.parse(task.result).reports).toEqual([
          expect.objectContaining({ indexer: 'Jackett', status: 'ok', results: 4 }),
        ]);
      }
    } finally {
      await behave({ kind: 'ok' });
    }
  });

  it('survives the database dropping mid-search: the task ends cleanly and torrent-node answers', async () => {
    const rejectionsBefore = await unhandledRejections();
    const before = await health();
    const firstProbe = Date.now();
    await behave({ kind: 'ok', delayMs: 1500 });
    let unlock = () => {};
    let holding: Promise<unknown> = Promise.resolve();
    try {
      const started = await startSearch('Matrix database drop');
      const id = started.task.id;
      await eventually(async () => {
        expect((await api<Task>('GET', `/tasks/${id}`, { token })).body.status).toBe('running');
      }, 10_000);
      // Hold the task's row, so torrent-node's next progress write is in flight (waiting on the
      // lock) when its connections are cut, as when the database restarts mid-write.
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const released = new Promise<void>((resolve) => {
        unlock = resolve;
      });
      holding = sql.begin(async (tx) => {
        await tx`SELECT 1 FROM tasks WHERE id = ${id} FOR UPDATE`;
        locked();
        await released;
      });
      await isLocked;
      await eventually(async () => {
        const waiting = await sql`
          SELECT pid FROM pg_stat_activity
          WHERE application_name = 'sokoul-torrent-node' AND datname = current_database()
            AND wait_event_type = 'Lock'`;
        const now = (await api<Task>('GET', `/tasks/${id}`, { token })).body;
        expect(
          waiting.length,
          `no write waits on the lock; the task is ${JSON.stringify(now)}`,
        ).toBeGreaterThan(0);
      }, 10_000);
      const killed = await sql`
        SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
        WHERE application_name = 'sokoul-torrent-node' AND datname = current_database()`;
      expect(killed.length).toBeGreaterThan(0);
      unlock();
      await holding;

      // The task ends either way, with its outcome recorded: done (progress lost, results stored),
      // or failed with a clear reason.
      const task = await waitForTask(token, id, 20_000);
      if (task.status === 'failed') expect(task.error).toMatch(/\w/);
      else {
        expect(task.status).toBe('done');
        expect(SearchOutcome.parse(task.result).reports).toEqual([
          expect.objectContaining({ indexer: 'Jackett', status: 'ok' }),
        ]);
      }

      // The same process still answers, with the database back, and runs tasks.
      const after = await health();
      const elapsedSeconds = Math.floor((Date.now() - firstProbe) / 1000);
      expect(after).toMatchObject({ status: 'up', database: 'up' });
      expect(after.uptimeSeconds).toBeGreaterThanOrEqual(before.uptimeSeconds + elapsedSeconds - 1);
      expect(await unhandledRejections()).toBe(rejectionsBefore);
      const report = await api<Task>('POST', '/tasks', { token, body: { type: 'system.report' } });
      expect((await waitForTask(token, report.body.id)).status).toBe('done');
      // Pooled connections the kill left behind fail their next statement once: the next searches
      // must not pay for it.
      for (const query of ['Matrix after the drop', 'Matrix after the drop, again']) {
        const next = await startSearch(query);
        expect((await waitForTask(token, next.task.id)).status, query).toBe('done');
      }
    } finally {
      unlock();
      await holding.catch(() => undefined);
      await behave({ kind: 'ok' });
    }
  });
});
