import type {
  AudioCodec,
  FrenchTag,
  HdrFormat,
  ParsedRelease,
  ReleaseSource,
  Resolution,
  VideoCodec,
} from '@sokoul/contracts';

/*
 * Release-title parser. A title is a name followed by technical tags in no fixed order
 * ("Name.2019.MULTi.1080p.WEB.H264-GROUP"); each tag family has a detector, and the name ends where
 * the first tag starts. Patterns are compiled once: the parser runs on every search result.
 */

const SEP = String.raw`[\s._\-\[\]\(\)\{\}+,]`;
/** A tag bounded by separators or the ends of the title. */
const tag = (pattern: string) => new RegExp(`(?<=^|${SEP})(?:${pattern})(?=$|${SEP})`, 'gi');

/**
 * The first match after the start: a title never begins with a tag, so a match at 0 is part of
 * the name ("DC League of Super-Pets", "FR" as a word).
 */
function find(pattern: RegExp, text: string): RegExpExecArray | null {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > 0) return match;
    if (match[0].length === 0) pattern.lastIndex++;
  }
  return null;
}

interface Hit<T> {
  value: T;
  index: number;
}

/**
 * A family's detectors only run when a cheap test finds one of its letters groups anywhere: most
 * titles carry few families, and the parser runs on every search result.
 */
function gated<T>(gate: RegExp, text: string, run: () => T, none: T): T {
  return gate.test(text) ? run() : none;
}

function first<T>(text: string, detectors: [RegExp, T][]): Hit<T> | null {
  let best: Hit<T> | null = null;
  for (const [pattern, value] of detectors) {
    const match = find(pattern, text);
    if (match && (best === null || match.index < best.index)) best = { value, index: match.index };
  }
  return best;
}

function all<T>(text: string, detectors: [RegExp, T][]): Hit<T>[] {
  const hits: Hit<T>[] = [];
  for (const [pattern, value] of detectors) {
    const match = find(pattern, text);
    if (match) hits.push({ value, index: match.index });
  }
  return hits;
}

const RESOLUTIONS: [RegExp, Resolution][] = [
  [tag(String.raw`2160[pi]|4k|uhd|3840x2160`), '2160p'],
  [tag(String.raw`1080[pi]|1920x1080|fhd`), '1080p'],
  [tag(String.raw`720[pi]|1280x720`), '720p'],
  [tag('576[pi]'), '576p'],
  [tag('480[pi]|sd'), '480p'],
];

/**
 * Order matters where one tag contains another (screeners before DVD, remux before Blu-ray); the
 * rarer sources come first and win ties.
 */
const RARE_SOURCES: [RegExp, ReleaseSource][] = [
  [tag(String.raw`(?:bd|blu-?ray|uhd)?[\s._-]?remux|bdremux`), 'Remux'],
  [tag(String.raw`dvd-?scr|screener|scr|bd-?scr`), 'SCR'],
  [tag(String.raw`hd-?cam|cam-?rip|cam`), 'CAM'],
  [tag(String.raw`hd-?ts|telesync|ts|pdvd`), 'TS'],
  [tag(String.raw`hd-?tc|telecine|tc`), 'TC'],
];
const RARE_SOURCE_GATE = /remux|scr|cam|ts|tc|telesync|telecine|pdvd/i;
const SOURCES: [RegExp, ReleaseSource][] = [
  [tag(String.raw`blu-?ray|bd-?rip|br-?rip|bd(?:25|50)?|b[dr]-?mv`), 'BluRay'],
  [tag(String.raw`web-?rip|webrip`), 'WEBRip'],
  [tag(String.raw`web-?dl|webdl|web|amzn|nf|dsnp|hmax|atvp`), 'WEB-DL'],
  [tag(String.raw`hdtv(?:rip)?|pdtv|sdtv|dsr|tvrip|hdtvrip`), 'HDTV'],
  [tag(String.raw`dvd-?rip|dvd(?:5|9|r)?|dvd-?r`), 'DVD'],
];

const CODECS: [RegExp, VideoCodec][] = [
  [tag(String.raw`[xh]\.?265|hevc`), 'H.265'],
  [tag(String.raw`[xh]\.?264|avc`), 'H.264'],
  [tag('av1'), 'AV1'],
  [tag('vp9'), 'VP9'],
  [tag('xvid|divx'), 'XviD'],
  [tag('mpeg-?2'), 'MPEG-2'],
];

const HDR: [RegExp, HdrFormat][] = [
  [tag(String.raw`hdr10(?:\+|plus|p)`), 'HDR10+'],
  [tag('hdr10|hdr'), 'HDR10'],
  [tag(String.raw`dv|dovi|dolby[\s._-]?vision`), 'DV'],
  [tag('hlg'), 'HLG'],
];

/** The audio codec tag, optionally glued to its channels (DDP5.1, AAC2.0). */
const AUDIO: [RegExp, AudioCodec][] = [
  [tag(String.raw`true-?hd(?:[\s._]?\d[\s._]\d)?`), 'TrueHD'],
  [tag(String.raw`dts-?hd(?:[\s._-]?ma)?(?:[\s._]?\d[\s._]\d)?|dts-?ma`), 'DTS-HD MA'],
  [tag(String.raw`dts[\s._:-]?x`), 'DTS-X'],
  [tag(String.raw`dts(?:[\s._]?\d[\s._]\d)?`), 'DTS'],
  [
    tag(String.raw`ddp(?:[\s._]?\d[\s._]\d)?|dd\+(?:[\s._]?\d[\s._]\d)?|e-?ac-?3(?:[\s._]?\d[\s._]\d)?`),
    'EAC3',
  ],
  [tag(String.raw`dd(?:[\s._]?\d[\s._]\d)?|ac-?3(?:[\s._]?\d[\s._]\d)?|dolby[\s._-]?digital`), 'AC3'],
  [tag(String.raw`aac(?:[\s._]?\d[\s._]\d)?(?:lc)?`), 'AAC'],
  [tag(String.raw`flac(?:[\s._]?\d[\s._]\d)?`), 'FLAC'],
  [tag(String.raw`opus(?:[\s._]?\d[\s._]\d)?`), 'Opus'],
  [tag('mp3'), 'MP3'],
  [tag('l?pcm'), 'PCM'],
];
const ATMOS = tag('atmos');
const CHANNELS =
  /(?<=^|[\s._\-[(]|dd|ddp|aac|dts|flac|opus|truehd|ac3|atmos)([1-9])[\s._]([0-2])(?=$|[\s._\-\])])/gi;

const FRENCH_TAGS: [RegExp, FrenchTag][] = [
  [tag('truefrench'), 'TRUEFRENCH'],
  [tag('subfrench|subfr|vostfr-?sub'), 'SUBFRENCH'],
  [tag('vostfr|vost'), 'VOSTFR'],
  [tag('french|fr'), 'FRENCH'],
  [tag('vff'), 'VFF'],
  [tag('vfq'), 'VFQ'],
  [tag('vfi'), 'VFI'],
  [tag('vf2'), 'VF2'],
  [tag('multi(?:-?vf\\d?|-?lang|-?audio)?|dual(?:-?audio)?'), 'MULTI'],
];
/** Tags that mean French audio. */
const FRENCH_AUDIO = new Set<FrenchTag>(['TRUEFRENCH', 'FRENCH', 'VFF', 'VFQ', 'VFI', 'VF2']);

const LANGUAGES: [RegExp, string][] = [
  [tag('english|eng'), 'en'],
  [tag('german|ger|deutsch'), 'de'],
  [tag('spanish|esp|castellano|latino'), 'es'],
  [tag('italian|ita'), 'it'],
  [tag('japanese|jap|jpn'), 'ja'],
  [tag('korean|kor'), 'ko'],
  [tag('russian|rus'), 'ru'],
  [tag('portuguese|pt-?br'), 'pt'],
  [tag('vf'), 'fr'],
];

const LANGUAGE_GATE = /eng|ger|deu|spa|esp|cast|lat|ita|jap|jpn|kor|rus|portu|pt|vf/i;
const EDITION_GATE = /ext|dir|dc|unrat|theat|remast|imax|criter|uncut|final|ultim|spec|anniv/i;
const EDITIONS: [RegExp, string][] = [
  [tag(String.raw`extended(?:[\s._-]?(?:cut|edition|version))?`), 'Extended'],
  [tag(String.raw`director'?s?[\s._-]?cut|dc`), "Director's Cut"],
  [tag('unrated'), 'Unrated'],
  [tag(String.raw`theatrical(?:[\s._-]?cut)?`), 'Theatrical'],
  [tag(String.raw`remastered|4k[\s._-]?remaster(?:ed)?`), 'Remastered'],
  [tag('imax'), 'IMAX'],
  [tag('criterion'), 'Criterion'],
  [tag('uncut'), 'Uncut'],
  [tag(String.raw`final[\s._-]?cut`), 'Final Cut'],
  [tag(String.raw`ultimate[\s._-]?(?:cut|edition)`), 'Ultimate Edition'],
  [tag(String.raw`special[\s._-]?edition`), 'Special Edition'],
  [tag(String.raw`(?:\d{2}th[\s._-]?)?anniversary(?:[\s._-]?edition)?`), 'Anniversary Edition'],
];

const PROPER = tag(String.raw`proper(\d)?|real`);
const REPACK = tag(String.raw`repack(\d)?|rerip`);
const BIT_DEPTH = tag(String.raw`(8|10|12)[\s._-]?bits?|hi10p?`);
const YEAR = new RegExp(String.raw`(?<=^|${SEP})((?:19|20)\d{2})(?=$|${SEP})`, 'g');
const COMPLETE = tag(String.raw`complete|integrale|intégrale|coffret`);
const AKA = tag('aka');

// Seasons and episodes, most specific first.
const SXXEYY = new RegExp(
  String.raw`(?<=^|${SEP})s(\d{1,2})[\s._-]?e(\d{1,4})((?:[\s._-]?-?[\s._-]?e?\d{1,4}(?!\d|p))*)`,
  'i',
);
const NXNN = new RegExp(
  String.raw`(?<=^|${SEP})(\d{1,2})x(\d{2,3})((?:[\s._-]?-?x?\d{2,3})*)(?=$|${SEP})`,
  'i',
);
const SEASON_RANGE = new RegExp(
  String.raw`(?<=^|${SEP})s(\d{1,2})[\s._]?(?:-|à|a|to)[\s._]?s?(\d{1,2})(?=$|${SEP})`,
  'i',
);
const SEASON_WORDS = new RegExp(
  String.raw`(?<=^|${SEP})(?:seasons?|saisons?|series)[\s._-]?(\d{1,2})(?:[\s._-]?(?:-|à|a|to|&|and|et)[\s._-]?(\d{1,2}))?(?=$|${SEP})`,
  'i',
);
const SXX = new RegExp(String.raw`(?<=^|${SEP})s(\d{1,2})(?=$|${SEP})`, 'i');
const EPISODE_WORD = new RegExp(
  String.raw`(?<=^|${SEP})(?:episode|épisode|ep|e)[\s._-]?(\d{1,4})(?=$|${SEP})`,
  'i',
);
/** Anime: "[Group] Name - 1071 [1080p]" or a batch "Name - 01-12". */
const ABSOLUTE = /\s-\s(\d{1,4})(?:v\d)?(?:\s?[-~]\s?(\d{1,4})(?:v\d)?)?(?=$|[\s[(])/;

const EXTENSION = /\.(?:mkv|mp4|avi|m4v|wmv|mov|ts|m2ts|iso|torrent|nzb)$/i;
/** "www.site.com - Name..." or "[ site.cd ] - Name...": a site's tag, always followed by a dash. */
const SITE_PREFIX =
  /^\s*(?:\[\s*)?(?:www\.[a-z0-9-]+\.[a-z]{2,6}|[a-z0-9-]+\.(?:com|org|net|to|tv|cc|cd|io|me|ws|info|xyz|club|se))(?:\s*\])?\s*-\s*/i;
const LEADING_GROUP = /^\s*\[([^\]]+)\]\s*/;
const TRAILING_GROUP = /-\s?([A-Za-z0-9][A-Za-z0-9_&@]*)(?:\s*\[[^\]]*\])*\s*$/;
/** Words that end a title with a dash but are tags, not groups. */
const NOT_GROUPS = /^(?:dl|rip|hd|ma|x|audio|sub|subs|vf\d?|vff|vfq|multi|\d+p?|[hx]26[45])$/i;

function expandEpisodes(firstEpisode: number, rest: string): number[] {
  const episodes = [firstEpisode];
  for (const part of rest.matchAll(/(-)?[\s._-]?e?(\d{1,4})/gi)) {
    const n = Number(part[2]);
    const last = episodes[episodes.length - 1] ?? n;
    if (part[1] && n > last && n - last < 200) {
      for (let e = last + 1; e <= n; e++) episodes.push(e);
    } else if (!episodes.includes(n)) {
      episodes.push(n);
    }
  }
  return episodes;
}

const range = (from: number, to: number) =>
  to >= from && to - from < 100 ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : [from];

export function normalizeTitle(title: string): string {
  return title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Turns the name part of a release into words: dots and underscores are spaces, acronyms stay. */
function cleanTitle(text: string): string {
  return text
    .replace(/(?<![\p{L}\d])(?:\p{L}\.){2,}(?:\p{L}(?![\p{L}\d]))?/gu, (acronym) =>
      acronym.replace(/\.$/, '').replace(/\./g, '\uE000'),
    )
    .replace(/[._]+/g, ' ')
    .replace(/\uE000/g, '.')
    .replace(/\s+-\s*$|^\s*-\s+/g, '')
    .replace(/[\s([{-]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseRelease(raw: string): ParsedRelease {
  let text = raw.trim().replace(EXTENSION, '');
  text = text.replace(SITE_PREFIX, '');
  let group: string | null = null;
  const leading = LEADING_GROUP.exec(text);
  const animeStyle = leading !== null;
  if (leading) {
    group = leading[1]?.trim() ?? null;
    text = text.slice(leading[0].length);
  }

  const ends: number[] = [];
  const note = <T>(hit: Hit<T> | null): T | null => {
    if (!hit) return null;
    ends.push(hit.index);
    return hit.value;
  };

  // Seasons and episodes.
  let seasons: number[] = [];
  let episodes: number[] = [];
  let fullSeason = false;
  let absoluteEpisodes: number[] = [];
  const sxxeyy = SXXEYY.exec(text);
  const nxnn = sxxeyy ? null : NXNN.exec(text);
  if (sxxeyy) {
    seasons = [Number(sxxeyy[1])];
    episodes = expandEpisodes(Number(sxxeyy[2]), sxxeyy[3] ?? '');
    ends.push(sxxeyy.index);
  } else if (nxnn) {
    seasons = [Number(nxnn[1])];
    episodes = expandEpisodes(Number(nxnn[2]), (nxnn[3] ?? '').replace(/x/gi, 'e'));
    ends.push(nxnn.index);
  } else {
    const seasonRange = SEASON_RANGE.exec(text) ?? SEASON_WORDS.exec(text);
    const single = seasonRange ? null : SXX.exec(text);
    if (seasonRange) {
      const from = Number(seasonRange[1]);
      seasons = seasonRange[2] ? range(from, Number(seasonRange[2])) : [from];
      fullSeason = true;
      ends.push(seasonRange.index);
    } else if (single) {
      seasons = [Number(single[1])];
      fullSeason = true;
      ends.push(single.index);
    }
    const episodeWord = EPISODE_WORD.exec(text);
    if (episodeWord && seasons.length === 1) {
      episodes = [Number(episodeWord[1])];
      fullSeason = false;
    }
  }
  const complete = gated(/complete|int[eé]grale|coffret/i, text, () => find(COMPLETE, text), null);
  if (complete) {
    fullSeason = episodes.length === 0;
    ends.push(complete.index);
  }
  if (seasons.length === 0 && episodes.length === 0) {
    const absolute = ABSOLUTE.exec(text);
    if (absolute && (animeStyle || absolute.index > 0)) {
      const from = Number(absolute[1]);
      absoluteEpisodes = absolute[2] ? range(from, Number(absolute[2])) : [from];
      ends.push(absolute.index);
    }
  }

  const resolution = note(
    gated(/\d{3,4}[pi]|4k|uhd|x\d{3,4}|fhd|sd/i, text, () => first(text, RESOLUTIONS), null),
  );
  const rareSource = gated(RARE_SOURCE_GATE, text, () => first(text, RARE_SOURCES), null);
  const commonSource = first(text, SOURCES);
  const source = note(
    rareSource && (!commonSource || rareSource.index <= commonSource.index) ? rareSource : commonSource,
  );
  const videoCodec = note(
    gated(/26[45]|hevc|avc|av1|vp9|xvid|divx|mpeg/i, text, () => first(text, CODECS), null),
  );
  const hdrHits = gated(/hdr|dv|dovi|dolby|hlg/i, text, () => all(text, HDR), []);
  const hdr = [...new Set(hdrHits.map((h) => h.value))].filter(
    (format) => format !== 'HDR10' || !hdrHits.some((h) => h.value === 'HDR10+'),
  );
  for (const hit of hdrHits) ends.push(hit.index);
  const audio = gated(
    /dts|dd|ac-?3|aac|flac|opus|mp3|pcm|truehd|true-hd|dolby/i,
    text,
    () => first(text, AUDIO),
    null,
  );
  const audioCodec = note(audio);
  const atmosHit = gated(/atmos/i, text, () => find(ATMOS, text), null);
  if (atmosHit) ends.push(atmosHit.index);
  const channels = gated(/\d[\s._]\d/, text, () => find(CHANNELS, text), null);
  if (channels) ends.push(channels.index);
  const bitDepthHit = gated(/bit|hi10/i, text, () => find(BIT_DEPTH, text), null);
  if (bitDepthHit) ends.push(bitDepthHit.index);

  const frenchHits = gated(/fr|vf|vost|multi|dual/i, text, () => all(text, FRENCH_TAGS), []);
  const frenchTags = frenchHits.sort((a, b) => a.index - b.index).map((h) => h.value);
  for (const hit of frenchHits) ends.push(hit.index);
  const languageHits = gated(LANGUAGE_GATE, text, () => all(text, LANGUAGES), []);
  for (const hit of languageHits) ends.push(hit.index);
  const edition = note(gated(EDITION_GATE, text, () => first(text, EDITIONS), null));
  const proper = gated(/proper|real/i, text, () => find(PROPER, text), null);
  const repack = gated(/repack|rerip/i, text, () => find(REPACK, text), null);
  for (const hit of [proper, repack]) if (hit) ends.push(hit.index);

  // The year: the last one before the first other tag, unless it opens the title ("1917", "2012").
  const tagsStart = ends.length > 0 ? Math.min(...ends) : text.length;
  let year: number | null = null;
  let yearIndex = -1;
  for (const match of text.matchAll(YEAR)) {
    if (match.index > tagsStart) break;
    if (match.index === 0) continue;
    year = Number(match[1]);
    yearIndex = match.index;
  }
  // A year in brackets or parentheses still starts at its bracket.
  if (yearIndex > 0 && /[([]/.test(text[yearIndex - 1] ?? '')) yearIndex -= 1;
  const titleEnd = Math.min(tagsStart, yearIndex >= 0 ? yearIndex : tagsStart);

  // The group: a trailing "-NAME", only when tags came before it (a bare "Spider-Man" has none).
  if (group === null && titleEnd < text.length) {
    const trailing = TRAILING_GROUP.exec(text);
    if (trailing?.[1] && trailing.index >= titleEnd && !NOT_GROUPS.test(trailing[1])) group = trailing[1];
  }

  let title = cleanTitle(text.slice(0, titleEnd));
  const aka = gated(/aka/i, title, () => find(AKA, title), null);
  if (aka && aka.index > 0) title = title.slice(0, aka.index).trim();

  const languages = new Set<string>();
  if (frenchTags.some((t) => FRENCH_AUDIO.has(t))) languages.add('fr');
  for (const hit of languageHits) languages.add(hit.value);
  const subtitles = frenchTags.includes('VOSTFR') || frenchTags.includes('SUBFRENCH') ? ['fr'] : [];
  const revision = Math.max(proper ? Number(proper[1] ?? 1) : 0, repack ? Number(repack[1] ?? 1) : 0);

  return {
    raw,
    title,
    normalizedTitle: normalizeTitle(title),
    year,
    seasons,
    episodes,
    fullSeason,
    absoluteEpisodes,
    resolution,
    source,
    videoCodec,
    hdr,
    bitDepth: bitDepthHit ? (/hi10/i.test(bitDepthHit[0]) ? 10 : Number(bitDepthHit[1])) : null,
    audioCodec,
    atmos: atmosHit !== null,
    audioChannels: channels ? `${channels[1]}.${channels[2]}` : null,
    languages: [...languages],
    subtitles,
    frenchTags: [...new Set(frenchTags)],
    multi: frenchTags.includes('MULTI'),
    edition,
    proper: proper !== null,
    repack: repack !== null,
    revision,
    group,
  };
}
