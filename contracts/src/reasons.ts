/**
 * Why a release ranks where it does: each reason has a code and parameters (torrent-node's ranker
 * writes them), worded here once in English (the API's `text`) and once in French, for the web app
 * and the bot. Sizes (`size`, `max`) are in GB, formatted by the caller; a template
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

/** The same reasons in French, for the web app and the bot. */
export const REASON_TEXT_FR: Record<ReasonCode, ReasonTemplate> = {
  'title.mismatch': '« {found} » n’est pas {wanted}',
  'title.noYear': 'pas d’année dans le titre',
  'film.isSeries': 'une release de série, pas un film',
  'film.year': 'de {found}, le film est de {wanted}',
  'episode.season': 'saison {found}, pas la saison {wanted}',
  'episode.episode': 'épisode {found}, pas l’épisode {wanted}',
  'episode.wholeSeason': 'toute la saison {season}, pas seulement l’épisode {episode}',
  'episode.noNumbers': 'ni saison ni épisode dans le titre',
  'season.singleEpisodes': 'des épisodes seuls, pas la saison',
  'season.whole': 'toute la saison {season}',
  'quality.resolutionNotAllowed': '{resolution} n’est pas permis par le profil {profile}',
  'quality.resolution': '{resolution}',
  'quality.source': '{source}',
  'quality.codec': '{codec}',
  'quality.hdr': '{formats}',
  'quality.theatreCopy': '{source} : une copie filmée en salle ou un screener',
  'quality.sourceNotAllowed': '{source} n’est pas permis par le profil {profile}',
  'size.tooLarge': '{size} dépasse la limite de {max} en {resolution}',
  'size.tooSmall': '{size}, trop petit pour être complet',
  'language.audio': 'audio en {language}',
  'language.multi': 'plusieurs pistes audio (MULTi)',
  'language.subtitles': 'sous-titres en {language}',
  'language.missing': 'pas d’audio {languages} indiqué',
  'seeders.none': 'aucun seeder',
  'seeders.few': { one: 'seulement {count} seeder', other: 'seulement {count} seeders' },
  'seeders.count': { one: '{count} seeder', other: '{count} seeders' },
  'release.proper': 'PROPER (release corrigée)',
  'release.repack': 'REPACK (release corrigée)',
  'release.freeleech': 'freeleech',
  oracle: 'Oracle : {reason}',
};

/** Every reason in each language Sokoul speaks. */
export const REASONS: Record<'fr' | 'en', Record<ReasonCode, ReasonTemplate>> = {
  en: REASON_TEXT,
  fr: REASON_TEXT_FR,
};
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
