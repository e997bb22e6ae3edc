import {
  type ErrorBody,
  JOBS_STREAM,
  QualityProfileList,
  SearchOutcome,
  SearchResults,
  SokoulEvent,
  type Task,
} from '@sokoul/contracts';
import { connect } from 'nats';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { adminSession, api, memberSession, stack, WsClient, waitForTask } from './helpers/api.js';

/**
 * POST /search end to end on the shared stack: the API creates the task, torrent-node's Scout asks
 * the fake Jackett, ranks against the fake TMDB's record and stores; GET /search/:id reads it back.
 */
let token: string;
const jackett = inject('jackett');
const searches = async () =>
  ((await (await fetch(`${jackett}/__calls`)).json()) as { searches: number }).searches;

beforeAll(async () => {
  token = (await memberSession('searcher')).accessToken;
});

const finished = (task: Task) => waitForTask(token, task.id);

describe('search', () => {
  it('finds, ranks and stores releases for a film, then answers a repeat from storage', async () => {
    const before = await searches();
    // Its own query text: other tests search this film too, and the same search would come from storage.
    const started = await api<Task>('POST', '/search', {
      token,
      body: { tmdbId: 603, type: 'movie', query: 'The Matrix 1999' },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ type: 'search', status: 'pending' });
    const task = await finished(started.body);
    expect(task.status).toBe('done');
    const outcome = SearchOutcome.parse(task.result);
    expect(outcome).toMatchObject({ cached: false, results: 4, accepted: 2, oracle: 'off' });
    expect(outcome.reports).toEqual([
      expect.objectContaining({ indexer: 'Jackett', status: 'ok', results: 4 }),
    ]);
    expect(await searches()).toBe(before + 1);

    const mediaId = (task.payload as { mediaId: string }).mediaId;
    const stored = SearchResults.parse((await api('GET', `/search/${mediaId}`, { token })).body);
    expect(stored.results.map((r) => [r.title, r.rejected])).toEqual([
      ['The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ', false],
      ['The.Matrix.1999.1080p.BluRay.x264-SPARKS', false],
      expect.arrayContaining([expect.any(String), true]),
      expect.arrayContaining([expect.any(String), true]),
    ]);
    expect(stored.results[0]?.reasons).toContainEqual(
      expect.objectContaining({ effect: 'plus', text: 'audio in fr' }),
    );
    const cam = stored.results.find((r) => r.title.includes('HDCAM'));
    expect(cam?.reasons.filter((r) => r.effect === 'reject').map((r) => r.text)).toContainEqual(
      expect.stringContaining('CAM: a copy filmed in a cinema'),
    );

    // The task went through the search subject's own consumer, not the general task queue.
    const nc = await connect({ servers: stack().natsUrl });
    try {
      const info = await (await nc.jetstreamManager()).consumers.info(
        JOBS_STREAM.name,
        'torrent-node-search',
      );
      expect(info.delivered.consumer_seq).toBeGreaterThanOrEqual(1);
    } finally {
      await nc.close();
    }

    const again = await finished(
      (await api<Task>('POST', '/search', { token, body: { mediaId, query: 'The Matrix 1999' } })).body,
    );
    expect(SearchOutcome.parse(again.result)).toMatchObject({ cached: true, results: 4 });
    expect(await searches()).toBe(before + 1);
  });

  it('sends the ranked results to the socket as each indexer answers', async () => {
    const socket = await WsClient.connect({ token });
    try {
      const started = await api<Task>('POST', '/search', {
        token,
        body: { tmdbId: 603, type: 'movie', query: 'Matrix live' },
      });
      const message = await socket.next(
        (m) =>
          m.type === 'event' &&
          (m.event as { type: string; data: { taskId?: string } }).data.taskId === started.body.id,
      );
      const event = SokoulEvent.parse(message.event);
      expect(event.type).toBe('search.results');
      if (event.type !== 'search.results') return;
      expect(event.data.report).toMatchObject({ indexer: 'Jackett', status: 'ok' });
      expect(event.data.results[0]).toMatchObject({
        rejected: false,
        title: expect.stringContaining('The.Matrix.1999'),
      });
      await finished(started.body);
    } finally {
      socket.close();
    }
  });

  it('searches one episode of a series and rejects the others', async () => {
    const task = await finished(
      (
        await api<Task>('POST', '/search', {
          token,
          body: { tmdbId: 1399, type: 'tv', season: 1, episode: 2 },
        })
      ).body,
    );
    expect(task.status).toBe('done');
    expect(task.message).toContain('releases kept');
    const mediaId = (task.payload as { mediaId: string }).mediaId;
    const stored = SearchResults.parse(
      (await api('GET', `/search/${mediaId}?season=1&episode=2`, { token })).body,
    );
    const verdicts = Object.fromEntries(stored.results.map((r) => [r.title, r.rejected]));
    expect(verdicts).toEqual({
      'Game.of.Thrones.S01E02.The.Kingsroad.1080p.BluRay.x264-GOT': false,
      'Game.of.Thrones.S01.COMPLETE.FRENCH.1080p.BluRay.x264-FR': false,
      'Game.of.Thrones.S01E03.Lord.Snow.1080p.BluRay.x264-GOT': true,
    });
  });

  it('reports an indexer failure on the task without failing the process', async () => {
    await fetch(`${jackett}/__behaviour`, { method: 'POST', body: JSON.stringify({ kind: 'html' }) });
    try {
      const task = await finished(
        (await api<Task>('POST', '/search', { token, body: { tmdbId: 27205, type: 'movie' } })).body,
      );
      expect(task.status).toBe('done');
      const outcome = SearchOutcome.parse(task.result);
      expect(outcome.reports[0]).toMatchObject({ indexer: 'Jackett', status: 'failed' });
      expect(outcome.reports[0]?.error).toContain('HTML page');
      expect((await api('GET', '/health')).status).toBe(200);
    } finally {
      await fetch(`${jackett}/__behaviour`, { method: 'POST', body: JSON.stringify({ kind: 'ok' }) });
    }
  });

  it('ranks with a preset or an admin profile, which makes it a different search', async () => {
    const admin = (await adminSession()).accessToken;
    const tiny = { name: 'Tiny', allowedResolutions: ['720p'], preferredResolutions: ['720p'] };
    expect(
      (await api('PUT', '/admin/quality-profiles', { token: admin, body: { profiles: [tiny] } })).status,
    ).toBe(200);
    const listed = QualityProfileList.parse((await api('GET', '/search/profiles', { token })).body);
    expect(listed.profiles.map((p) => p.name)).toEqual(['1080p', '4K HDR', 'small', 'Tiny']);
    expect(listed.profiles.every((p) => p.preferredLanguages[0] === 'fr')).toBe(true);

    const task = await finished(
      (await api<Task>('POST', '/search', { token, body: { tmdbId: 603, type: 'movie', profile: 'tiny' } }))
        .body,
    );
    expect((task.payload as { profile: { name: string } }).profile.name).toBe('Tiny');
    expect(SearchOutcome.parse(task.result)).toMatchObject({ cached: false, accepted: 0, results: 4 });
    const stored = SearchResults.parse(
      (await api('GET', `/search/${(task.payload as { mediaId: string }).mediaId}`, { token })).body,
    );
    expect(stored.results[0]?.reasons).toContainEqual(
      expect.objectContaining({
        code: 'quality.resolutionNotAllowed',
        params: { resolution: '1080p', profile: 'Tiny' },
      }),
    );

    const unknown = await api<ErrorBody>('POST', '/search', {
      token,
      body: { tmdbId: 603, type: 'movie', profile: 'best' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('"best" does not exist');
    const clash = await api<ErrorBody>('PUT', '/admin/quality-profiles', {
      token: admin,
      body: { profiles: [{ name: '1080p' }] },
    });
    expect(clash.status).toBe(400);
    expect((await api('PUT', '/admin/quality-profiles', { token, body: { profiles: [] } })).status).toBe(403);
  });

  it.each([
    [{}, 'mediaId'],
    [{ tmdbId: 603 }, 'type'],
    [{ tmdbId: 603, type: 'movie', episode: 2 }, 'season'],
    [{ tmdbId: 603, type: 'movie', season: 1 }, 'season'],
    [{ mediaId: 'nope' }, 'mediaId'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await api<ErrorBody>('POST', '/search', { token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it('answers 404 for unknown titles and 401 without a session', async () => {
    expect((await api('GET', '/search/00000000-0000-4000-8000-000000000000', { token })).status).toBe(404);
    expect((await api('GET', '/search/not-a-uuid', { token })).status).toBe(404);
    expect((await api('POST', '/search', { token, body: { tmdbId: 999_999, type: 'movie' } })).status).toBe(
      404,
    );
    expect((await api('POST', '/search', { body: { tmdbId: 603, type: 'movie' } })).status).toBe(401);
  });
});
