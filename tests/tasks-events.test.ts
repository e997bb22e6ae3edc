import { type ErrorBody, type Task, type TaskList, WS_PING } from '@sokoul/contracts';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminSession,
  api,
  eventually,
  memberSession,
  promotedSession,
  stack,
  taskEvents,
  WsClient,
  waitForTask,
} from './helpers/api.js';

const clients: WsClient[] = [];
const connect = async (opts: Parameters<typeof WsClient.connect>[0]) => {
  const client = await WsClient.connect(opts);
  clients.push(client);
  return client;
};
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

describe('tasks', () => {
  it('runs a task through torrent-node and reports every status change on the owner socket only', async () => {
    // System reports are for administrators: Alice is one, Bob is not.
    const alice = await promotedSession('alice');
    const bob = await memberSession('bob');
    const aliceSocket = await connect({ token: alice.accessToken });
    const aliceSecondTab = await connect({ token: alice.accessToken });
    const bobSocket = await connect({ token: bob.accessToken });

    const created = await api<Task>('POST', '/tasks', {
      token: alice.accessToken,
      body: { type: 'system.report' },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'pending', userId: alice.user.id, type: 'system.report' });

    const done = await aliceSocket.next(
      (m) => m.type === 'event' && (m.event as { data: { task?: Task } }).data.task?.status === 'done',
    );
    const finished = (done.event as { data: { task: Task } }).data.task;
    expect(finished.id).toBe(created.body.id);
    expect(finished.progress).toBe(1);
    expect(finished.result).toMatchObject({
      cpus: expect.any(Number),
      memory: { totalBytes: expect.any(Number) },
    });

    const statuses = taskEvents(aliceSocket, created.body.id).map(
      (m) => (m.event as { data: { task: Task } }).data.task.status,
    );
    expect(statuses[0]).toBe('pending');
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('done');
    await aliceSecondTab.next(
      (m) => m.type === 'event' && taskEvents(aliceSecondTab, created.body.id).length >= statuses.length,
    );

    // Bob's socket saw none of it.
    await new Promise((r) => setTimeout(r, 300));
    expect(taskEvents(bobSocket, created.body.id)).toHaveLength(0);

    const fetched = await api<Task>('GET', `/tasks/${created.body.id}`, { token: alice.accessToken });
    expect(fetched.body).toMatchObject({ status: 'done', result: finished.result });
    expect((await api('GET', `/tasks/${created.body.id}`, { token: bob.accessToken })).status).toBe(404);
    expect((await api('POST', `/tasks/${created.body.id}/cancel`, { token: bob.accessToken })).status).toBe(
      404,
    );
  });

  it('lists tasks newest first with cursor pagination and filters', async () => {
    const member = await promotedSession('lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await api<Task>('POST', '/tasks', { token: member.accessToken, body: { type: 'system.report' } }))
          .body.id,
      );
    }
    const page1 = await api<TaskList>('GET', '/tasks?limit=2', { token: member.accessToken });
    expect(page1.body.tasks.map((t) => t.id)).toEqual([ids[4], ids[3]]);
    expect(page1.body.nextCursor).toBeTruthy();
    const page2 = await api<TaskList>(`GET`, `/tasks?limit=2&cursor=${page1.body.nextCursor}`, {
      token: member.accessToken,
    });
    expect(page2.body.tasks.map((t) => t.id)).toEqual([ids[2], ids[1]]);
    const page3 = await api<TaskList>(`GET`, `/tasks?limit=2&cursor=${page2.body.nextCursor}`, {
      token: member.accessToken,
    });
    expect(page3.body.tasks.map((t) => t.id)).toEqual([ids[0]]);
    expect(page3.body.nextCursor).toBeNull();

    await eventually(async () => {
      const done = await api<TaskList>('GET', '/tasks?status=done', { token: member.accessToken });
      expect(done.body.tasks).toHaveLength(5);
    });
    const other = await memberSession('lister-other');
    expect((await api<TaskList>('GET', '/tasks', { token: other.accessToken })).body.tasks).toHaveLength(0);
  });

  it('cancels a pending task and refuses to cancel a finished one', async () => {
    const member = await promotedSession('canceller');
    const socket = await connect({ token: member.accessToken });
    const task = await api<Task>('POST', '/tasks', {
      token: member.accessToken,
      body: { type: 'system.report' },
    });
    const cancel = await api<Task>('POST', `/tasks/${task.body.id}/cancel`, { token: member.accessToken });
    // The runner may have finished it first; both outcomes are consistent, never both.
    if (cancel.status === 200) {
      expect(cancel.body.status).toBe('cancelled');
      await socket.next(
        (m) => m.type === 'event' && (m.event as { data: { task?: Task } }).data.task?.status === 'cancelled',
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(
        (await api<Task>('GET', `/tasks/${task.body.id}`, { token: member.accessToken })).body.status,
      ).toBe('cancelled');
    } else {
      expect(cancel.status).toBe(409);
    }
    await eventually(async () => {
      const again = await api('POST', `/tasks/${task.body.id}/cancel`, { token: member.accessToken });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: { code: 'conflict' } });
    });
  });

  it('keeps system reports and maintenance tasks for admins', async () => {
    const member = await memberSession('not-admin');
    // A report tells the host's name, CPUs, memory and disk: not a member's business.
    for (const type of ['system.report', 'maintenance.cleanup']) {
      const refused = await api('POST', '/tasks', { token: member.accessToken, body: { type } });
      expect(refused.status, type).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await api<TaskList>('GET', '/tasks', { token: member.accessToken })).body.tasks).toHaveLength(0);
    const admin = await adminSession();
    const task = await api<Task>('POST', '/tasks', {
      token: admin.accessToken,
      body: { type: 'maintenance.cleanup' },
    });
    expect(task.status).toBe(202);
    await eventually(async () => {
      const done = await api<Task>('GET', `/tasks/${task.body.id}`, { token: admin.accessToken });
      expect(done.body.status).toBe('done');
      expect(done.body.result).toMatchObject({
        refreshTokens: expect.any(Number),
        tasks: expect.any(Number),
      });
    });
  });
});

describe('POST /tasks abuse', () => {
  it('refuses a forged search (and any payload field) and writes nothing', async () => {
    const member = await memberSession('forger');
    const sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
    const searchId = crypto.randomUUID();
    const forged = {
      title: 'FORGED.RELEASE.2160p.WEB-DL',
      score: 1_000_000,
      rejected: false,
      reasons: [{ effect: 'plus', points: 1_000_000, code: 'forged', params: {}, text: 'trust me' }],
    };
    const written = async () => {
      const [row] = await sql<{ tasks: number; searches: number; results: number }[]>`
        SELECT (SELECT count(*)::int FROM tasks WHERE user_id = ${member.user.id}) AS tasks,
               (SELECT count(*)::int FROM searches WHERE id = ${searchId} OR user_id = ${member.user.id}) AS searches,
               (SELECT count(*)::int FROM search_results WHERE search_id = ${searchId}
                  OR result->>'title' = ${forged.title}) AS results`;
      return row;
    };
    try {
      const search = await api<ErrorBody>('POST', '/tasks', {
        token: member.accessToken,
        body: {
          type: 'search',
          payload: {
            searchId,
            mediaId: crypto.randomUUID(),
            queryKey: '::forged:1080p',
            profile: { name: 'forged', minSeeders: 0 },
            target: { type: 'movie', titles: ['Forged'], year: null },
            request: { mode: 'search', query: 'forged' },
            results: [forged],
            rankings: [forged],
          },
        },
      });
      expect(search.status).toBe(400);
      expect(search.body.error.code).toBe('validation_failed');
      expect(search.body.error.message).toContain('POST /search');
      for (const type of ['system.report', 'maintenance.cleanup']) {
        const withPayload = await api<ErrorBody>('POST', '/tasks', {
          token: member.accessToken,
          body: { type, payload: { results: [forged] } },
        });
        expect(withPayload.status).toBe(400);
        expect(withPayload.body.error.message).toContain('payload');
      }
      const unknown = await api<ErrorBody>('POST', '/tasks', {
        token: member.accessToken,
        body: { type: 'search.request' },
      });
      expect(unknown.status).toBe(400);
      // Had anything been queued, torrent-node would have written by now.
      await new Promise((r) => setTimeout(r, 500));
      expect(await written()).toEqual({ tasks: 0, searches: 0, results: 0 });
    } finally {
      await sql.end();
    }
  });
});

describe('maintenance.cleanup', () => {
  it('removes expired searches with their results and keeps the others', async () => {
    const admin = await adminSession();
    const sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const [media] = await sql<{ id: string }[]>`
        INSERT INTO media (media_type, title) VALUES ('movie', 'Cleanup fixture') RETURNING id`;
      const mediaId = media?.id ?? '';
      const insert = (expiresIn: string) => sql<{ id: string }[]>`
        INSERT INTO searches (user_id, media_id, query_key, profile, completed_at, expires_at)
        VALUES (${admin.user.id}, ${mediaId}, '::cleanup:1080p', '1080p', now(), now() + ${expiresIn}::interval)
        RETURNING id`;
      const [expired] = await insert('-1 minute');
      const [kept] = await insert('1 hour');
      for (const search of [expired, kept]) {
        await sql`INSERT INTO search_results (search_id, result, score, rejected)
                  VALUES (${search?.id ?? ''}, '{"title":"fixture"}'::jsonb, 1, false)`;
      }
      const started = await api<Task>('POST', '/tasks', {
        token: admin.accessToken,
        body: { type: 'maintenance.cleanup' },
      });
      const task = await waitForTask(admin.accessToken, started.body.id);
      expect(task.status).toBe('done');
      expect((task.result as { searchResults: number }).searchResults).toBeGreaterThanOrEqual(1);
      const left = await sql<{ id: string; results: number }[]>`
        SELECT s.id, (SELECT count(*)::int FROM search_results r WHERE r.search_id = s.id) AS results
        FROM searches s WHERE s.media_id = ${mediaId}`;
      expect(left).toEqual([{ id: kept?.id, results: 1 }]);
      const [orphans] = await sql<{ count: number }[]>`
        SELECT count(*)::int FROM search_results WHERE search_id = ${expired?.id ?? ''}`;
      expect(orphans?.count).toBe(0);
      await sql`DELETE FROM media WHERE id = ${mediaId}`;
    } finally {
      await sql.end();
    }
  });
});

describe('/ws', () => {
  it('refuses a connection without a valid credential', async () => {
    await expect(WsClient.connect({})).rejects.toThrow();
    await expect(WsClient.connect({ token: 'not-a-token' })).rejects.toThrow();
    const plain = await api('GET', '/ws');
    expect(plain.status).toBe(426);
  });

  it('accepts a single-use ticket instead of a token', async () => {
    const member = await memberSession('ticket');
    const ticket = await api<{ ticket: string }>('POST', '/auth/ws-ticket', { token: member.accessToken });
    const socket = await connect({ ticket: ticket.body.ticket });
    expect(socket.messages[0]).toMatchObject({ type: 'hello', userId: member.user.id });
    await expect(WsClient.connect({ ticket: ticket.body.ticket })).rejects.toThrow();
  });

  it('answers pings and replays missed events to a resuming client', async () => {
    const member = await promotedSession('resume');
    const first = await connect({ token: member.accessToken });
    first.send(WS_PING);
    await first.next((m) => m.type === 'pong');
    const hello = first.messages[0] as { seq: number };

    const task = await api<Task>('POST', '/tasks', {
      token: member.accessToken,
      body: { type: 'system.report' },
    });
    await first.next(
      (m) => m.type === 'event' && (m.event as { data: { task?: Task } }).data.task?.status === 'done',
    );
    first.close();

    const second = await connect({ token: member.accessToken });
    second.send({ type: 'resume', since: hello.seq });
    await second.next(
      (m) => m.type === 'event' && (m.event as { data: { task?: Task } }).data.task?.status === 'done',
    );
    const replayed = taskEvents(second, task.body.id).map((m) => m.seq as number);
    expect(replayed.length).toBeGreaterThanOrEqual(3);
    expect([...replayed].sort((a, b) => a - b)).toEqual(replayed);
  });

  it('closes the socket on a message it does not understand', async () => {
    const member = await memberSession('garbage');
    const socket = await connect({ token: member.accessToken });
    socket.send('{"type":"launch-missiles"}');
    await eventually(async () => expect(socket.closed?.code).toBe(1003));
  });
});
