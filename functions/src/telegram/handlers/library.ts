import {
  type ContinueItem,
  type ContinueList,
  type Media,
  type MediaList,
  type PersonalList,
  telegramButtonLink,
} from '@sokoul/contracts';
import * as history from '../../history/service.js';
import * as library from '../../library/service.js';
import * as media from '../../media/service.js';
import { type Button, keyboard, type Linked, send } from '../chat.js';
import { fitBlocks, formatPercent, h, readJson } from '../render.js';

/**
 * /library: what arrived in the library lately, the caller's watchlist and what to continue, with
 * buttons into the web player; `/library <text>` searches the household's library.
 */

const EACH = 5;
const FOUND = 10;

const named = (title: Media) => `${title.title}${title.year ? ` (${title.year})` : ''}`;

/** The web player for a film, the title's page for a series (its episodes are chosen there). */
function titleLink(s: Linked, title: Media): Button | null {
  if (title.tmdbId === null || title.type === 'episode') return null;
  const url = telegramButtonLink(
    s.deps.config,
    title.type === 'movie' ? `/watch/movie/${title.tmdbId}` : `/tv/${title.tmdbId}`,
  );
  return url ? { text: `${title.type === 'movie' ? '▶️' : '📺'} ${title.title}`, url } : null;
}

/** Where to pick up: the episode of its series, or the film. */
function resumeLink(s: Linked, item: ContinueItem): Button | null {
  const { media: watched, series } = item;
  let path: string | null = null;
  if (series?.tmdbId && watched.seasonNumber !== null && watched.episodeNumber !== null) {
    path = `/watch/tv/${series.tmdbId}?season=${watched.seasonNumber}&episode=${watched.episodeNumber}`;
  } else if (watched.type === 'movie' && watched.tmdbId !== null) {
    path = `/watch/movie/${watched.tmdbId}`;
  }
  const url = path ? telegramButtonLink(s.deps.config, path) : null;
  return url ? { text: `▶️ ${resumeName(s, item)}`, url } : null;
}

function resumeName(s: Linked, item: ContinueItem): string {
  const { media: watched, series } = item;
  if (series && watched.seasonNumber !== null && watched.episodeNumber !== null) {
    return `${series.title} ${s.t.episodeLabel(watched.seasonNumber, watched.episodeNumber)}`;
  }
  return watched.title;
}

function resumeLine(s: Linked, item: ContinueItem): string {
  const { progress } = item;
  const share =
    progress && progress.durationSeconds > 0 && item.reason === 'resume'
      ? ` — ${formatPercent(s.locale, progress.positionSeconds / progress.durationSeconds)}`
      : '';
  return `• ${h(resumeName(s, item))}${share}`;
}

const section = (heading: string, lines: string[], empty: string) =>
  [heading, ...(lines.length > 0 ? lines : [h(empty)])].join('\n');

export async function libraryCommand(s: Linked, query: string): Promise<void> {
  if (query) return librarySearch(s, query);
  const [recent, watchlist, resume] = await Promise.all([
    media
      .list(s.deps, s.principal, { hasFiles: true, sort: 'added', limit: EACH })
      .then((text) => readJson<MediaList>(text).media),
    library
      .list(s.deps, s.principal, { list: 'watchlist', query: { sort: 'added', limit: EACH } })
      .then((text) => readJson<PersonalList>(text).items.map((entry) => entry.media)),
    history
      .continueWatching(s.deps, s.principal, { limit: EACH })
      .then((text) => readJson<ContinueList>(text).items),
  ]);
  const text = fitBlocks([
    section(
      s.t.recent,
      recent.map((title) => `• ${h(named(title))}`),
      s.t.recentEmpty,
    ),
    `\n${section(
      s.t.watchlist,
      watchlist.map((title) => `• ${h(named(title))}`),
      s.t.watchlistEmpty,
    )}`,
    `\n${section(
      s.t.continueWatching,
      resume.map((item) => resumeLine(s, item)),
      s.t.continueEmpty,
    )}`,
  ]);
  const rows: Button[][] = [
    ...resume.map((item) => resumeLink(s, item)),
    ...recent.map((title) => titleLink(s, title)),
    // A watchlist title opens its card: releases, seasons, "Watch".
    ...watchlist.map((title): Button | null =>
      title.tmdbId !== null && title.type !== 'episode'
        ? { text: `ℹ️ ${title.title}`, action: { a: 't', type: title.type, tmdbId: title.tmdbId } }
        : null,
    ),
  ]
    .filter((button): button is Button => button !== null)
    .map((button) => [button]);
  await send(s, text, rows.length > 0 ? { keyboard: await keyboard(s, rows) } : {});
}

async function librarySearch(s: Linked, query: string): Promise<void> {
  const found = readJson<MediaList>(
    await media.list(s.deps, s.principal, { q: query, hasFiles: true, limit: FOUND }),
  ).media;
  if (found.length === 0) return send(s, s.t.libraryNone(query));
  const text = fitBlocks([s.t.librarySearch(query), ...found.map((title) => `• ${h(named(title))}`)]);
  const rows = found
    .map((title) => titleLink(s, title))
    .filter((button): button is Button => button !== null)
    .map((button) => [button]);
  await send(s, text, rows.length > 0 ? { keyboard: await keyboard(s, rows) } : {});
}
