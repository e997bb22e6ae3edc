import {
  type BlocklistList,
  checkOutboundUrl,
  type Download,
  type DownloadControlMessage,
  type DownloadDetail,
  type DownloadEngines,
  type DownloadList,
  type DownloadPreferences,
  type ListDownloadsQuery,
  OutboundRefused,
  type SpeedLimits,
  type StartDownloadRequest,
  type StartedDownload,
  type StoredResult,
  Subjects,
} from '@sokoul/contracts';
import {
  type Change,
  cancelDownload,
  createDownload,
  deleteBlocklistEntry,
  getDownloadDetail,
  isReleaseBlocked,
  listBlocklist,
  listDownloads,
  moveToFront,
  type NewDownload,
  type Owner,
  pauseDownload,
  readDownloadPreferences,
  readSpeedLimits,
  resultForDownload,
  resumeDownload,
  writeDownloadPreferences,
  writeSpeedLimits,
} from '@sokoul/db';
import { assertAdmin } from '../auth/roles.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, forbidden, notFound } from '../errors.js';
import * as media from '../media/service.js';
import { engineView, isConfigured, withEngineState, withEngineStates } from './engines.js';

/**
 * Downloads (Hunter) as users ask for them. The API only records what the user wants in the
 * `downloads` rows (through @sokoul/db) and wakes torrent-node on `downloads.control`; the engine
 * does the rest and writes what happens. A publish that fails never fails the request: the row is
 * the truth, and torrent-node reconciles every row when it starts.
 */

// ---- magnets and info hashes ----

const HEX_HASH = /^[0-9a-f]{40}$/i;
const BASE32_HASH = /^[a-z2-7]{32}$/i;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const MAGNET = /^magnet:\?/i;
/** The longest magnet or .torrent URL a row holds (the columns' check). */
const MAX_LINK = 8192;

function base32ToHex(text: string): string {
  let bits = '';
  for (const char of text.toLowerCase()) bits += BASE32.indexOf(char).toString(2).padStart(5, '0');
  let hex = '';
  for (let i = 0; i + 4 <= bits.length; i += 4) hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

/** A BitTorrent v1 info hash as the database keeps it (40 lower-case hex digits), or null. */
export function normaliseInfoHash(value: string | null | undefined): string | null {
  const text = value?.trim() ?? '';
  if (HEX_HASH.test(text)) return text.toLowerCase();
  if (BASE32_HASH.test(text)) return base32ToHex(text);
  return null;
}

/** Printable text of at most `max` characters, or null (names come from users and indexers). */
const cleanName = (value: string | null | undefined, max = 500): string | null => {
  const text = (value ?? '')
    .replace(/[\p{Cc}\p{Cs}]/gu, ' ')
    .trim()
    .slice(0, max);
  return text || null;
};

/**
 * The info hash (`xt=urn:btih:`, hex or base32) and display name (`dn`) of a magnet link. By hand:
 * magnet-uri (webtorrent's) throws on a malformed percent-escape in `dn` (a 500 from user input)
 * and pulls three packages into the worker for these few lines; torrent-node checks it again with
 * parse-torrent before it fetches anything.
 */
export function parseMagnet(magnet: string): { infoHash: string; name: string | null } | null {
  if (!MAGNET.test(magnet)) return null;
  const params = new URLSearchParams(magnet.slice(magnet.indexOf('?') + 1));
  let infoHash: string | null = null;
  for (const [key, value] of params) {
    if (key !== 'xt' && !/^xt\.\d+$/.test(key)) continue;
    const urn = /^urn:btih:(.+)$/i.exec(value.trim());
    infoHash = normaliseInfoHash(urn?.[1]);
    if (infoHash) break;
  }
  return infoHash ? { infoHash, name: cleanName(params.get('dn')) } : null;
}

const invalidBody = (field: string, message: string) =>
  new ApiError(400, 'validation_failed', `Invalid body: ${field} ${message}`, {}, [{ path: field, message }]);

/** A .torrent URL through the outbound guard the search applies to indexer URLs. */
function guardedTorrentUrl(deps: Deps, url: string, field: string): string {
  try {
    return checkOutboundUrl(url, { allowPrivate: deps.config.INDEXER_ALLOW_PRIVATE }).href;
  } catch (error) {
    if (error instanceof OutboundRefused)
      throw invalidBody(field, error.message.replace('indexers', 'downloads'));
    throw error;
  }
}

/** The last segment of a URL's path, as a name until the torrent's own is known. */
const nameFromUrl = (url: string): string | null => {
  const last = new URL(url).pathname.split('/').filter(Boolean).pop();
  if (!last) return null;
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // Kept as written.
  }
  return cleanName(decoded.replace(/\.torrent$/i, ''));
};

// ---- what a download is for ----

interface Target {
  mediaId: string;
  season: number | null;
  episode: number | null;
}

/** The title must exist; a season or an episode is a series'. */
async function checkedTarget(
  deps: Deps,
  principal: Principal,
  input: { mediaId: string; season?: number | undefined; episode?: number | undefined },
): Promise<Target> {
  const title = await media.get(deps, principal, input.mediaId);
  if (input.episode !== undefined && input.season === undefined) {
    throw invalidBody('season', 'is required with an episode');
  }
  if (input.season !== undefined && title.type !== 'tv') {
    throw invalidBody('season', 'and episode are for a series');
  }
  return { mediaId: title.id, season: input.season ?? null, episode: input.episode ?? null };
}

/** A search key's season and episode (`season:episode:text:profile`). */
function keyTarget(queryKey: string): { season: number | null; episode: number | null } {
  const [season = '', episode = ''] = queryKey.split(':');
  const read = (part: string) => (/^\d+$/.test(part) ? Number(part) : null);
  return { season: read(season), episode: read(episode) };
}

/** What a stored search result gives a download: its links, hash, name and title. */
function fromResult(
  deps: Deps,
  userId: string,
  found: { result: StoredResult; searchId: string; mediaId: string; queryKey: string },
): NewDownload {
  const { result } = found;
  const magnets = [result.magnetUrl, result.downloadUrl].filter(
    (link): link is string => typeof link === 'string' && link.length <= MAX_LINK && MAGNET.test(link),
  );
  let magnet: { url: string; infoHash: string } | null = null;
  for (const url of magnets) {
    const parsed = parseMagnet(url);
    if (parsed) {
      magnet = { url, infoHash: parsed.infoHash };
      break;
    }
  }
  const download = result.downloadUrl;
  let torrentUrl: string | null = null;
  if (download && /^https?:/i.test(download) && download.length <= MAX_LINK) {
    try {
      torrentUrl = guardedTorrentUrl(deps, download, 'resultId');
    } catch (error) {
      // A refused .torrent link is only fatal without a magnet to fall back on.
      if (!magnet) throw error;
    }
  }
  if (!magnet && !torrentUrl) {
    throw new ApiError(400, 'bad_request', 'This result has no usable magnet or .torrent link');
  }
  return {
    userId,
    mediaId: found.mediaId,
    ...keyTarget(found.queryKey),
    name: cleanName(result.title, 1000) ?? magnet?.infoHash ?? 'torrent',
    infoHash: magnet?.infoHash ?? normaliseInfoHash(result.infoHash),
    magnetUrl: magnet?.url ?? null,
    torrentUrl,
    searchId: found.searchId,
    resultId: result.id,
  };
}

// ---- waking torrent-node ----

/** Fire-and-forget on core NATS, after the answer if need be: the row already says it all. */
export function wake(deps: Deps, message: DownloadControlMessage): void {
  deps.defer(
    deps.infra.bus
      .publish(Subjects.downloadControl, message)
      .catch((error: unknown) =>
        deps.log.warn('download control not published', { ...message, error: String(error) }),
      ),
  );
}

/** Whose downloads the caller acts on: their own, or (admins) anyone's. */
const ownerFor = (principal: Principal): Owner => (principal.role === 'admin' ? null : principal.userId);

// ---- the routes' services ----

/**
 * POST /downloads: queues a download of a stored search result (one of the caller's searches), or
 * of a magnet / .torrent URL for a title. The same live info hash answers the existing download
 * (`existing`); held by another user, 409 `already_downloading` (not saying whose).
 */
export async function start(
  deps: Deps,
  principal: Principal,
  input: StartDownloadRequest,
): Promise<StartedDownload> {
  const { db } = deps.infra;
  let wanted: NewDownload;
  let releaseName: string | null;
  if ('resultId' in input) {
    const found = await resultForDownload(db, input.resultId, principal.userId);
    if (!found) throw notFound('Search result');
    wanted = fromResult(deps, principal.userId, found);
    releaseName = wanted.name;
  } else if ('magnetUrl' in input) {
    const magnet = parseMagnet(input.magnetUrl);
    if (!magnet) {
      throw invalidBody(
        'magnetUrl',
        'must name a BitTorrent info hash (xt=urn:btih: with 40 hex or 32 base32 characters)',
      );
    }
    const target = await checkedTarget(deps, principal, input);
    releaseName = magnet.name;
    wanted = {
      userId: principal.userId,
      ...target,
      name: cleanName(input.name) ?? magnet.name ?? magnet.infoHash,
      infoHash: magnet.infoHash,
      magnetUrl: input.magnetUrl,
      torrentUrl: null,
      searchId: null,
      resultId: null,
    };
  } else {
    const torrentUrl = guardedTorrentUrl(deps, input.torrentUrl, 'torrentUrl');
    const target = await checkedTarget(deps, principal, input);
    releaseName = null;
    wanted = {
      userId: principal.userId,
      ...target,
      name: cleanName(input.name) ?? nameFromUrl(torrentUrl) ?? 'torrent',
      infoHash: null,
      magnetUrl: null,
      torrentUrl,
      searchId: null,
      resultId: null,
    };
  }
  const preferences = await preferencesOf(deps, principal.userId);
  const engine = input.engine ?? preferences.engine;
  const view = await engineView(deps);
  // While torrent-node does not answer nobody can tell: the row waits, and torrent-node fails it
  // with engine_unavailable if that engine is not configured after all.
  if (isConfigured(view, engine) === false) {
    throw input.engine
      ? engineUnavailable(`The download engine ${engine} is not configured on this server`)
      : engineUnavailable(
          `Your default download engine (${engine}) is not configured on this server any more: choose another in Settings, or one for this download`,
        );
  }
  if (await isReleaseBlocked(db, { mediaId: wanted.mediaId, infoHash: wanted.infoHash, name: releaseName })) {
    throw new ApiError(
      409,
      'blocklisted',
      'This release was refused for this title after it stalled or failed; clear it from the blocklist to try it again',
    );
  }
  const created = await createDownload(db, {
    ...wanted,
    engine,
    debridFallback: preferences.debridFallback,
  });
  if (created === 'taken') {
    throw new ApiError(409, 'already_downloading', 'This release is already being downloaded');
  }
  if (!created.existing) wake(deps, { action: 'reconcile', downloadId: created.download.id });
  return { ...created, download: withEngineState(view, created.download) };
}

/** GET /downloads: the caller's; an admin's with all=true, everyone's. */
export async function list(
  deps: Deps,
  principal: Principal,
  query: ListDownloadsQuery,
): Promise<DownloadList> {
  const everyone = query.all === 'true';
  if (everyone && principal.role !== 'admin') throw forbidden("Only administrators see everyone's downloads");
  const downloads = await listDownloads(deps.infra.db, {
    userId: everyone ? null : principal.userId,
    state: query.state,
    mediaId: query.mediaId,
    limit: query.limit,
  });
  return { downloads: await withEngineStates(deps, downloads) };
}

/** GET /downloads/:id: with its files; the save path for admins. Another user's is a 404. */
export async function get(deps: Deps, principal: Principal, id: string): Promise<DownloadDetail> {
  const found = await getDownloadDetail(deps.infra.db, id, ownerFor(principal), principal.role === 'admin');
  if (!found) throw notFound('Download');
  const [detail] = await withEngineStates(deps, [found]);
  return detail ?? found;
}

async function changed(deps: Deps, outcome: Change, what: string): Promise<Download> {
  if (outcome === undefined) throw notFound('Download');
  if (outcome === 'conflict') {
    throw new ApiError(409, 'invalid_state', `This download cannot be ${what} in its current state`);
  }
  wake(deps, { action: 'reconcile', downloadId: outcome.id });
  const [answered] = await withEngineStates(deps, [outcome]);
  return answered ?? outcome;
}

/** Paused until resumed: queued, fetching metadata, downloading, stalled or seeding ones. */
export const pause = async (deps: Deps, principal: Principal, id: string): Promise<Download> =>
  changed(deps, await pauseDownload(deps.infra.db, id, ownerFor(principal)), 'paused');

/** Back in the queue: paused, stalled or failed ones (a completed one goes back to seeding). */
export const resume = async (deps: Deps, principal: Principal, id: string): Promise<Download> =>
  changed(deps, await resumeDownload(deps.infra.db, id, ownerFor(principal)), 'resumed');

/** First in line for the next free slot: queued ones only. */
export const front = async (deps: Deps, principal: Principal, id: string): Promise<Download> =>
  changed(deps, await moveToFront(deps.infra.db, id, ownerFor(principal)), 'moved to the front');

/** DELETE /downloads/:id: gone from every list at once; torrent-node stops it (and deletes its files). */
export async function remove(
  deps: Deps,
  principal: Principal,
  input: { id: string; deleteData: boolean },
): Promise<void> {
  if (!(await cancelDownload(deps.infra.db, input.id, ownerFor(principal), input.deleteData))) {
    throw notFound('Download');
  }
  wake(deps, { action: 'reconcile', downloadId: input.id });
}

/** The caller's refused releases (an admin's: everyone's). */
export async function blocklist(deps: Deps, principal: Principal): Promise<BlocklistList> {
  return { entries: await listBlocklist(deps.infra.db, ownerFor(principal)) };
}

export async function unblock(deps: Deps, principal: Principal, id: string): Promise<void> {
  if (!(await deleteBlocklistEntry(deps.infra.db, id, ownerFor(principal)))) {
    throw notFound('Blocklist entry');
  }
}

/** The limits an admin set, else DOWNLOAD_LIMIT and UPLOAD_LIMIT (what torrent-node applies then). */
export async function limits(deps: Deps, principal: Principal): Promise<SpeedLimits> {
  assertAdmin(principal);
  return (
    (await readSpeedLimits(deps.infra.db)) ?? {
      downloadLimit: deps.config.DOWNLOAD_LIMIT,
      uploadLimit: deps.config.UPLOAD_LIMIT,
    }
  );
}

/** Stored (they outlive restarts and override torrent-node's environment) and applied at once. */
export async function setLimits(deps: Deps, principal: Principal, input: SpeedLimits): Promise<SpeedLimits> {
  assertAdmin(principal);
  const saved = await writeSpeedLimits(deps.infra.db, {
    downloadLimit: input.downloadLimit,
    uploadLimit: input.uploadLimit,
  });
  wake(deps, { action: 'limits' });
  return saved;
}

// ---- engines ----

/** What a user who never chose gets: Sokoul's own engine; a failed debrid download retried on it. */
const DEFAULT_PREFERENCES: DownloadPreferences = { engine: 'webtorrent', debridFallback: true };

const preferencesOf = async (deps: Deps, userId: string): Promise<DownloadPreferences> =>
  (await readDownloadPreferences(deps.infra.db, userId)) ?? DEFAULT_PREFERENCES;

const engineUnavailable = (message: string) => new ApiError(409, 'engine_unavailable', message);

/** GET /downloads/engines: what torrent-node runs (each engine's state), and the caller's choice. */
export async function engines(deps: Deps, principal: Principal): Promise<DownloadEngines> {
  const [view, preferences] = await Promise.all([engineView(deps), preferencesOf(deps, principal.userId)]);
  return { engines: view.engines, preferences };
}

/**
 * PUT /downloads/preferences: only an engine configured here (one that is down for now may be
 * chosen: its downloads wait for it). Sokoul's own engine is always there.
 */
export async function setPreferences(
  deps: Deps,
  principal: Principal,
  input: DownloadPreferences,
): Promise<DownloadPreferences> {
  const view = await engineView(deps);
  if (isConfigured(view, input.engine) !== true) {
    throw engineUnavailable(
      view.reachable
        ? `The download engine ${input.engine} is not configured on this server`
        : `torrent-node does not answer, so ${input.engine} cannot be checked: try again shortly`,
    );
  }
  const preferences = { engine: input.engine, debridFallback: input.debridFallback };
  await writeDownloadPreferences(deps.infra.db, principal.userId, preferences);
  return preferences;
}
