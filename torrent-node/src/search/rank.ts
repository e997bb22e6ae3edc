import type {
  IndexerResult,
  ParsedRelease,
  QualityProfile,
  RankedResult,
  RankReason,
  Resolution,
} from '@sokoul/contracts';
import { normalizeTitle, parseRelease } from './release.js';

/** The title being searched for, as TMDB describes it. */
export interface SearchTarget {
  type: 'movie' | 'tv';
  titles: string[];
  year: number | null;
  season?: number;
  episode?: number;
  /** Minutes, for the size sanity check. */
  runtimeMinutes?: number | null;
}

const GB = 1024 ** 3;
/** Copies filmed in a cinema or from screeners: never what a household wants unless asked. */
const THEATRE_COPIES = new Set(['CAM', 'TS', 'TC', 'SCR']);

/** Titles compare on their normalised words, ignoring a leading article. */
const comparable = (title: string) => normalizeTitle(title).replace(/^(the|le|la|les|l) /, '');

function judge(
  result: IndexerResult,
  parsed: ParsedRelease,
  target: SearchTarget,
  profile: QualityProfile,
): RankReason[] {
  const reasons: RankReason[] = [];
  const plus = (points: number, text: string) => reasons.push({ effect: 'plus', points, text });
  const minus = (points: number, text: string) => reasons.push({ effect: 'minus', points: -points, text });
  const reject = (text: string) => reasons.push({ effect: 'reject', points: 0, text });

  // Is it the right title at all?
  const wanted = new Set(target.titles.map(comparable));
  if (!wanted.has(comparable(parsed.title)))
    reject(`"${parsed.title}" is not ${target.titles[0] ?? 'the title searched'}`);
  if (target.type === 'movie') {
    if (parsed.seasons.length > 0 || parsed.episodes.length > 0) reject('a series release, not a film');
    if (target.year !== null && parsed.year !== null && Math.abs(parsed.year - target.year) > 1) {
      reject(`from ${parsed.year}, the film is from ${target.year}`);
    } else if (parsed.year === null) {
      minus(5, 'no year in the title');
    }
  } else if (target.season !== undefined) {
    const season = target.season;
    if (parsed.seasons.length > 0 && !parsed.seasons.includes(season)) {
      reject(`season ${parsed.seasons.join(', ')}, not season ${season}`);
    } else if (target.episode !== undefined) {
      if (parsed.episodes.length > 0 && !parsed.episodes.includes(target.episode)) {
        reject(`episode ${parsed.episodes.join(', ')}, not episode ${target.episode}`);
      } else if (parsed.fullSeason) {
        minus(5, `the whole season ${season}, not just episode ${target.episode}`);
      } else if (parsed.episodes.length === 0) {
        minus(10, 'no season or episode in the title');
      }
    } else if (parsed.episodes.length > 0 && !parsed.fullSeason) {
      minus(15, 'single episodes, not the season');
    } else if (parsed.fullSeason) {
      plus(5, `the whole season ${season}`);
    }
  }

  // Quality.
  const resolution = parsed.resolution;
  if (
    profile.allowedResolutions.length > 0 &&
    (resolution === null || !profile.allowedResolutions.includes(resolution))
  ) {
    reject(`${resolution ?? 'unknown resolution'} is not allowed by the ${profile.name} profile`);
  } else if (resolution !== null) {
    const rank = profile.preferredResolutions.indexOf(resolution);
    if (rank >= 0) plus((profile.preferredResolutions.length - rank) * 10, `${resolution}`);
  }
  if (parsed.source !== null) {
    if (THEATRE_COPIES.has(parsed.source) && !profile.allowedSources.includes(parsed.source)) {
      reject(`${parsed.source}: a copy filmed in a cinema or a screener`);
    } else if (!profile.allowedSources.includes(parsed.source)) {
      reject(`${parsed.source} is not allowed by the ${profile.name} profile`);
    } else {
      const rank = profile.preferredSources.indexOf(parsed.source);
      if (rank >= 0) plus((profile.preferredSources.length - rank) * 4, parsed.source);
    }
  }
  if (parsed.videoCodec !== null && profile.preferredCodecs.includes(parsed.videoCodec)) {
    plus(5 - profile.preferredCodecs.indexOf(parsed.videoCodec), parsed.videoCodec);
  }
  if (profile.preferHdr && parsed.hdr.length > 0) plus(10, parsed.hdr.join(' + '));

  // Size: too big for the profile, or too small to be the whole thing.
  if (result.size !== null) {
    const gb = result.size / GB;
    const max = resolution ? profile.maxSizeGb[resolution as Resolution] : undefined;
    if (max !== undefined && gb > max)
      reject(`${gb.toFixed(1)} GB is over the ${max} GB limit for ${resolution}`);
    const hours = (target.runtimeMinutes ?? (target.type === 'movie' ? 90 : 40)) / 60;
    const files = parsed.fullSeason ? 6 : Math.max(1, parsed.episodes.length);
    if (gb < profile.minSizeGbPerHour * hours * files)
      reject(`${gb.toFixed(2)} GB is too small to be complete`);
  }

  // Language.
  const preferred = profile.preferredLanguages;
  if (preferred.length > 0) {
    // No language tag at all is the scene's default: English audio.
    const untagged = parsed.languages.length === 0 && parsed.frenchTags.length === 0 && !parsed.multi;
    const spoken = untagged ? ['en'] : parsed.languages;
    const hit = preferred.findIndex((l) => spoken.includes(l));
    if (hit >= 0) plus(20 - hit * 5, `audio in ${preferred[hit]}`);
    else if (parsed.multi) plus(12, 'several audio tracks (MULTi)');
    else if (preferred.some((l) => parsed.subtitles.includes(l)))
      plus(4, `subtitles in ${preferred.find((l) => parsed.subtitles.includes(l))}`);
    else if (profile.requirePreferredLanguage) reject(`no ${preferred.join('/')} audio stated`);
    else minus(8, `no ${preferred.join('/')} audio stated`);
  }

  // Availability and trust.
  const seeders = result.seeders ?? 0;
  if (seeders < profile.minSeeders) reject(seeders === 0 ? 'no seeders' : `only ${seeders} seeders`);
  else plus(Math.min(30, Math.round(Math.log2(seeders + 1) * 3)), `${seeders} seeders`);
  if (parsed.revision > 0)
    plus(3 * parsed.revision, parsed.proper ? 'PROPER (a fixed release)' : 'REPACK (a fixed release)');
  if (result.downloadVolumeFactor === 0) plus(2, 'freeleech');
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
