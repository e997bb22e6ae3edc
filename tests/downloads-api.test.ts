import { randomBytes, randomUUID } from 'node:crypto';
import {
  type BlocklistList,
  type Download,
  type DownloadControlMessage,
  type DownloadDetail,
  type DownloadList,
  type ErrorBody,
  type Media,
  SearchResults,
  type SpeedLimits,
  type StartedDownload,
  Subjects,
} from '@sokoul/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, api, eventually, memberSession, runSearch, stack } from './helpers/api.js';

/**
 * The downloads API on the shared stack (its real torrent-node runs too). The magnets name info
 * hashes nobody seeds, so nothing here depends on bytes arriving: only on what the API records and
 * answers, and on torrent-node being told (downloads.control).
 */

const json = JSONCodec<unknown>();
let nc: NatsConnection;
let sql: postgres.Sql;
const control: DownloadControlMessage[] = [];

let alice: { token: string; id: string };
let bob: { token: string; id: string };
let admin: { token: string; id: string };
let film: Media;
let series: Media;
/** Every download started here, removed at the end (their hashes and queue places are freed). */
const started = new Set<string>();

const hash = () => randomBytes(20).toString('hex');
const magnet = (infoHash = hash(), name = 'Unseeded.Release.1080p') =>
  `magnet:?xt=urn:btih:${infoHash}&dn=${encodeURIComponent(name)}`;

async function start(token: string, body: Record<string, unknown>) {
  const res = await api<StartedDownload & ErrorBody>('POST', '/downloads', { token, body });
  if (res.status === 202) started.add(res.body.download.id);
  return res;
}

async function startMagnet(token: string, infoHash = hash(), extra: Record<string, unknown> = {}) {
  const res = await start(token, { magnetUrl: magnet(infoHash), mediaId: film.id, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.download;
}

const controlFor = (downloadId: string) =>
  eventually(async () => {
    expect(control).toContainEqual({ action: 'reconcile', downloadId });
  }, 5000);

const session = async (label: string) => {
  const s = await memberSession(label);
  return { token: s.accessToken, id: s.user.id };
};

beforeAll(async () => {
  nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
  const sub = nc.subscribe(Subjects.downloadControl);
  void (async () => {
    for await (const msg of sub) control.push(json.decode(msg.data) as DownloadControlMessage);
  })();
  await nc.flush();
  sql = postgres(stack().databaseUrl, { max: 1, onnotice: () => {} });
  [alice, bob] = await Promise.all([session('dl-alice'), session('dl-bob')]);
  const a = await adminSession();
  admin = { token: a.accessToken, id: a.user.id };
  film = (
    await api<Media>('POST', '/media', {
      token: admin.token,
      body: { type: 'movie', title: 'Downloads API film', year: 2001 },
    })
  ).body;
  series = (
    await api<Media>('POST', '/media', {
      token: admin.token,
      body: { type: 'tv', title: 'Downloads API series', year: 2010 },
    })
  ).body;
});

afterAll(async () => {
  for (const id of started) await api('DELETE', `/downloads/${id}`, { token: admin.token });
  if (admin) {
    await api('DELETE', `/media/${film.id}`, { token: admin.token });
    await api('DELETE', `/media/${series.id}`, { token: admin.token });
  }
  await sql?.end();
  await nc?.drain();
});

describe('starting a download', () => {
  it('queues a magnet at once (202), lists it, tells torrent-node, and answers the same hash with the existing one', async () => {
    const infoHash = hash();
    const res = await start(alice.token, { magnetUrl: magnet(infoHash.toUpperCase()), mediaId: film.id });
    expect(res.status).toBe(202);
    const { download, existing } = res.body;
    expect(existing).toBe(false);
    expect(download).toMatchObject({
      userId: alice.id,
      mediaId: film.id,
      mediaTitle: 'Downloads API film',
      season: null,
      episode: null,
      name: 'Unseeded.Release.1080p',
      infoHash,
      resultId: null,
      searchId: null,
      engine: 'webtorrent',
      bytesDone: 0,
      error: null,
    });
    // Queued, unless torrent-node already took it up.
    expect(['queued', 'metadata']).toContain(download.state);
    await controlFor(download.id);

    const list = await api<DownloadList>('GET', '/downloads', { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body.downloads.map((d) => d.id)).toContain(download.id);
    const byTitle = await api<DownloadList>('GET', `/downloads?mediaId=${film.id}`, { token: alice.token });
    expect(byTitle.body.downloads.map((d) => d.id)).toContain(download.id);
    const detail = await api<DownloadDetail>('GET', `/downloads/${download.id}`, { token: alice.token });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: download.id, infoHash, savePath: null });
    expect(detail.body.files).toEqual(expect.any(Array));

    // The same release again (another spelling of the hash, another name): the existing download.
    const again = await start(alice.token, {
      magnetUrl: magnet(infoHash, 'Other name'),
      mediaId: film.id,
      name: 'Mine',
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ existing: true, download: { id: download.id } });
    // Another user's live download of it: refused, without saying whose.
    const taken = await start(bob.token, { magnetUrl: magnet(infoHash), mediaId: film.id });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('already_downloading');
    expect(JSON.stringify(taken.body)).not.toContain(alice.id);
  });

  it('reads base32 info hashes, names a download as asked, and takes a .torrent URL without a hash', async () => {
    const hex = hash();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const bits = [...Buffer.from(hex, 'hex')].map((b) => b.toString(2).padStart(8, '0')).join('');
    const base32 = bits
      .match(/.{5}/g)
      ?.map((five) => alphabet[Number.parseInt(five, 2)])
      .join('');
    const named = await startMagnet(alice.token, hex, {
      magnetUrl: `magnet:?xt=urn:btih:${base32}`,
      name: 'My name',
    });
    expect(named).toMatchObject({ infoHash: hex, name: 'My name' });

    const episode = await start(alice.token, {
      torrentUrl: 'http://127.0.0.1:9/dl/Show.S01E02.1080p.torrent?key=1',
      mediaId: series.id,
      season: 1,
      episode: 2,
    });
    expect(episode.status).toBe(202);
    expect(episode.body.download).toMatchObject({
      infoHash: null,
      name: 'Show.S01E02.1080p',
      mediaId: series.id,
      season: 1,
      episode: 2,
    });
  });

  it('refuses bad magnets, non-http and guarded torrent URLs, unknown titles and misplaced episodes', async () => {
    const refused = async (body: Record<string, unknown>, status: number) => {
      const res = await start(alice.token, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      return res.body.error;
    };
    for (const magnetUrl of [
      'magnet:?dn=no-hash',
      'magnet:?xt=urn:btih:xyz',
      `magnet:?xt=urn:btih:${'g'.repeat(40)}`,
      `magnet:?xt=urn:btmh:1220${'a'.repeat(64)}`,
      'http://example.org/x.torrent',
    ]) {
      expect((await refused({ magnetUrl, mediaId: film.id }, 400)).code).toBe('validation_failed');
    }
    for (const torrentUrl of ['ftp://example.org/x.torrent', 'file:///etc/passwd', 'magnet:?xt=x']) {
      expect((await refused({ torrentUrl, mediaId: film.id }, 400)).code).toBe('validation_failed');
    }
    // The outbound guard (credentials are refused even where private addresses are allowed;
    // tests/outbound.test.ts proves loopback is refused on a stack that does not allow it).
    const guarded = await refused(
      { torrentUrl: 'http://user:secret@example.org/x.torrent', mediaId: film.id },
      400,
    );
    expect(guarded.message).toMatch(/credentials/);

    expect((await refused({ magnetUrl: magnet(), mediaId: randomUUID() }, 404)).code).toBe('not_found');
    expect(
      (await refused({ torrentUrl: 'http://127.0.0.1:9/a.torrent', mediaId: randomUUID() }, 404)).code,
    ).toBe('not_found');
    await refused({ magnetUrl: magnet(), mediaId: film.id, season: 1 }, 400);
    await refused({ magnetUrl: magnet(), mediaId: series.id, episode: 3 }, 400);
    await refused({ resultId: randomUUID() }, 404);
    await refused({ resultId: randomUUID(), magnetUrl: magnet() }, 400);
  });

  it('downloads a stored result of the caller’s own search, never another user’s', async () => {
    const { started: search, task } = await runSearch(alice.token, {
      tmdbId: 603,
      type: 'movie',
      query: 'Matrix downloads api',
      fresh: true,
    });
    expect(task.status).toBe('done');
    const stored = SearchResults.parse(
      (await api('GET', `/searches/${search.searchId}`, { token: alice.token })).body,
    );
    const result = stored.results.find((r) => !r.rejected);
    if (!result) throw new Error('the search kept nothing');

    const foreign = await start(bob.token, { resultId: result.id });
    expect(foreign.status).toBe(404);

    const res = await start(alice.token, { resultId: result.id });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.download).toMatchObject({
      resultId: result.id,
      searchId: search.searchId,
      mediaId: search.mediaId,
      name: result.title,
      infoHash: result.infoHash?.toLowerCase(),
      season: null,
      episode: null,
    });
    await controlFor(res.body.download.id);
    // Its hash is the fake indexer's: freed at once for other tests.
    expect((await api('DELETE', `/downloads/${res.body.download.id}`, { token: alice.token })).status).toBe(
      204,
    );
  });

  it('takes a series result’s season and episode from its search, and its link from the result', async () => {
    const searchId = randomUUID();
    const withLink = randomUUID();
    const withoutLink = randomUUID();
    const infoHash = hash();
    await sql`INSERT INTO searches (id, user_id, media_id, query_key, profile)
      VALUES (${searchId}, ${alice.id}, ${series.id}, '2:5:downloads%20api%20series:1080p', '1080p')`;
    const row = (id: string, result: Record<string, unknown>) => ({
      id,
      search_id: searchId,
      result: sql.json(result as never),
      score: 10,
      rejected: false,
      info_hash: (result.infoHash as string | null) ?? null,
    });
    await sql`INSERT INTO search_results ${sql([
      row(withLink, {
        title: 'Downloads.API.Series.S02E05.1080p.WEB',
        downloadUrl: 'http://127.0.0.1:9/dl/s02e05.torrent',
        magnetUrl: null,
        infoHash: infoHash.toUpperCase(),
      }),
      row(withoutLink, { title: 'No.Link.S02E05', downloadUrl: null, magnetUrl: null, infoHash: null }),
    ])}`;
    const res = await start(alice.token, { resultId: withLink });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.download).toMatchObject({
      mediaId: series.id,
      season: 2,
      episode: 5,
      infoHash,
      name: 'Downloads.API.Series.S02E05.1080p.WEB',
      resultId: withLink,
      searchId,
    });
    const none = await start(alice.token, { resultId: withoutLink });
    expect(none.status).toBe(400);
  });
});

describe('changing a download', () => {
  it('pauses, resumes, moves to the front and removes, answering 409 where the state does not allow it', async () => {
    const download = await startMagnet(alice.token);
    const paused = await api<Download>('POST', `/downloads/${download.id}/pause`, { token: alice.token });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      id: download.id,
      state: 'paused',
      pausedBy: 'user',
      downloadSpeed: 0,
    });
    control.length = 0;
    for (const action of ['pause', 'front']) {
      const res = await api<ErrorBody>('POST', `/downloads/${download.id}/${action}`, { token: alice.token });
      expect(res.status, action).toBe(409);
      expect(res.body.error.code).toBe('invalid_state');
    }
    const resumed = await api<Download>('POST', `/downloads/${download.id}/resume`, { token: alice.token });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ state: 'queued', pausedBy: null });
    await controlFor(download.id);
    const twice = await api<ErrorBody>('POST', `/downloads/${download.id}/resume`, { token: alice.token });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('invalid_state');

    // Beyond MAX_CONCURRENT_DL (3), the later ones wait: the last one goes to the front.
    const waiting: Download[] = [];
    for (let i = 0; i < 5; i++) waiting.push(await startMagnet(alice.token));
    const last = waiting.at(-1) as Download;
    const front = await api<Download>('POST', `/downloads/${last.id}/front`, { token: alice.token });
    expect(front.status, JSON.stringify(front.body)).toBe(200);
    const queued = await api<DownloadList>('GET', '/downloads?state=queued&all=true', { token: admin.token });
    const positions = queued.body.downloads.map((d) => d.queuePosition as number);
    expect(front.body.queuePosition).toBe(Math.min(...positions));
    expect(queued.body.downloads[0]?.id).toBe(last.id);

    // Removed: gone at once from the list and the detail; torrent-node is told.
    const removed = await api('DELETE', `/downloads/${download.id}?deleteData=true`, { token: alice.token });
    expect(removed.status).toBe(204);
    await controlFor(download.id);
    expect((await api('GET', `/downloads/${download.id}`, { token: alice.token })).status).toBe(404);
    expect((await api('DELETE', `/downloads/${download.id}`, { token: alice.token })).status).toBe(404);
    expect((await api('POST', `/downloads/${download.id}/resume`, { token: alice.token })).status).toBe(404);
    const list = await api<DownloadList>('GET', '/downloads', { token: alice.token });
    expect(list.body.downloads.map((d) => d.id)).not.toContain(download.id);
    // Its hash is free again.
    const restarted = await start(alice.token, {
      magnetUrl: magnet(download.infoHash ?? ''),
      mediaId: film.id,
    });
    expect(restarted.body).toMatchObject({ existing: false });
    expect(restarted.body.download.id).not.toBe(download.id);
  });

  it('answers 404 for another user’s download on every route, and lets admins see and act on anyone’s', async () => {
    const mine = await startMagnet(alice.token);
    const theirs = await startMagnet(bob.token);
    for (const [method, path] of [
      ['GET', `/downloads/${mine.id}`],
      ['POST', `/downloads/${mine.id}/pause`],
      ['POST', `/downloads/${mine.id}/resume`],
      ['POST', `/downloads/${mine.id}/front`],
      ['DELETE', `/downloads/${mine.id}`],
      ['DELETE', `/downloads/${mine.id}?deleteData=true`],
    ] as const) {
      const res = await api<ErrorBody>(method, path, { token: bob.token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const bobs = await api<DownloadList>('GET', '/downloads', { token: bob.token });
    expect(bobs.body.downloads.map((d) => d.id)).toEqual(expect.arrayContaining([theirs.id]));
    expect(bobs.body.downloads.map((d) => d.id)).not.toContain(mine.id);
    expect(bobs.body.downloads.every((d) => d.userId === bob.id)).toBe(true);
    // all=true is for admins.
    expect((await api('GET', '/downloads?all=true', { token: bob.token })).status).toBe(403);

    // Admins: their own list by default, everyone's with all=true, and any download by id.
    const own = await api<DownloadList>('GET', '/downloads', { token: admin.token });
    expect(own.body.downloads.every((d) => d.userId === admin.id)).toBe(true);
    const all = await api<DownloadList>('GET', '/downloads?all=true&limit=500', { token: admin.token });
    expect(all.body.downloads.map((d) => d.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    await sql`UPDATE downloads SET save_path = '/data/downloads/x' WHERE id = ${mine.id}`;
    const seen = await api<DownloadDetail>('GET', `/downloads/${mine.id}`, { token: admin.token });
    expect(seen.body).toMatchObject({ id: mine.id, userId: alice.id, savePath: '/data/downloads/x' });
    expect(
      (await api<DownloadDetail>('GET', `/downloads/${mine.id}`, { token: alice.token })).body.savePath,
    ).toBeNull();
    const paused = await api<Download>('POST', `/downloads/${mine.id}/pause`, { token: admin.token });
    expect(paused.body).toMatchObject({ state: 'paused', userId: alice.id });
    expect((await api('DELETE', `/downloads/${theirs.id}`, { token: admin.token })).status).toBe(204);
    expect((await api('GET', `/downloads/${theirs.id}`, { token: bob.token })).status).toBe(404);
  });
});

describe('the blocklist', () => {
  it('refuses a blocklisted release for its title, lists it to its owner only, and clears it', async () => {
    const infoHash = hash();
    const [entry] = await sql<{ id: string }[]>`
      INSERT INTO download_blocklist (user_id, media_id, info_hash, name, reason)
      VALUES (${alice.id}, ${film.id}, ${infoHash}, 'Stalled.Release.1080p', 'no_peers') RETURNING id`;
    if (!entry) throw new Error('no entry');
    const [byName] = await sql<{ id: string }[]>`
      INSERT INTO download_blocklist (user_id, media_id, info_hash, name, reason)
      VALUES (${alice.id}, ${film.id}, NULL, 'Named.Only.Release', 'metadata_timeout') RETURNING id`;
    if (!byName) throw new Error('no entry');

    const refused = await start(alice.token, { magnetUrl: magnet(infoHash), mediaId: film.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('blocklisted');
    const refusedByName = await start(alice.token, {
      magnetUrl: magnet(hash(), 'Named.Only.Release'),
      mediaId: film.id,
    });
    expect(refusedByName.body.error?.code).toBe('blocklisted');
    // Refused for that title only.
    const otherTitle = await start(alice.token, {
      magnetUrl: magnet(infoHash),
      mediaId: series.id,
    });
    expect(otherTitle.status).toBe(202);
    expect(
      (await api('DELETE', `/downloads/${otherTitle.body.download.id}`, { token: alice.token })).status,
    ).toBe(204);

    const listed = await api<BlocklistList>('GET', '/downloads/blocklist', { token: alice.token });
    expect(listed.status).toBe(200);
    expect(listed.body.entries.find((e) => e.id === entry.id)).toMatchObject({
      userId: alice.id,
      mediaId: film.id,
      mediaTitle: 'Downloads API film',
      infoHash,
      name: 'Stalled.Release.1080p',
      reason: 'no_peers',
    });
    const bobs = await api<BlocklistList>('GET', '/downloads/blocklist', { token: bob.token });
    expect(bobs.body.entries.map((e) => e.id)).not.toContain(entry.id);
    const everyone = await api<BlocklistList>('GET', '/downloads/blocklist', { token: admin.token });
    expect(everyone.body.entries.map((e) => e.id)).toContain(entry.id);
    expect((await api('DELETE', `/downloads/blocklist/${entry.id}`, { token: bob.token })).status).toBe(404);

    expect((await api('DELETE', `/downloads/blocklist/${entry.id}`, { token: alice.token })).status).toBe(
      204,
    );
    expect((await api('DELETE', `/downloads/blocklist/${entry.id}`, { token: alice.token })).status).toBe(
      404,
    );
    expect((await api('DELETE', `/downloads/blocklist/${byName.id}`, { token: admin.token })).status).toBe(
      204,
    );
    const after = await api<BlocklistList>('GET', '/downloads/blocklist', { token: alice.token });
    expect(after.body.entries.map((e) => e.id)).not.toContain(entry.id);
    // Cleared: the release may be downloaded again.
    expect((await start(alice.token, { magnetUrl: magnet(infoHash), mediaId: film.id })).status).toBe(202);
  });
});

describe('speed limits', () => {
  it('are for admins: a round trip that torrent-node hears about', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { downloadLimit: 1, uploadLimit: 1 }],
    ] as const) {
      const res = await api<ErrorBody>(method, '/admin/downloads/limits', { token: alice.token, body });
      expect(res.status, method).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const before = await api<SpeedLimits>('GET', '/admin/downloads/limits', { token: admin.token });
    expect(before.status).toBe(200);
    control.length = 0;
    const set = await api<SpeedLimits>('PUT', '/admin/downloads/limits', {
      token: admin.token,
      body: { downloadLimit: 5_000_000, uploadLimit: 250_000 },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ downloadLimit: 5_000_000, uploadLimit: 250_000 });
    await eventually(async () => expect(control).toContainEqual({ action: 'limits' }), 5000);
    const read = await api<SpeedLimits>('GET', '/admin/downloads/limits', { token: admin.token });
    expect(read.body).toEqual({ downloadLimit: 5_000_000, uploadLimit: 250_000 });
    for (const body of [
      { downloadLimit: -1, uploadLimit: 0 },
      { downloadLimit: 1.5, uploadLimit: 0 },
      { downloadLimit: 0 },
      { downloadLimit: 0, uploadLimit: 0, extra: 1 },
    ]) {
      const res = await api('PUT', '/admin/downloads/limits', { token: admin.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    // Back to none, as the other tests expect.
    const cleared = await api<SpeedLimits>('PUT', '/admin/downloads/limits', {
      token: admin.token,
      body: { downloadLimit: 0, uploadLimit: 0 },
    });
    expect(cleared.body).toEqual({ downloadLimit: 0, uploadLimit: 0 });
  });
});
