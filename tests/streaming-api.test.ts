import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DirectStreamAnswer,
  type ErrorBody,
  type Media,
  type MediaFile,
  type PlaybackDecision,
  type PlaybackPreferences,
  type StartedDownload,
  type StreamSourceList,
  signStream,
  type Task,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Stack } from '../launcher/src/stack.js';
import { adminSession, api, eventually, memberSession } from './helpers/api.js';
import { writeVideo } from './helpers/bittorrent.js';
import { type FakeIndexer, startFakeIndexer } from './helpers/fake-indexer.js';
import { FAKE_V3_KEY } from './helpers/fake-tmdb.js';
import {
  createTestDatabase,
  dropTestDatabase,
  launchStack,
  MACHINE_REDIS,
  type StackInfo,
  tmdbSettings,
} from './helpers/stack.js';

/**
 * The streaming API on a stack of its own (it starts without any indexer, to see "play this now"
 * say so): signed URLs of files on disk read through the API with HTTP Range, who may read which
 * file, the playback decision, preferences, and every step of /streaming/direct. Library files are
 * real videos made by ffmpeg under DOWNLOAD_DIR; downloads in progress are rows a torrent-node
 * engine would have written, for info hashes nobody seeds.
 */

const SIGNING_KEY = 'streaming-test-signing-key-0123456789abcdef';
/** Titles of the fake TMDB, one per case, so no case sees another's files or downloads. */
const TMDB = {
  library: 27205, // Inception
  download: 680, // Pulp Fiction
  downloadWithFile: 13, // Forrest Gump
  nothing: 157336, // Interstellar
  search: 603, // The Matrix
  noRelease: 550, // Fight Club
  stalled: 238, // The Godfather
  outside: 11, // Star Wars
} as const;

let stack: Stack;
let info: StackInfo;
let databaseUrl: string;
let indexer: FakeIndexer;
let sql: postgres.Sql;
let admin: { token: string; id: string };
let alice: { token: string; id: string };
let bob: { token: string; id: string };
let downloadDir: string;
let film: Media;
let libraryFile: MediaFile;
let videoBytes: Buffer;

const call = <T>(method: string, path: string, token?: string, body?: unknown) =>
  api<T>(method, path, { base: info.url, token, body });
const sha = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const hash = () => randomBytes(20).toString('hex');
const now = () => Math.floor(Date.now() / 1000);

/** Raw bytes through the API (fetch, not the JSON helper). */
async function bytes(path: string, init: RequestInit = {}) {
  const res = await fetch(`${info.url}${path}`, init);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

const addTitle = async (tmdbId: number) => {
  const res = await call<Media>('POST', '/media', admin.token, { tmdbId, type: 'movie' });
  expect([200, 201]).toContain(res.status);
  return res.body;
};

const addFile = async (mediaId: string, path: string, extra: Record<string, unknown> = {}) => {
  const res = await call<MediaFile>('POST', `/media/${mediaId}/files`, admin.token, {
    path,
    sizeBytes: statSync(path).size,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

/** A download as the engine records it once it knows the torrent's files. */
async function downloadRow(
  userId: string,
  mediaId: string,
  state: string,
  file?: { path: string; size: number; done: number },
): Promise<{ downloadId: string; fileId: string | null }> {
  const infoHash = hash();
  const savePath = join(downloadDir, infoHash);
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO downloads (user_id, media_id, name, info_hash, magnet_url, state, save_path, bytes_total)
    VALUES (${userId}, ${mediaId}, ${'Streaming.Test.1080p.WEB.x264'}, ${infoHash},
            ${`magnet:?xt=urn:btih:${infoHash}`}, ${state}, ${savePath}, ${file?.size ?? null})
    RETURNING id`;
  const downloadId = (row as { id: string }).id;
  if (!file) return { downloadId, fileId: null };
  const [stored] = await sql<{ id: string }[]>`
    INSERT INTO download_files (download_id, file_index, path, size_bytes, bytes_done, role)
    VALUES (${downloadId}, 0, ${file.path}, ${file.size}, ${file.done}, 'video') RETURNING id`;
  return { downloadId, fileId: (stored as { id: string }).id };
}

const session = async (label: string) => {
  const s = await memberSession(label, info.url);
  return { token: s.accessToken, id: s.user.id };
};

beforeAll(async () => {
  indexer = await startFakeIndexer({
    name: 'Chain',
    releases: [
      {
        title: 'The.Matrix.1999.1080p.BluRay.x264-CHAIN',
        seeders: 120,
        size: 8 * 1024 ** 3,
        imdb: 'tt0000603',
      },
      { title: 'The.Matrix.1999.720p.WEB.x264-CHAIN', seeders: 40, size: 3 * 1024 ** 3, imdb: 'tt0000603' },
      {
        title: 'The.Godfather.1972.1080p.BluRay.x264-CHAIN',
        seeders: 90,
        size: 9 * 1024 ** 3,
        imdb: 'tt0000238',
      },
    ].map((r) => ({ ...r, infoHash: hash() })),
  });
  databaseUrl = await createTestDatabase('sokoul_streaming');
  ({ stack, info } = await launchStack({
    DATABASE_URL: databaseUrl,
    REDIS_URL: MACHINE_REDIS,
    ...tmdbSettings(inject('tmdb'), FAKE_V3_KEY),
    INTERNAL_SIGNING_KEY: SIGNING_KEY,
    INDEXER_ALLOW_PRIVATE: 'true',
    INDEXER_TIMEOUT_MS: '2000',
  }));
  downloadDir = join(info.dataDir, 'downloads');
  sql = postgres(info.databaseUrl, { max: 2, onnotice: () => {} });
  const a = await adminSession(info.url);
  admin = { token: a.accessToken, id: a.user.id };
  [alice, bob] = await Promise.all([session('stream-alice'), session('stream-bob')]);

  const video = join(downloadDir, 'library', 'Inception (2010).mp4');
  await writeVideo(video, 4);
  videoBytes = readFileSync(video);
  film = await addTitle(TMDB.library);
  libraryFile = await addFile(film.id, video, {
    container: 'mp4',
    videoCodec: 'H.264',
    audioCodec: 'AAC',
    resolution: '480p',
    durationSeconds: 4,
  });
}, 180_000);

afterAll(async () => {
  await sql?.end();
  await stack?.stop();
  await indexer?.close();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

describe('sources and signed bytes', () => {
  it("lists a title's library file with a signed URL bound to the caller", async () => {
    const res = await call<StreamSourceList>('GET', `/media/${film.id}/stream`, alice.token);
    expect(res.status).toBe(200);
    expect(res.body.sources).toHaveLength(1);
    const [source] = res.body.sources;
    expect(source).toMatchObject({
      fileId: libraryFile.id,
      kind: 'library',
      mediaId: film.id,
      name: 'Inception (2010).mp4',
      resolution: '480p',
      sizeBytes: videoBytes.length,
      state: 'ready',
      progress: 1,
      downloadId: null,
    });
    const url = new URL(source?.url ?? '', info.url);
    expect(url.pathname).toBe(`/files/${libraryFile.id}/stream`);
    expect(url.searchParams.get('u')).toBe(alice.id);
    const ttl = Number(url.searchParams.get('exp')) - now();
    // STREAM_URL_TTL's default: six hours.
    expect(ttl).toBeGreaterThan(6 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(6 * 3600);
    expect(Date.parse(source?.expiresAt ?? '')).toBe(Number(url.searchParams.get('exp')) * 1000);
  });

  it('serves exact byte ranges, the whole file and HEAD through the API', async () => {
    const { body } = await call<StreamSourceList>('GET', `/media/${film.id}/stream`, alice.token);
    const url = body.sources[0]?.url ?? '';
    const size = videoBytes.length;

    const range = await bytes(url, { headers: { range: 'bytes=100-1099' } });
    expect(range.res.status).toBe(206);
    expect(range.res.headers.get('content-range')).toBe(`bytes 100-1099/${size}`);
    expect(range.res.headers.get('accept-ranges')).toBe('bytes');
    expect(range.res.headers.get('content-type')).toContain('video/mp4');
    expect(sha(range.body)).toBe(sha(videoBytes.subarray(100, 1100)));

    const tail = await bytes(url, { headers: { range: 'bytes=-500' } });
    expect(tail.res.status).toBe(206);
    expect(sha(tail.body)).toBe(sha(videoBytes.subarray(size - 500)));

    const whole = await bytes(url);
    expect(whole.res.status).toBe(200);
    expect(Number(whole.res.headers.get('content-length'))).toBe(size);
    expect(sha(whole.body)).toBe(sha(videoBytes));
    const etag = whole.res.headers.get('etag');
    expect(etag).toBeTruthy();

    // If-Range with the current validator: the range; with another one: the whole file.
    const current = await bytes(url, { headers: { range: 'bytes=0-9', 'if-range': etag ?? '' } });
    expect(current.res.status).toBe(206);
    expect(sha(current.body)).toBe(sha(videoBytes.subarray(0, 10)));
    const stale = await bytes(url, { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    expect(stale.res.status).toBe(200);
    expect(stale.body.length).toBe(size);

    const head = await bytes(url, { method: 'HEAD' });
    expect(head.res.status).toBe(200);
    expect(Number(head.res.headers.get('content-length'))).toBe(size);
    expect(head.res.headers.get('accept-ranges')).toBe('bytes');
    expect(head.body.length).toBe(0);

    const beyond = await api<ErrorBody>('GET', url, { base: info.url, headers: { range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('refuses forged, edited, expired and misapplied signatures before reading anything', async () => {
    const { body } = await call<StreamSourceList>('GET', `/media/${film.id}/stream`, alice.token);
    const url = new URL(body.sources[0]?.url ?? '', info.url);
    const refused = async (edit: (q: URLSearchParams) => void, path = url.pathname) => {
      const query = new URLSearchParams(url.searchParams);
      edit(query);
      const res = await api<ErrorBody>('GET', `${path}?${query}`, { base: info.url });
      expect(res.status, query.toString()).toBe(403);
      return res.body.error.code;
    };
    const sig = url.searchParams.get('sig') ?? '';
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    expect(await refused((q) => q.set('sig', flipped))).toBe('invalid_signature');
    // Another user's id under Alice's signature, a later expiry, another file's path.
    expect(await refused((q) => q.set('u', bob.id))).toBe('invalid_signature');
    expect(await refused((q) => q.set('exp', String(now() + 10 * 86_400)))).toBe('invalid_signature');
    expect(await refused(() => undefined, `/files/${randomUUID()}/stream`)).toBe('invalid_signature');
    // Made with the right key, but expired.
    const expired = await signStream(SIGNING_KEY, {
      fileId: libraryFile.id,
      userId: alice.id,
      exp: now() - 5,
    });
    const res = await api<ErrorBody>('GET', `/files/${libraryFile.id}/stream?${expired}`, { base: info.url });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('signature_expired');
    // Made with another key.
    const other = await signStream('another-key-0123456789abcdef0123456789', {
      fileId: libraryFile.id,
      userId: alice.id,
      exp: now() + 60,
    });
    const foreign = await api<ErrorBody>('GET', `/files/${libraryFile.id}/stream?${other}`, {
      base: info.url,
    });
    expect(foreign.body.error.code).toBe('invalid_signature');
    // No signature at all.
    const bare = await api<ErrorBody>('GET', `/files/${libraryFile.id}/stream`, { base: info.url });
    expect(bare.status).toBe(400);
  });

  it('takes ids only: path tricks and unknown ids are 404s, whatever the signature', async () => {
    const signedFor = (fileId: string) =>
      signStream(SIGNING_KEY, { fileId, userId: alice.id, exp: now() + 60 });
    for (const id of [
      '..',
      '..%2F..%2Fetc%2Fpasswd',
      '%2Fetc%2Fhostname',
      'not-a-uuid',
      `${libraryFile.id}%00`,
    ]) {
      const stream = await api<ErrorBody>('GET', `/files/${id}/stream?${await signedFor(id)}`, {
        base: info.url,
      });
      expect(stream.status, id).toBe(404);
      const playback = await api<ErrorBody>('POST', `/files/${id}/playback`, {
        base: info.url,
        token: alice.token,
        body: { capabilities: { containers: ['mp4'], video: ['h264'], audio: ['aac'] } },
      });
      expect(playback.status, id).toBe(404);
    }
    // Well formed, validly signed, known to nobody: torrent-node's 404.
    const unknown = randomUUID();
    const res = await api<ErrorBody>('GET', `/files/${unknown}/stream?${await signedFor(unknown)}`, {
      base: info.url,
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('never serves a file outside the media folders, even through a symlink', async () => {
    const outside = await addTitle(TMDB.outside);
    const etc = await addFile(outside.id, '/etc/hostname');
    const link = join(downloadDir, 'library', 'looks-fine.mp4');
    mkdirSync(join(downloadDir, 'library'), { recursive: true });
    symlinkSync('/etc/hostname', link);
    const linked = await addFile(outside.id, link);
    const { body } = await call<StreamSourceList>('GET', `/media/${outside.id}/stream`, alice.token);
    expect(body.sources.map((s) => s.fileId).sort()).toEqual([etc.id, linked.id].sort());
    for (const source of body.sources) {
      const res = await api<ErrorBody>('GET', source.url, { base: info.url });
      expect(res.status, source.name).toBe(403);
      expect(res.body.error.code).toBe('outside_media_folders');
    }
    for (const file of [etc, linked])
      expect((await call('DELETE', `/media/${outside.id}/files/${file.id}`, admin.token)).status).toBe(204);
  });
});

describe('who may read a download in progress', () => {
  let bobsFile: string;
  let bobsDownload: string;

  beforeAll(async () => {
    const row = await downloadRow(bob.id, film.id, 'paused', {
      path: 'Inception.2010.1080p/Inception.2010.1080p.mkv',
      size: 1_500_000_000,
      done: 300_000_000,
    });
    bobsFile = row.fileId ?? '';
    bobsDownload = row.downloadId;
  });

  it('lists it to its owner and admins, not to another member', async () => {
    const forBob = await call<StreamSourceList>('GET', `/media/${film.id}/stream`, bob.token);
    expect(forBob.body.sources.map((s) => [s.kind, s.state])).toEqual([
      ['library', 'ready'],
      ['download', 'downloading'],
    ]);
    expect(forBob.body.sources[1]).toMatchObject({
      fileId: bobsFile,
      mediaId: film.id,
      name: 'Inception.2010.1080p.mkv',
      container: 'mkv',
      sizeBytes: 1_500_000_000,
      progress: 0.2,
      downloadId: bobsDownload,
      downloadState: 'paused',
    });
    const forAdmin = await call<StreamSourceList>('GET', `/media/${film.id}/stream`, admin.token);
    expect(forAdmin.body.sources.map((s) => s.fileId)).toContain(bobsFile);
    const forAlice = await call<StreamSourceList>('GET', `/media/${film.id}/stream`, alice.token);
    expect(forAlice.body.sources.map((s) => s.fileId)).toEqual([libraryFile.id]);
  });

  it("answers another member's file as missing on every route", async () => {
    const caps = { containers: ['mp4'], video: ['h264'], audio: ['aac'] };
    for (const [method, path, body] of [
      ['POST', `/files/${bobsFile}/playback`, { capabilities: caps }],
      ['GET', `/files/${bobsFile}/availability`, undefined],
      ['GET', `/files/${bobsFile}/subtitles`, undefined],
      ['GET', `/files/${bobsFile}/subtitles/search`, undefined],
      ['POST', `/files/${bobsFile}/subtitles`, { providerFileId: 1 }],
    ] as const) {
      const res = await call<ErrorBody>(method, path, alice.token, body);
      expect(res.status, path).toBe(404);
      expect(res.body.error.message).toBe('File not found');
    }
  });
});

describe('playback decisions and preferences', () => {
  const chrome = { containers: ['mp4', 'webm'], video: ['h264', 'vp9'], audio: ['aac', 'mp3', 'opus'] };

  it('plays the H.264/AAC MP4 directly, and remuxes it for a browser without AAC', async () => {
    const direct = await call<PlaybackDecision>('POST', `/files/${libraryFile.id}/playback`, alice.token, {
      capabilities: chrome,
    });
    expect(direct.status).toBe(200);
    expect(direct.body).toMatchObject({
      fileId: libraryFile.id,
      mode: 'direct',
      reasons: ['supported'],
      seek: 'native',
      container: 'mp4',
      videoCodec: 'h264',
      audioCodec: 'aac',
      audioTrack: 0,
    });
    expect(direct.body.durationSeconds).toBeCloseTo(4, 0);
    expect(direct.body.url).toMatch(
      new RegExp(`^/files/${libraryFile.id}/stream\\?u=${alice.id}&exp=\\d+&sig=`),
    );
    const played = await bytes(direct.body.url, { headers: { range: 'bytes=0-1023' } });
    expect(sha(played.body)).toBe(sha(videoBytes.subarray(0, 1024)));

    const noAac = await call<PlaybackDecision>('POST', `/files/${libraryFile.id}/playback`, alice.token, {
      capabilities: { ...chrome, audio: ['mp3', 'opus'] },
    });
    expect(noAac.body).toMatchObject({ mode: 'remux', reasons: ['audio_unsupported'], seek: 'restart' });
    const remux = new URL(noAac.body.url, info.url);
    expect(remux.pathname).toBe(`/files/${libraryFile.id}/remux`);
    expect(Object.fromEntries(remux.searchParams)).toMatchObject({ u: alice.id, mode: 'remux', audio: '0' });
  });

  it('refuses capabilities it does not know', async () => {
    const res = await call<ErrorBody>('POST', `/files/${libraryFile.id}/playback`, alice.token, {
      capabilities: { containers: ['avi'], video: [], audio: [] },
    });
    expect(res.status).toBe(400);
  });

  it("keeps each user's subtitle and audio languages per title, an episode's on its series", async () => {
    const empty = await call<PlaybackPreferences>('GET', `/playback/preferences/${film.id}`, alice.token);
    expect(empty.body).toEqual({ subtitleLanguage: null, audioLanguage: null });
    const set = await call<PlaybackPreferences>('PUT', `/playback/preferences/${film.id}`, alice.token, {
      subtitleLanguage: 'fr',
      audioLanguage: 'eng',
    });
    expect(set.body).toEqual({ subtitleLanguage: 'fr', audioLanguage: 'eng' });
    const changed = await call<PlaybackPreferences>('PUT', `/playback/preferences/${film.id}`, alice.token, {
      subtitleLanguage: null,
      audioLanguage: 'fre',
    });
    expect(changed.body).toEqual({ subtitleLanguage: null, audioLanguage: 'fre' });
    expect((await call('GET', `/playback/preferences/${film.id}`, alice.token)).body).toEqual(changed.body);
    // Bob's are his own.
    expect((await call('GET', `/playback/preferences/${film.id}`, bob.token)).body).toEqual(empty.body);

    const series = await call<Media>('POST', '/media', admin.token, { tmdbId: 1399, type: 'tv' });
    const [episode] = await sql<{ id: string }[]>`
      SELECT id FROM media WHERE parent_id = ${series.body.id} AND season_number = 1 AND episode_number = 2`;
    await call('PUT', `/playback/preferences/${episode?.id}`, alice.token, {
      subtitleLanguage: 'en',
      audioLanguage: null,
    });
    const onSeries = await call<PlaybackPreferences>(
      'GET',
      `/playback/preferences/${series.body.id}`,
      alice.token,
    );
    expect(onSeries.body).toEqual({ subtitleLanguage: 'en', audioLanguage: null });

    const missing = await call<ErrorBody>('PUT', `/playback/preferences/${randomUUID()}`, alice.token, {
      subtitleLanguage: 'fr',
      audioLanguage: null,
    });
    expect(missing.status).toBe(404);
    const bad = await call<ErrorBody>('PUT', `/playback/preferences/${film.id}`, alice.token, {
      subtitleLanguage: 'French!',
      audioLanguage: null,
    });
    expect(bad.status).toBe(400);
  });
});

describe('/streaming/direct: the chain', () => {
  const direct = (path: string, token = alice.token) =>
    call<DirectStreamAnswer & ErrorBody>('GET', `/streaming/direct/${path}`, token);
  const steps = (answer: DirectStreamAnswer) => answer.steps.map((s) => [s.step, s.outcome, s.code]);

  it('plays the best library file at once', async () => {
    const res = await direct(`movie/${TMDB.library}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', mediaId: film.id, source: { fileId: libraryFile.id } });
    expect(steps(res.body)).toEqual([['library', 'found', null]]);
  });

  it('follows a download in progress: starting while it has no files, ready once it has', async () => {
    const title = await addTitle(TMDB.download);
    const started = await call<StartedDownload>('POST', '/downloads', alice.token, {
      magnetUrl: `magnet:?xt=urn:btih:${hash()}&dn=Pulp.Fiction.1994.1080p`,
      mediaId: title.id,
    });
    expect(started.status).toBe(202);
    const waiting = await direct(`movie/${TMDB.download}`);
    expect(waiting.body).toMatchObject({
      status: 'starting',
      mediaId: title.id,
      downloadId: started.body.download.id,
      source: null,
      etaSeconds: null,
    });
    expect(steps(waiting.body)).toEqual([
      ['library', 'none', 'no_file'],
      ['download', 'waiting', null],
    ]);

    const other = await addTitle(TMDB.downloadWithFile);
    const { downloadId, fileId } = await downloadRow(bob.id, other.id, 'downloading', {
      path: 'Forrest.Gump.1994.mkv',
      size: 2_000_000_000,
      done: 10_000_000,
    });
    const ready = await direct(`movie/${TMDB.downloadWithFile}`, bob.token);
    expect(ready.body).toMatchObject({
      status: 'ready',
      mediaId: other.id,
      source: { fileId, kind: 'download', state: 'downloading', downloadId, progress: 0.005 },
    });
    expect(steps(ready.body)).toEqual([
      ['library', 'none', 'no_file'],
      ['download', 'found', null],
    ]);
    if (ready.body.status !== 'ready') throw new Error('expected ready');
    expect(new URL(ready.body.source.url, info.url).searchParams.get('u')).toBe(bob.id);
  });

  it('says no indexer is configured when nothing else can play', async () => {
    const res = await direct(`movie/${TMDB.nothing}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_indexer');
    expect(res.body.error.message).toMatch(/indexer/i);
    // Another member's download in progress is not the caller's to play.
    const bobs = await direct(`movie/${TMDB.downloadWithFile}`);
    expect(bobs.status).toBe(409);
    expect(bobs.body.error.code).toBe('no_indexer');
  });

  it('searches, then starts the best release, then follows that download', async () => {
    const added = await call('POST', '/admin/indexers', admin.token, { name: 'Chain', url: indexer.url });
    expect(added.status).toBe(201);
    const searching = await direct(`movie/${TMDB.search}`);
    expect(searching.status).toBe(200);
    expect(searching.body.status).toBe('searching');
    expect(steps(searching.body)).toEqual([
      ['library', 'none', 'no_file'],
      ['download', 'none', 'no_download'],
      ['search', 'started', null],
    ]);
    if (searching.body.status !== 'searching') throw new Error('expected searching');
    const taskId = searching.body.taskId;
    await waitForTask(taskId);

    const starting = await direct(`movie/${TMDB.search}`);
    expect(starting.body).toMatchObject({ status: 'starting', source: null });
    expect(steps(starting.body)).toEqual([
      ['library', 'none', 'no_file'],
      ['download', 'none', 'no_download'],
      ['search', 'found', null],
      ['start', 'started', null],
    ]);
    if (starting.body.status !== 'starting') throw new Error('expected starting');
    const download = await call<{ name: string; userId: string; searchId: string }>(
      'GET',
      `/downloads/${starting.body.downloadId}`,
      alice.token,
    );
    expect(download.body).toMatchObject({
      name: 'The.Matrix.1999.1080p.BluRay.x264-CHAIN',
      userId: alice.id,
    });

    // Asked again: that very download, on its way.
    const again = await direct(`movie/${TMDB.search}`);
    expect(again.body).toMatchObject({ status: 'starting', downloadId: starting.body.downloadId });
    expect(steps(again.body)).toEqual([
      ['library', 'none', 'no_file'],
      ['download', 'waiting', null],
    ]);
  });

  it('says no release was found when the search has nothing acceptable', async () => {
    const searching = await direct(`movie/${TMDB.noRelease}`);
    expect(searching.body.status).toBe('searching');
    if (searching.body.status !== 'searching') throw new Error('expected searching');
    // Asked again while the search runs: the same search, not another one.
    const meanwhile = await direct(`movie/${TMDB.noRelease}`);
    if (meanwhile.body.status === 'searching') {
      expect(meanwhile.body.taskId).toBe(searching.body.taskId);
      expect(steps(meanwhile.body).at(-1)).toEqual(['search', 'waiting', null]);
    }
    await waitForTask(searching.body.taskId);
    const res = await direct(`movie/${TMDB.noRelease}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('no_release');
  });

  it('skips a stalled download, says so, and starts another release', async () => {
    const title = await addTitle(TMDB.stalled);
    await downloadRow(alice.id, title.id, 'stalled');
    const searching = await direct(`movie/${TMDB.stalled}`);
    expect(steps(searching.body)).toEqual([
      ['library', 'none', 'no_file'],
      ['download', 'none', 'all_stalled'],
      ['search', 'started', null],
    ]);
    if (searching.body.status !== 'searching') throw new Error('expected searching');
    await waitForTask(searching.body.taskId);
    const starting = await direct(`movie/${TMDB.stalled}`);
    expect(starting.body.status).toBe('starting');
    expect(steps(starting.body).slice(1)).toEqual([
      ['download', 'none', 'all_stalled'],
      ['search', 'found', null],
      ['start', 'started', null],
    ]);
    // That release is now taken too (by a live download), and the stalled one is all there was.
    await sql`UPDATE downloads SET state = 'stalled' WHERE media_id = ${title.id}`;
    const exhausted = await direct(`movie/${TMDB.stalled}`);
    expect(exhausted.status).toBe(409);
    expect(exhausted.body.error.code).toBe('all_stalled');
  });

  it('refuses a series without an episode, a film with one, and an episode TMDB does not have', async () => {
    expect((await direct('tv/1399')).status).toBe(400);
    expect((await direct(`movie/${TMDB.library}?season=1&episode=1`)).status).toBe(400);
    const missing = await direct('tv/1399?season=1&episode=999');
    expect(missing.status).toBe(404);
    expect((await direct('movie/0')).status).toBe(400);
  });
});

async function waitForTask(taskId: string): Promise<void> {
  await eventually(async () => {
    const task = await call<Task>('GET', `/tasks/${taskId}`, alice.token);
    expect(task.body.status).toBe('done');
  }, 20_000);
}
