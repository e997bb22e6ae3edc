import type {
  BlocklistEntry,
  Download,
  DownloadDetail,
  DownloadEngineName,
  DownloadError,
  DownloadErrorCode,
  DownloadFile,
  DownloadPreferences,
  DownloadProgress,
  DownloadState,
  SpeedLimits,
  StoredResult,
} from '@sokoul/contracts';
import { type Db, iso, isoOrNull, type Timestamp } from './db.js';
import { INSTANT } from './debrid.js';
import { FILE_COLUMNS, fileFromRow } from './media-files.js';

/**
 * The `downloads`, `download_files` and `download_blocklist` tables. The API records what a user
 * wants (a new download, pause, resume, queue order, removal); torrent-node's engine records what
 * happens (metadata, figures, state, files, errors). The row is the truth: the engine reconciles
 * every row when it starts, and a NATS message only wakes it sooner.
 *
 * Binary columns (.torrent bytes, bitfields) cross as base64 text: the same statements run over the
 * Database DO's RPC (JSON) and over postgres.js.
 */

/** `userId` null: an admin acting on anyone's download. */
export type Owner = string | null;

interface DownloadRow {
  id: string;
  user_id: string;
  media_id: string;
  media_title: string;
  season_number: number | null;
  episode_number: number | null;
  name: string;
  info_hash: string | null;
  result_id: string | null;
  search_id: string | null;
  engine: Download['engine'];
  state: DownloadState;
  paused_by: Download['pausedBy'];
  queue_position: string | number | null;
  bytes_done: string | number;
  bytes_total: string | number | null;
  bytes_uploaded: string | number;
  download_speed: string | number;
  upload_speed: string | number;
  peers: number;
  eta_seconds: string | number | null;
  error_code: DownloadErrorCode | null;
  error_message: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  updated_at: Timestamp;
}

const COLUMNS = `d.id, d.user_id, d.media_id,
  coalesce(p.title || ' — ' || m.title, m.title) AS media_title,
  d.season_number, d.episode_number, d.name, d.info_hash, d.result_id, d.search_id, d.engine, d.state,
  d.paused_by, d.queue_position, d.bytes_done, d.bytes_total, d.bytes_uploaded, d.download_speed,
  d.upload_speed, d.peers, d.eta_seconds, d.error_code, d.error_message, d.created_at, d.started_at,
  d.completed_at, d.updated_at`;
const FROM = `downloads d JOIN media m ON m.id = d.media_id LEFT JOIN media p ON p.id = m.parent_id`;

const num = (v: string | number) => Number(v);
const numOrNull = (v: string | number | null) => (v === null ? null : Number(v));

export const downloadFromRow = (row: DownloadRow): Download => ({
  id: row.id,
  userId: row.user_id,
  mediaId: row.media_id,
  mediaTitle: row.media_title,
  season: row.season_number,
  episode: row.episode_number,
  name: row.name,
  infoHash: row.info_hash,
  resultId: row.result_id,
  searchId: row.search_id,
  engine: row.engine,
  // What the engine reports now is the API's to add (torrent-node's health answer), not stored.
  engineState: null,
  state: row.state,
  pausedBy: row.paused_by,
  queuePosition: row.state === 'queued' ? numOrNull(row.queue_position) : null,
  bytesDone: num(row.bytes_done),
  bytesTotal: numOrNull(row.bytes_total),
  bytesUploaded: num(row.bytes_uploaded),
  downloadSpeed: num(row.download_speed),
  uploadSpeed: num(row.upload_speed),
  peers: row.peers,
  etaSeconds: numOrNull(row.eta_seconds),
  error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
  createdAt: iso(row.created_at),
  startedAt: isoOrNull(row.started_at),
  completedAt: isoOrNull(row.completed_at),
  updatedAt: iso(row.updated_at),
});

// ---- what the API does for users ----

export interface NewDownload {
  userId: string;
  mediaId: string;
  season: number | null;
  episode: number | null;
  name: string;
  infoHash: string | null;
  magnetUrl: string | null;
  torrentUrl: string | null;
  searchId: string | null;
  resultId: string | null;
  /** Sokoul's own BitTorrent engine when absent. */
  engine?: DownloadEngineName;
  /** A failed Real-Debrid download starts again on BitTorrent (the owner's preference). */
  debridFallback?: boolean;
}

/**
 * Queues a download at the back of the queue. The same info hash already live for this user
 * answers that download (`existing`); live for another user, `taken` (one engine holds a torrent
 * once, and another user's download is not shown).
 */
export async function createDownload(
  db: Db,
  input: NewDownload,
): Promise<{ download: Download; existing: boolean } | 'taken'> {
  const [inserted] = await db.query<{ id: string }>(
    `INSERT INTO downloads (user_id, media_id, season_number, episode_number, name, info_hash, magnet_url,
       torrent_url, search_id, result_id, engine, debrid_fallback, queue_position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, nextval('downloads_queue_seq'))
     ON CONFLICT (info_hash) WHERE info_hash IS NOT NULL AND state NOT IN ('failed', 'cancelled') DO NOTHING
     RETURNING id`,
    [
      input.userId,
      input.mediaId,
      input.season,
      input.episode,
      input.name,
      input.infoHash,
      input.magnetUrl,
      input.torrentUrl,
      input.searchId,
      input.resultId,
      input.engine ?? 'webtorrent',
      input.debridFallback ?? false,
    ],
  );
  if (inserted) {
    const download = await getDownload(db, inserted.id, null);
    if (!download) throw new Error('download insert vanished');
    return { download, existing: false };
  }
  const [live] = await db.query<DownloadRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE d.info_hash = $1 AND d.state NOT IN ('failed', 'cancelled')`,
    [input.infoHash],
  );
  if (!live) return createDownload(db, input);
  return live.user_id === input.userId ? { download: downloadFromRow(live), existing: true } : 'taken';
}

/** One download as its owner (or an admin, `userId` null) sees it; cancelled ones are gone. */
export async function getDownload(db: Db, id: string, userId: Owner): Promise<Download | undefined> {
  const [row] = await db.query<DownloadRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE d.id = $1 AND ($2::uuid IS NULL OR d.user_id = $2::uuid) AND d.state <> 'cancelled'`,
    [id, userId],
  );
  return row && downloadFromRow(row);
}

interface FileRowWithMedia {
  file_index: number;
  path: string;
  size_bytes: string | number;
  bytes_done: string | number;
  role: DownloadFile['role'];
  media_file: Parameters<typeof fileFromRow>[0] | null;
}

/** A download with its files (and the library files imported from them). */
export async function getDownloadDetail(
  db: Db,
  id: string,
  userId: Owner,
  withPath: boolean,
): Promise<DownloadDetail | undefined> {
  const download = await getDownload(db, id, userId);
  if (!download) return undefined;
  const files = await db.query<FileRowWithMedia>(
    `SELECT f.file_index, f.path, f.size_bytes, f.bytes_done, f.role,
       (SELECT to_jsonb(x) FROM (SELECT ${FILE_COLUMNS} FROM media_files WHERE id = f.media_file_id) x) AS media_file
     FROM download_files f WHERE f.download_id = $1 ORDER BY f.file_index`,
    [id],
  );
  const [paths] = await db.query<{ save_path: string | null }>(
    'SELECT save_path FROM downloads WHERE id = $1',
    [id],
  );
  return {
    ...download,
    savePath: withPath ? (paths?.save_path ?? null) : null,
    files: files.map(
      (f): DownloadFile => ({
        index: f.file_index,
        path: f.path,
        sizeBytes: num(f.size_bytes),
        bytesDone: num(f.bytes_done),
        role: f.role,
        mediaFile: f.media_file ? fileFromRow(f.media_file) : null,
      }),
    ),
  };
}

/** Unfinished first (in queue order), then the most recent. `userId` null: everyone's. */
export async function listDownloads(
  db: Db,
  query: { userId: Owner; state?: DownloadState | undefined; mediaId?: string | undefined; limit: number },
): Promise<Download[]> {
  const rows = await db.query<DownloadRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE ($1::uuid IS NULL OR d.user_id = $1::uuid) AND d.state <> 'cancelled'
       AND ($2::text IS NULL OR d.state = $2::text)
       AND ($4::uuid IS NULL OR d.media_id = $4::uuid OR m.parent_id = $4::uuid)
     ORDER BY (d.state IN ('completed', 'failed')), (d.state = 'queued'), d.queue_position NULLS LAST,
       d.created_at DESC, d.id
     LIMIT $3`,
    [query.userId, query.state ?? null, query.limit, query.mediaId ?? null],
  );
  return rows.map(downloadFromRow);
}

/** Outcome of a user's change: the download after it, absent, or not allowed in its state. */
export type Change = Download | 'conflict' | undefined;

async function change(db: Db, id: string, userId: Owner, set: string, allowed: readonly DownloadState[]) {
  const [row] = await db.query<{ id: string }>(
    `UPDATE downloads d SET ${set}, updated_at = now()
     WHERE d.id = $1 AND ($2::uuid IS NULL OR d.user_id = $2::uuid) AND d.state = ANY($3::text[])
     RETURNING d.id`,
    [id, userId, `{${allowed.join(',')}}`],
  );
  if (row) return getDownload(db, id, null);
  return (await getDownload(db, id, userId)) ? 'conflict' : undefined;
}

const PAUSABLE = ['queued', 'metadata', 'downloading', 'stalled', 'seeding'] as const;
const RESUMABLE = ['paused', 'stalled', 'failed'] as const;

/** Stops a download (or its seeding) until resumed; its slot goes to the next in the queue. */
export const pauseDownload = (db: Db, id: string, userId: Owner): Promise<Change> =>
  change(
    db,
    id,
    userId,
    `state = 'paused', paused_by = 'user', download_speed = 0, upload_speed = 0, eta_seconds = NULL`,
    PAUSABLE,
  );

/**
 * Back in the queue (at its old place) to be started when a slot is free; a failed one starts over
 * from what it verified. A completed download that was paused while seeding goes back to seeding.
 */
export const resumeDownload = (db: Db, id: string, userId: Owner): Promise<Change> =>
  change(
    db,
    id,
    userId,
    `state = CASE WHEN d.completed_at IS NOT NULL THEN 'seeding' ELSE 'queued' END, paused_by = NULL,
     error_code = NULL, error_message = NULL,
     queue_position = coalesce(d.queue_position, nextval('downloads_queue_seq'))`,
    RESUMABLE,
  );

/** First in line for the next free slot. */
export const moveToFront = (db: Db, id: string, userId: Owner): Promise<Change> =>
  change(
    db,
    id,
    userId,
    `queue_position = (SELECT coalesce(min(queue_position), 1) - 1 FROM downloads WHERE state = 'queued')`,
    ['queued'],
  );

/**
 * Marks a download for removal: it disappears from every list at once; torrent-node stops it,
 * deletes its files when `deleteData`, then deletes the row.
 */
export async function cancelDownload(
  db: Db,
  id: string,
  userId: Owner,
  deleteData: boolean,
): Promise<boolean> {
  return (
    (await db.execute(
      `UPDATE downloads SET state = 'cancelled', delete_data = $3, updated_at = now()
       WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid) AND state <> 'cancelled'`,
      [id, userId, deleteData],
    )) > 0
  );
}

/** A stored result of one of the user's searches, with what the download needs from its search. */
export async function resultForDownload(
  db: Db,
  resultId: string,
  userId: string,
): Promise<{ result: StoredResult; searchId: string; mediaId: string; queryKey: string } | undefined> {
  const [row] = await db.query<{
    result: StoredResult;
    search_id: string;
    media_id: string;
    query_key: string;
  }>(
    `SELECT r.result || jsonb_build_object('id', r.id, 'instant', ${INSTANT}) AS result, s.id AS search_id, s.media_id, s.query_key
     FROM search_results r JOIN searches s ON s.id = r.search_id
     WHERE r.id = $1 AND s.user_id = $2`,
    [resultId, userId],
  );
  return (
    row && { result: row.result, searchId: row.search_id, mediaId: row.media_id, queryKey: row.query_key }
  );
}

interface BlocklistRow {
  id: string;
  user_id: string;
  media_id: string;
  media_title: string;
  info_hash: string | null;
  name: string;
  reason: DownloadErrorCode;
  created_at: Timestamp;
}

/** The user's refused releases (an admin's `userId` null: everyone's), most recent first. */
export async function listBlocklist(db: Db, userId: Owner): Promise<BlocklistEntry[]> {
  const rows = await db.query<BlocklistRow>(
    `SELECT b.id, b.user_id, b.media_id, m.title AS media_title, b.info_hash, b.name, b.reason, b.created_at
     FROM download_blocklist b JOIN media m ON m.id = b.media_id
     WHERE ($1::uuid IS NULL OR b.user_id = $1::uuid)
     ORDER BY b.created_at DESC, b.id LIMIT 500`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    mediaId: r.media_id,
    mediaTitle: r.media_title,
    infoHash: r.info_hash,
    name: r.name,
    reason: r.reason,
    createdAt: iso(r.created_at),
  }));
}

export async function deleteBlocklistEntry(db: Db, id: string, userId: Owner): Promise<boolean> {
  return (
    (await db.execute(
      'DELETE FROM download_blocklist WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid)',
      [id, userId],
    )) > 0
  );
}

// ---- speed limits (the `settings` row `speedLimits`) ----

/** The limits an admin set, or null when none was ever set (the configuration's then apply). */
export async function readSpeedLimits(db: Db): Promise<SpeedLimits | null> {
  const [row] = await db.query<{ value: SpeedLimits }>(
    "SELECT value FROM settings WHERE key = 'speedLimits'",
  );
  return row?.value ?? null;
}

export async function writeSpeedLimits(db: Db, limits: SpeedLimits): Promise<SpeedLimits> {
  await db.execute(
    `INSERT INTO settings (key, value) VALUES ('speedLimits', $1::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
    [limits],
  );
  return limits;
}

// ---- what torrent-node's engine does ----

/** Everything the engine needs to (re)start a download: what was asked, and how far it got. */
export interface EngineRow extends NewDownload {
  id: string;
  engine: DownloadEngineName;
  /** The engine's own id for the torrent (Real-Debrid's torrent id), once it has one. */
  engineRef: string | null;
  debridFallback: boolean;
  /** base64 */
  torrentFile: string | null;
  /** base64 */
  bitfield: string | null;
  state: DownloadState;
  pausedBy: Download['pausedBy'];
  queuePosition: number | null;
  bytesDone: number;
  bytesTotal: number | null;
  bytesUploaded: number;
  savePath: string | null;
  deleteData: boolean;
  startedAt: string | null;
  completedAt: string | null;
  seedingSince: string | null;
}

const ENGINE_COLUMNS = `id, user_id, media_id, season_number, episode_number, name, info_hash, magnet_url,
  torrent_url, encode(torrent_file, 'base64') AS torrent_file, encode(bitfield, 'base64') AS bitfield,
  search_id, result_id, engine, engine_ref, debrid_fallback, state, paused_by, queue_position, bytes_done,
  bytes_total, bytes_uploaded, save_path, delete_data, started_at, completed_at, seeding_since`;

interface EngineDbRow {
  id: string;
  user_id: string;
  media_id: string;
  season_number: number | null;
  episode_number: number | null;
  name: string;
  info_hash: string | null;
  magnet_url: string | null;
  torrent_url: string | null;
  torrent_file: string | null;
  bitfield: string | null;
  search_id: string | null;
  result_id: string | null;
  engine: DownloadEngineName;
  engine_ref: string | null;
  debrid_fallback: boolean;
  state: DownloadState;
  paused_by: Download['pausedBy'];
  queue_position: string | number | null;
  bytes_done: string | number;
  bytes_total: string | number | null;
  bytes_uploaded: string | number;
  save_path: string | null;
  delete_data: boolean;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  seeding_since: Timestamp | null;
}

const engineRow = (r: EngineDbRow): EngineRow => ({
  id: r.id,
  userId: r.user_id,
  mediaId: r.media_id,
  season: r.season_number,
  episode: r.episode_number,
  name: r.name,
  infoHash: r.info_hash,
  magnetUrl: r.magnet_url,
  torrentUrl: r.torrent_url,
  // encode(…, 'base64') wraps lines every 76 characters.
  torrentFile: r.torrent_file?.replace(/\s/g, '') ?? null,
  bitfield: r.bitfield?.replace(/\s/g, '') ?? null,
  searchId: r.search_id,
  resultId: r.result_id,
  engine: r.engine,
  engineRef: r.engine_ref,
  debridFallback: r.debrid_fallback,
  state: r.state,
  pausedBy: r.paused_by,
  queuePosition: numOrNull(r.queue_position),
  bytesDone: num(r.bytes_done),
  bytesTotal: numOrNull(r.bytes_total),
  bytesUploaded: num(r.bytes_uploaded),
  savePath: r.save_path,
  deleteData: r.delete_data,
  startedAt: isoOrNull(r.started_at),
  completedAt: isoOrNull(r.completed_at),
  seedingSince: isoOrNull(r.seeding_since),
});

/** Every download the engine has work for: unfinished, seeding, or cancelled and not yet removed. */
export async function engineDownloads(db: Db): Promise<EngineRow[]> {
  const rows = await db.query<EngineDbRow>(
    `SELECT ${ENGINE_COLUMNS} FROM downloads WHERE state NOT IN ('completed', 'failed')
     ORDER BY queue_position NULLS LAST, created_at`,
  );
  return rows.map(engineRow);
}

export async function engineDownload(db: Db, id: string): Promise<EngineRow | undefined> {
  const [row] = await db.query<EngineDbRow>(`SELECT ${ENGINE_COLUMNS} FROM downloads WHERE id = $1`, [id]);
  return row && engineRow(row);
}

/** The download as users see it (for events), whatever its state. */
export async function downloadForEvent(db: Db, id: string): Promise<Download | undefined> {
  const [row] = await db.query<DownloadRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE d.id = $1`, [id]);
  return row && downloadFromRow(row);
}

export interface TorrentMetadata {
  infoHash: string;
  name: string;
  /** The .torrent (info dictionary and trackers), base64; null when the engine cannot give it (Real-Debrid). */
  torrentFile: string | null;
  bytesTotal: number;
  savePath: string;
  files: { index: number; path: string; sizeBytes: number }[];
}

/**
 * Records what the torrent is once known. `duplicate` when another live download already holds
 * this info hash (a .torrent URL whose hash was not known when it was queued).
 */
export async function recordMetadata(db: Db, id: string, meta: TorrentMetadata): Promise<'ok' | 'duplicate'> {
  const [other] = await db.query<{ id: string }>(
    `SELECT id FROM downloads WHERE info_hash = $1 AND id <> $2 AND state NOT IN ('failed', 'cancelled')`,
    [meta.infoHash, id],
  );
  if (other) return 'duplicate';
  try {
    await db.transaction([
      {
        text: `UPDATE downloads SET info_hash = $2, name = $3, torrent_file = coalesce(decode($4, 'base64'), torrent_file), bytes_total = $5,
               save_path = $6, updated_at = now() WHERE id = $1`,
        params: [
          id,
          meta.infoHash,
          meta.name.slice(0, 1000) || 'torrent',
          meta.torrentFile,
          meta.bytesTotal,
          meta.savePath,
        ],
      },
      { text: 'DELETE FROM download_files WHERE download_id = $1', params: [id] },
      {
        text: `INSERT INTO download_files (download_id, file_index, path, size_bytes)
             SELECT $1, f.index, f.path, f.size FROM jsonb_to_recordset($2::jsonb -> 'files') AS f(index int, path text, size bigint)`,
        params: [id, { files: meta.files.map((f) => ({ index: f.index, path: f.path, size: f.sizeBytes })) }],
      },
    ]);
  } catch (error) {
    // Another row took the hash between the check and the update (downloads_live_hash_key).
    if ((error as { code?: unknown }).code === '23505') return 'duplicate';
    throw error;
  }
  return 'ok';
}

export interface StateChange {
  state: DownloadState;
  pausedBy?: Download['pausedBy'];
  error?: DownloadError | null;
  started?: boolean;
  completed?: boolean;
  seeding?: boolean;
  /** A failed or stalled download leaves the queue for good. */
  leaveQueue?: boolean;
  /**
   * Refuse this release for the title, for the error's reason, in the same statement: whoever sees
   * the download stalled also sees the release blocked, and a crash cannot leave one without the other.
   */
  blockRelease?: boolean;
}

/**
 * The engine's state change. Only applied while the row is not cancelled, and `paused`/`queued`
 * rows the user changed meanwhile keep the user's choice: `from` lists the states it may change.
 */
export async function setEngineState(
  db: Db,
  id: string,
  change: StateChange,
  from: readonly DownloadState[],
): Promise<boolean> {
  const changed = await db.query<{ id: string }>(
    `WITH changed AS (
       UPDATE downloads SET state = $2,
         paused_by = CASE WHEN $3::text = 'keep' THEN paused_by ELSE $3::text END,
         error_code = CASE WHEN $4::boolean THEN $5::text ELSE error_code END,
         error_message = CASE WHEN $4::boolean THEN $6::text ELSE error_message END,
         started_at = CASE WHEN $7::boolean THEN coalesce(started_at, now()) ELSE started_at END,
         completed_at = CASE WHEN $8::boolean THEN coalesce(completed_at, now()) ELSE completed_at END,
         seeding_since = CASE WHEN $9::boolean THEN coalesce(seeding_since, now()) ELSE seeding_since END,
         queue_position = CASE WHEN $10::boolean THEN NULL ELSE queue_position END,
         download_speed = CASE WHEN $2 IN ('downloading', 'metadata', 'seeding') THEN download_speed ELSE 0 END,
         upload_speed = CASE WHEN $2 IN ('downloading', 'metadata', 'seeding') THEN upload_speed ELSE 0 END,
         eta_seconds = CASE WHEN $2 = 'downloading' THEN eta_seconds ELSE NULL END,
         updated_at = now()
       WHERE id = $1 AND state = ANY($11::text[])
       RETURNING id, user_id, media_id, info_hash, name
     ), blocked AS (
       INSERT INTO download_blocklist (user_id, media_id, info_hash, name, reason)
       SELECT user_id, media_id, info_hash, left(name, 1000), $5::text FROM changed WHERE $12::boolean
       ON CONFLICT (media_id, coalesce(info_hash, name)) DO NOTHING
     )
     SELECT id FROM changed`,
    [
      id,
      change.state,
      change.pausedBy === undefined ? 'keep' : change.pausedBy,
      change.error !== undefined,
      change.error?.code ?? null,
      change.error?.message ?? null,
      change.started ?? false,
      change.completed ?? false,
      change.seeding ?? false,
      change.leaveQueue ?? false,
      `{${from.join(',')}}`,
      (change.blockRelease ?? false) && change.error != null,
    ],
  );
  return changed.length > 0;
}

/** Live figures (at most once a second per download) and each file's bytes. */
export async function writeProgress(
  db: Db,
  id: string,
  progress: Omit<DownloadProgress, 'state'>,
  files: { index: number; bytesDone: number }[],
): Promise<void> {
  await db.transaction([
    {
      text: `UPDATE downloads SET bytes_done = $2, bytes_total = coalesce($3, bytes_total), bytes_uploaded = $4,
               download_speed = $5, upload_speed = $6, peers = $7, eta_seconds = $8, updated_at = now()
             WHERE id = $1 AND state <> 'cancelled'`,
      params: [
        id,
        progress.bytesDone,
        progress.bytesTotal,
        progress.bytesUploaded,
        progress.downloadSpeed,
        progress.uploadSpeed,
        progress.peers,
        progress.etaSeconds,
      ],
    },
    {
      text: `UPDATE download_files f SET bytes_done = x.done
             FROM jsonb_to_recordset($2::jsonb -> 'files') AS x(index int, done bigint)
             WHERE f.download_id = $1 AND f.file_index = x.index AND f.bytes_done <> x.done`,
      params: [id, { files: files.map((f) => ({ index: f.index, done: f.bytesDone })) }],
    },
  ]);
}

/** Verified pieces (base64 of webtorrent's bitfield buffer), saved with each progress checkpoint. */
export async function saveBitfield(db: Db, id: string, bitfield: string): Promise<void> {
  await db.execute(`UPDATE downloads SET bitfield = decode($2, 'base64') WHERE id = $1`, [id, bitfield]);
}

/** The engine removed a cancelled download (and its files when asked): the row goes. */
export async function deleteDownloadRow(db: Db, id: string): Promise<void> {
  await db.execute(`DELETE FROM downloads WHERE id = $1 AND state = 'cancelled'`, [id]);
}

/**
 * Space came back: the downloads the free-space guard paused go back to the queue (at their old
 * place); the ones their owner paused stay paused. Returns their ids and owners.
 */
export async function resumeDiskPaused(db: Db): Promise<{ id: string; userId: string }[]> {
  const rows = await db.query<{ id: string; user_id: string }>(
    `UPDATE downloads SET state = CASE WHEN completed_at IS NOT NULL THEN 'seeding' ELSE 'queued' END,
       paused_by = NULL, error_code = NULL, error_message = NULL,
       queue_position = coalesce(queue_position, nextval('downloads_queue_seq')), updated_at = now()
     WHERE state = 'paused' AND paused_by = 'disk' RETURNING id, user_id`,
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id }));
}

/** What an import decided for one file of a download. */
export async function setFileRole(
  db: Db,
  downloadId: string,
  index: number,
  role: NonNullable<DownloadFile['role']>,
  mediaFileId: string | null,
): Promise<void> {
  await db.execute(
    'UPDATE download_files SET role = $3, media_file_id = $4 WHERE download_id = $1 AND file_index = $2',
    [downloadId, index, role, mediaFileId],
  );
}

/**
 * The best accepted result of a search that is not refused for its title and was never downloaded
 * for it: what a stalled download falls back to.
 */
export async function nextBestResult(
  db: Db,
  searchId: string,
  mediaId: string,
): Promise<StoredResult | undefined> {
  const [row] = await db.query<{ result: StoredResult }>(
    `SELECT r.result || jsonb_build_object('id', r.id, 'instant', ${INSTANT}) AS result
     FROM search_results r
     WHERE r.search_id = $1 AND NOT r.rejected
       AND NOT EXISTS (SELECT 1 FROM download_blocklist b WHERE b.media_id = $2
                       AND (b.info_hash = r.info_hash OR b.name = r.result->>'title'))
       AND NOT EXISTS (SELECT 1 FROM downloads d WHERE d.media_id = $2
                       AND (d.result_id = r.id OR (r.info_hash IS NOT NULL AND d.info_hash = r.info_hash)))
     ORDER BY r.score DESC, r.id LIMIT 1`,
    [searchId, mediaId],
  );
  return row?.result;
}

/** The title's kind and place, for naming library files and matching episodes. */
export interface ImportTarget {
  mediaId: string;
  type: 'movie' | 'tv' | 'episode';
  title: string;
  year: number | null;
  /** Episodes of the series (for a series or an episode target). */
  series: { id: string; title: string; year: number | null } | null;
  episodes: { id: string; season: number; episode: number; title: string }[];
}

export async function importTarget(db: Db, mediaId: string): Promise<ImportTarget | undefined> {
  const [m] = await db.query<{
    id: string;
    media_type: ImportTarget['type'];
    title: string;
    year: number | null;
    parent_id: string | null;
  }>('SELECT id, media_type, title, year, parent_id FROM media WHERE id = $1', [mediaId]);
  if (!m) return undefined;
  const seriesId = m.media_type === 'tv' ? m.id : m.parent_id;
  const [series] = seriesId
    ? await db.query<{ id: string; title: string; year: number | null }>(
        'SELECT id, title, year FROM media WHERE id = $1',
        [seriesId],
      )
    : [];
  const episodes = seriesId
    ? await db.query<{ id: string; season_number: number; episode_number: number; title: string }>(
        `SELECT id, season_number, episode_number, title FROM media WHERE parent_id = $1
         ORDER BY season_number, episode_number`,
        [seriesId],
      )
    : [];
  return {
    mediaId: m.id,
    type: m.media_type,
    title: m.title,
    year: m.year,
    series: series ?? null,
    episodes: episodes.map((e) => ({
      id: e.id,
      season: e.season_number,
      episode: e.episode_number,
      title: e.title,
    })),
  };
}

// ---- what the API checks before queuing a download ----

/**
 * Whether a release is refused for a title (download_blocklist): by its info hash, or by its
 * release name (a search result's title, a magnet's `dn`; null when only the user named it). The
 * refusal is the title's, whoever's download stalled: the key the blocklist is unique on, and what
 * the stall fallback (`nextBestResult`) skips.
 */
export async function isReleaseBlocked(
  db: Db,
  release: { mediaId: string; infoHash: string | null; name: string | null },
): Promise<boolean> {
  const [row] = await db.query<{ id: string }>(
    `SELECT id FROM download_blocklist
     WHERE media_id = $1 AND (info_hash = $2::text OR name = $3::text) LIMIT 1`,
    [release.mediaId, release.infoHash, release.name],
  );
  return row !== undefined;
}

/** The engine's own id for a download's torrent (Real-Debrid's), so a restart follows it again. */
export async function setEngineRef(db: Db, id: string, ref: string | null): Promise<void> {
  await db.execute('UPDATE downloads SET engine_ref = $2, updated_at = now() WHERE id = $1', [id, ref]);
}

/**
 * A Real-Debrid download that failed starts again on Sokoul's BitTorrent engine, at the back of the
 * queue, when its owner allowed it: `false` when it was not allowed (or no longer a live debrid
 * download). The debrid failure stays on the row until the new engine's first state change.
 */
export async function fallBackToBitTorrent(db: Db, id: string, error: DownloadError): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE downloads SET engine = 'webtorrent', engine_ref = NULL, state = 'queued', paused_by = NULL,
       error_code = $2, error_message = $3, bytes_done = 0, download_speed = 0, upload_speed = 0, peers = 0,
       eta_seconds = NULL, bitfield = NULL, queue_position = nextval('downloads_queue_seq'), updated_at = now()
     WHERE id = $1 AND engine = 'realdebrid' AND debrid_fallback
       AND state IN ('queued', 'metadata', 'downloading')
     RETURNING id`,
    [id, error.code, error.message],
  );
  return rows.length > 0;
}

/** A user's engine choice; null until they made one. */
export async function readDownloadPreferences(db: Db, userId: string): Promise<DownloadPreferences | null> {
  const [row] = await db.query<{ engine: DownloadEngineName; debrid_fallback: boolean }>(
    'SELECT engine, debrid_fallback FROM download_preferences WHERE user_id = $1',
    [userId],
  );
  return row ? { engine: row.engine, debridFallback: row.debrid_fallback } : null;
}

export async function writeDownloadPreferences(
  db: Db,
  userId: string,
  prefs: DownloadPreferences,
): Promise<void> {
  await db.execute(
    `INSERT INTO download_preferences (user_id, engine, debrid_fallback) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET engine = excluded.engine, debrid_fallback = excluded.debrid_fallback,
       updated_at = now()`,
    [userId, prefs.engine, prefs.debridFallback],
  );
}

/**
 * The scheduler's archive: finished downloads (completed, failed, or cancelled with nothing left for
 * the engine to delete) untouched for `retentionDays` go; their library files stay (media_files keep
 * their rows, the link to the download cleared). Returns how many.
 */
export const purgeFinishedDownloads = (db: Db, retentionDays: number): Promise<number> =>
  db.execute(
    `DELETE FROM downloads
      WHERE (state IN ('completed', 'failed') OR (state = 'cancelled' AND NOT delete_data))
        AND updated_at < now() - make_interval(days => $1)`,
    [retentionDays],
  );

/** Where each download's files are on disk (its save path and the torrent's relative path), for the orphan check. */
export async function listDownloadFilePaths(db: Db): Promise<string[]> {
  const rows = await db.query<{ path: string }>(
    `SELECT rtrim(d.save_path, '/') || '/' || f.path AS path
       FROM download_files f JOIN downloads d ON d.id = f.download_id
      WHERE d.save_path IS NOT NULL`,
  );
  return rows.map((r) => r.path);
}
