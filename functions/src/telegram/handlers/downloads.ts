import type { Download, DownloadState, InlineKeyboardMarkup } from '@sokoul/contracts';
import * as downloads from '../../downloads/service.js';
import { type Button, edit, keyboard, type Linked, send } from '../chat.js';
import { clip, fitBlocks, formatDuration, formatPercent, formatSpeed, h } from '../render.js';
import type { Texts } from '../texts.js';

/**
 * /downloads: the caller's downloads still on their way, with pause, resume and cancel per
 * download; "Refresh" and every action edit the same message rather than sending new ones.
 */

/** Not finished yet: what "my downloads in progress" lists. */
const UNFINISHED: readonly DownloadState[] = ['queued', 'metadata', 'downloading', 'paused', 'stalled'];
/** Buttons for this many; the rest are counted. */
const SHOWN = 10;
/** Paused and stalled ones resume; the others pause. */
const RESUMABLE: readonly DownloadState[] = ['paused', 'stalled'];

export const stateLabel = (t: Texts, download: Download) =>
  download.state === 'paused' && download.pausedBy === 'disk' ? t.pausedDisk : t.state[download.state];

function line(s: Linked, download: Download, n: number): string {
  const what = [download.mediaTitle];
  if (download.season !== null) {
    what.push(
      download.episode !== null
        ? s.t.episodeLabel(download.season, download.episode)
        : s.t.seasonLabel(download.season),
    );
  }
  const facts = [stateLabel(s.t, download)];
  if (download.bytesTotal) facts.push(formatPercent(s.locale, download.bytesDone / download.bytesTotal));
  if (download.state === 'downloading' && download.downloadSpeed > 0) {
    facts.push(formatSpeed(s.locale, download.downloadSpeed));
  }
  if (download.state === 'downloading' && download.etaSeconds !== null) {
    facts.push(s.t.left(formatDuration(s.locale, download.etaSeconds)));
  }
  return [
    `<b>${n}. ${h(what.join(' '))}</b>`,
    `<code>${clip(download.name, 120)}</code>`,
    h(facts.join(' · ')),
  ].join('\n');
}

async function view(s: Linked): Promise<{ text: string; markup: InlineKeyboardMarkup }> {
  const { downloads: all } = await downloads.list(s.deps, s.principal, { limit: 200 });
  const mine = all.filter((d) => UNFINISHED.includes(d.state));
  const shown = mine.slice(0, SHOWN);
  const rows: Button[][] = shown.map((d, i) => [
    RESUMABLE.includes(d.state)
      ? { text: `${s.t.resume} ${i + 1}`, action: { a: 'g', downloadId: d.id } }
      : { text: `${s.t.pause} ${i + 1}`, action: { a: 'p', downloadId: d.id } },
    { text: `${s.t.cancel} ${i + 1}`, action: { a: 'x', downloadId: d.id } },
  ]);
  rows.push([{ text: s.t.refresh, action: { a: 'l' } }]);
  const hidden = mine.length - shown.length;
  const text =
    shown.length === 0
      ? s.t.downloadsEmpty
      : fitBlocks([s.t.downloadsHeader, ...shown.map((d, i) => `\n${line(s, d, i + 1)}`)], (dropped) =>
          dropped + hidden > 0 ? `\n${s.t.downloadsMore(dropped + hidden)}` : '',
        );
  return { text, markup: await keyboard(s, rows) };
}

export async function downloadsCommand(s: Linked): Promise<void> {
  const { text, markup } = await view(s);
  await send(s, text, { keyboard: markup });
}

/** The list again, in the message whose button was tapped (a new one if Telegram did not say which). */
export async function refreshDownloads(s: Linked, messageId: number | undefined): Promise<void> {
  const { text, markup } = await view(s);
  await (messageId === undefined ? send(s, text, { keyboard: markup }) : edit(s, messageId, text, markup));
}

/** ⏸ ▶ ✖: the same rules as the API (pausable states, owner or admin), then the list again. */
export async function downloadAction(
  s: Linked,
  input: { action: 'p' | 'g' | 'x'; downloadId: string; messageId: number | undefined },
): Promise<string> {
  if (input.action === 'p') await downloads.pause(s.deps, s.principal, input.downloadId);
  else if (input.action === 'g') await downloads.resume(s.deps, s.principal, input.downloadId);
  // An unfinished download's partial files are of no use once it is cancelled.
  else await downloads.remove(s.deps, s.principal, { id: input.downloadId, deleteData: true });
  await refreshDownloads(s, input.messageId);
  return input.action === 'p' ? s.t.paused : input.action === 'g' ? s.t.resumed : s.t.cancelled;
}
