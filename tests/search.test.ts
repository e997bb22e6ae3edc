import {
  type ErrorBody,
  INDEXER_UNAVAILABLE,
  JOBS_STREAM,
  QualityProfileList,
  SearchOutcome,
  SearchResults,
  SokoulEvent,
  StartedSearch,
} from '@sokoul/contracts';
import { connect } from 'nats';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { adminSession, api, memberSession, runSearch, stack, WsClient, waitForTask } from './helpers/api.js';
import type { IndexerBehaviour } from './helpers/fake-indexer.js';

/**
 * POST /search end to end on the shared stack: the API records the search and its task,
 * torrent-node's Scout asks the fake Jackett, ranks against the fake TMDB's record and stores the
 * results in that search; GET /searches/:id reads one search back, GET /search/:id/latest the
 * title's latest.
 */
let token: string;
const jackett = inject('jackett');
const searches = async () =>
  ((await (await fetch(`${jackett}/__calls`)).json()) as { searches: number }).searches;
const behave = (behaviour: IndexerBehaviour) =>
  fetch(`${jackett}/__behaviour`, { method: 'POST', body: JSON.stringify(behaviour) });

beforeAll(async () => {
  token = (await memberSession('searcher')).accessToken;
});

/** A search, finished, with its outcome and what GET /searches/:id answers for it. */
async function search(body: Record<string, unknown>, as = token) {
  const { started, task } = await runSearch(as, body);
  expect(task.status).toBe('done');
  const outcome = SearchOutcome.parse(task.result);
  expect(outcome.searchId).toBe(started.searchId);
  return { started, task, outcome, stored: await read(started.searchId, as) };
}
async function read(searchId: string, as = token): Promise<SearchResults> {
  const res = await api('GET', `/searches/${searchId}`, { token: as });
  expect(res.status).toBe(200);
  return SearchResults.parse(res.body);
}
const accepted = (stored: SearchResults) => stored.results.filter((r) => !r.rejected).length;

describe('search', () => {
  it('finds, ranks and stores releases for a film, then answers a repeat from storage', async () => {
    const before = await searches();
    // Its own query text: other tests search this film too, and the same search would come from storage.
    const res = await api<StartedSearch>('POST', '/search', {
      token,
      body: { tmdbId: 603, type: 'movie', query: 'The Matrix 1999' },
    });
    expect(res.status).toBe(202);
    const started = StartedSearch.parse(res.body);
    expect(started.task).toMatchObject({ type: 'search', status: 'pending' });
    const task = await waitForTask(token, started.task.id);
    expect(task.status).toBe('done');
    const outcome = SearchOutcome.parse(task.result);
    expect(outcome).toMatchObject({
      searchId: started.searchId,
      cached: false,
      results: 4,
      accepted: 2,
      oracle: 'off',
    });
    expect(outcome.reports).toEqual([
      expect.objectContaining({ indexer: 'Jackett', status: 'ok', results: 4 }),
    ]);
    expect(await searches()).toBe(before + 1);

    const { mediaId } = started;
    const stored = await read(started.searchId);
    expect(stored).toMatchObject({
      searchId: started.searchId,
      mediaId,
      profile: '1080p',
      cached: false,
      reports: outcome.reports,
    });
    expect(stored.searchedAt).not.toBeNull();
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
    // The title's latest search is this one, on the current path and on the specification's.
    for (const path of [`/search/${mediaId}/latest`, `/search/${mediaId}`]) {
      expect(SearchResults.parse((await api('GET', path, { token })).body)).toEqual(stored);
    }

    // The task went through the search subject's own consumer, not the general task queue.
    const nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
    try {
      const info = await (await nc.jetstreamManager()).consumers.info(
        JOBS_STREAM.name,
        'torrent-node-search',
      );
      expect(info.delivered.consumer_seq).toBeGreaterThanOrEqual(1);
    } finally {
      await nc.close();
    }

    // The same search again within the window: answered from the first, a search of its own.
    const again = await search({ mediaId, query: 'The Matrix 1999' });
    expect(again.outcome).toMatchObject({ cached: true, results: 4, accepted: 2, reports: outcome.reports });
    expect(again.started.searchId).not.toBe(started.searchId);
    expect(again.stored).toMatchObject({ cached: true, profile: '1080p', reports: outcome.reports });
    // Its own copies of the rows (a download names one by id), with the same content.
    const withoutId = (results: typeof stored.results) => results.map(({ id: _, ...rest }) => rest);
    expect(withoutId(again.stored.results)).toEqual(withoutId(stored.results));
    expect(again.stored.results.map((r) => r.id)).not.toContain(stored.results[0]?.id);
    expect(await searches()).toBe(before + 1);

    // "Search again now" asks the indexers even within the window.
    const fresh = await search({ mediaId, query: 'The Matrix 1999', fresh: true });
    expect(fresh.outcome).toMatchObject({ cached: false, results: 4 });
    expect(fresh.stored.cached).toBe(false);
    expect(await searches()).toBe(before + 2);
  });

  it('keeps each search its own results: "small" then "4K HDR" for one film within the window', async () => {
    const body = { tmdbId: 603, type: 'movie', query: 'Matrix small then 4K' };
    const small = await search({ ...body, profile: 'small' });
    const uhd = await search({ ...body, profile: '4K HDR' });
    // A different profile is a different search: the second asked the indexers too.
    expect(uhd.outcome.cached).toBe(false);

    // Read back after both ran, each search shows what it was ranked with.
    const smallStored = await read(small.started.searchId);
    const uhdStored = await read(uhd.started.searchId);
    expect(smallStored.profile).toBe('small');
    expect(uhdStored.profile).toBe('4K HDR');
    expect(accepted(smallStored)).toBe(small.outcome.accepted);
    expect(accepted(uhdStored)).toBe(uhd.outcome.accepted);
    expect(smallStored.results).toHaveLength(small.outcome.results);
    expect(uhdStored.results).toHaveLength(uhd.outcome.results);
    expect(small.outcome.accepted).toBe(0);
    expect(uhd.outcome.accepted).toBe(2);
    // "small" caps 1080p at 4 GB: the 9 and 10 GB releases are too large for it, not for 4K HDR.
    const sparks = (stored: SearchResults) =>
      stored.results.find((r) => r.title === 'The.Matrix.1999.1080p.BluRay.x264-SPARKS');
    expect(sparks(smallStored)?.reasons).toContainEqual(
      expect.objectContaining({ effect: 'reject', code: 'size.tooLarge' }),
    );
    expect(sparks(uhdStored)).toMatchObject({ rejected: false });
    // The title's latest is the 4K HDR one; the small one still reads as itself.
    const latest = SearchResults.parse(
      (await api('GET', `/search/${small.started.mediaId}/latest`, { token })).body,
    );
    expect(latest.searchId).toBe(uhd.started.searchId);
    expect(latest.profile).toBe('4K HDR');
  });

  it('shows each user their own search of one title, and nobody else’s', async () => {
    const alice = (await memberSession('alice-search')).accessToken;
    const bob = (await memberSession('bob-search')).accessToken;
    const body = { tmdbId: 603, type: 'movie', query: 'Matrix two users' };
    const a = await search({ ...body, profile: 'small' }, alice);
    const b = await search({ ...body, profile: '1080p' }, bob);
    expect(a.stored).toMatchObject({ profile: 'small', searchId: a.started.searchId });
    expect(b.stored).toMatchObject({ profile: '1080p', searchId: b.started.searchId });
    expect(accepted(a.stored)).toBe(0);
    expect(accepted(b.stored)).toBe(2);
    expect(await read(a.started.searchId, alice)).toEqual(a.stored);

    // Another user's search is as absent as one that never existed, admins included.
    const missing = await api<ErrorBody>('GET', '/searches/00000000-0000-4000-8000-000000000000', {
      token: alice,
    });
    expect(missing.status).toBe(404);
    const admin = (await adminSession()).accessToken;
    for (const [as, id] of [
      [alice, b.started.searchId],
      [bob, a.started.searchId],
      [admin, a.started.searchId],
    ] as const) {
      const res = await api<ErrorBody>('GET', `/searches/${id}`, { token: as });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(missing.body);
    }
  });

  it('sends the ranked results to the socket as each indexer answers', async () => {
    const socket = await WsClient.connect({ token });
    try {
      const started = await api<StartedSearch>('POST', '/search', {
        token,
        body: { tmdbId: 603, type: 'movie', query: 'Matrix live' },
      });
      const message = await socket.next(
        (m) =>
          m.type === 'event' &&
          (m.event as { type: string; data: { taskId?: string } }).data.taskId === started.body.task.id,
      );
      const event = SokoulEvent.parse(message.event);
      expect(event.type).toBe('search.results');
      if (event.type !== 'search.results') return;
      expect(event.data.report).toMatchObject({ indexer: 'Jackett', status: 'ok' });
      expect(event.data.results[0]).toMatchObject({
        rejected: false,
        title: expect.stringContaining('The.Matrix.1999'),
      });
      await waitForTask(token, started.body.task.id);
    } finally {
      socket.close();
    }
  });

  it('searches one episode of a series and rejects the others', async () => {
    const { task, started, stored } = await search({ tmdbId: 1399, type: 'tv', season: 1, episode: 2 });
    expect(task.message).toContain('releases kept');
    const verdicts = Object.fromEntries(stored.results.map((r) => [r.title, r.rejected]));
    expect(verdicts).toEqual({
      'Game.of.Thrones.S01E02.The.Kingsroad.1080p.BluRay.x264-GOT': false,
      'Game.of.Thrones.S01.COMPLETE.FRENCH.1080p.BluRay.x264-FR': false,
      'Game.of.Thrones.S01E03.Lord.Snow.1080p.BluRay.x264-GOT': true,
    });
    const latest = (query: string) =>
      api('GET', `/search/${started.mediaId}/latest?${query}`, { token }).then((r) =>
        SearchResults.parse(r.body),
      );
    expect(await latest('season=1&episode=2')).toEqual(stored);
    // Another episode was never searched: no results, no search.
    expect(await latest('season=1&episode=3')).toMatchObject({
      searchId: null,
      results: [],
      searchedAt: null,
    });
  });

  it("recognises a film's releases under any name TMDB knows it by, in any language", async () => {
    const { stored } = await search({ tmdbId: 129, type: 'movie', query: 'Chihiro' });
    const verdicts = Object.fromEntries(stored.results.map((r) => [r.title, r.rejected]));
    expect(verdicts).toEqual({
      'Chihiros.Reise.ins.Zauberland.2001.GERMAN.1080p.BluRay.x264-DE': false,
      'Sen.to.Chihiro.no.Kamikakushi.2001.1080p.BluRay.x264-JP': false,
      'Le.Voyage.de.Chihiro.2001.FRENCH.1080p.BluRay.x264-FR': false,
      'Chihiro.Returns.2001.1080p.BluRay.x264-XX': true,
    });
    const wrong = stored.results.find((r) => r.title.startsWith('Chihiro.Returns'));
    expect(wrong?.reasons).toContainEqual(
      expect.objectContaining({ effect: 'reject', code: 'title.mismatch' }),
    );
  });

  it('tells apart an indexer that failed, one cut at its timeout, and one that answered', async () => {
    // Admins read why an indexer failed; members only that it did (the reason can tell an open
    // port from a closed one).
    const admin = (await adminSession()).accessToken;
    await behave({ kind: 'html' });
    try {
      const failed = await search(
        { tmdbId: 27205, type: 'movie', query: 'Inception broken', fresh: true },
        admin,
      );
      const asMember = await api('GET', `/search/${failed.started.mediaId}/latest`, { token });
      expect(SearchResults.parse(asMember.body).reports).toEqual([
        expect.objectContaining({ indexer: 'Jackett', status: 'failed', error: INDEXER_UNAVAILABLE }),
      ]);
      expect(failed.outcome.reports).toEqual([
        expect.objectContaining({
          indexer: 'Jackett',
          status: 'failed',
          error: expect.stringContaining('HTML page'),
        }),
      ]);
      expect(failed.stored.reports).toEqual(failed.outcome.reports);
      expect((await api('GET', '/health')).status).toBe(200);

      await behave({ kind: 'hang' });
      const started = await api<StartedSearch>('POST', '/search', {
        token: admin,
        body: { tmdbId: 27205, type: 'movie', query: 'Inception hung', fresh: true },
      });
      // Until the search completes it reads as empty, not as someone else's results.
      expect(await read(started.body.searchId, admin)).toMatchObject({
        results: [],
        reports: [],
        searchedAt: null,
      });
      const task = await waitForTask(admin, started.body.task.id);
      expect(task.status).toBe('done');
      const cut = await read(started.body.searchId, admin);
      expect(cut.reports).toEqual([
        expect.objectContaining({
          indexer: 'Jackett',
          status: 'timeout',
          results: 0,
          error: expect.stringMatching(/^Jackett did not answer within \d+ ms$/),
        }),
      ]);
      expect(SearchOutcome.parse(task.result).reports).toEqual(cut.reports);
      expect(cut.reports[0]?.latencyMs).toBeGreaterThanOrEqual(1500);
    } finally {
      await behave({ kind: 'ok' });
    }
    // Answering again closes the breaker's count for the searches after this one.
    const ok = await search({ tmdbId: 27205, type: 'movie', query: 'Inception answered', fresh: true });
    expect(ok.stored.reports).toEqual([
      expect.objectContaining({ indexer: 'Jackett', status: 'ok', error: null }),
    ]);
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

    const { task, outcome, stored } = await search({ tmdbId: 603, type: 'movie', profile: 'tiny' });
    expect((task.payload as { profile: { name: string } }).profile.name).toBe('Tiny');
    expect(outcome).toMatchObject({ cached: false, accepted: 0, results: 4 });
    expect(stored.profile).toBe('Tiny');
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

  it('answers 404 for unknown titles and searches, and 401 without a session', async () => {
    const nobody = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/search/${nobody}`,
      `/search/${nobody}/latest`,
      `/searches/${nobody}`,
      '/searches/nope',
    ]) {
      expect((await api('GET', path, { token })).status).toBe(404);
    }
    expect((await api('GET', '/search/not-a-uuid', { token })).status).toBe(404);
    expect((await api('POST', '/search', { token, body: { tmdbId: 999_999, type: 'movie' } })).status).toBe(
      404,
    );
    expect((await api('POST', '/search', { body: { tmdbId: 603, type: 'movie' } })).status).toBe(401);
    expect((await api('GET', `/searches/${nobody}`)).status).toBe(401);
  });
});
