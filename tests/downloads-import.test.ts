import { existsSync, mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type MediaFile, TorrentNodeConfigSchema } from '@sokoul/contracts';
import { type Db, type EngineRow, engineDownload, listFiles } from '@sokoul/db';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import {
  DownloadImportError,
  episodeOfFile,
  importDownload,
  roleByName,
  wantedFiles,
} from '../torrent-node/src/downloads/import.js';
import {
  episodePlace,
  filmPlace,
  placeInLibrary,
  safeComponent,
  safeFileName,
  truncateUtf8,
} from '../torrent-node/src/downloads/layout.js';
import { findFfprobe, mapProbe, probeFile, resolutionLabel } from '../torrent-node/src/downloads/probe.js';
import { captureLogger, type LogLine } from './helpers/logger.js';
import { ffmpeg } from './helpers/media.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

/**
 * The import step of downloads on real files made by ffmpeg here, against a database of its own:
 * which file is which title, what ffprobe says about it, the LIBRARY_DIR layout (hard links, copies
 * across filesystems, names safe everywhere) and a second import changing nothing.
 */
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

let url: string;
let sql: postgres.Sql;
let db: Db;
let work: string;
let fixtures: string;
let userId: string;
let filmId: string;
let seriesId: string;
const episodeIds = new Map<string, string>();

const config = (libraryDir?: string) =>
  TorrentNodeConfigSchema.parse({
    DATABASE_URL: url,
    NATS_URL: 'nats://127.0.0.1:4222',
    DOWNLOAD_DIR: join(work, 'downloads'),
    LIBRARY_DIR: libraryDir,
    LOG_LEVEL: 'silent',
    INTERNAL_SIGNING_KEY: 'test-internal-signing-key-0123456789abcdef',
  });

/** A lavfi test picture with a tone, `seconds` long. */
/** A lavfi test picture with a tone, `seconds` long (bounded at the source: no `-t` placement trap). */
const av = (size: string, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=${size}:rate=25:duration=${seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:duration=${seconds}`,
];

async function makeFixtures() {
  const srt = join(fixtures, 'subs.srt');
  await writeFile(
    srt,
    '1\n00:00:00,000 --> 00:00:01,500\nBonjour\n\n2\n00:00:01,500 --> 00:00:02,000\nAu revoir\n',
  );
  await Promise.all([
    // The film: HEVC 10-bit tagged HDR10 (PQ, BT.2020), French audio, a forced English subtitle.
    ffmpeg(join(fixtures, 'film-hdr.mkv'), [
      ...av('1920x1080', 2),
      '-i',
      srt,
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '2:s',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
      '-pix_fmt',
      'yuv420p10le',
      '-color_trc',
      'smpte2084',
      '-color_primaries',
      'bt2020',
      '-colorspace',
      'bt2020nc',
      '-c:a',
      'aac',
      '-ac',
      '2',
      '-c:s',
      'srt',
      '-metadata:s:a:0',
      'language=fre',
      '-metadata:s:a:0',
      'title=Français 2.0',
      '-metadata:s:s:0',
      'language=eng',
      '-disposition:a:0',
      'default',
      '-disposition:s:0',
      'forced',
    ]),
    // Episodes: H.264 720p with AAC (one in MP4).
    ...['episode.mkv', 'episode.mp4'].map((name) =>
      ffmpeg(join(fixtures, name), [
        ...av('1280x720', 2),
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-c:a',
        'aac',
      ]),
    ),
    // A sample: a second at a tiny size, far under a tenth of the real files.
    ffmpeg(join(fixtures, 'sample.mkv'), [
      ...av('160x90', 0.2),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-b:v',
      '20k',
      '-c:a',
      'aac',
      '-b:a',
      '8k',
    ]),
  ]);
}

interface FixtureFile {
  /** Inside the download folder. */
  inner: string;
  /** A fixture to copy, or text content. */
  from?: string;
  text?: string;
}

/** A download row with its files copied under DOWNLOAD_DIR/<name>/, as the engine leaves it. */
async function makeDownload(
  mediaId: string,
  name: string,
  files: FixtureFile[],
  season: number | null = null,
): Promise<{ download: EngineRow; files: { index: number; path: string; sizeBytes: number }[] }> {
  const savePath = join(work, 'downloads', `${name}-${crypto.randomUUID().slice(0, 8)}`);
  const out: { index: number; path: string; sizeBytes: number }[] = [];
  for (const [index, f] of files.entries()) {
    const path = join(savePath, f.inner);
    await mkdir(dirname(path), { recursive: true });
    if (f.from) await copyFile(join(fixtures, f.from), path);
    else await writeFile(path, f.text ?? '');
    out.push({ index, path, sizeBytes: (await stat(path)).size });
  }
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO downloads (user_id, media_id, season_number, name, magnet_url, state, save_path, bytes_total,
      bytes_done)
    VALUES (${userId}, ${mediaId}, ${season}, ${name}, 'magnet:?xt=urn:btih:test', 'seeding', ${savePath},
      ${out.reduce((a, f) => a + f.sizeBytes, 0)}, ${out.reduce((a, f) => a + f.sizeBytes, 0)})
    RETURNING id`;
  const id = row?.id as string;
  for (const f of out) {
    await sql`INSERT INTO download_files (download_id, file_index, path, size_bytes, bytes_done)
      VALUES (${id}, ${f.index}, ${f.path.slice(savePath.length + 1)}, ${f.sizeBytes}, ${f.sizeBytes})`;
  }
  const download = await engineDownload(db, id);
  if (!download) throw new Error('download row missing');
  return { download, files: out };
}

const roles = (downloadId: string) =>
  sql<{ file_index: number; path: string; role: string | null; media_file_id: string | null }[]>`
    SELECT file_index, path, role, media_file_id FROM download_files WHERE download_id = ${downloadId}
    ORDER BY file_index`;

const filesOf = async (mediaId: string): Promise<MediaFile[]> =>
  (await listFiles(db, mediaId)).filter((f) => f.mediaId === mediaId);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-import-'));
  fixtures = join(work, 'fixtures');
  await mkdir(fixtures, { recursive: true });
  url = await createTestDatabase('sokoul_import');
  await Promise.all([migrate(ROOT, url, createLogger('silent', 'test')), makeFixtures()]);
  sql = postgres(url, { max: 2, types: WIRE_TYPES, onnotice: () => {} });
  db = postgresDb(sql);
  const [user] = await sql<{ id: string }[]>`
    INSERT INTO users (email, display_name, password_hash) VALUES ('import@test', 'import', 'x') RETURNING id`;
  userId = user?.id as string;
  const [film] = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, title, year) VALUES ('movie', 'Le Film: Épisode 1', 2020) RETURNING id`;
  filmId = film?.id as string;
  const [series] = await sql<{ id: string }[]>`
    INSERT INTO media (media_type, title, year) VALUES ('tv', 'La Série', 2019) RETURNING id`;
  seriesId = series?.id as string;
  const episodes: [number, number, string][] = [
    [1, 1, 'Pilote'],
    [1, 2, 'Qui a tué Laura? Partie 1/2'],
    [1, 3, 'Le retour'],
    [1, 4, 'La fin'],
    [2, 1, 'Nouveau départ'],
  ];
  for (const [season, episode, title] of episodes) {
    const [row] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, parent_id, season_number, episode_number)
      VALUES ('episode', ${title}, ${seriesId}, ${season}, ${episode}) RETURNING id`;
    episodeIds.set(`${season}x${episode}`, row?.id as string);
  }
}, 180_000);

afterAll(async () => {
  await sql?.end();
  if (url) await dropTestDatabase(url);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('probe', () => {
  it('finds an ffprobe (the machine’s, else the packaged one) and reads the film’s streams', async () => {
    const ffprobe = await findFfprobe(undefined);
    expect(ffprobe).toBeTruthy();
    const packaged = join(ROOT, 'node_modules/@ffprobe-installer/linux-x64/ffprobe');
    expect(await findFfprobe(packaged)).toBe(packaged);
    expect(await findFfprobe('/nonexistent/ffprobe')).toBeNull();

    const probed = await probeFile(ffprobe as string, join(fixtures, 'film-hdr.mkv'));
    expect(probed).toMatchObject({
      container: 'mkv',
      videoCodec: 'H.265',
      audioCodec: 'AAC',
      resolution: '1080p',
      width: 1920,
      height: 1080,
      durationSeconds: 2,
      hdr: 'HDR10',
    });
    expect(probed.audioTracks).toEqual([
      { codec: 'AAC', language: 'fre', title: 'Français 2.0', channels: 2, default: true, forced: false },
    ]);
    expect(probed.subtitleTracks).toEqual([
      { codec: 'SRT', language: 'eng', title: null, channels: null, default: false, forced: true },
    ]);
    // The packaged binary reads it the same way.
    expect(await probeFile(packaged, join(fixtures, 'episode.mp4'))).toMatchObject({
      container: 'mp4',
      videoCodec: 'H.264',
      resolution: '720p',
      hdr: null,
    });
  });

  it('maps HDR side data, codecs and picture sizes', () => {
    const video = (extra: object) => ({ streams: [{ codec_type: 'video', codec_name: 'hevc', ...extra }] });
    expect(mapProbe(video({ color_transfer: 'arib-std-b67' }), '/x.mkv').hdr).toBe('HLG');
    expect(
      mapProbe(
        video({
          color_transfer: 'smpte2084',
          side_data_list: [{ side_data_type: 'DOVI configuration record' }],
        }),
        '/x.mkv',
      ).hdr,
    ).toBe('Dolby Vision');
    expect(
      mapProbe(
        video({ side_data_list: [{ side_data_type: 'HDR Dynamic Metadata SMPTE2094-40 (HDR10+)' }] }),
        '/x.mp4',
      ).hdr,
    ).toBe('HDR10+');
    const multi = mapProbe(
      {
        format: { format_name: 'matroska,webm', duration: '5423.6' },
        streams: [
          { codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
          { codec_type: 'video', codec_name: 'mpeg4', codec_tag_string: 'XVID', width: 720, height: 576 },
          { codec_type: 'audio', codec_name: 'ac3', channels: 6, tags: { LANGUAGE: 'eng' } },
          {
            codec_type: 'audio',
            codec_name: 'dts',
            profile: 'DTS-HD MA',
            channels: 8,
            disposition: { default: 1 },
            tags: { language: 'und' },
          },
          { codec_type: 'subtitle', codec_name: 'hdmv_pgs_subtitle', tags: { language: 'fre' } },
        ],
      },
      '/films/x.webm',
    );
    expect(multi).toMatchObject({
      container: 'webm',
      videoCodec: 'XviD',
      audioCodec: 'DTS-HD MA',
      resolution: '576p',
      durationSeconds: 5424,
    });
    expect(multi.audioTracks.map((t) => [t.codec, t.language, t.channels])).toEqual([
      ['AC3', 'eng', 6],
      ['DTS-HD MA', null, 8],
    ]);
    expect(multi.subtitleTracks[0]?.codec).toBe('PGS');
    expect(resolutionLabel(1920, 800)).toBe('1080p');
    expect(resolutionLabel(1440, 1080)).toBe('1080p');
    expect(resolutionLabel(3840, 1600)).toBe('2160p');
    expect(resolutionLabel(1280, 536)).toBe('720p');
    expect(resolutionLabel(720, 480)).toBe('480p');
    expect(resolutionLabel(null, null)).toBeNull();
  });
});

describe('names', () => {
  it('are safe on every filesystem', () => {
    expect(safeComponent('Star Wars: Episode IV')).toBe('Star Wars - Episode IV');
    expect(safeComponent('What If...?')).toBe('What If');
    expect(safeComponent('AC/DC \\ Live | "1991" <Donington> *')).toBe("AC-DC - Live - '1991' Donington");
    expect(safeComponent('tab\there\u0000nul\u001f')).toBe('tab here nul');
    expect(safeComponent('...hidden. . ')).toBe('hidden');
    expect(safeComponent('CON')).toBe('CON_');
    expect(safeComponent('aux.txt')).toBe('aux_.txt');
    expect(safeComponent('com1')).toBe('com1_');
    expect(safeComponent('Console')).toBe('Console');
    expect(safeComponent('??')).toBe('_');
    expect(safeComponent('Amélie'.normalize('NFD'))).toBe('Amélie'.normalize('NFC'));
    expect(safeFileName('nul', '.mkv')).toBe('nul_.mkv');
    const long = 'é'.repeat(300);
    const name = safeFileName(long, '.mkv', ' (2)');
    expect(utf8Bytes(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('é (2).mkv')).toBe(true);
    expect(utf8Bytes(safeComponent('🎬'.repeat(100)))).toBeLessThanOrEqual(255);
    // Never half a character or half an emoji.
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a👍🏽', 6)).toBe('a');
  });

  it('follow the library layout', () => {
    const film = filmPlace(
      '/lib',
      { title: 'Le Film: Épisode 1', year: 2020 },
      { resolution: '1080p', part: null, extension: '.mkv' },
    );
    expect(join(film.dir, film.name(1))).toBe(
      '/lib/Films/Le Film - Épisode 1 (2020)/Le Film - Épisode 1 (2020) - 1080p.mkv',
    );
    expect(film.name(2)).toBe('Le Film - Épisode 1 (2020) - 1080p (2).mkv');
    const part = filmPlace(
      '/lib',
      { title: 'Vieux', year: null },
      { resolution: null, part: 2, extension: '.avi' },
    );
    expect(join(part.dir, part.name(1))).toBe('/lib/Films/Vieux/Vieux - pt2.avi');
    const ep = episodePlace(
      '/lib',
      { title: 'La Série', year: 2019 },
      { season: 1, episodes: [3, 4], title: 'Le retour' },
      { resolution: '720p', extension: '.mkv' },
    );
    expect(join(ep.dir, ep.name(1))).toBe(
      '/lib/Séries/La Série (2019)/Saison 01/La Série - S01E03-E04 - Le retour - 720p.mkv',
    );
    // A very long episode title gives way; the code and the quality stay.
    const longTitle = episodePlace(
      '/lib',
      { title: 'Show', year: null },
      { season: 12, episodes: [105], title: 'x'.repeat(400) },
      { resolution: '2160p', extension: '.mkv' },
    );
    const longName = longTitle.name(3);
    expect(utf8Bytes(longName)).toBeLessThanOrEqual(255);
    expect(longName).toMatch(/^Show - S12E105 - x+ - 2160p \(3\)\.mkv$/);
  });
});

describe('file roles and episodes', () => {
  it('sets samples and extras aside by name and folder, not for the title’s own words', () => {
    expect(roleByName('Film.2020/Sample/film.sample.mkv', 'Film')).toBe('sample');
    expect(roleByName('Film.2020/film-sample.mkv', 'Film')).toBe('sample');
    expect(roleByName('Film.2020/Extras/Interview.mkv', 'Film')).toBe('extra');
    expect(roleByName('Film.2020/Featurettes/x.mkv', 'Film')).toBe('extra');
    expect(roleByName('Film.2020/Film.2020.Trailer.mp4', 'Film')).toBe('extra');
    expect(roleByName('Film.2020/Behind.The.Scenes.mkv', 'Film')).toBe('extra');
    expect(roleByName('Film.2020/Film.2020.nfo', 'Film')).toBe('other');
    expect(roleByName('Film.2020/Film.2020.1080p.mkv', 'Film')).toBe('video');
    expect(roleByName('Trailer.Park.Boys.S01E01.mkv', 'Trailer Park Boys')).toBe('video');
    expect(roleByName('Sample.2021.1080p.mkv', 'Sample')).toBe('video');
    expect(roleByName('Film.2020.Extended.1080p.mkv', 'Film')).toBe('video');
  });

  it('reads episodes from names, folders and the download', () => {
    const ctx = { downloadName: 'Show.S01.1080p', season: null, onlySeason: null, aloneInFolder: false };
    expect(episodeOfFile('Show.S01/Show.S01E02.1080p.mkv', ctx)).toEqual({ season: 1, episodes: [2] });
    expect(episodeOfFile('Show/Show.1x03.HDTV.avi', ctx)).toEqual({ season: 1, episodes: [3] });
    expect(episodeOfFile('Show/Show.S02E01E02.mkv', ctx)).toEqual({ season: 2, episodes: [1, 2] });
    expect(episodeOfFile('Show/Show.S01E05-E07.mkv', ctx)).toEqual({ season: 1, episodes: [5, 6, 7] });
    expect(episodeOfFile('Show/Saison 3/E04.mkv', ctx)).toEqual({ season: 3, episodes: [4] });
    expect(episodeOfFile('Show.S01/07 - Le titre.mkv', ctx)).toEqual({ season: 1, episodes: [7] });
    expect(
      episodeOfFile('Show.S01E09.1080p/video.mkv', { ...ctx, downloadName: 'x', aloneInFolder: true }),
    ).toEqual({ season: 1, episodes: [9] });
    expect(episodeOfFile('Pack/Episode 5.mkv', { ...ctx, downloadName: 'Pack', season: 4 })).toEqual({
      season: 4,
      episodes: [5],
    });
    expect(episodeOfFile('Pack/Episode 5.mkv', { ...ctx, downloadName: 'Pack', onlySeason: 1 })).toEqual({
      season: 1,
      episodes: [5],
    });
    expect(episodeOfFile('Pack/random.mkv', { ...ctx, downloadName: 'Pack' })).toBeNull();
  });

  it('chooses the files an engine fetches: the film, or the episode asked for out of a pack', () => {
    const GB = 1024 ** 3;
    const list = (paths: [string, number][]) =>
      paths.map(([path, sizeBytes], index) => ({ index, path, sizeBytes }));
    const film = list([
      ['Film.2020.1080p/Film.2020.1080p.mkv', 8 * GB],
      ['Film.2020.1080p/Sample/film.sample.mkv', 50e6],
      ['Film.2020.1080p/Extras/Interview.mkv', 2 * GB],
      ['Film.2020.1080p/Film.2020.1080p.nfo', 2_000],
    ]);
    const asFilm = { name: 'Film.2020.1080p', season: null, episode: null };
    expect(wantedFiles(film, asFilm)).toEqual([0]);
    const pack = list([
      ['Show.S02.1080p/Show.S02E01.1080p.mkv', 2 * GB],
      ['Show.S02.1080p/Show.S02E02.1080p.mkv', 2 * GB],
      ['Show.S02.1080p/Show.S02E03.1080p.mkv', 2 * GB],
      ['Show.S02.1080p/Show.S02E02.sample.mkv', 30e6],
    ]);
    expect(wantedFiles(pack, { name: 'Show.S02.1080p', season: 2, episode: 2 })).toEqual([1]);
    // A season pack for the season: every episode.
    expect(wantedFiles(pack, { name: 'Show.S02.1080p', season: 2, episode: null })).toEqual([0, 1, 2]);
    // An episode no name matches: every video rather than none (the import tells them apart).
    expect(wantedFiles(pack, { name: 'Show.S02.1080p', season: 2, episode: 9 })).toEqual([0, 1, 2]);
    // No video at all: everything (the import then says no_video_file).
    const noVideo = list([
      ['Album/track.flac', 40e6],
      ['Album/cover.jpg', 1e5],
    ]);
    expect(wantedFiles(noVideo, asFilm)).toEqual([0, 1]);
  });
});

describe('import', () => {
  it('imports a film where it is: the main file probed, the sample and the nfo set aside', async () => {
    const name = 'Le.Film.Episode.1.2020.1080p.BluRay.x265-GRP';
    const { download, files } = await makeDownload(filmId, name, [
      { inner: `${name}/${name}.mkv`, from: 'film-hdr.mkv' },
      { inner: `${name}/Sample/le.film.sample.mkv`, from: 'sample.mkv' },
      { inner: `${name}/${name}.nfo`, text: 'nfo' },
    ]);
    const entries: LogLine[] = [];
    const result = await importDownload(
      { db, config: config(), log: captureLogger(entries) },
      download,
      files,
    );
    expect(result).toEqual({ imported: 1 });

    const [file, ...more] = await filesOf(filmId);
    expect(more).toEqual([]);
    expect(file).toMatchObject({
      path: files[0]?.path,
      sizeBytes: files[0]?.sizeBytes,
      container: 'mkv',
      videoCodec: 'H.265',
      audioCodec: 'AAC',
      resolution: '1080p',
      durationSeconds: 2,
      quality: '1080p BluRay',
      hdr: 'HDR10',
      origin: 'download',
      downloadId: download.id,
    });
    expect(file?.audioTracks[0]).toMatchObject({ language: 'fre', channels: 2, default: true });
    expect(file?.subtitleTracks).toEqual([
      { codec: 'SRT', language: 'eng', title: null, channels: null, default: false, forced: true },
    ]);
    expect((await roles(download.id)).map((r) => [r.role, r.media_file_id])).toEqual([
      ['video', file?.id],
      ['sample', null],
      ['other', null],
    ]);
    expect(entries.some((e) => e.msg === 'download imported' && e.fields?.imported === 1)).toBe(true);
  });

  it('imports a season pack into LIBRARY_DIR: each episode its file, hard-linked; unmatched kept and reported', async () => {
    const library = join(work, 'library');
    const pack = 'La.Serie.S01.720p.WEB-DL.x264-GRP';
    const { download, files } = await makeDownload(
      seriesId,
      pack,
      [
        { inner: `${pack}/La.Serie.S01E01.720p.WEB-DL.x264-GRP.mkv`, from: 'episode.mkv' },
        { inner: `${pack}/La.Serie.S01E02.720p.WEB-DL.x264-GRP.mp4`, from: 'episode.mp4' },
        { inner: `${pack}/La.Serie.S01E03E04.720p.WEB-DL.x264-GRP.mkv`, from: 'episode.mkv' },
        { inner: `${pack}/Sample/la.serie.s01e01.sample.mkv`, from: 'sample.mkv' },
        { inner: `${pack}/la.serie.s01e02.small.mkv`, from: 'sample.mkv' },
        { inner: `${pack}/La.Serie.S01.nfo`, text: 'nfo' },
        { inner: `${pack}/La.Serie.S03E09.720p.mkv`, from: 'episode.mkv' },
        { inner: `${pack}/Bonus.Making.Of.mkv`, from: 'episode.mkv' },
      ],
      1,
    );
    const entries: LogLine[] = [];
    const deps = { db, config: config(library), log: captureLogger(entries) };
    expect(await importDownload(deps, download, files)).toEqual({ imported: 3 });

    const show = join(library, 'Séries', 'La Série (2019)', 'Saison 01');
    const expected: [string, string, number][] = [
      ['1x1', 'La Série - S01E01 - Pilote - 720p.mkv', 0],
      ['1x2', 'La Série - S01E02 - Qui a tué Laura Partie 1-2 - 720p.mp4', 1],
      ['1x3', 'La Série - S01E03-E04 - Le retour - 720p.mkv', 2],
    ];
    for (const [key, fileName, index] of expected) {
      const [file, ...more] = await filesOf(episodeIds.get(key) as string);
      expect(more).toEqual([]);
      expect(file?.path).toBe(join(show, fileName));
      expect(file).toMatchObject({
        videoCodec: 'H.264',
        resolution: '720p',
        quality: '720p WEB-DL',
        hdr: null,
      });
      // A hard link: the library file is the downloaded one, seeding goes on from the download folder.
      const [a, b] = await Promise.all([stat(file?.path as string), stat(files[index]?.path as string)]);
      expect(a.ino).toBe(b.ino);
      expect(a.nlink).toBe(2);
    }
    expect((await filesOf(episodeIds.get('1x2') as string))[0]?.container).toBe('mp4');
    expect(await filesOf(episodeIds.get('1x4') as string)).toEqual([]);
    expect(await filesOf(episodeIds.get('2x1') as string)).toEqual([]);
    expect((await readdir(show)).sort()).toEqual(expected.map((e) => e[1]).sort());

    expect((await roles(download.id)).map((r) => [r.file_index, r.role, r.media_file_id !== null])).toEqual([
      [0, 'video', true],
      [1, 'video', true],
      [2, 'video', true],
      [3, 'sample', false],
      [4, 'sample', false],
      [5, 'other', false],
      [6, 'unmatched', false],
      [7, 'extra', false],
    ]);
    const report = entries.find((e) => e.level === 'warn' && e.msg.includes('match no episode'));
    expect(report?.fields?.files).toEqual([`${pack}/La.Serie.S03E09.720p.mkv`]);

    // A second import (a crash after it, a retry): the same rows, nothing new in the library.
    const before = await sql<{ id: string; path: string }[]>`SELECT id, path FROM media_files ORDER BY id`;
    expect(await importDownload(deps, download, files)).toEqual({ imported: 3 });
    expect(await sql<{ id: string; path: string }[]>`SELECT id, path FROM media_files ORDER BY id`).toEqual(
      before,
    );
    expect((await readdir(show)).sort()).toEqual(expected.map((e) => e[1]).sort());
  });

  it('never overwrites a different file in the library, and copies whole across filesystems', async () => {
    const library = join(work, 'library');
    const name = 'Le.Film.Episode.1.2020.1080p.WEB-DL';
    const folder = join(library, 'Films', 'Le Film - Épisode 1 (2020)');
    await mkdir(folder, { recursive: true });
    const taken = join(folder, 'Le Film - Épisode 1 (2020) - 1080p.mkv');
    await writeFile(taken, 'someone else’s file');
    const { download, files } = await makeDownload(filmId, name, [
      { inner: `${name}.mkv`, from: 'film-hdr.mkv' },
    ]);
    const deps = { db, config: config(library), log: captureLogger() };
    expect(await importDownload(deps, download, files)).toEqual({ imported: 1 });
    expect(await readFile(taken, 'utf8')).toBe('someone else’s file');
    const second = join(folder, 'Le Film - Épisode 1 (2020) - 1080p (2).mkv');
    expect((await stat(second)).ino).toBe((await stat(files[0]?.path as string)).ino);
    expect((await filesOf(filmId)).map((f) => f.path)).toContain(second);
    // Again: the same name is found, not a third one.
    expect(await importDownload(deps, download, files)).toEqual({ imported: 1 });
    expect(existsSync(join(folder, 'Le Film - Épisode 1 (2020) - 1080p (3).mkv'))).toBe(false);

    // tmpfs is another filesystem: link fails with EXDEV, the file is copied (never seen partial).
    const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/sokoul-import-') : null;
    if (!shm || (await stat(shm)).dev === (await stat(work)).dev) return;
    try {
      const place = {
        dir: join(shm, 'Films', 'X'),
        name: (attempt: number) => `X${attempt > 1 ? ` (${attempt})` : ''}.mkv`,
      };
      const placed = await placeInLibrary(files[0]?.path as string, place);
      expect(placed).toEqual({ path: join(place.dir, 'X.mkv'), how: 'copy' });
      expect(await readFile(placed.path)).toEqual(await readFile(files[0]?.path as string));
      expect(await readdir(place.dir)).toEqual(['X.mkv']);
      // The same bytes under another inode count as the same file.
      expect(await placeInLibrary(files[0]?.path as string, place)).toEqual({
        path: placed.path,
        how: 'existing',
      });
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it('records a file ffprobe cannot read with what is known', async () => {
    const [other] = await sql<{ id: string }[]>`
      INSERT INTO media (media_type, title, year) VALUES ('movie', 'Broken', 2001) RETURNING id`;
    const mediaId = other?.id as string;
    const { download, files } = await makeDownload(mediaId, 'Broken.2001.720p.HDTV', [
      { inner: 'Broken.2001.720p.HDTV.mkv', text: 'not a video at all' },
    ]);
    const entries: LogLine[] = [];
    expect(
      await importDownload({ db, config: config(), log: captureLogger(entries) }, download, files),
    ).toEqual({
      imported: 1,
    });
    expect((await filesOf(mediaId))[0]).toMatchObject({
      container: 'mkv',
      videoCodec: null,
      resolution: '720p',
      quality: '720p HDTV',
      sizeBytes: files[0]?.sizeBytes,
    });
    expect(entries.some((e) => e.level === 'warn' && e.msg.startsWith('ffprobe could not read'))).toBe(true);
  });

  it('fails with no_video_file when the download holds none', async () => {
    const { download, files } = await makeDownload(filmId, 'Le.Film.2020.Subs', [
      { inner: 'Le.Film.2020.srt', text: '1\n' },
      { inner: 'Le.Film.2020.nfo', text: 'nfo' },
    ]);
    const error = await importDownload({ db, config: config(), log: captureLogger() }, download, files).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DownloadImportError);
    expect((error as DownloadImportError).code).toBe('no_video_file');
    expect((await roles(download.id)).map((r) => r.role)).toEqual(['other', 'other']);
  });

  it('fails with import_failed, files kept as unmatched, when no video matches an episode', async () => {
    const { download, files } = await makeDownload(seriesId, 'La.Serie.S05.720p', [
      { inner: 'La.Serie.S05.720p/La.Serie.S05E01.720p.mkv', from: 'episode.mkv' },
    ]);
    const error = await importDownload({ db, config: config(), log: captureLogger() }, download, files).catch(
      (e: unknown) => e,
    );
    expect((error as DownloadImportError).code).toBe('import_failed');
    expect((error as Error).message).toMatch(/matches an episode of La Série/);
    expect((await roles(download.id)).map((r) => r.role)).toEqual(['unmatched']);
  });

  it('attaches a single video to the episode the download was for, whatever its name', async () => {
    const episodeId = episodeIds.get('2x1') as string;
    const { download, files } = await makeDownload(episodeId, 'La.Serie.S02E01.720p', [
      { inner: 'video.mkv', from: 'episode.mkv' },
    ]);
    expect(await importDownload({ db, config: config(), log: captureLogger() }, download, files)).toEqual({
      imported: 1,
    });
    expect((await filesOf(episodeId))[0]?.path).toBe(files[0]?.path);
  });
});
