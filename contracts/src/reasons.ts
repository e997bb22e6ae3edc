/**
 * Why a release ranks where it does: each reason has a code and parameters (torrent-node's ranker
 * writes them), worded here in English once, for the API's `text` and the web app's English; the
 * web app has its French beside. Sizes (`size`, `max`) are in GB, formatted by the caller; a template
 * with forms follows the plural rules on its `count`.
 */
export type ReasonTemplate = string | { one: string; other: string };

export const REASON_TEXT = {
  'title.mismatch': '“{found}” is not {wanted}',
  'title.noYear': 'no year in the title',
  'film.isSeries': 'a series release, not a film',
  'film.year': 'from {found}, the film is from {wanted}',
  'episode.season': 'season {found}, not season {wanted}',
  'episode.episode': 'episode {found}, not episode {wanted}',
  'episode.wholeSeason': 'the whole season {season}, not just episode {episode}',
  'episode.noNumbers': 'no season or episode in the title',
  'season.singleEpisodes': 'single episodes, not the season',
  'season.whole': 'the whole season {season}',
  'quality.resolutionNotAllowed': '{resolution} is not allowed by the {profile} profile',
  'quality.resolution': '{resolution}',
  'quality.theatreCopy': '{source}: a copy filmed in a cinema or a screener',
  'quality.sourceNotAllowed': '{source} is not allowed by the {profile} profile',
  'quality.source': '{source}',
  'quality.codec': '{codec}',
  'quality.hdr': '{formats}',
  'size.tooLarge': '{size} is over the {max} limit for {resolution}',
  'size.tooSmall': '{size} is too small to be complete',
  'language.audio': 'audio in {language}',
  'language.multi': 'several audio tracks (MULTi)',
  'language.subtitles': 'subtitles in {language}',
  'language.missing': 'no {languages} audio stated',
  'seeders.none': 'no seeders',
  'seeders.few': { one: 'only {count} seeder', other: 'only {count} seeders' },
  'seeders.count': { one: '{count} seeder', other: '{count} seeders' },
  'release.proper': 'PROPER (a fixed release)',
  'release.repack': 'REPACK (a fixed release)',
  'release.freeleech': 'freeleech',
  oracle: 'Oracle: {reason}',
} as const satisfies Record<string, ReasonTemplate>;
export type ReasonCode = keyof typeof REASON_TEXT;
export type ReasonParams = Record<string, string | number | null>;

/** Fills a template: `plural` picks the form for `count`, `param` formats each value. */
export function wordReason(
  template: ReasonTemplate,
  params: ReasonParams,
  param: (name: string, value: string | number | null) => string,
  plural: (count: number) => string,
): string {
  const text =
    typeof template === 'string'
      ? template
      : plural(Number(params.count ?? 0)) === 'one'
        ? template.one
        : template.other;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => param(name, params[name] ?? null));
}
