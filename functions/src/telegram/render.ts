import { escapeTelegramHtml, type JsonText, type Locale } from '@sokoul/contracts';

/**
 * Formatting for the bot's messages: numbers, sizes and durations in the reader's language, and
 * text cut to Telegram's limits without breaking an HTML entity.
 */

/** Telegram's limits: a message's text, a photo's caption, a button's label (kept short to stay readable). */
export const MESSAGE_MAX = 4096;
export const CAPTION_MAX = 1024;
export const BUTTON_MAX = 60;

export const h = escapeTelegramHtml;

const TAG: Record<Locale, string> = { fr: 'fr-FR', en: 'en-GB' };
const BYTE_UNITS: Record<Locale, readonly string[]> = {
  fr: ['o', 'Ko', 'Mo', 'Go', 'To'],
  en: ['B', 'KB', 'MB', 'GB', 'TB'],
};

/** The services' JSON text is their declared shape (they wrote it): the one cast that says so. */
export const readJson = <T>(text: JsonText<T>): T => JSON.parse(text) as T;

export const formatNumber = (locale: Locale, value: number, digits = 0) =>
  new Intl.NumberFormat(TAG[locale], { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
    value,
  );

/** "1,4 Go" / "1.4 GB", in powers of 1024 as the web app counts. */
export function formatBytes(locale: Locale, bytes: number): string {
  const units = BYTE_UNITS[locale];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : 1;
  return `${formatNumber(locale, value, digits)}\u00a0${units[unit]}`;
}

export const formatSpeed = (locale: Locale, bytesPerSecond: number) =>
  `${formatBytes(locale, bytesPerSecond)}/s`;

export const formatPercent = (locale: Locale, share: number) =>
  new Intl.NumberFormat(TAG[locale], { style: 'percent', maximumFractionDigits: 0 }).format(
    Math.min(1, Math.max(0, share)),
  );

/** A time left, to the two largest units ("3 min 20 s", "2 h 05 min"). */
export function formatDuration(locale: Locale, seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
  return `${formatNumber(locale, Math.floor(s / 86_400))} ${locale === 'fr' ? 'j' : 'd'} ${Math.floor((s % 86_400) / 3600)} h`;
}

/** "a, b et c" / "a, b and c". */
export const formatList = (locale: Locale, items: string[]) =>
  new Intl.ListFormat(TAG[locale], { style: 'long', type: 'conjunction' }).format(items);

export const plural = (locale: Locale, count: number) => new Intl.PluralRules(TAG[locale]).select(count);

/** Plain text (a button's label, a tap's answer) cut to `max` characters, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Not between the two halves of a surrogate pair (an emoji).
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end).trimEnd()}…`;
}

/**
 * Raw text escaped for HTML, cut (with an ellipsis) so the escaped form is at most `max`
 * characters: cutting after escaping could split `&amp;` in two.
 */
export function clip(text: string, max: number): string {
  const whole = h(text);
  if (whole.length <= max) return whole;
  let out = '';
  for (const char of text) {
    const next = h(char);
    if (out.length + next.length + 1 > max) break;
    out += next;
  }
  return `${out.trimEnd()}…`;
}

/**
 * A message's text within Telegram's limit: blocks are dropped from the end, whole, until it fits;
 * `tail(dropped)` ends it (what was left out, say), empty for nothing.
 */
export function fitBlocks(blocks: string[], tail: (dropped: number) => string = () => ''): string {
  const kept = [...blocks];
  const joined = () => [...kept, tail(blocks.length - kept.length)].filter(Boolean).join('\n');
  while (kept.length > 1 && joined().length > MESSAGE_MAX) kept.pop();
  return joined();
}
