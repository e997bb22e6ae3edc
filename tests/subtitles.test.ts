import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type FileProbe, type TorrentNodeConfig, TorrentNodeConfigSchema } from '@sokoul/contracts';
import { type Db, streamFile, streamTag } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { type FfprobeOutput, mapProbe } from '../torrent-node/src/downloads/probe.js';
import { openSubtitlesSource } from '../torrent-node/src/ops/checks.js';
import { MOVIEHASH_CHUNK, moviehash, moviehashOf } from '../torrent-node/src/streaming/moviehash.js';
import {
  detectEncoding,
  isoLanguage,
  keptName,
  parseSidecar,
} from '../torrent-node/src/streaming/subtitle-files.js';
import { createSubtitleService } from '../torrent-node/src/streaming/subtitles.js';
import { type ServedFile, StreamError, type SubtitleService } from '../torrent-node/src/streaming/types.js';
import { type FakeOpenSubtitles, startFakeOpenSubtitles, windows1252 } from './helpers/fake-opensubtitles.js';
import { captureLogger } from './helpers/logger.js';
import { ffmpeg } from './helpers/media.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

/**
 * Subtitles of a file (torrent-node/src/streaming/subtitles.ts) on real files made by ffmpeg:
 * embedded text and picture tracks, files beside the video in the encodings they come in, and
 * OpenSubtitles through a local fake of its REST API (moviehash and title searches, downloads kept
 * beside the file, quota spent, rate limit, not configured), against a database of its own.
 */
const run = promisify(execFile);

const API_KEY = 'fake-opensubtitles-api-key-0123';
const FILM_TMDB = 603;
const SERIES_TMDB = 1399;

let url: string;
let sql: postgres.Sql;
let db: Db;
let work: string;
let fake: FakeOpenSubtitles;
let film: ServedFile;
let episode: ServedFile;
let downloading: ServedFile;
let filmProbe: FileProbe;
let episodeProbe: FileProbe;
let rangeServer: Server;
const rangeRequests: (string | undefined)[] = [];

const config = (overrides: Record<string, string | undefined> = {}): TorrentNodeConfig =>
  TorrentNodeConfigSchema.parse({
    DATABASE_URL: url,
    NATS_URL: 'nats://127.0.0.1:4222',
    INTERNAL_SIGNING_KEY: 'internal-signing-key-for-subtitle-tests',
    DOWNLOAD_DIR: join(work, 'downloads'),
    LIBRARY_DIR: join(work, 'library'),
    CACHE_DIR: join(work, 'cache'),
    LOG_LEVEL: 'silent',
    TMDB_LANGUAGE: 'fr-FR',
    OPENSUBTITLES_API_KEY: API_KEY,
    OPENSUBTITLES_USERNAME: 'sokoul',
    OPENSUBTITLES_PASSWORD: 'secret',
    OPENSUBTITLES_API_URL: fake.url,
    ...overrides,
  });

const service = (overrides: Record<string, string | undefined> = {}): SubtitleService =>
  createSubtitleService({ db, config: config(overrides), log: captureLogger() });

const picture = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc=size=160x90:rate=25:duration=${seconds}`];

/**
 * A VobSub pair (`.idx` timings and palette, `.sub` MPEG program stream) with one 2×2 picture
 * shown at 0.5 s: ffmpeg cannot encode picture subtitles from text, so the bytes are laid out here.
 */
async function writeVobSub(stem: string) {
  const pixels = Buffer.from([0, 0, 0, 0]); // each field's line: "fill the line with colour 0"
  const controlAt = 4 + pixels.length;
  const start = Buffer.from([
    0, 0, 0, 0, 0x01, 0x03, 0x01, 0x23, 0x04, 0xff, 0xf0, 0x05, 0, 0, 1, 0, 0, 1, 0x06,
  ]);
  const offsets = Buffer.from([0, 4, 0, 6, 0xff]);
  const stopAt = controlAt + start.length + offsets.length;
  start.writeUInt16BE(stopAt, 2);
  const stop = Buffer.from([0x00, 0x64, 0, 0, 0x02, 0xff]);
  stop.writeUInt16BE(stopAt, 2);
  const spu = Buffer.concat([Buffer.alloc(4), pixels, start, offsets, stop]);
  spu.writeUInt16BE(spu.length, 0);
  spu.writeUInt16BE(controlAt, 2);
  const pts = 45_000; // 0.5 s at 90 kHz
  const ptsBytes = Buffer.from([0x21 | ((pts >>> 29) & 0x0e), 0, 0, 0, 0]);
  ptsBytes.writeUInt16BE((((pts >>> 15) & 0x7fff) << 1) | 1, 1);
  ptsBytes.writeUInt16BE(((pts & 0x7fff) << 1) | 1, 3);
  const payload = Buffer.concat([Buffer.from([0x81, 0x80, 0x05]), ptsBytes, Buffer.from([0x20]), spu]);
  const pes = Buffer.alloc(6);
  pes.writeUInt32BE(0x1bd, 0);
  pes.writeUInt16BE(payload.length, 4);
  const pack = Buffer.from([0, 0, 1, 0xba, 0x44, 0, 4, 0, 4, 1, 1, 0x89, 0xc3, 0xf8]);
  const sector = Buffer.concat([pack, pes, payload]);
  await writeFile(`${stem}.sub`, Buffer.concat([sector, Buffer.alloc(2048 - sector.length, 0xff)]));
  const palette = Array.from({ length: 16 }, (_, i) => (i % 2 ? 'ffffff' : '000000')).join(', ');
  await writeFile(
    `${stem}.idx`,
    `# VobSub index file, v7 (do not modify this line!)\nsize: 720x480\npalette: ${palette}\n\nid: en, index: 0\ntimestamp: 00:00:00:500, filepos: 000000000\n`,
  );
}

/** The probe the stream server hands over: probe.ts's words, with each track's ffprobe stream index. */
async function probeOf(path: string): Promise<FileProbe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    '-show_format',
    path,
  ]);
  const output = JSON.parse(stdout) as FfprobeOutput;
  const indexed = JSON.parse(stdout) as { streams: { index: number; codec_type?: string }[] };
  const mapped = mapProbe(output, path);
  const indexes = indexed.streams.filter((s) => s.codec_type === 'subtitle').map((s) => s.index);
  return {
    container: mapped.container,
    videoCodec: mapped.videoCodec,
    videoBitDepth: null,
    durationSeconds: mapped.durationSeconds,
    audioTracks: [],
    subtitleTracks: mapped.subtitleTracks.map((t, i) => ({ ...t, index: indexes[i] ?? -1 })),
  };
}

const FILM_SRT = '1\n00:00:00,500 --> 00:00:01,500\nBonjour\n\n2\n00:00:01,500 --> 00:00:02,750\nAu revoir\n';
const ACCENTS = "Élève à l'école, cœur — « oui »";
const ACCENTS_SRT = `1\r\n00:00:01,000 --> 00:00:02,500\r\n${ACCENTS}\r\n\r\n2\r\n01:02:03,456 --> 01:02:04,789\r\nFin\r\n`;

async function servedLibraryFile(mediaId: string, path: string): Promise<ServedFile> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO media_files (media_id, path, size_bytes) VALUES (${mediaId}, ${path}, ${(await stat(path)).size})
    RETURNING id`;
  const file = await streamFile(db, row?.id as string);
  if (!file) throw new Error('media file row missing');
  return { ...file, realPath: path, complete: true, internalUrl: 'http://127.0.0.1:9/unused' };
}

/** Serves one file with HTTP Range, as the stream server does for a file still downloading. */
async function startRangeServer(path: string): Promise<string> {
  const size = (await stat(path)).size;
  rangeServer = createServer((req, res) => {
    rangeRequests.push(req.headers.range);
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const first = match ? Number(match[1]) : 0;
    const last = match?.[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
    res.writeHead(match ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-length': String(last - first + 1),
      'content-type': 'video/x-matroska',
      ...(match ? { 'content-range': `bytes ${first}-${last}/${size}` } : {}),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path, { start: first, end: last }).pipe(res);
  });
  await new Promise<void>((resolve) => rangeServer.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(rangeServer.address() as AddressInfo).port}/files/x/stream?sig=internal`;
}

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StreamError) return error;
    throw error;
  }
  throw new Error('expected a StreamError');
};

let filmHash: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-subtitles-'));
  url = await createTestDatabase('sokoul_subtitles');
  const filmDir = join(work, 'library', 'Films', 'Film (2020)');
  const showDir = join(work, 'library', 'Series', 'Show', 'Season 01');
  const downloadDir = join(work, 'downloads', 'Show.S01.720p');
  const srt = join(work, 'film.srt');
  await Promise.all([
    mkdir(filmDir, { recursive: true }),
    mkdir(showDir, { recursive: true }),
    writeFile(srt, FILM_SRT),
  ]);
  await writeVobSub(join(work, 'picture'));
  const filmPath = join(filmDir, 'Film.2020.1080p.mkv');
  const episodePath = join(showDir, 'Show.S01E02.720p.mp4');
  await Promise.all([
    migrate(ROOT, url, createLogger('silent', 'test')),
    // The film: a French SRT track and an English VobSub (picture) track.
    ffmpeg(filmPath, [
      ...picture(3),
      '-i',
      srt,
      '-i',
      join(work, 'picture.idx'),
      '-map',
      '0:v',
      '-map',
      '1:s',
      '-map',
      '2:s',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:s:0',
      'srt',
      '-c:s:1',
      'copy',
      '-metadata:s:s:0',
      'language=fre',
      '-metadata:s:s:0',
      'title=Français',
      '-metadata:s:s:1',
      'language=eng',
    ]),
    // An episode in MP4 with a mov_text (3GPP timed text) English track.
    ffmpeg(episodePath, [
      ...picture(3),
      '-i',
      srt,
      '-map',
      '0:v',
      '-map',
      '1:s',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:s',
      'mov_text',
      '-metadata:s:s:0',
      'language=eng',
    ]),
  ]);
  // Files beside the film, in the encodings subtitle files come in.
  await writeFile(join(filmDir, 'Film.2020.1080p.French.srt'), windows1252(ACCENTS_SRT));
  await writeFile(join(filmDir, 'Film.2020.1080p.fr.forced.srt'), FILM_SRT);
  await writeFile(
    join(filmDir, 'Film.2020.1080p.eng.SDH.srt'),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ACCENTS_SRT, 'utf16le')]),
  );
  await writeFile(join(filmDir, 'Film.2020.1080p.Director.Commentary.ass'), '');
  await copyFile(join(work, 'picture.idx'), join(filmDir, 'Film.2020.1080p.idx'));
  await copyFile(join(work, 'picture.sub'), join(filmDir, 'Film.2020.1080p.sub'));
  await writeFile(join(filmDir, 'Other.Film.srt'), FILM_SRT);
  await writeFile(join(filmDir, 'Film.2020.1080p.nfo'), 'not a subtitle');

  sql = postgres(url, { max: 2, types: WIRE_TYPES, onnotice: () => {} });
  db = postgresDb(sql);
  const [user] = await sql<{ id: string }[]>`
    INSERT INTO users (email, display_name, password_hash) VALUES ('subs@test', 'subs', 'x') RETURNING id`;
  const [filmRow] = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, tmdb_id, title, year) VALUES ('movie', ${FILM_TMDB}, 'Film', 2020) RETURNING id`;
  const [series] = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, tmdb_id, title, year) VALUES ('tv', ${SERIES_TMDB}, 'Show', 2011) RETURNING id`;
  const [episodeRow] = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, title, parent_id, season_number, episode_number)
    VALUES ('episode', 'Deux', ${series?.id as string}, 1, 2) RETURNING id`;
  film = await servedLibraryFile(filmRow?.id as string, filmPath);
  episode = await servedLibraryFile(episodeRow?.id as string, episodePath);
  filmProbe = await probeOf(filmPath);
  episodeProbe = await probeOf(episodePath);

  // A season pack still downloading: its third episode, read through a Range server.
  const downloadingPath = join(downloadDir, 'Show.S01E03.720p.mkv');
  // Every frame a key frame: over twice 64 KiB, so the moviehash reads two distinct chunks.
  await ffmpeg(downloadingPath, [
    ...picture(4),
    '-i',
    srt,
    '-map',
    '0:v',
    '-map',
    '1:s',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '1',
    '-c:s',
    'srt',
  ]);
  const size = (await stat(downloadingPath)).size;
  const [download] = await sql<{ id: string }[]>`
    INSERT INTO downloads (user_id, media_id, season_number, name, magnet_url, state, save_path, bytes_total,
      info_hash)
    VALUES (${user?.id as string}, ${series?.id as string}, 1, 'Show.S01.720p', 'magnet:?xt=urn:btih:test',
      'downloading', ${downloadDir}, ${size}, ${'ab'.repeat(20)})
    RETURNING id`;
  const [fileRow] = await sql<{ id: string }[]>`
    INSERT INTO download_files (download_id, file_index, path, size_bytes, bytes_done)
    VALUES (${download?.id as string}, 0, 'Show.S01E03.720p.mkv', ${size}, ${Math.floor(size / 2)}) RETURNING id`;
  const downloadFile = await streamFile(db, fileRow?.id as string);
  if (!downloadFile) throw new Error('download file row missing');
  downloading = {
    ...downloadFile,
    realPath: downloadingPath,
    complete: false,
    internalUrl: await startRangeServer(downloadingPath),
  };

  filmHash = await moviehash(film);
  fake = await startFakeOpenSubtitles({
    apiKey: API_KEY,
    username: 'sokoul',
    password: 'secret',
    allowedDownloads: 20,
    subtitles: [
      {
        fileId: 1001,
        language: 'fr',
        release: 'Film.2020.1080p-GRP',
        downloadCount: 10,
        moviehash: filmHash,
        tmdbId: FILM_TMDB,
        text: FILM_SRT,
      },
      {
        fileId: 1002,
        language: 'fr',
        release: 'Film.2020.WEB',
        downloadCount: 5000,
        tmdbId: FILM_TMDB,
        text: ACCENTS_SRT,
      },
      {
        fileId: 1003,
        language: 'en',
        release: 'Film.2020.BluRay',
        downloadCount: 9000,
        hearingImpaired: true,
        tmdbId: FILM_TMDB,
        text: FILM_SRT,
      },
      {
        fileId: 1004,
        language: 'fr',
        release: 'Film.2020.forced',
        downloadCount: 100,
        foreignPartsOnly: true,
        tmdbId: FILM_TMDB,
        text: FILM_SRT,
      },
      {
        fileId: 1005,
        language: 'de',
        release: 'Film.2020.German',
        downloadCount: 99_999,
        tmdbId: FILM_TMDB,
        text: FILM_SRT,
      },
      {
        fileId: 1006,
        language: 'fr',
        release: 'Film.2020.2CD',
        downloadCount: 99_999,
        tmdbId: FILM_TMDB,
        extraFiles: [1007],
        text: FILM_SRT,
      },
      {
        fileId: 2002,
        language: 'fr',
        release: 'Show.S01E02',
        downloadCount: 50,
        parentTmdbId: SERIES_TMDB,
        season: 1,
        episode: 2,
        text: FILM_SRT,
      },
      {
        fileId: 2003,
        language: 'en',
        release: 'Show.S01E03',
        downloadCount: 70,
        parentTmdbId: SERIES_TMDB,
        season: 1,
        episode: 3,
        text: FILM_SRT,
      },
      {
        fileId: 2013,
        language: 'en',
        release: 'Show.S01E13',
        downloadCount: 70,
        parentTmdbId: SERIES_TMDB,
        season: 1,
        episode: 13,
        text: FILM_SRT,
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  await fake?.close();
  await new Promise<void>((resolve) => (rangeServer ? rangeServer.close(() => resolve()) : resolve()));
  await sql?.end();
  if (url) await dropTestDatabase(url);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('moviehash', () => {
  /** The same sum read another way: Buffer's own 64-bit reads over the two chunks. */
  function reference(bytes: Buffer): string {
    let sum = BigInt(bytes.length);
    const head = bytes.subarray(0, MOVIEHASH_CHUNK);
    const tail = bytes.subarray(Math.max(0, bytes.length - MOVIEHASH_CHUNK));
    for (const chunk of [head, tail])
      for (let i = 0; i + 8 <= chunk.length; i += 8) sum += chunk.readBigUInt64LE(i);
    return BigInt.asUintN(64, sum).toString(16).padStart(16, '0');
  }

  it('adds the size and the words of both ends modulo 2^64 (worked by hand)', async () => {
    // 128 KiB of zeros but a first word of 1 and a last word of 2^64-1: 131072 + 1 + (2^64 - 1) wraps to 131072.
    const bytes = Buffer.alloc(2 * MOVIEHASH_CHUNK);
    bytes.writeBigUInt64LE(1n, 0);
    bytes.writeBigUInt64LE(2n ** 64n - 1n, bytes.length - 8);
    expect(
      moviehashOf(bytes.length, bytes.subarray(0, MOVIEHASH_CHUNK), bytes.subarray(MOVIEHASH_CHUNK)),
    ).toBe('0000000000020000');
    // The words are little-endian: 0x0102030405060708 is stored 08 07 … 01.
    const small = Buffer.alloc(16);
    small.set([8, 7, 6, 5, 4, 3, 2, 1], 0);
    expect(moviehashOf(16, small, small)).toBe(
      (16n + 2n * 0x0102030405060708n).toString(16).padStart(16, '0'),
    );
  });

  it('agrees with an independent reading on random files of several sizes, on disk and over HTTP Range', async () => {
    const dir = join(work, 'hash');
    await mkdir(dir, { recursive: true });
    for (const size of [MOVIEHASH_CHUNK * 2, MOVIEHASH_CHUNK * 2 + 1000, 5 * 1024 * 1024 + 3]) {
      const bytes = randomBytes(size);
      const path = join(dir, `r${size}.bin`);
      await writeFile(path, bytes);
      const onDisk = await moviehash({ ...film, realPath: path, complete: true, sizeBytes: size });
      expect(onDisk).toBe(reference(bytes));
    }
    expect(downloading.sizeBytes).toBeGreaterThan(2 * MOVIEHASH_CHUNK);
    const before = rangeRequests.length;
    const overHttp = await moviehash(downloading);
    expect(overHttp).toBe(reference(await readFile(downloading.realPath)));
    expect(rangeRequests.slice(before).sort()).toEqual(
      [
        `bytes=0-${MOVIEHASH_CHUNK - 1}`,
        `bytes=${downloading.sizeBytes - MOVIEHASH_CHUNK}-${downloading.sizeBytes - 1}`,
      ].sort(),
    );
  });
});

describe('names and encodings', () => {
  it('reads languages as ISO 639-1 from codes and English or French names', () => {
    expect(
      ['fr', 'fre', 'fra', 'FRE', 'French', 'français', 'Francais', 'anglais', 'eng', 'pt-BR', 'German'].map(
        isoLanguage,
      ),
    ).toEqual(['fr', 'fr', 'fr', 'fr', 'fr', 'fr', 'fr', 'en', 'en', 'pt', 'de']);
    expect(['und', '1080p', 'x264', 'Director', ''].map(isoLanguage)).toEqual([null, null, null, null, null]);
  });

  it('tells what a subtitle file name says, and which files belong to a video', () => {
    const video = '/m/Film.2020.1080p.mkv';
    const forced = parseSidecar(video, 'Film.2020.1080p.fr.forced.srt');
    expect(forced?.track).toMatchObject({
      source: 'sidecar',
      language: 'fr',
      forced: true,
      hearingImpaired: false,
      label: null,
    });
    const kept = parseSidecar(
      video,
      keptName(video, 4242, { language: 'fr', forced: false, hearingImpaired: true }),
    );
    expect(kept?.name).toBe('Film.2020.1080p.fr.sdh.os4242.srt');
    expect(kept?.track).toMatchObject({ source: 'opensubtitles', language: 'fr', hearingImpaired: true });
    expect(kept?.providerFileId).toBe(4242);
    expect(parseSidecar(video, 'Film.2020.1080p.Director.Commentary.ass')?.track).toMatchObject({
      language: null,
      label: 'Director Commentary',
      format: 'ass',
    });
    expect(parseSidecar(video, 'Film.2020.1080p.idx')?.track).toMatchObject({
      format: 'dvd_subtitle',
      convertible: false,
    });
    expect(parseSidecar(video, 'Film.2020.1080pX.srt')).toBeNull();
    expect(parseSidecar(video, 'Other.srt')).toBeNull();
    expect(parseSidecar(video, 'Film.2020.1080p.nfo')).toBeNull();
  });

  it('detects UTF-8, UTF-16 and falls back to Windows-1252', () => {
    expect(detectEncoding(Buffer.from(ACCENTS, 'utf8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x')]))).toBe('utf-8');
    expect(detectEncoding(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x', 'utf16le')]))).toBe(
      'utf-16le',
    );
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x78]))).toBe('utf-16be');
    expect(detectEncoding(windows1252(ACCENTS))).toBe('windows-1252');
  });
});

describe('local tracks', () => {
  it('lists embedded text and picture tracks and the files beside the video, with stable ids', async () => {
    const subtitles = service();
    const tracks = await subtitles.list(film, filmProbe);
    expect(tracks.slice(0, 2)).toEqual([
      {
        id: 'e-1',
        source: 'embedded',
        language: 'fr',
        label: 'Français',
        format: 'subrip',
        forced: false,
        hearingImpaired: false,
        convertible: true,
      },
      {
        id: 'e-2',
        source: 'embedded',
        language: 'en',
        label: null,
        format: 'dvd_subtitle',
        forced: false,
        hearingImpaired: false,
        convertible: false,
      },
    ]);
    const beside = tracks.slice(2);
    expect(
      beside.map((t) => [t.language, t.label, t.format, t.forced, t.hearingImpaired, t.convertible]),
    ).toEqual([
      [null, 'Director Commentary', 'ass', false, false, true],
      ['fr', null, 'subrip', false, false, true],
      ['en', null, 'subrip', false, true, true],
      ['fr', null, 'subrip', true, false, true],
      [null, null, 'dvd_subtitle', false, false, false],
    ]);
    for (const t of beside) {
      expect(t.source).toBe('sidecar');
      expect(t.id).toMatch(/^s-[A-Za-z0-9_-]{16}$/);
    }
    expect((await subtitles.list(film, filmProbe)).map((t) => t.id)).toEqual(tracks.map((t) => t.id));
    expect((await service().list(film, null)).map((t) => t.id)).toEqual(beside.map((t) => t.id));
  });

  it('extracts an embedded text track to WebVTT once, with its timing', async () => {
    const subtitles = service();
    const vtt = await subtitles.vtt(film, 'e-1', filmProbe);
    expect(vtt).toMatch(/^WEBVTT/);
    expect(vtt).toContain('00:00.500 --> 00:01.500\nBonjour');
    expect(vtt).toContain('00:01.500 --> 00:02.750\nAu revoir');
    const cachePath = join(
      work,
      'cache',
      'subtitles',
      `${film.fileId}-${streamTag(film).replace(/[^A-Za-z0-9_-]/g, '_')}-1.vtt`,
    );
    expect(await readFile(cachePath, 'utf8')).toBe(vtt);
    // Answered from the cache from then on, by this service and the next one.
    await writeFile(cachePath, 'WEBVTT\n\n00:00.000 --> 00:00.100\ncached\n');
    expect(await service().vtt(film, 'e-1', filmProbe)).toContain('cached');
    await rm(cachePath);

    const mp4 = await service().vtt(episode, 'e-1', episodeProbe);
    expect(episodeProbe.subtitleTracks[0]?.codec).toBe('TX3G');
    expect(mp4).toContain('00:00.500 --> 00:01.500\nBonjour');
  });

  it('refuses picture tracks as not convertible and unknown ids as not found', async () => {
    const subtitles = service();
    expect(await failure(subtitles.vtt(film, 'e-2', filmProbe))).toMatchObject({
      status: 409,
      code: 'subtitle_not_convertible',
    });
    const idx = (await subtitles.list(film, filmProbe)).find(
      (t) => t.format === 'dvd_subtitle' && t.source === 'sidecar',
    );
    expect(await failure(subtitles.vtt(film, idx?.id ?? '', filmProbe))).toMatchObject({ status: 409 });
    expect(await failure(subtitles.vtt(film, 'e-9', filmProbe))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect(await failure(subtitles.vtt(film, 's-AAAAAAAAAAAAAAAA', filmProbe))).toMatchObject({
      status: 404,
    });
  });

  it('converts files beside the video from Windows-1252, UTF-16 and UTF-8 keeping every time', async () => {
    const subtitles = service();
    const tracks = await subtitles.list(film, filmProbe);
    const byName = (language: string | null, hearingImpaired: boolean, forced: boolean) =>
      tracks.find(
        (t) =>
          t.source === 'sidecar' &&
          t.language === language &&
          t.hearingImpaired === hearingImpaired &&
          t.forced === forced,
      )?.id ?? '';
    for (const id of [byName('fr', false, false), byName('en', true, false)]) {
      const vtt = await subtitles.vtt(film, id, filmProbe);
      expect(vtt).toContain(`00:01.000 --> 00:02.500\n${ACCENTS}`);
      expect(vtt).toContain('01:02:03.456 --> 01:02:04.789\nFin');
    }
    const forced = await subtitles.vtt(film, byName('fr', false, true), filmProbe);
    expect(forced).toContain('00:01.500 --> 00:02.750\nAu revoir');
  });

  it('reads a file still downloading through its internal URL', async () => {
    const before = rangeRequests.length;
    const subtitles = service();
    const probe = await probeOf(downloading.realPath);
    const vtt = await subtitles.vtt(downloading, 'e-1', probe);
    expect(vtt).toContain('00:00.500 --> 00:01.500\nBonjour');
    expect(rangeRequests.length).toBeGreaterThan(before);
  });
});

describe('OpenSubtitles', () => {
  const order = (result: { candidates: { providerFileId: number }[] }) =>
    result.candidates.map((c) => c.providerFileId);
  const since = (from: number) => fake.requests.slice(from);

  it('searches by moviehash first, then by the film id, ranked by match, language and downloads', async () => {
    const from = fake.requests.length;
    const subtitles = service();
    const result = await subtitles.search(film, ['fr', 'en']);
    expect(order(result)).toEqual([1001, 1002, 1004, 1003]);
    expect(result.candidates[0]).toMatchObject({
      hashMatch: true,
      language: 'fr',
      release: 'Film.2020.1080p-GRP',
      stored: false,
    });
    expect(result.candidates.slice(1).every((c) => !c.hashMatch)).toBe(true);
    expect(result.candidates.find((c) => c.providerFileId === 1004)?.forced).toBe(true);
    expect(result.candidates.find((c) => c.providerFileId === 1003)?.hearingImpaired).toBe(true);
    expect(result.quota).toBeNull();

    const sent = since(from);
    expect(sent.map((r) => [r.via, r.method, r.path, r.query])).toEqual([
      ['gateway', 'POST', '/api/v1/login', ''],
      ['vip', 'GET', '/api/v1/subtitles', `languages=en,fr&moviehash=${filmHash}`],
      ['vip', 'GET', '/api/v1/subtitles', `languages=en,fr&tmdb_id=${FILM_TMDB}&type=movie`],
    ]);
    for (const r of sent) {
      expect(r.headers['api-key']).toBe(API_KEY);
      expect(r.headers['user-agent']).toMatch(/^Sokoul v\d+\.\d+\.\d+$/);
    }
    expect(sent[1]?.headers.authorization).toMatch(/^Bearer eyJ/);

    // The token is kept until it is refused; then one login more.
    await subtitles.search(film, ['en']);
    expect(since(from).filter((r) => r.path.endsWith('/login'))).toHaveLength(1);
    fake.expireTokens();
    expect(order(await subtitles.search(film, ['en']))).toEqual([1003]);
    expect(since(from).filter((r) => r.path.endsWith('/login'))).toHaveLength(2);
  });

  it('searches episodes by their series id, season and number, also for a season pack downloading', async () => {
    const subtitles = service();
    const from = fake.requests.length;
    expect(order(await subtitles.search(episode, ['fr']))).toEqual([2002]);
    expect(since(from).at(-1)?.query).toBe(
      `episode_number=2&languages=fr&parent_tmdb_id=${SERIES_TMDB}&season_number=1&type=episode`,
    );
    // The default languages follow TMDB_LANGUAGE (fr-FR: French, then English).
    expect(order(await subtitles.search(downloading, []))).toEqual([2003]);
    expect(since(from).at(-1)?.query).toBe(
      `episode_number=3&languages=en,fr&parent_tmdb_id=${SERIES_TMDB}&season_number=1&type=episode`,
    );
  });

  it('keeps a download beside the file, converts it from Windows-1252, and never fetches it twice', async () => {
    const subtitles = service();
    await subtitles.search(film, ['fr', 'en']);
    const before = { ...fake.counts };
    const track = await subtitles.download(film, 1002);
    expect(track).toMatchObject({
      source: 'opensubtitles',
      language: 'fr',
      format: 'subrip',
      convertible: true,
      forced: false,
    });
    expect(fake.counts.downloads).toBe(before.downloads + 1);
    expect(fake.counts.files).toBe(before.files + 1);
    const keptPath = join(dirname(film.realPath), 'Film.2020.1080p.fr.os1002.srt');
    expect(await readFile(keptPath)).toEqual(windows1252(ACCENTS_SRT));
    expect((await readdir(dirname(film.realPath))).filter((n) => n.includes('partial'))).toEqual([]);

    const vtt = await subtitles.vtt(film, track.id, filmProbe);
    expect(vtt).toContain(`00:01.000 --> 00:02.500\n${ACCENTS}`);
    expect((await subtitles.list(film, filmProbe)).find((t) => t.id === track.id)?.source).toBe(
      'opensubtitles',
    );

    const again = await subtitles.search(film, ['fr', 'en']);
    expect(again.candidates.find((c) => c.providerFileId === 1002)?.stored).toBe(true);
    expect(again.quota).toEqual({
      remaining: fake.allowedDownloads - fake.counts.downloads,
      resetAt: fake.resetAt.toISOString(),
    });

    // Kept: answered from disk, by this service or a fresh one, without a request.
    const sent = fake.requests.length;
    expect(await subtitles.download(film, 1002)).toEqual(track);
    expect(await service().download(film, 1002)).toEqual(track);
    expect(fake.requests.length).toBe(sent);

    // Downloaded without a search in this process: its language comes from a new search.
    const fresh = await service().download(film, 1004);
    expect(fresh).toMatchObject({ language: 'fr', forced: true });
    expect((await readdir(dirname(film.realPath))).includes('Film.2020.1080p.fr.forced.os1004.srt')).toBe(
      true,
    );
  });

  it('answers a spent quota (406) with its reset time, and sends nothing more before it', async () => {
    const subtitles = service();
    fake.allowedDownloads = fake.counts.downloads;
    const from = fake.requests.length;
    const spent = await failure(subtitles.download(film, 1003));
    expect(spent).toMatchObject({ status: 429, code: 'subtitles_quota' });
    expect(spent.message).toContain(fake.resetAt.toISOString());
    expect(Number(spent.headers['Retry-After'])).toBeGreaterThan(0);
    const downloads = () => since(from).filter((r) => r.path === '/api/v1/download').length;
    expect(downloads()).toBe(1);

    expect(await failure(subtitles.download(film, 1001))).toMatchObject({ code: 'subtitles_quota' });
    expect(downloads()).toBe(1);
    // Searching spends no quota and still works; it shows the quota; kept files still answer.
    const result = await subtitles.search(film, ['fr']);
    expect(result.quota).toEqual({ remaining: 0, resetAt: fake.resetAt.toISOString() });
    expect((await subtitles.download(film, 1002)).source).toBe('opensubtitles');
    expect(downloads()).toBe(1);
    fake.allowedDownloads = 20;
  });

  it('backs off on 429 for the Retry-After it was given, local tracks unaffected', async () => {
    const subtitles = service();
    await subtitles.search(film, ['fr']);
    fake.rateLimitNext(120);
    const from = fake.requests.length;
    const limited = await failure(subtitles.search(film, ['fr']));
    expect(limited).toMatchObject({ status: 429, code: 'subtitles_rate_limited' });
    const wait = Number(limited.headers['Retry-After']);
    expect(wait).toBeGreaterThan(100);
    expect(wait).toBeLessThanOrEqual(120);
    expect(since(from)).toHaveLength(1);
    expect(await failure(subtitles.search(film, ['fr']))).toMatchObject({ code: 'subtitles_rate_limited' });
    expect(await failure(subtitles.download(film, 1003))).toMatchObject({ code: 'subtitles_rate_limited' });
    expect(since(from)).toHaveLength(1);
    expect((await subtitles.list(film, filmProbe)).length).toBeGreaterThan(2);
    expect(await subtitles.vtt(film, 'e-1', filmProbe)).toContain('Bonjour');
  });

  it('says when it is not configured, or refused, or unreachable, and keeps local tracks working', async () => {
    const none = service({ OPENSUBTITLES_API_KEY: undefined });
    expect(await failure(none.search(film, ['fr']))).toMatchObject({
      status: 503,
      code: 'subtitles_not_configured',
    });
    expect(await failure(none.download(film, 1003))).toMatchObject({
      status: 503,
      code: 'subtitles_not_configured',
    });
    expect((await none.download(film, 1002)).source).toBe('opensubtitles');
    expect((await none.list(film, filmProbe)).length).toBeGreaterThan(2);

    const from = fake.requests.length;
    const refused = service({ OPENSUBTITLES_PASSWORD: 'wrong' });
    expect(await failure(refused.search(film, ['fr']))).toMatchObject({
      status: 503,
      code: 'subtitles_not_configured',
    });
    expect(await failure(refused.search(film, ['fr']))).toMatchObject({ code: 'subtitles_not_configured' });
    expect(since(from).map((r) => r.path)).toEqual(['/api/v1/login']);

    const down = service({ OPENSUBTITLES_API_URL: 'http://127.0.0.1:9/api/v1' });
    expect(await failure(down.search(film, ['fr']))).toMatchObject({
      status: 502,
      code: 'subtitles_unavailable',
    });
    expect(await down.vtt(film, 'e-1', filmProbe)).toContain('Bonjour');
  });

  it("gives Sentinel's check the quota: unknown, then what is left, then used up with its reset", async () => {
    const settings = config();
    const subtitles = createSubtitleService({ db, config: settings, log: captureLogger() });
    const [check] = await openSubtitlesSource({ config: settings, quota: () => subtitles.quota() }).list();
    if (!check) throw new Error('no OpenSubtitles check while configured');
    const run = () => check.run(new AbortController().signal);

    expect(subtitles.quota()).toBeNull();
    expect(await run()).toMatchObject({ status: 'ok', code: 'ok', params: {} });

    await subtitles.search(film, ['de']);
    await subtitles.download(film, 1005);
    const left = fake.allowedDownloads - fake.counts.downloads;
    expect(left).toBeGreaterThan(0);
    expect(subtitles.quota()).toEqual({ remaining: left, resetAt: fake.resetAt.toISOString() });
    expect(await run()).toMatchObject({ status: 'ok', code: 'ok', params: { remaining: left } });

    // Spent (406): a warning naming the reset time, for the web app's wording and the alert.
    fake.allowedDownloads = fake.counts.downloads;
    try {
      expect(await failure(subtitles.download(film, 1003))).toMatchObject({ code: 'subtitles_quota' });
    } finally {
      fake.allowedDownloads = 20;
    }
    const spent = await run();
    expect(spent).toMatchObject({
      status: 'warning',
      code: 'subtitles.quota',
      params: { resetAt: fake.resetAt.toISOString() },
    });
    expect(spent.message).toContain(fake.resetAt.toISOString());
    expect(spent.impact).toBeTruthy();
    expect(spent.fix).toBeTruthy();

    // Past its reset time the quota is renewed: no warning left behind.
    const [renewed] = await openSubtitlesSource({
      config: settings,
      quota: () => ({ remaining: 0, resetAt: new Date(Date.now() - 1000).toISOString() }),
    }).list();
    expect(await renewed?.run(new AbortController().signal)).toMatchObject({ status: 'ok' });
    // Not configured: no check at all.
    expect(
      openSubtitlesSource({ config: config({ OPENSUBTITLES_API_KEY: undefined }), quota: () => null }).list(),
    ).toEqual([]);
  });
});
