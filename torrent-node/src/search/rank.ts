import {
  type IndexerResult,
  type ParsedRelease,
  type QualityProfile,
  type RankedResult,
  type RankReason,
  REASON_TEXT,
  type ReasonCode,
  type ReasonParams,
  type Resolution,
  type SearchTarget,
  wordReason,
} from '@sokoul/contracts';
import { normalizeTitle, parseRelease, ROMAN } from './release.js';

const englishPlural = new Intl.PluralRules('en');
/** The API's English `text` beside each code and parameters (the web app words the codes itself). */
export const reasonText = (code: ReasonCode, params: ReasonParams) =>
  wordReason(
    REASON_TEXT[code],
    params,
    (name, value) =>
      value === null ? '' : name === 'size' || name === 'max' ? `${value} GB` : String(value),
    (count) => englishPlural.select(count),
  );

const GB = 1024 ** 3;
/** Copies filmed in a cinema or from screeners: never what a household wants unless asked. */
const THEATRE_COPIES = new Set(['CAM', 'TS', 'TC', 'SCR']);

/**
 * Titles compare on their normalised words, ignoring a leading article and a closing country ("The
 * Office US" is TMDB's "The Office").
 */
const comparable = (title: string) =>
  normalizeTitle(title)
    .replace(/^(the|le|la|les|l) /, '')
    .replace(/ (us|uk|au|nz|ca)$/, '');

type Note = (points: number, code: ReasonCode, params?: ReasonParams) => void;
interface Verdict {
  reasons: RankReason[];
  plus: Note;
  minus: Note;
  reject: (code: ReasonCode, params?: ReasonParams) => void;
}

function verdict(): Verdict {
  const reasons: RankReason[] = [];
  const say = (effect: RankReason['effect'], points: number, code: ReasonCode, params: ReasonParams = {}) =>
    reasons.push({ effect, points, code, params, text: reasonText(code, params) });
  return {
    reasons,
    plus: (points, code, params) => say('plus', points, code, params),
    minus: (points, code, params) => say('minus', -points, code, params),
    reject: (code, params) => say('reject', 0, code, params),
  };
}

function filmPart(parsed: ParsedRelease, wanted: Set<string>): boolean {
  const [episode, ...more] = parsed.episodes;
  if (episode === undefined || more.length > 0 || !/(?<![a-z])part/i.test(parsed.raw)) return false;
  return [`part ${episode}`, `part ${ROMAN[episode - 1] ?? episode}`].some((suffix) =>
    wanted.has(comparable(`${parsed.title} ${suffix}`)),
  );
}

/** Is it the release wanted at all: its title, year, season and episode against the target's. */
function judgeIdentity(parsed: ParsedRelease, target: SearchTarget, { plus, minus, reject }: Verdict): void {
  const wanted = new Set(target.titles.map(comparable));
  // A lone number after the name is an episode's to the parser, and the name's own to a film
  // without its year ("Apollo.13.1080p").
  const lone = parsed.seasons.length === 0 && parsed.absoluteEpisodes.length === 1;
  const names = lone ? [parsed.title, `${parsed.title} ${parsed.absoluteEpisodes[0]}`] : [parsed.title];
  // Likewise a year opening the name: the film's year to the parser when no other follows, and the
  // start of its title to another film ("2047.Sights.of.Death.mkv"), which then has no year.
  const yearFirst =
    parsed.year !== null &&
    parsed.raw.trimStart().startsWith(String(parsed.year)) &&
    !wanted.has(comparable(parsed.title)) &&
    wanted.has(comparable(`${parsed.year} ${parsed.title}`));
  const year = yearFirst ? null : parsed.year;
  // A part with no year is a mini-series' episode to the parser, and a film's sequel when the film's
  // title says so ("The.Godfather.Part.III.1080p" for "The Godfather Part III").
  const part = target.type === 'movie' ? filmPart(parsed, wanted) : false;
  if (!part && !yearFirst && !names.some((name) => wanted.has(comparable(name))))
    reject('title.mismatch', { found: parsed.title, wanted: target.titles[0] ?? '' });
  if (target.type === 'movie') {
    if (!part && (parsed.seasons.length > 0 || parsed.episodes.length > 0)) reject('film.isSeries');
    if (target.year !== null && year !== null && Math.abs(year - target.year) > 1) {
      reject('film.year', { found: year, wanted: target.year });
    } else if (year === null) {
      minus(5, 'title.noYear');
    }
  } else if (target.season !== undefined) {
    const season = target.season;
    if (parsed.seasons.length > 0 && !parsed.seasons.includes(season)) {
      reject('episode.season', { found: parsed.seasons.join(', '), wanted: season });
    } else if (target.episode !== undefined) {
      if (parsed.episodes.length > 0 && !parsed.episodes.includes(target.episode)) {
        reject('episode.episode', { found: parsed.episodes.join(', '), wanted: target.episode });
      } else if (parsed.fullSeason) {
        minus(5, 'episode.wholeSeason', { season, episode: target.episode });
      } else if (parsed.episodes.length === 0) {
        minus(10, 'episode.noNumbers');
      }
    } else if (parsed.episodes.length > 0 && !parsed.fullSeason) {
      minus(15, 'season.singleEpisodes');
    } else if (parsed.fullSeason) {
      plus(5, 'season.whole', { season });
    }
  }
}

/** The matcher alone (`sokoul match`): accepted or rejected as the target, with the reasons. */
export function matchRelease(
  title: string,
  target: SearchTarget,
): { parsed: ParsedRelease; accepted: boolean; reasons: RankReason[] } {
  const parsed = parseRelease(title);
  const seen = verdict();
  judgeIdentity(parsed, target, seen);
  return { parsed, accepted: !seen.reasons.some((r) => r.effect === 'reject'), reasons: seen.reasons };
}

function judge(
  result: IndexerResult,
  parsed: ParsedRelease,
  target: SearchTarget,
  profile: QualityProfile,
): RankReason[] {
  const seen = verdict();
  const { reasons, plus, minus, reject } = seen;
  judgeIdentity(parsed, target, seen);

  // Quality.
  const resolution = parsed.resolution;
  if (
    profile.allowedResolutions.length > 0 &&
    (resolution === null || !profile.allowedResolutions.includes(resolution))
  ) {
    reject('quality.resolutionNotAllowed', { resolution: resolution ?? '?', profile: profile.name });
  } else if (resolution !== null) {
    const rank = profile.preferredResolutions.indexOf(resolution);
    if (rank >= 0)
      plus((profile.preferredResolutions.length - rank) * 10, 'quality.resolution', { resolution });
  }
  if (parsed.source !== null) {
    if (THEATRE_COPIES.has(parsed.source) && !profile.allowedSources.includes(parsed.source)) {
      reject('quality.theatreCopy', { source: parsed.source });
    } else if (!profile.allowedSources.includes(parsed.source)) {
      reject('quality.sourceNotAllowed', { source: parsed.source, profile: profile.name });
    } else {
      const rank = profile.preferredSources.indexOf(parsed.source);
      if (rank >= 0)
        plus((profile.preferredSources.length - rank) * 4, 'quality.source', { source: parsed.source });
    }
  }
  if (parsed.videoCodec !== null && profile.preferredCodecs.includes(parsed.videoCodec)) {
    plus(5 - profile.preferredCodecs.indexOf(parsed.videoCodec), 'quality.codec', {
      codec: parsed.videoCodec,
    });
  }
  if (profile.preferHdr && parsed.hdr.length > 0)
    plus(10, 'quality.hdr', { formats: parsed.hdr.join(' + ') });

  // Size: too big for the profile, or too small to be the whole thing.
  if (result.size !== null) {
    const gb = result.size / GB;
    const max = resolution ? profile.maxSizeGb[resolution as Resolution] : undefined;
    if (max !== undefined && gb > max)
      reject('size.tooLarge', { size: gb.toFixed(1), max, resolution: resolution ?? '' });
    const hours = (target.runtimeMinutes ?? (target.type === 'movie' ? 90 : 40)) / 60;
    const files = parsed.fullSeason ? 6 : Math.max(1, parsed.episodes.length);
    if (gb < profile.minSizeGbPerHour * hours * files) reject('size.tooSmall', { size: gb.toFixed(2) });
  }

  // Language.
  const preferred = profile.preferredLanguages;
  if (preferred.length > 0) {
    // No language tag at all is the scene's default: English audio.
    const untagged = parsed.languages.length === 0 && parsed.frenchTags.length === 0 && !parsed.multi;
    const spoken = untagged ? ['en'] : parsed.languages;
    const hit = preferred.findIndex((l) => spoken.includes(l));
    if (hit >= 0) plus(20 - hit * 5, 'language.audio', { language: preferred[hit] ?? '' });
    else if (parsed.multi) plus(12, 'language.multi');
    else if (preferred.some((l) => parsed.subtitles.includes(l)))
      plus(4, 'language.subtitles', { language: preferred.find((l) => parsed.subtitles.includes(l)) ?? '' });
    else if (profile.requirePreferredLanguage) reject('language.missing', { languages: preferred.join('/') });
    else minus(8, 'language.missing', { languages: preferred.join('/') });
  }

  // Availability and trust.
  const seeders = result.seeders ?? 0;
  if (seeders < profile.minSeeders)
    seeders === 0 ? reject('seeders.none') : reject('seeders.few', { count: seeders });
  else plus(Math.min(30, Math.round(Math.log2(seeders + 1) * 3)), 'seeders.count', { count: seeders });
  if (parsed.revision > 0) plus(3 * parsed.revision, parsed.proper ? 'release.proper' : 'release.repack');
  if (result.downloadVolumeFactor === 0) plus(2, 'release.freeleech');
  return reasons;
}

/** Scores every result against the target and profile; rejected ones last, each with its reasons. */
export function rank(
  results: IndexerResult[],
  target: SearchTarget,
  profile: QualityProfile,
): RankedResult[] {
  return results
    .map((result) => {
      const parsed = parseRelease(result.title);
      const reasons = judge(result, parsed, target, profile);
      const rejected = reasons.some((r) => r.effect === 'reject');
      const score = reasons.reduce((sum, r) => sum + r.points, 0);
      return { ...result, parsed, score, rejected, reasons };
    })
    .sort(
      (a, b) =>
        Number(a.rejected) - Number(b.rejected) || b.score - a.score || (b.seeders ?? 0) - (a.seeders ?? 0),
    );
}
