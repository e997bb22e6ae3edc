import type { Download, DownloadErrorCode, DownloadState } from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import { ApiError } from '../api/client.js';
import { downloadsApi } from '../api/downloads.js';
import { messageOf } from '../components/Field.js';
import { formatPercent, type MessageKey, t, tn } from '../i18n.js';
import { live } from './live.js';
import { notify } from './notices.js';

/**
 * The downloads the user can see, as the live socket reports them (`download.*` events), for the
 * Downloads page, the releases panel and the title pages. Nothing polls the user's own downloads:
 * after a reconnect, or when the server could not replay what was missed, what was read is read
 * again. (An admin's view of everyone's downloads is refreshed every few seconds: other users'
 * events do not reach this socket.)
 */
const [byId, setById] = createStore<Record<string, Download>>({});
/** The scopes of the lists read so far (`all` or not), read again on a resync. */
const scopes = new Set<boolean>();
const followed = new Map<string, number>();
/** Bumped when a download this tab never saw appears, or one completes: title pages read again. */
const [generation, setGeneration] = createSignal(0);
const bump = () => setGeneration(generation() + 1);

const FINISHED = new Set<DownloadState>(['completed', 'failed', 'cancelled']);
export const UNFINISHED_ORDER: DownloadState[] = [
  'downloading',
  'metadata',
  'queued',
  'stalled',
  'paused',
  'seeding',
];

/** The newer version wins: events may overtake the HTTP answer that started or changed a download. */
function upsert(download: Download): void {
  const known = byId[download.id];
  if (known && known.updatedAt > download.updatedAt) return;
  if (!known) bump();
  setById(download.id, reconcile(download));
}

function forget(id: string): void {
  setById(
    produce((all) => {
      delete all[id];
    }),
  );
}

/** Reads one scope's list; downloads of that scope the server no longer lists are forgotten. */
async function load(all: boolean, userId?: string): Promise<void> {
  const { downloads } = await downloadsApi.list({ all: all ? 'true' : undefined, limit: 500 });
  scopes.add(all);
  const listed = new Set(downloads.map((d) => d.id));
  for (const known of Object.values(byId)) {
    if (!listed.has(known.id) && (all || known.userId === userId) && !followed.has(known.id))
      forget(known.id);
  }
  for (const download of downloads) upsert(download);
}

let resyncing: Promise<void> | null = null;
let resyncUser: string | undefined;

const readFollowed = () => [...followed.keys()].map((id) => downloadsApi.get(id).then(upsert));

function resync(): Promise<void> {
  resyncing ??= (async () => {
    const reads: Promise<unknown>[] = [...scopes].map((all) => load(all, resyncUser));
    await Promise.allSettled([...reads, ...readFollowed()]);
    bump();
  })().finally(() => {
    resyncing = null;
  });
  return resyncing;
}

/** "Matrix", "Dark · S01 E03", "Dark · Saison 1". */
export function downloadTitle(d: Download): string {
  const two = (n: number) => String(n).padStart(2, '0');
  if (d.season !== null && d.episode !== null)
    return `${d.mediaTitle} · ${t('downloads.episode', { s: two(d.season), e: two(d.episode) })}`;
  if (d.season !== null) return `${d.mediaTitle} · ${t('downloads.season', { s: String(d.season) })}`;
  return d.mediaTitle;
}

/** Every code the engines report has its words (a new code without them does not compile). */
const DOWNLOAD_ERRORS: Record<DownloadErrorCode, MessageKey> = {
  invalid_magnet: 'dlerror.invalid_magnet',
  torrent_fetch_failed: 'dlerror.torrent_fetch_failed',
  not_a_torrent: 'dlerror.not_a_torrent',
  torrent_too_large: 'dlerror.torrent_too_large',
  empty_torrent: 'dlerror.empty_torrent',
  unsafe_path: 'dlerror.unsafe_path',
  duplicate: 'dlerror.duplicate',
  insufficient_space: 'dlerror.insufficient_space',
  no_peers: 'dlerror.no_peers',
  metadata_timeout: 'dlerror.metadata_timeout',
  no_video_file: 'dlerror.no_video_file',
  import_failed: 'dlerror.import_failed',
  engine_error: 'dlerror.engine_error',
  engine_unavailable: 'dlerror.engine_unavailable',
  debrid_auth: 'dlerror.debrid_auth',
  debrid_infringing: 'dlerror.debrid_infringing',
  debrid_magnet_error: 'dlerror.debrid_magnet_error',
  debrid_virus: 'dlerror.debrid_virus',
  debrid_dead: 'dlerror.debrid_dead',
  debrid_error: 'dlerror.debrid_error',
  client_error: 'dlerror.client_error',
};

/** Why a download failed (or a release was refused), in words: "aucune source ne partage ce torrent". */
export const downloadErrorLabel = (code: DownloadErrorCode) => t(DOWNLOAD_ERRORS[code]);

export const errorLabel = (d: Download) => (d.error ? downloadErrorLabel(d.error.code) : null);

/** Where a title's page is: resolved from the download's title (see pages/TitleRedirect). */
export const titleHref = (d: Download) => `/title/${d.mediaId}`;

live.subscribe((event) => {
  switch (event.type) {
    case 'download.progress':
      upsert(event.data.download);
      break;
    case 'download.completed': {
      const d = event.data.download;
      upsert(d);
      bump();
      const title = downloadTitle(d);
      notify(
        event.data.imported > 0
          ? tn('downloads.completedToastFiles', event.data.imported, { title })
          : t('downloads.completedToast', { title }),
        {
          kind: 'info',
          ms: 12_000,
          link: { href: titleHref(d), label: t('downloads.openTitle') },
        },
      );
      break;
    }
    case 'download.failed': {
      const d = event.data.download;
      upsert(d);
      notify(t('downloads.failedToast', { title: downloadTitle(d), error: errorLabel(d) ?? '' }), {
        link: { href: '/downloads', label: t('downloads.title') },
      });
      break;
    }
    case 'download.stalled': {
      const { download, next } = event.data;
      upsert(download);
      if (next) upsert(next);
      notify(
        t(next ? 'downloads.stalledNextToast' : 'downloads.stalledToast', { title: downloadTitle(download) }),
        { link: { href: '/downloads', label: t('downloads.title') } },
      );
      break;
    }
    case 'alert':
      if (event.data.code === 'disk.low') notify(t('downloads.diskLow'), { ms: 12_000 });
      else if (event.data.code === 'disk.ok') notify(t('downloads.diskOk'), { kind: 'info' });
      break;
  }
});
live.onResync(() => void resync());
// Followed before the socket first joined (a download started from a page just opened).
live.onJoin(() => void Promise.allSettled(readFollowed()).then(bump));

const rank = (d: Download) => {
  const at = UNFINISHED_ORDER.indexOf(d.state);
  return at === -1 ? UNFINISHED_ORDER.length : at;
};

/** Unfinished first (running, then the queue in its order), then the most recently changed. */
export function byQueue(a: Download, b: Download): number {
  const finishedA = FINISHED.has(a.state);
  const finishedB = FINISHED.has(b.state);
  if (finishedA !== finishedB) return finishedA ? 1 : -1;
  if (finishedA) return b.updatedAt.localeCompare(a.updatedAt);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const qa = a.queuePosition ?? Number.MAX_SAFE_INTEGER;
  const qb = b.queuePosition ?? Number.MAX_SAFE_INTEGER;
  return qa - qb || a.createdAt.localeCompare(b.createdAt);
}

export const downloads = {
  /** Every download known, in queue order, except those being removed. */
  list: (filter: (d: Download) => boolean = () => true): Download[] =>
    Object.values(byId)
      .filter((d) => d.state !== 'cancelled' && filter(d))
      .sort(byQueue),
  get: (id: string): Download | undefined => byId[id],
  /** The latest download started from a search result. */
  ofResult: (resultId: string): Download | undefined =>
    Object.values(byId)
      .filter((d) => d.resultId === resultId && d.state !== 'cancelled')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0],
  /** 1 for the next to start: its rank among the queued downloads known (of the same owner). */
  queueRank(d: Download): number | null {
    if (d.state !== 'queued' || d.queuePosition === null) return null;
    const position = d.queuePosition;
    return (
      1 +
      Object.values(byId).filter(
        (o) =>
          o.state === 'queued' &&
          o.userId === d.userId &&
          o.queuePosition !== null &&
          (o.queuePosition < position || (o.queuePosition === position && o.createdAt < d.createdAt)),
      ).length
    );
  },
  generation,
  load(all: boolean, userId?: string) {
    resyncUser = userId;
    return load(all, userId);
  },
  upsert,
  forget,
  /** Keeps one download up to date across reconnects until the returned function is called. */
  follow(download: Download): () => void {
    upsert(download);
    followed.set(download.id, (followed.get(download.id) ?? 0) + 1);
    return () => {
      const count = (followed.get(download.id) ?? 1) - 1;
      if (count > 0) followed.set(download.id, count);
      else followed.delete(download.id);
    };
  },
  /** Forgets everything (sign-out: the next account must not see these). */
  reset(): void {
    setById(reconcile({}));
    scopes.clear();
    followed.clear();
  },
};

/** A download's state in words: "Queued (position 2)", "Downloading: 42%", "Failed: no peers". */
export function stateLabel(d: Download): string {
  switch (d.state) {
    case 'queued': {
      const n = downloads.queueRank(d);
      return n === null ? t('dlstate.queued') : t('dlstate.queuedAt', { n: String(n) });
    }
    case 'downloading':
      return d.bytesTotal ? t('dlstate.downloadingAt', { percent: percentOf(d) }) : t('dlstate.downloading');
    case 'paused':
      return t(
        d.pausedBy === 'disk'
          ? 'dlstate.pausedDisk'
          : d.pausedBy === 'user'
            ? 'dlstate.pausedUser'
            : 'dlstate.paused',
      );
    case 'failed': {
      const error = errorLabel(d);
      return error ? t('dlstate.failedWith', { error }) : t('dlstate.failed');
    }
    default:
      return t(`dlstate.${d.state}` as MessageKey);
  }
}

export const shareOf = (d: Download) =>
  d.state === 'seeding' || d.state === 'completed' ? 1 : d.bytesTotal ? d.bytesDone / d.bytesTotal : 0;

const percentOf = (d: Download) => formatPercent(shareOf(d));

/**
 * Why starting a download was refused, worded by code: another member already downloading the
 * release, the release refused for the title (its blocklist), the stored result gone.
 */
export function startErrorOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'blocklisted') return t('dlstart.blocklisted');
    if (error.code === 'already_downloading') return t('dlstart.already_downloading');
    if (error.code === 'not_found') return t('dlstart.not_found');
    if (error.code === 'engine_unavailable') return t('dlstart.engine_unavailable');
  }
  return t('dlstart.failed', { message: messageOf(error) });
}

/** A refused action (pause, resume…) in words. */
export const actionErrorOf = (error: unknown) => t('downloads.actionFailed', { message: messageOf(error) });
