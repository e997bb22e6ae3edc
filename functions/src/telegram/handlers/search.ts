import {
  type CatalogPage,
  imageUrl,
  type LibraryStatus,
  type MediaType,
  type MovieDetails,
  REASONS,
  SearchTaskPayload,
  type Season,
  type StoredResult,
  type TvDetails,
  telegramButtonLink,
  wordReason,
} from '@sokoul/contracts';
import * as catalog from '../../catalog/service.js';
import * as downloads from '../../downloads/service.js';
import * as library from '../../library/service.js';
import * as media from '../../media/service.js';
import * as search from '../../search/service.js';
import { hasIndexer, recentSearch } from '../../streaming/service.js';
import * as tasks from '../../tasks/service.js';
import { type Action, type Button, keyboard, type Linked, type Session, send, sendPhoto } from '../chat.js';
import {
  CAPTION_MAX,
  clip,
  fitBlocks,
  formatBytes,
  formatList,
  formatNumber,
  h,
  MESSAGE_MAX,
  plural,
  readJson,
} from '../render.js';
import { TEXTS } from '../texts.js';
import { stateLabel } from './downloads.js';

/**
 * /search: TMDB's titles as buttons → a title card → (a season and an episode for a series) →
 * the best releases of a search (the user's recent one when there is one, as "Regarder" reuses it)
 * → a download. Every step calls the services the API calls.
 */

const RESULTS = 8;
const RELEASES = 5;
/** How long the bot follows a search before it offers "Refresh" instead. */
const WAIT_MS = 60_000;
const POLL_MS = 1000;
const SEASONS_PER_ROW = 4;
const EPISODES_PER_ROW = 8;
const GB = 1024 ** 3;

/** TMDB's language for the reader: the configured one when it is theirs, else the web app's default. */
const tmdbLanguage = (s: Session) => {
  const configured = s.deps.config.TMDB_LANGUAGE;
  if (configured.startsWith(s.locale)) return configured;
  return s.locale === 'fr' ? 'fr-FR' : 'en-US';
};

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The prompt a reply to which is a search (force_reply), in either language. */
export const isSearchPrompt = (text: string | undefined) =>
  Object.values(TEXTS).some((t) => t.searchPrompt === text);

/** `/search` alone: asks for the title (the reply is the search). */
export const prompt = (s: Linked, replyTo: number) =>
  send(s, s.t.searchPrompt, { prompt: s.t.searchPlaceholder, replyTo });

export async function searchTitles(s: Linked, query: string): Promise<void> {
  const answer = await catalog.search(s.deps, s.principal, {
    query,
    type: 'multi',
    page: 1,
    language: tmdbLanguage(s),
  });
  const titles = readJson<CatalogPage>(answer.body)
    .results.filter((item): item is typeof item & { type: MediaType } => item.type !== 'person')
    .slice(0, RESULTS);
  if (titles.length === 0) return send(s, s.t.searchNone(query));
  const rows = titles.map((item): Button[] => [
    {
      text: `${item.title}${item.year ? ` (${item.year})` : ''} · ${s.t.kind[item.type]}`,
      action: { a: 't', type: item.type, tmdbId: item.id },
    },
  ]);
  await send(s, s.t.searchResults(query), { keyboard: await keyboard(s, rows) });
}

// ---- the title card ----

async function details(
  s: Linked,
  ref: { type: MediaType; tmdbId: number },
): Promise<MovieDetails | TvDetails> {
  const input = { id: ref.tmdbId, language: tmdbLanguage(s) };
  return ref.type === 'movie'
    ? readJson((await catalog.movie(s.deps, s.principal, input)).body)
    : readJson((await catalog.tv(s.deps, s.principal, input)).body);
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}

export async function titleCard(s: Linked, ref: { type: MediaType; tmdbId: number }): Promise<void> {
  const [title, status] = await Promise.all([
    details(s, ref),
    library
      .status(s.deps, s.principal, { tmdbId: ref.tmdbId, type: ref.type })
      .then((text) => readJson<LibraryStatus>(text)),
  ]);
  const facts = [capitalised(s.t.kind[title.type])];
  if (title.type === 'tv' && title.numberOfSeasons > 0) facts.push(s.t.seasonCount(title.numberOfSeasons));
  if (title.rating !== null) facts.push(s.t.rating(formatNumber(s.locale, title.rating, 1)));
  if (title.genres.length > 0) facts.push(h(title.genres.map((g) => g.name).join(', ')));
  if (status.inWatchlist) facts.push(s.t.inList);
  const head = [`<b>${h(title.title)}</b>${title.year ? ` (${title.year})` : ''}`, facts.join(' · ')].join(
    '\n',
  );
  const budget = (title.poster ? CAPTION_MAX : MESSAGE_MAX) - head.length - 2;
  const text = title.overview ? `${head}\n\n${clip(title.overview, Math.min(budget, 900))}` : head;

  const rows: Button[][] = [];
  if (title.type === 'movie') {
    rows.push([{ text: s.t.findReleases, action: { a: 'r', type: 'movie', tmdbId: title.id } }]);
  } else {
    // Specials (season 0) after the numbered seasons.
    const seasons = title.seasons
      .filter((season) => season.episodeCount > 0)
      .sort((a, b) => (a.seasonNumber || Infinity) - (b.seasonNumber || Infinity));
    rows.push(
      ...chunk(
        seasons.map(
          (season): Button => ({
            text: s.t.season(season.seasonNumber),
            action: { a: 's', tmdbId: title.id, season: season.seasonNumber, title: title.title },
          }),
        ),
        SEASONS_PER_ROW,
      ),
    );
  }
  if (!status.inWatchlist) {
    rows.push([{ text: s.t.addToList, action: { a: 'w', type: title.type, tmdbId: title.id } }]);
  }
  const watch =
    title.type === 'movie' && status.files.length > 0
      ? telegramButtonLink(s.deps.config, `/watch/movie/${title.id}`)
      : telegramButtonLink(s.deps.config, `/${title.type}/${title.id}`);
  if (watch) rows.push([{ text: status.files.length > 0 ? s.t.watch : s.t.open, url: watch }]);

  const markup = await keyboard(s, rows);
  if (title.poster) return sendPhoto(s, imageUrl(title.poster, 500), text, markup);
  return send(s, text, { keyboard: markup });
}

/** Plain text for the button's answer. */
export async function addToWatchlist(s: Linked, ref: { type: MediaType; tmdbId: number }): Promise<string> {
  const { entry, created } = await library.add(s.deps, s.principal, { list: 'watchlist', ref });
  return created ? s.t.added(entry.media.title) : s.t.alreadyAdded(entry.media.title);
}

export async function seasonEpisodes(s: Linked, input: { tmdbId: number; season: number; title: string }) {
  const season = readJson<Season>(
    (
      await catalog.season(s.deps, s.principal, {
        id: input.tmdbId,
        n: input.season,
        language: tmdbLanguage(s),
      })
    ).body,
  );
  const release = (episode?: number): Action => ({
    a: 'r',
    type: 'tv',
    tmdbId: input.tmdbId,
    season: input.season,
    ...(episode === undefined ? {} : { episode }),
  });
  const rows: Button[][] = [
    [{ text: s.t.wholeSeason, action: release() }],
    ...chunk(
      season.episodes.map(
        (e): Button => ({ text: s.t.episode(e.episodeNumber), action: release(e.episodeNumber) }),
      ),
      EPISODES_PER_ROW,
    ),
  ];
  await send(s, s.t.chooseEpisode(input.title, input.season), { keyboard: await keyboard(s, rows) });
}

// ---- releases ----

interface Followed {
  titleId: string;
  /** What is searched, as the messages name it ("Dune", "Arcane S01E02"). */
  label: string;
  taskId: string;
  searchId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function findReleases(
  s: Linked,
  target: { type: MediaType; tmdbId: number; season?: number | undefined; episode?: number | undefined },
): Promise<void> {
  const titleId = await media.resolveRef(s.deps, { tmdbId: target.tmdbId, type: target.type });
  const title = await media.get(s.deps, s.principal, titleId);
  const { season, episode } = target;
  const label =
    season === undefined
      ? title.title
      : `${title.title} ${episode === undefined ? s.t.seasonLabel(season) : s.t.episodeLabel(season, episode)}`;
  const found = await recentSearch(s.deps, s.principal, { mediaId: titleId, titleId, season, episode });
  if (found && 'searchId' in found) return showReleases(s, { titleId, label, searchId: found.searchId });
  let followed: Followed;
  if (found) {
    const task = await tasks.get(s.deps, s.principal, found.running);
    const { searchId } = SearchTaskPayload.pick({ searchId: true }).parse(task.payload);
    followed = { titleId, label, taskId: task.id, searchId };
  } else {
    if (!(await hasIndexer(s.deps))) return send(s, s.t.errors.no_indexer ?? s.t.failed);
    const started = await search.start(s.deps, s.principal, { mediaId: titleId, season, episode });
    followed = { titleId, label, taskId: started.task.id, searchId: started.searchId };
  }
  await send(s, s.t.searching(label));
  // The webhook answers now; the search is followed after it.
  s.deps.defer(follow(s, followed));
}

/** Waits (bounded) for the search's task, then shows its releases; longer, offers "Refresh". */
async function follow(s: Linked, followed: Followed): Promise<void> {
  try {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const task = await tasks.get(s.deps, s.principal, followed.taskId);
      if (task.status === 'done') return await showReleases(s, followed);
      if (task.status === 'failed' || task.status === 'cancelled') {
        return await send(s, s.t.searchFailed(followed.label));
      }
      if (Date.now() >= deadline) {
        const markup = await keyboard(s, [[{ text: s.t.refresh, action: { a: 'u', ...followed } }]]);
        return await send(s, s.t.searchSlow(followed.label), { keyboard: markup });
      }
      await sleep(POLL_MS);
    }
  } catch (error) {
    s.deps.log.error('telegram: following a search failed', {
      taskId: followed.taskId,
      error: error instanceof Error ? error.message : String(error),
    });
    await send(s, s.t.failed).catch(() => undefined);
  }
}

/** "Refresh" on a long search: its releases if it is done, else it is followed again. */
export async function refreshSearch(s: Linked, followed: Followed): Promise<string | undefined> {
  const task = await tasks.get(s.deps, s.principal, followed.taskId);
  if (task.status === 'done') {
    await showReleases(s, followed);
    return undefined;
  }
  if (task.status === 'failed' || task.status === 'cancelled') {
    await send(s, s.t.searchFailed(followed.label));
    return undefined;
  }
  s.deps.defer(follow(s, followed));
  return s.t.stillSearching;
}

const SUBTITLE_TAGS = new Set(['VOSTFR', 'SUBFRENCH']);

/** French audio marked with the flag; else the languages the title states, or original audio. */
function languageOf(s: Session, result: StoredResult): string {
  const { parsed } = result;
  const others = parsed.languages.filter((l) => l !== 'fr').map((l) => l.toUpperCase());
  if (parsed.languages.includes('fr') || parsed.multi) {
    const tags = parsed.frenchTags.filter((tag) => !SUBTITLE_TAGS.has(tag));
    return `${s.t.french} ${[...(tags.length ? tags : ['VF']), ...others].join(' ')}`;
  }
  return [...parsed.frenchTags, ...others].join(' ') || s.t.original;
}

function languageName(s: Session, code: string): string {
  try {
    return new Intl.DisplayNames([s.locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Why the best release is the best: its strongest reasons, in the reader's language. */
function whyBest(s: Session, result: StoredResult): string | null {
  const templates = REASONS[s.locale];
  const param = (name: string, value: string | number | null): string => {
    if (value === null) return '';
    if ((name === 'size' || name === 'max') && Number.isFinite(Number(value))) {
      return formatBytes(s.locale, Number(value) * GB);
    }
    if (name === 'language') return languageName(s, String(value));
    if (name === 'languages') {
      return String(value)
        .split('/')
        .map((code) => languageName(s, code))
        .join('/');
    }
    return typeof value === 'number' ? formatNumber(s.locale, value) : value;
  };
  const reasons = result.reasons
    .filter((r) => r.effect === 'plus')
    .sort((a, b) => b.points - a.points)
    .slice(0, 4)
    .map((r) =>
      r.code in templates
        ? wordReason(templates[r.code as keyof typeof templates], r.params, param, (n) => plural(s.locale, n))
        : r.text,
    );
  return reasons.length > 0 ? s.t.whyBest(formatList(s.locale, reasons)) : null;
}

function qualityOf(result: StoredResult): string[] {
  const { parsed } = result;
  return [parsed.resolution, parsed.source, parsed.videoCodec, ...parsed.hdr].filter(
    (part): part is NonNullable<typeof part> => Boolean(part),
  );
}

function releaseBlock(s: Session, result: StoredResult, n: number): string {
  const facts = [...qualityOf(result)];
  if (result.size !== null) facts.push(formatBytes(s.locale, result.size));
  if (result.seeders !== null) {
    facts.push(s.t.seeders(formatNumber(s.locale, result.seeders), result.seeders));
  }
  facts.push(languageOf(s, result));
  return `<b>${n}.</b> <code>${clip(result.title, 160)}</code>\n${h(facts.join(' · '))}`;
}

async function showReleases(s: Linked, input: { titleId: string; label: string; searchId: string }) {
  const found = await search.results(s.deps, s.principal, input.searchId);
  const kept = found.results.filter((r) => !r.rejected).slice(0, RELEASES);
  const [best] = kept;
  if (!best) return send(s, s.t.noRelease(input.label, found.results.length));
  const why = whyBest(s, best);
  const text = fitBlocks([
    s.t.releasesHeader(input.label),
    ...kept.map((r, i) => `\n${releaseBlock(s, r, i + 1)}`),
    ...(why ? [`\n${why}`] : []),
  ]);
  const rows = kept.map((r, i): Button[] => [
    {
      text: [
        s.t.download(i + 1),
        ...qualityOf(r).slice(0, 1),
        ...(r.size ? [formatBytes(s.locale, r.size)] : []),
      ].join(' · '),
      action: { a: 'd', resultId: r.id },
    },
  ]);
  await send(s, text, { keyboard: await keyboard(s, rows) });
}

/** "Télécharger": the download's state and engine as a message; plain text for the button's answer. */
export async function startDownload(s: Linked, resultId: string): Promise<string> {
  const { download, existing } = await downloads.start(s.deps, s.principal, { resultId });
  const words = existing ? s.t.downloadExisting : s.t.downloadStarted;
  await send(s, words(download.name, stateLabel(s.t, download), download.engine));
  return s.t.startedShort;
}
