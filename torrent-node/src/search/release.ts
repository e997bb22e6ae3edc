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

const SEP = String.raw`[\s._\-\[\]\(\)\{\}+,*/]`;
/**
 * A tag's start takes the separator before it into the match instead of looking behind for it: a
 * pattern that opens with a look-behind is tried at every place of the name, one that opens with a
 * character class only where that character is, three to four times faster. `find` gives the match
 * back as the tag alone. A tag never begins with a separator itself. Other patterns look behind
 * only after their first letter ("s(?<=(?:^|SEP)s)"), for the same reason.
 */
const TAG_START = `(?:^|${SEP})(?:`;
const TAG_END = `)(?=$|${SEP})`;
const SEPARATED = new RegExp(`^${SEP}`);
/** The patterns whose matches begin with the separator before the tag. */
const LEADING_SEPARATOR = new WeakSet<RegExp>();
function tagPattern(source: string): RegExp {
  const pattern = new RegExp(source, 'gi');
  LEADING_SEPARATOR.add(pattern);
  return pattern;
}
/** A tag bounded by separators or the ends of the title. */
const tag = (pattern: string) => tagPattern(`${TAG_START}${pattern}${TAG_END}`);

/** The tag without the separator its pattern took before it (at 0 there may be none). */
function withoutSeparator(match: RegExpExecArray): RegExpExecArray {
  if (SEPARATED.test(match[0])) {
    match.index += 1;
    match[0] = match[0].slice(1);
  }
  return match;
}

/**
 * The first match after the start: a title never begins with a tag, so a match at 0 is part of
 * the name ("DC League of Super-Pets", "FR" as a word).
 */
function find(pattern: RegExp, text: string): RegExpExecArray | null {
  pattern.lastIndex = 0;
  const separated = LEADING_SEPARATOR.has(pattern);
  for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
    const match = separated ? withoutSeparator(found) : found;
    if (match.index > 0) return match;
    // Another tag may start inside the skipped one: go on from the next character.
    pattern.lastIndex = match.index + 1;
  }
  return null;
}

/**
 * Every match of a global pattern, as String.prototype.matchAll gives them: matchAll copies the
 * pattern on each call, which cost more than the scan itself on a name this short.
 */
function execAll(pattern: RegExp, text: string): RegExpExecArray[] {
  if (!pattern.global) throw new TypeError('execAll needs a global pattern');
  const found: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    found.push(match);
    if (match[0] === '') pattern.lastIndex++;
  }
  return found;
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

/**
 * A family's detectors as one alternation, one named group each: a single scan finds the earliest
 * tag, and at one place the earlier detector wins, as running each and keeping the first would.
 */
interface Family<T> {
  pattern: RegExp;
  values: T[];
  /** The capture group that wraps each detector: read by number, named groups cost an object per match. */
  slots: number[];
}

function family<T>(detectors: [RegExp, T][]): Family<T> {
  const values = detectors.map(([, value]) => value);
  const sources = detectors.map(([pattern]) => pattern.source);
  const slots: number[] = [];
  let slot = 1;
  for (const source of sources) {
    slots.push(slot);
    // The detector's own groups come after its wrapping one.
    slot += new RegExp(`${source}|`).exec('')?.length ?? 1;
  }
  // Tags share their bounds: tested once per place, not once per detector (a third of the time).
  if (sources.every((s) => s.startsWith(TAG_START) && s.endsWith(TAG_END))) {
    const inner = sources.map((s) => `(${s.slice(TAG_START.length, -TAG_END.length)})`);
    return { pattern: tagPattern(`${TAG_START}${inner.join('|')}${TAG_END}`), values, slots };
  }
  // Mixed with other patterns, a tag looks behind for its separator: the match is the tag alone.
  const alone = sources.map((s) =>
    s.startsWith(TAG_START) ? `(?<=^|${SEP})${s.slice(TAG_START.length - '(?:'.length)}` : s,
  );
  return { pattern: new RegExp(alone.map((s) => `(${s})`).join('|'), 'gi'), values, slots };
}

function first<T>(text: string, { pattern, values, slots }: Family<T>): Hit<T> | null {
  const match = find(pattern, text);
  if (!match) return null;
  for (let i = 0; i < values.length; i++) {
    if (match[slots[i] ?? 0] !== undefined) return { value: values[i] as T, index: match.index };
  }
  return null;
}

/**
 * The letters every match of a tag begins with, one string per alternative ("dts-?hd|dts-?ma" gives
 * "dts", "dts"), or null when an alternative may begin otherwise ("(?:swiss-?)?german", "l?pcm").
 * Read from the pattern rather than listed by hand, so that a new alternative cannot outrun its gate.
 */
function literalStarts(pattern: RegExp): string[] | null {
  const { source } = pattern;
  if (!source.startsWith(TAG_START) || !source.endsWith(TAG_END)) return null;
  const inner = source.slice(TAG_START.length, -TAG_END.length);
  const starts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = '';
  let open = true;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] ?? '';
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      if (start === '') return null;
      starts.push(start);
      start = '';
      open = true;
      continue;
    }
    // A letter counts while it is mandatory: not in a group or class, not made optional.
    if (open && !inClass && depth === 0 && /[a-z0-9]/.test(c) && !/[?*{]/.test(inner[i + 1] ?? ''))
      start += c;
    else open = false;
    if (inner[i + 1] === '+') open = false;
  }
  if (start === '') return null;
  starts.push(start);
  return starts;
}

interface Detector<T> {
  pattern: RegExp;
  value: T;
}

/**
 * Detectors run each on its own (every one's first match counts, unlike a family's), but only those
 * whose letters begin a word of the text: a tag starts after a separator, so its literal start does
 * too. One scan for all the starts (longest first, so that at one place the longest one is seen, and
 * with it every detector whose start it begins with) decides which detectors run at all.
 */
interface Detectors<T> {
  list: Detector<T>[];
  starts: RegExp | null;
  /** For each start the scan may see, the detectors it lets run. */
  runs: Map<string, number[]>;
  /** Detectors with no literal start: they always run. */
  always: number[];
}

function detectors<T>(list: [RegExp, T][]): Detectors<T> {
  const always: number[] = [];
  const startsOf = list.map(([pattern], at) => {
    const starts = literalStarts(pattern);
    if (!starts) always.push(at);
    return starts ?? [];
  });
  const literals = [...new Set(startsOf.flat())].sort((x, y) => y.length - x.length);
  const runs = new Map(
    literals.map((literal) => [
      literal,
      startsOf.flatMap((starts, at) => (starts.some((start) => literal.startsWith(start)) ? [at] : [])),
    ]),
  );
  return {
    list: list.map(([pattern, value]) => ({ pattern, value })),
    starts: literals.length > 0 ? new RegExp(`(?:^|${SEP})(?:${literals.join('|')})`, 'gi') : null,
    runs,
    always,
  };
}

/** Every detector's first match; those whose letters begin no word of the text are not run. */
function all<T>(text: string, { list, starts, runs, always }: Detectors<T>): Hit<T>[] {
  const run = new Set(always);
  if (starts)
    for (const match of execAll(starts, text))
      for (const at of runs.get(withoutSeparator(match)[0].toLowerCase()) ?? []) run.add(at);
  const hits: Hit<T>[] = [];
  for (let at = 0; at < list.length; at++) {
    const detector = list[at];
    if (!detector || !run.has(at)) continue;
    const match = find(detector.pattern, text);
    if (match) hits.push({ value: detector.value, index: match.index });
  }
  return hits;
}

// A frame rate or bit depth may be glued on ("1080p24", "1080p10bit"), a source before it ("BD1080p").
const RES_SUFFIX = String.raw`(?:\d{2}|\d{1,2}bits?|hd)?`;
const RESOLUTIONS: [RegExp, Resolution][] = [
  [tag(String.raw`(?:blu-?ray|bd)?2160[pi]${RES_SUFFIX}|\d{4}x2160|3840x\d{3,4}`), '2160p'],
  [
    tag(
      String.raw`(?:blu-?ray|bd|hd|4k-?to-?)?(?:1080|1440)[pi]${RES_SUFFIX}|hd1080|\d{4}x1080p?|1920[x*]\d{3,4}|fhd`,
    ),
    '1080p',
  ],
  [
    tag(
      String.raw`(?:blu-?ray|bd|hd)?720[pi]${RES_SUFFIX}|hd720|\d{4}x720p?|1280[x*]\d{3}|960p|hr[\s._]ws|hd[\s._]tv`,
    ),
    '720p',
  ],
  [tag(`576[pi]${RES_SUFFIX}`), '576p'],
  [tag(String.raw`480[pi]${RES_SUFFIX}|sd|360p|540p|\d{3}x480`), '480p'],
];
/** Words for a resolution give way to a number anywhere in the name ("4K.BluRay.Remux.1080p"). */
const RESOLUTION_WORDS: [RegExp, Resolution][] = [
  // "UHD.BDRip" is a rip of a UHD disc, not a 2160p file.
  [tag(String.raw`4k|uhd(?![\s._-]?b[dr])`), '2160p'],
  // "[720.Hi10p]": a bare height inside brackets of tags.
  [/(?<=\[)(?:1080)(?=[\s._]\w)/i, '1080p'],
  [/(?<=\[)(?:720)(?=[\s._]\w)/i, '720p'],
  // "Name_05_1080.BD", "Name.1080.web": a bare height right before the source.
  [tag(String.raw`(?:2160)(?=[\s._-](?:bd|blu-?ray|b[dr]-?rip|web|hdtv))`), '2160p'],
  [tag(String.raw`(?:1080)(?=[\s._-](?:bd|blu-?ray|b[dr]-?rip|web|hdtv))`), '1080p'],
  [tag(String.raw`(?:720)(?=[\s._-](?:bd|blu-?ray|b[dr]-?rip|web|hdtv))`), '720p'],
];
/** An SD container, as the *arr apps read a title that states no resolution. */
const SD_FILE = /\.(?:avi|divx|xvid)$/i;

/**
 * Order matters where one tag contains another (screeners before DVD, remux before Blu-ray); the
 * rarer sources come first and win ties.
 */
const RARE_SOURCES: [RegExp, ReleaseSource][] = [
  [tag(String.raw`(?:bd|blu-?ray|uhd)?[\s._-]?remux|bdremux`), 'Remux'],
  [
    tag(
      String.raw`dvd-?scr(?:eener)?|screener|scr|b[dr]-?scr(?:eener)?|web-?screener|pre-?dvd(?:[\s._-]?rip)?|p-?dvd-?rip`,
    ),
    'SCR',
  ],
  // "S Print", "HQ S-Print": Indian releases' word for a camera copy.
  [tag(String.raw`(?:h[dq]|new)-?cam(?:-?rip)?|cam-?(?:rip|hd)|cam|s[\s-]?print`), 'CAM'],
  [tag(String.raw`hd-?ts(?:-?rip)?|telesynch?|ts(?:-?rip)?|pdvd`), 'TS'],
  [tag(String.raw`hd-?tc(?:-?rip)?|telecine|tc`), 'TC'],
];
const RARE_SOURCE_GATE = /remux|scr|cam|ts|tc|telesync|telecine|pdvd|predvd|print/i;
const SOURCES: [RegExp, ReleaseSource][] = [
  [
    tag(
      String.raw`m?blu[\s._-]?ray(?:-?mux|\d{3,4}p)?|b[dr][\s._-]?rip|bd(?:\d{2}|\d{3,4}p|-?light|-?iso)?|uhd-?2?bd(?:-?rip)?|hd-?light|b[dr]-?mv|b[dr](?:rip)?-?mux|hd[\s._-]?dvd(?:-?rip)?`,
    ),
    'BluRay',
  ],
  [tag(String.raw`web-?rip|webrip|web-?mux|web-?dl-?rip|web-?cap`), 'WEBRip'],
  // "NetflixHD", "MaxdomeHD": German releases name the service.
  [
    tag(String.raw`web-?dl|webdl|web|dl-?mux|(?:web|netflix|maxdome|disney|hbomax|amazon|itunes)u?hd`),
    'WEB-DL',
  ],
  [
    tag(String.raw`hdtv(?:rip|-?mux)?|pdtv|sdtv|dsr|ds-?rip|tvrip|ppv(?:-?rip)?|sat-?rip|dvb|[hs]d[\s._]tv`),
    'HDTV',
  ],
  [tag(String.raw`dvd-?rip|\d{0,2}x?dvd(?:\d|r)?|m?dvd-?r\d?|vhs(?:-?rip)?|ntsc|pal|xvidvd`), 'DVD'],
];

const BD_RIP = tag('b[dr]-?rip');

/** A streaming service's tag says WEB-DL only when no source says otherwise ("AMZN.WEBRip"). */
const STREAMING = tag('amzn|amazon(?:hd|sd)?|netflix|nf|dsnp|hmax|atvp|aptv|hulu|pcok|pmtp');
const STREAMING_GATE = /amzn|amazon|netflix|\bnf\b|dsnp|hmax|atvp|aptv|hulu|pcok|pmtp/i;

const CODECS: [RegExp, VideoCodec][] = [
  [tag(String.raw`[xh]\.?265|hevc`), 'H.265'],
  [tag(String.raw`[xh]\.?264|avc`), 'H.264'],
  [tag('av1'), 'AV1'],
  [tag('vp9'), 'VP9'],
  [tag('xvid|divx'), 'XviD'],
  [tag('mpeg-?2'), 'MPEG-2'],
];

const HDR = detectors<HdrFormat>([
  [tag(String.raw`hdr10(?:\+|plus|p)`), 'HDR10+'],
  [tag('hdr10|hdr'), 'HDR10'],
  [tag(String.raw`dv|dovi|dolby[\s._-]?vision`), 'DV'],
  [tag('hlg'), 'HLG'],
]);

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
/** Tags that say nothing the parser keeps but end the name ("Pacific.Rim.3D", "The.Movie.CONVERT"). */
const MISC = tag(
  String.raw`3d|h-?sbs|h-?ou|convert|limited|internal|read-?nfo|nfo-?fix|stv|doku|xxx|nordic|extras(?:[\s._-]only)?|dubbed|hybrid|open[\s._-]?matte`,
);
const MISC_GATE = /3d|sbs|ou|convert|limited|internal|nfo|stv|doku|xxx|nordic|extras|dubbed|hybrid|matte/i;
/**
 * Audio channels: glued to a codec any layout ("AAC1.0", "DD5.1"); alone only the usual ones, since
 * a name's own numbers look alike ("Tokyo Magnitude 8.0", "Evangelion 1.0").
 */
const CHANNELS =
  /(?:([1-9])(?<=(?:dd|ddp|aac|dts|flac|opus|truehd|ac3|atmos)[\s._]?[1-9])[\s._]([0-2])|([2567])(?<=(?:^|[\s._\-[(])[2567])[\s._]([01]))(?=$|[\s._\-\])])/gi;

const FRENCH_TAGS = detectors<FrenchTag>([
  [tag('truefrench'), 'TRUEFRENCH'],
  [tag('subfrench|subfr|vostfr-?sub'), 'SUBFRENCH'],
  [tag('vostfr|vost'), 'VOSTFR'],
  [tag('french|fr'), 'FRENCH'],
  [tag('vff'), 'VFF'],
  [tag('vfq'), 'VFQ'],
  [tag('vfi'), 'VFI'],
  [tag('vf2'), 'VF2'],
  [tag('multi(?:-?vf\\d?|-?lang|-?audio)?|dual(?:-?audio)?'), 'MULTI'],
]);
/** Tags that mean French audio. */
const FRENCH_AUDIO = new Set<FrenchTag>(['TRUEFRENCH', 'FRENCH', 'VFF', 'VFQ', 'VFI', 'VF2']);

const LANGUAGES = detectors<string>([
  [tag('english|eng'), 'en'],
  [tag('swiss-?german|german|ger|deutsch'), 'de'],
  [tag('spanish|esp|castellano|latino'), 'es'],
  [tag('italian|ita'), 'it'],
  [tag('japanese|jap|jpn'), 'ja'],
  [tag('korean|kor'), 'ko'],
  [tag('russian|rus'), 'ru'],
  [tag('portuguese|pt-?br'), 'pt'],
  [tag('swedish|swe'), 'sv'],
  [tag('danish'), 'da'],
  [tag('norwegian'), 'no'],
  [tag('finnish'), 'fi'],
  [tag('dutch|flemish'), 'nl'],
  [tag('polish'), 'pl'],
  [tag('hungarian'), 'hu'],
  [tag('czech'), 'cs'],
  [tag('turkish'), 'tr'],
  [tag('hindi'), 'hi'],
  [tag('chinese|mandarin|cantonese'), 'zh'],
  [tag('arabic'), 'ar'],
  [tag('hebrew'), 'he'],
  [tag('greek'), 'el'],
  [tag('vf'), 'fr'],
]);

const EDITION_GATE = /ext|dir|dc|unrat|theat|remast|imax|criter|uncut|final|ultim|spec|anniv|longue|collect/i;
const EDITIONS: [RegExp, string][] = [
  [tag(String.raw`extended(?:[\s._-]?(?:cut|edition|version))?`), 'Extended'],
  [tag(String.raw`director'?s?[\s._-]?cut|dc`), "Director's Cut"],
  [tag('unrated'), 'Unrated'],
  [tag(String.raw`theatrical(?:[\s._-]?cut)?`), 'Theatrical'],
  [tag(String.raw`remastered|4k[\s._-]?remaster(?:ed)?`), 'Remastered'],
  [tag('imax'), 'IMAX'],
  [tag('criterion'), 'Criterion'],
  [tag(String.raw`uncut(?:[\s._-]?version)?`), 'Uncut'],
  // French: "Version Longue" is the extended cut.
  [tag(String.raw`version[\s._-]?longue`), 'Extended'],
  [tag(String.raw`final[\s._-]?cut`), 'Final Cut'],
  [tag(String.raw`ultimate[\s._-]?(?:cut|edition)`), 'Ultimate Edition'],
  [tag(String.raw`special[\s._-]?edition`), 'Special Edition'],
  [tag(String.raw`collector'?s?[\s._-]?edition`), "Collector's Edition"],
  [tag(String.raw`(?:\d{2}th[\s._-]?)?anniversary(?:[\s._-]?edition)?`), 'Anniversary Edition'],
];

const RESOLUTIONS_FAMILY = family(RESOLUTIONS);
const RESOLUTION_WORDS_FAMILY = family(RESOLUTION_WORDS);
const RARE_SOURCES_FAMILY = family(RARE_SOURCES);
const SOURCES_FAMILY = family(SOURCES);
const CODECS_FAMILY = family(CODECS);
const AUDIO_FAMILY = family(AUDIO);
const EDITIONS_FAMILY = family(EDITIONS);

const PROPER = tag(String.raw`proper(\d)?`);
/** Upper-case only: "real" is a word of many titles ("A Real Pain"). */
const REAL = new RegExp(`(?<=^|${SEP})REAL(?=$|${SEP})`, 'g');
const REPACK = tag(String.raw`repack(\d)?|rerip`);
const BIT_DEPTH = tag(String.raw`(8|10|12)[\s._-]?bits?|hi10p?`);
/** A year; Russian names may write "2006г." (год). */
const YEAR = new RegExp(String.raw`((?:19|20)(?<=(?:^|${SEP})(?:19|20))\d{2})(?:г\.?)?(?=$|${SEP})`, 'g');
const HAS_YEAR = new RegExp(YEAR.source);
const COMPLETE = tag(String.raw`complete|integrale|intégrale|coffret|box-?set`);
const AKA = tag('aka');

// Seasons and episodes, most specific first.
const SXXEYY = new RegExp(
  // More episodes: "E02", "-E02", " - E02" or a glued "-02"; a bare number after it is something
  // else ("S01E01.2008", "S02E21 - 94 Meetings").
  // Repeated markers too ("S03E01.S03E02", "S07E22 - S07E23"); seasons up to 4 digits ("S2016E231").
  String.raw`s(?<=(?:^|${SEP}|\p{Ll})s)(\d{1,4})(?:[\s._-]?x?e|ep|x(?=\d))(\d{1,5})((?:[\s._]?(?:[-+&]|and)?[\s._]?(?:s\d{1,4}[\s._-]?)?e\d{1,5}(?!\d|p)|(?:[-+&]|to)\d{1,4}(?![\d\p{L}]))*)`,
  'iu',
);
const NXNN = new RegExp(
  // More episodes: glued "-03" or "_03", chained "x03", or the marker again ("1x02 - 1x03"); a bare number
  // after a space is something else ("5x09 - 100 [720p]", "10x14 214"). Russian names may write a Cyrillic "х";
  // a channel layout is none ("FLACx2 2.0x3").
  String.raw`(?<=^|${SEP}|\p{Ll}(?=\d{1,2}x\d{2}(?!\d)))(?<!(?<!\d)\d\.)(\d{1,2}|(?:19|20)\d{2})[xх](\d{1,3})((?:[-_+](?:\d{1,4}x|x)?\d{1,3}(?![\d\p{L}])|x\d{1,3}(?!\d|p)|[\s._]*-?[\s._]*\d{1,4}x\d{1,3}(?!\d|p))*)(?=$|${SEP})`,
  'iu',
);
/** Dutch: "Se.3 afl.3" (seizoen, aflevering), more episodes after a dash or "en" ("afl.2-3-4", "afl.3 en 4"). */
const DUTCH = new RegExp(
  String.raw`(?<=^|${SEP})se\.?[\s._]?(\d{1,2})[\s._]+afl\.?[\s._]?(\d{1,3})((?:[\s._]*(?:-|en)[\s._]*\d{1,3}(?!\d))*)(?=$|${SEP})`,
  'i',
);
/** "Name - 6.01 - Title", "Name [5.134] Title", "[5.01] Title": a season, a dot, its padded episode ("- 15.5" is a recap). */
const SEASON_DOT_EPISODE =
  /[\s_.]-[\s_.]+(\d{1,2})\.(\d{2,3})(?=[\s_.]+-[\s_.]|[\s_.]*$)|(?:^|\s)\[(\d{1,2})\.(\d{2,3})\](?=\s|$)/;
/** "S0615" (season 6, episode 15, glued), "T02E22" and "T01XE08" (temporada, in Spanish and Portuguese). */
const OTHER_MARKER = new RegExp(
  String.raw`(?<=^|${SEP})(?:s(0\d)(\d{2})|t(\d{1,2})x?e(\d{1,3}))(?=$|${SEP})`,
  'i',
);
const SEASON_RANGE = new RegExp(
  // "S01-05" and "S01 - S05", but not "S2 - 07" (season 2, episode 7 in anime names).
  String.raw`s(?<=(?:^|${SEP})s)(\d{1,2})(?:-s?|[\s._]?-[\s._]?s|[\s._](?:à|a|to)[\s._]s?)(\d{1,2})(?=$|${SEP})`,
  'i',
);
const SEASON_WORDS = new RegExp(
  // English, French, Spanish, Italian, German, Dutch, Polish, Scandinavian and Russian words for a
  // season ("Сезон: 2", "Сезон №9").
  String.raw`(?<=^|${SEP})(?:seasons?|saisons?|series|temporadas?|stagioni|stagione|staffel|seizoen|sezon|s[äæ]song|s[äæ]son|сезон|temp?)[\s._-]?[:№]?[\s._]?(\d{1,2})(?:[\s._-]?(?:-|à|a|to|&|and|et)[\s._-]?(\d{1,2}))?(?=$|${SEP})`,
  'i',
);
const EPISODE_GATE = /e[\s._-]?\d|ep|pisod|cap|odc|сер|эпизод|ser|b[oö]l|blm/i;
/** The number first: "09-я серия", "22.seria", "21.ser", "05 сер.", "69. Bölüm" (Turkish). */
const NUMBERED_EPISODE = new RegExp(
  String.raw`(?<=^|${SEP})(\d{1,4})(?:-я)?\.?[\s._]?(?:серия|сер|seriya|seria|serya|ser|bölüm|bolum|blm)(?=$|${SEP}|\.|\()`,
  'i',
);
const SEASON_WORD_GATE = /seas|sais|seri|tem|stagion|staffel|seizoen|sez|s[äæ]s|сезон/i;
const ORDINALS = 'first second third fourth fifth sixth seventh eighth ninth tenth'.split(' ');
/** The number first: "3rd Season", "Second Season", "5-й сезон", "3.sezon", "8.sez". */
const NUMBERED_SEASON = new RegExp(
  String.raw`(?<=^|${SEP})(\d{1,2}|${ORDINALS.join('|')})(?:st|nd|rd|th|-й)?[\s._]?(?:season|сезон|sezon|sez)(?=$|${SEP})`,
  'i',
);
/** Chinese and Japanese: "第2期", "第3季" (the second season, the third) and "01話", "第05集" (an episode). */
const CJK_SEASON = /第(\d{1,2})[期季]/;
const CJK_EPISODE = /^\s*第?(\d{1,4})[話话集]/;
/** Only in a name of those scripts alone: a Latin name after it numbers its seasons its own way. */
function cjkSeason(text: string): RegExpExecArray | null {
  const season = /[期季]/.test(text) ? CJK_SEASON.exec(text) : null;
  return season && !/\p{Script=Latin}{2}/u.test(text.slice(season.index)) ? season : null;
}
const seasonNumber = (value: string | undefined) =>
  ORDINALS.indexOf((value ?? '').toLowerCase()) + 1 || Number(value);
/** Spanish releases' episode: "Cap.408" is season 4, episode 8; "Cap.111_120" a run of them. */
const CAP = new RegExp(
  String.raw`(?<=^|${SEP})cap[\s.]{0,2}(\d{1,2})(\d{2})(?:_(\d{1,2})(\d{2}))?(?=$|${SEP})`,
  'i',
);
/** "S02 03.mkv", "S01.07.mp4": in one file's name, a season then its episode as a bare number. */
const SEASON_NUMBER = /^(?:s\d{1,2})?\)?[\s._]+(\d{1,3})(?=$|[\s._])/i;
/** "Name S21 999": a number no season's episode reaches, the anime's absolute one. */
const LONG_NUMBER = /^s\d{1,2}[\s._]+(?!(?:19|20)\d\d(?!\d))(\d{3,4})(?=$|[\s._])/i;
/** "Name.s06.01.1999.BDRip": a padded number dotted to the season, its episode ("S01 04" is seasons 1 to 4). */
const PADDED_NUMBER = /^s\d{1,2}\.(\d{2})(?=$|[\s._])/i;
// "S07D1": a season's first disc.
const SXX = new RegExp(
  String.raw`s(?<=(?:^|${SEP})s)(\d{1,2}|\s\d{2}|(?:19|20)\d{2})(?:d\d{1,2})?(?=$|${SEP})`,
  'i',
);
const EPISODE_WORD = new RegExp(
  // "Episodes 1-10", "Ep(01-10)", "Eps.05-08", "epi.02", "Episodio 13", "Ep02v2", "Ep #36", "Capitulo 25",
  // "odc. 10" (Polish), "Серии: 1-5", "Эпизод 09", "Серия №180".
  String.raw`(?<=^|${SEP})(?:episodes?|épisodes?|episodios?|epi|eps?|e|cap[ií]tulo|odc|серия|серии|эпизод)[\s._:№#-]{0,3}\(?(\d{1,5})(?:v\d)?(?:[\s._]?-[\s._]?(?:ep?)?(\d{1,5}))?\)?(?=$|${SEP})`,
  'i',
);
const OF_EPISODE = new RegExp(String.raw`(?<=^|${SEP})(\d{1,2})[\s._]?of[\s._]?\d{1,2}(?=$|${SEP})`, 'i');
const NUMBER_WORDS = 'one two three four five six seven eight nine ten'.split(' ');
/** Roman numerals one to ten, lower case, as parts and sequels are numbered; the matcher reads them too. */
export const ROMAN = 'i ii iii iv v vi vii viii ix x'.split(' ');
const PART = new RegExp(
  String.raw`(?<=^|${SEP})part[\s._]?(\d{1,2}|${NUMBER_WORDS.join('|')}|${ROMAN.join('|')})(?=$|${SEP})`,
  'i',
);
/** "Part.1.and.Part.2": a second part right after the first. */
const AND_PART = new RegExp(String.raw`^[\s._]+(?:and|&)[\s._]+${PART.source}`, 'i');
const partNumber = (word: string) =>
  NUMBER_WORDS.indexOf(word) + 1 || ROMAN.indexOf(word) + 1 || Number(word);
const YEAR_AFTER = new RegExp(String.raw`${SEP}(?:19|20)\d{2}(?=$|${SEP})`);
/** Anime: "[Group] Name - 1071 [1080p]" or a batch "Name - 01-12". */
const ABSOLUTE =
  /[\s_.]-[\s_.]+(?!(?:19|20)\d\d\b)(\d{1,4})(?:v\d)?(?:\s?[-~+]\s?(\d{1,4})(?:v\d)?)?(?=$|[\s_.[(])/;
const LEADING_SHORT_DATE = /^(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[\s._]+(?=\S)/;
// A name follows the number ("86 - 01" is the show 86's first episode).
const LEADING_NUMBER = /^(?:(\d{2,3})(?:-(\d{2,3}))?(?:\.\s+|\s+-\s+|-)|(\d)\s+-\s+)(?=\p{L}|\d+\s+\p{L})/u;
const FILE_PAIR = /(?<=\p{L}-)(\d{2})_(\d{2})(?=$|[\s._-])|(?<=\p{L}\.)(\d{2})\.(\d{2})(?=\.\p{L}{1,2}$|$)/u;
const VOLUME = new RegExp(String.raw`(?<=${SEP})vol(?:ume)?\.?\s?\d`, 'i');
const LEADING_PAIR = /^(\d{1,2})([-.])(\d{2})(?:\.\s*|\s+-\s+|\s+)(?=\p{L})/u;
const LEADING_ANIME_NUMBER = /^(\d{2,3})(?:-(\d{2,3}))?(?:\.\s+|\s+-\s+|-|\s+)(?=\p{L}|\d+\s+\p{L})/u;
/** A bare number, or a run; a release version may follow it ("Name.7v3.PDTV"). */
const BARE_NUMBER =
  /(?<=[\p{L}\p{N}][\s._]+)(?<!\d\.)(\d{2,4}|\d(?=-\d|v\d))(?:([-_])(\d{2,4}))?(?:v\d)?(?=$|[\s._([])/gu;
const ABSOLUTE_BEFORE =
  /[\s._]+-[\s._]+(?!(?:19|20)\d\d)(\d{2,4})(?:-(\d{2,4}))?(?:[\s._]+-[\s._]+|\s+\()$|[\s._]+(\d{2,4})-(\d{2,4})[\s._]+$/;
/** Right after a season's numbering: a number, or a run of them, as long as the episodes' run. */
const ABSOLUTE_AFTER =
  /^[\s._-]*\(?(?!(?:19|20)\d\d(?!\d))(\d{2,4})(?:(?:-\d{2,4})*-(\d{2,4}))?\)?(?=$|[\s._[(-])/;
/** "[Group] Name 214 [720p]", "[Group] Name (9)": after a leading group, a bare number before the tags is the episode. */
const ANIME_NUMBER =
  /(?<!\d)[\s_.](?!(?:19|20)\d\d\b)(\d{2,4})(?:v\d)?(?:-(\d{2,4})(?:v\d)?)?(?=[\s_.]*[[(]|[\s_.]*$)|[\s_]\((\d{1,4})-(\d{1,4})\)|[\s_]\((?!(?:19|20)\d\d\))(\d{1,4})\)$/;
/** Chinese fansubs: "[Name][05][1080p]", "【24】", "[12END]", "[第05话]", "[857集]", "[01-15]". */
const BRACKET_NUMBER =
  /[[【]第?(?!(?:19|20)\d\d[\]】])(\d{1,4})(?:[-~](\d{1,4}))?(?:[话話集完]|\s?(?:end|fin))?[\]】]/i;
/** "[Group] Name 01 Role Play", "[Group] Name #957 (…)": a bare number after the name's words. */
const ANIME_WORDS_NUMBER = /(?<=\p{L}[\s_.]+|\p{L}-)#?(?!(?:19|20)\d\d\b)(\d{2,4})(?:v\d)?(?=[\s_.[])/u;
/** "Name.102.720p", "Name.0307.PDTV": season 1, episode 2, as the *arr apps read a bare 3-4 digit number before tags. */
const PACKED_EPISODE = new RegExp(String.raw`(?<=${SEP})(?!(?:19|20)\d\d)(0?[1-9]\d?)(\d{2})(?=${SEP})`, 'g');

/** Tags that are never a word of a name ("The.English.Patient.BluRay.1996"). */
const SURE_TAG = /^(?:blu-?ray|b[dr]rip|hdtv|dvd-?rip|web-?(?:dl|rip)|remux|hevc|xvid|extras)(?=$|[\s._-])/i;
/** A word of letters only: a tag that may be a word of the name ("Web"), unlike "S01E01" or "720p". */
const WORD = new RegExp(String.raw`^\p{L}+(?=$|${SEP})`, 'u');
const CRC = /\s*(?:\[[0-9A-F]{8}\]|\((?=[^)]*[A-F])[0-9A-F]{8}\))/gi;
const VERSION_SUFFIX = /\s+v\d(?=\s*(?:[([]|$))/i;
/** A daily show's date: 2011.04.18, 2011-04-18, 2012.16.02 (day first when it cannot be a month), 30-04-2024. */
const AIR_DATE = new RegExp(
  String.raw`(?<=^|${SEP})(?:((?:19|20)\d{2})[\s._/-](\d{2})[\s._/-](\d{2})|(\d{2})[\s._/-](\d{2})[\s._/-]((?:19|20)\d{2}))(?=$|${SEP})`,
);

const AIR_DATES = new RegExp(AIR_DATE.source, 'g');
/** "Name 20201013 Ep7432": a broadcast date written without separators. */
const COMPACT_DATE = new RegExp(
  String.raw`(?<=${SEP})((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=$|${SEP})`,
);
const AIR_DATE_GATE = /\d{2}[\s._/-]\d{2}[\s._/-]\d{2}/;
const MONTHS = 'jan feb mar apr may jun jul aug sep oct nov dec'.split(' ');
/** "9th Dec 2019", "4th December 2020", "16-Feb-17": wrestling and talk shows name the day in words. */
const WORDED_DATE = new RegExp(
  String.raw`(?<=^|${SEP})(\d{1,2})(?:st|nd|rd|th)?[\s._-](jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[\s._-]((?:19|20)?\d{2})(?=$|${SEP})`,
  'i',
);
const WORDED_DATE_GATE = /jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec/i;
/** "Show.140722.720p": the Korean and talk-show habit of a six-digit YYMMDD date. */
const SHORT_DATE = new RegExp(String.raw`(?<=${SEP})(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=$|${SEP})`);

/** The date as YYYY-MM-DD when it is one, reading "YYYY DD MM" when the middle cannot be a month. */
function airDateOf(match: RegExpExecArray): string | null {
  const year = match[1] ?? match[6];
  let month = Number(match[1] ? match[2] : match[5]);
  let day = Number(match[1] ? match[3] : match[4]);
  if (month > 12 && day <= 12) [month, day] = [day, month];
  return year ? dateOf(Number(year), month, day) : null;
}

/** Two-digit years are this century's: daily shows are recent. */
const fullYear = (year: string) => (year.length === 2 ? 2000 + Number(year) : Number(year));

function dateOf(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCDate() !== day) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const VIDEO_FILE = /\.(?:mkv|mp4|avi|m4v|wmv|mov|ts|m2ts)$/i;
const EXTENSION = /\.(?:mkv|mk3d|mp4|avi|m4v|wmv|mov|webm|ts|m2ts|iso|torrent|nzb|nfo|srt|ass|ssa|idx|sub)$/i;
/** "www.site.com - Name...", "[ site.cd ] - Name...", "[.www.site.com.].-.Name": a site's tag, always followed by a dash. */
const SITE_PREFIX =
  /^\s*(?:\[[\s.]*)?(?:www\.[a-z0-9-]+\.[a-z]{2,6}|[a-z0-9-]+\.(?:com|org|net|to|tv|cc|cd|io|me|ws|info|xyz|club|se))(?:[\s.]*\])?[\s.]*-[\s.]*/i;
/** Tags inside a bracket: it holds no group's name. */
const TAGS_INSIDE =
  /(?:^|[\s._-])(?:\d{3,4}p|blu-?ray|bd|b[dr]-?rip|web(?:-?dl|-?rip)?|hdtv|dvd(?:-?rip)?|[xh]\.?26[45]|hevc|aac|ac3|vostfr|multi|ita|eng)(?=$|[\s._-])/i;
const LEADING_GROUP = /^\s*[[【]([^\]】]+)[\]】]\s*/;
/**
 * "-NAME" at the end (glued, or " -NAME"); " - Name" is a title's separator ("- Pilot [720p]").
 * Brackets after it are trackers ("-2HD [eztv]-[rarbg.com]").
 */
const TRAILING_GROUP = /(?:(?<=\S)-\s?|\s-)([\p{L}\p{N}][\p{L}\p{N}_&@]*)(?:[\s-]*\[[^\]]*\])*\s*$/u;
const SPACED_GROUP = /[\s._]-[\s._]([\p{L}\p{N}][\p{L}\p{N}_&@]*)(?:\s+v\d)?\s*$/u;
/** Reposters' and indexers' suffixes after the real group ("-NTb-Rakuv", "-EVO-sample", "-xHD-1"). */
const REPOST_SUFFIX =
  /(?:-(?:xpost|postbot|rakuv\w*|rp|asrequested|alternativetorequested|repackpost|buymore|sample|obfuscat\w*|scrambled|chamele0n|4p|4planet|altezachen|whiterev|nzbgeek|gerov|z0ids3n|pre|\d)|\.(?:proof|sample|rar)|\.\p{L}*subs|[\s._](?:english|eng)|-)$/iu;
/** "[Group]" or "{Group}" closing a name after its tags ("… x265 Kappa) [QxR]", "… [1080p] [YIFY]"). */
const TRAILING_BRACKET_GROUP = /[[{]([\p{L}\p{N}][\p{L}\p{N}_.&-]*)[\]}]\s*$/u;
/** "(1080p BluRay x265 Tigole)": the last word of a closing parenthesis of tags. */
const PAREN_GROUP =
  /\((?=[^()]*(?:\d{3,4}p|[xh]\.?26[45]|hevc|blu-?ray|web))[^()]*[\s.](?:-\s)?([\p{L}\p{N}][\p{L}\p{N}_&@]*)\)\s*$/iu;
/** Words that close names as tags, never as a group. */
const TAG_WORDS =
  /^(?:blu-?ray|bd\w*|web(?:-?dl|-?rip)?|hdtv|dvd\w*|remux|[xh]\.?26[45]|hevc|avc|aac[\d.]*|ac3|e?ac3|dts\S*|flac|opus|multi\w*|truefrench|french|vostfr|vff|subs?|softsubs|\d+(?:bit)?|hdr\S*|dv|sdr|mkv|mp4|avi|eng\w*|dual\w*|uhd|4k|complete|end|fin|final|vf\w*|atmos|x264|xvid|divx|proper|repack|internal|extras?)$/i;
/**
 * Groups whose name holds a separator, or that sign without a dash: a dictionary, like the *arr
 * apps' exception list, since nothing in the name tells them from tags.
 */
const KNOWN_GROUPS =
  /(?<=[\s._([-])(D-Z0N3|Fight-BB|E\.N\.D|BEN[\s.]THE[\s.]MEN|Blu-bits|DX-TV|VH-PROD|TAoE|QxR|KCRT|VARYG|DarQ|KRaLiMaRKo|Koten_Gars|BluDragon|ZØNEHD|HQMUX|YIFY|YTS(?:\.(?:MX|LT|AG|AM))?)(?=[\])]{0,2}\s*$)/i;
/** Groups that sign by closing a bracket or parenthesis of tags ("[2160p x265 10bit S82 Joy]", "-Qman[UTR]"), as the *arr apps list them. */
const CLOSING_GROUPS =
  /(?<=[\s._([-])(Silence|afm72|Panda|Ghost|MONOLITH|Tigole|Joy|ImE|UTR|t3nzin|Anime Time|Project Angel|Hakata Ramen|HONE|Vyndros|SEV|Garshasp|Kappa|Natty|RCVR|SAMPA|YOGI|r00t|EDGE2020|RZeroX|FreetheFish|Anna|Bandi|Qman|theincognito|HDO|DusIctv|DHD|CtrlHD|-ZR-|ADC|XZVN|RH|Kametsu)[\])]\s*$/i;
/** Trackers' and release sites' tags, never a group. */
const TRACKERS = /^(?:eztv|ettv|rarbg|rartv|rarbg\.com|eztv\.re|tgx|1337x|publichd|rbg)$/i;
/**
 * The word closing a dotted name after its tags, when no dash marks it ("x264.AC3.Bandix",
 * "x264.DTS WiKi"); in a name of spaces alone it is more often a tag or a word ("XviD LOL").
 */
const LAST_WORD = /(?<=[\s._])([\p{L}\p{N}][\p{L}\p{N}_]*)\s*$/u;
/** The word before it must be a tag for the last one to be a group. */
const TAG_BEFORE =
  /(?:^|[\s._-])(?:\d{3,4}[pi]|\d+(?:\.\d+)?[gm]b|\d\.\dch|[xh]\.?26[45]|hevc|avc|xvid|divx|aac[\d.]*|e?ac-?3|dts(?:-?hd)?|ma|flac|truehd|\d|dxva|hq|eng|blu-?ray|b[dr]-?rip|web-?(?:dl|rip)?|hdtv|dvd-?rip|remux|10-?bit)$/i;
/** Words that close names but are never groups: languages, subtitle notes, streaming services. */
const NOT_LAST_WORDS =
  /^(?:hindi|tamil|telugu|ita|ger|german|spanish|italian|russian|rus|jap|japanese|kor|korean|latino|castellano|portuguese|por|nordic|swedish|dutch|polish|pl|hun|cze|ukr|dubbed|subbed|hc|esubs?|msubs?|unrated|extended|uncut|imax|remastered|limited|hq|hd|sd|ws|fs|nf|amzn|dsnp|hmax|atvp|mux|rip|dl|p2p|\p{N}+)$/iu;
/** Words that end a title with a dash but are tags, not groups. */
const NOT_GROUPS =
  /^(?:dl|rip|rar|hd|ma|x|audio|sub|subs|vf\d?|vff|vfq|multi|\d+[pi]?|[hx]26[45]|e\d{1,4}|s\d{1,4}e\d{1,4})$/i;

const isGroup = (name: string | undefined): name is string =>
  name !== undefined &&
  !NOT_GROUPS.test(name) &&
  !TRACKERS.test(name) &&
  !TAG_WORDS.test(name) &&
  !/^[0-9a-f]{8}$/i.test(name);

function trailingGroup(text: string, titleEnd: number): string | null {
  // "-VARYG (Blue Lock, Multi-Subs)": a note after the group.
  let tail = /,[^()]*\)$/.test(text) ? text.replace(/(?<=-[\p{L}\p{N}]+)\s+\([^()]*,[^()]*\)$/u, '') : text;
  for (let before = ''; before !== tail; ) {
    before = tail;
    tail = tail.replace(REPOST_SUFFIX, '');
  }
  // Only the end can hold one: the dictionary is not run over the whole name.
  const end = Math.max(0, tail.length - 24);
  const known = KNOWN_GROUPS.exec(tail.slice(end)) ?? CLOSING_GROUPS.exec(tail.slice(end));
  if (known?.[1] && end + known.index >= titleEnd) return known[1];
  const dashed = TRAILING_GROUP.exec(tail);
  // A tracker that signs its own encodes with a dash is their group ("x264-RARBG"); in brackets it is a tag.
  if (dashed?.[1] && dashed.index >= titleEnd && (isGroup(dashed[1]) || TRACKERS.test(dashed[1])))
    return dashed[1];
  // A spaced dash names the group only right after a tag ("x264 - 999MB - YIFY", "[…]_-_THORA").
  const spaced = SPACED_GROUP.exec(tail);
  if (
    spaced?.[1] &&
    spaced.index > titleEnd &&
    isGroup(spaced[1]) &&
    (TAG_BEFORE.test(tail.slice(0, spaced.index)) || /[\])]$/.test(tail.slice(0, spaced.index)))
  )
    return spaced[1];
  const bracket = TRAILING_BRACKET_GROUP.exec(tail);
  if (
    bracket &&
    bracket.index >= titleEnd &&
    isGroup(bracket[1]) &&
    !/\d{3,4}p|\.\w{2,4}$/i.test(bracket[1]) &&
    !TAGS_INSIDE.test(bracket[1])
  )
    return bracket[1];
  const paren = PAREN_GROUP.exec(tail);
  if (paren && paren.index >= titleEnd && isGroup(paren[1])) return paren[1];
  // "x264_Group": an underscore after the last tag.
  const underscored = /(?<=[\s._-](?:[xh]26[45]|hevc|avc|xvid|aac|ac3|dts))_([\p{L}\p{N}]+)\s*$/iu.exec(tail);
  if (underscored?.[1] && underscored.index > titleEnd && isGroup(underscored[1])) return underscored[1];
  // "… HDTVMux by NovaRip": Italian releases sign after "by".
  const signed = /[\s._]by[\s._]+([\p{L}\p{N}][\p{L}\p{N}_]*)\s*$/iu.exec(tail);
  if (signed?.[1] && signed.index > titleEnd && isGroup(signed[1])) return signed[1];
  // In a name of spaces, only a scene-styled word ("MiLLENiUM") or a capitalised one after the encoder
  // ("x264 NovaRip", not "x264 monkee") is a group's; after "XviD" it is more often a word ("XviD LOL").
  const last = LAST_WORD.exec(tail);
  if (
    last?.[1] &&
    (/[\p{L}\d]\.\p{L}/u.test(tail) ||
      /\p{Lu}{2}\p{Ll}+\p{Lu}|\p{Ll}\p{Lu}{2}/u.test(last[1]) ||
      (/^\p{Lu}/u.test(last[1]) &&
        /[\s_](?:[xh]\.?26[45]|avc|hevc|ac3|aac)\s+$/i.test(tail.slice(0, last.index)))) &&
    last.index > titleEnd &&
    isGroup(last[1]) &&
    !NOT_LAST_WORDS.test(last[1]) &&
    TAG_BEFORE.test(tail.slice(0, last.index - 1))
  )
    return last[1];
  return null;
}

function expandEpisodes(firstEpisode: number, rest: string): number[] {
  const episodes = [firstEpisode];
  for (const part of execAll(/(-|to)?[\s._-]*e?(\d{1,5})/gi, rest)) {
    const n = Number(part[2]);
    const last = episodes[episodes.length - 1] ?? n;
    if (part[1] && n > last && n - last < 200) {
      for (let e = last + 1; e <= n; e++) episodes.push(e);
    } else if (part[1] && n < last && !/e/i.test(part[0])) {
      // "S12E13-3_Acts": a number of the episode's title, not a run backwards.
    } else if (!episodes.includes(n)) {
      episodes.push(n);
    }
  }
  return episodes;
}

const range = (from: number, to: number) =>
  to >= from && to - from < 100 ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : [from];

const ALTERNATIVE_NAME = /(?<=\S)\s*\((?![A-Z]{2,3}\)|\d+\))[^()]*\p{L}{2}[^()]*\)?$/u;
/** A letter of any script but Latin. */
const FOREIGN_LETTER = /[^\P{L}\p{Script=Latin}]/u;
/**
 * A name in two scripts ("[哥布林杀手/Goblin Slayer][05]", "Босх / Bosch: Legacy"): the indexers'
 * and TMDB's common ground is the Latin one, the first bracket or slash-separated part written in
 * Latin letters alone (all such parts of that bracket: "[Mutafukaz / MFKZ]"); with none, the
 * longest part. A title in Latin letters alone is left as it is ("Face/Off").
 */
function latinTitle(raw: string): string {
  if (!FOREIGN_LETTER.test(raw) || !/[[【/_·|]/.test(raw)) return raw;
  // Credits in parentheses ("Name / Other (Режиссёр / Director)") are no part of the names.
  let text = raw;
  for (let inner = text.replace(/\([^()]*\)/g, ' '); inner !== text && /\p{L}/u.test(inner); ) {
    text = inner;
    inner = text.replace(/\([^()]*\)/g, ' ');
  }
  // "★10月新番★" announces the season's new shows; the parts join with "/", "_", "·" or "|".
  const segments = (text.replace(/★[^★[【]*★?/g, ' ').match(/[^[\]【】]+/g) ?? []).map((segment) =>
    segment
      .split(/[/·|]|_(?=[\s\p{Script=Latin}])|(?<=[^\P{L}\p{Script=Latin}][！!]?)_/u)
      .map((part) => part.trim())
      .filter((part) => part.length > 0 && !/^[\s._-]+$/.test(part)),
  );
  for (const parts of segments) {
    const latin = parts.filter((part) => /\p{L}/u.test(part) && !FOREIGN_LETTER.test(part));
    if (latin.length > 0) return latin.join(' / ');
  }
  const parts = segments.flat();
  return parts.reduce((longest, part) => (part.length > longest.length ? part : longest), parts[0] ?? text);
}

export function normalizeTitle(title: string): string {
  // Most names are ASCII: decomposing them finds no accent to strip, and costs a tenth of a parse.
  const plain = /[\u0080-\uffff]/.test(title)
    ? title.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    : title;
  return (
    plain
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/['’]/g, '')
      // Letters of every script: a Cyrillic or Japanese title compares on its own words too.
      .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
      .trim()
  );
}

/** Turns the name part of a release into words: dots and underscores are spaces, acronyms stay. */
function cleanTitle(text: string): string {
  // "V.H.S.2" is "V.H.S. 2": a dotted acronym keeps its dots, the last one too.
  const acronyms = /\p{L}\.\p{L}\./u.test(text);
  const kept = acronyms
    ? text.replace(/(?<![\p{L}\d])(?:\p{L}\.){2,}(?:\p{L}(?![\p{L}\d]))?/gu, (acronym) =>
        acronym.endsWith('.') ? `${acronym.replace(/\./g, '\uE000')} ` : acronym.replace(/\./g, '\uE000'),
      )
    : text;
  const spaced = kept.replace(/[\s._]+/g, ' ');
  return (acronyms ? spaced.replace(/\uE000/g, '.') : spaced)
    .replace(/\s+-\s*$|^\s*-\s+/g, '')
    .replace(/[\s([{/|-]+$/g, '')
    .trim()
    .replace(/(?<=\p{L})\.$/u, '');
}

/**
 * A source that is also a word is the title's when another source follows it: a bare "web" before
 * the film's year ("Deep.Web.2015.BluRay"), "PAL" anywhere ("The.Simpsons.S25E21.Pay.Pal.1080p.WEB-DL").
 */
function sourceOf(text: string, yearAt: number): Hit<ReleaseSource> | null {
  const hit = first(text, SOURCES_FAMILY);
  const word = hit
    ? /^(?:web(?![\s._-]?(?:dl|rip|mux|cap|hd))|pal|ntsc)(?![\p{L}\d])/iu.exec(text.slice(hit.index))
    : null;
  if (!hit || !word || (/^web/i.test(word[0]) && hit.index >= yearAt)) return hit;
  const from = hit.index + word[0].length;
  const later = first(text.slice(from), SOURCES_FAMILY);
  if (!later) return hit;
  // A TV standard is still a tag, where the name's tags begin ("Name.PAL.DVDR").
  return { value: later.value, index: /^web/i.test(word[0]) ? later.index + from : hit.index };
}

/**
 * No resolution stated: the *arr apps' conventions. A Blu-ray rip ("BDRip") is SD, a remux 1080p, a
 * Blu-ray's own encode 720p for a series (Sonarr) and 1080p for a film (Radarr); a source in brackets
 * ("[HDTV]", "[WEBDL]", an anime's "[Web]") 720p; any other source, an XviD encode or an .avi file SD;
 * with no source at all, a series' .mkv or .m2ts file 720p (Sonarr's reading of the extension).
 */
function unstatedResolution(
  source: ReleaseSource | null,
  { ripped, numbered, sd, hd }: { ripped: boolean; numbered: boolean; sd: boolean; hd: boolean },
): Resolution | null {
  if (ripped) return '480p';
  if (source === 'Remux') return '1080p';
  if (source === 'BluRay') return numbered ? '720p' : '1080p';
  if (hd) return '720p';
  return source !== null || sd ? '480p' : null;
}
const BRACKETED_SOURCE = /\[(?:hdtv|web-?dl|web)\]|\(web[\s.]/i;
const HD_FILE = /\.(?:mkv|mk3d|m2ts)$/i;

/**
 * A language closing a film's title right before its year is a tag ("Der.Film.deines.Lebens.German.2011"), unless the
 * name states it again after the year ("Immersion.French.2011.…FRENCH") or it is the noun of "The <word> <language>"
 * ("The.Good.German.2006"). Returns where the title ends then (Infinity: no such language); the year stands after
 * the name's start.
 */
function languageBeforeYear(text: string, yearIndex: number, hits: Hit<string>[]): number {
  const closing = hits.find(
    (hit) => hit.index < yearIndex && /^\p{L}+[\s._]*[([]?$/u.test(text.slice(hit.index, yearIndex)),
  );
  if (!closing || closing.index === 0) return Number.POSITIVE_INFINITY;
  const word = (/^\p{L}+/u.exec(text.slice(closing.index))?.[0] ?? '').toLowerCase();
  const again = text
    .slice(yearIndex)
    .toLowerCase()
    .split(/[\s._\-()[\]]+/)
    .includes(word);
  const noun = /^[\s._]*the[\s._]+\p{L}+[\s._]+$/iu.test(text.slice(0, closing.index));
  return again || noun ? Number.POSITIVE_INFINITY : closing.index;
}

export function parseRelease(raw: string): ParsedRelease {
  const trimmed = raw.trim();
  const sdFile = SD_FILE.test(trimmed);
  const file = VIDEO_FILE.test(trimmed);
  const checksum = CRC.test(raw);
  CRC.lastIndex = 0;
  // Full-width digits ("１５８") are digits.
  let text = (
    /[０-９]/.test(trimmed)
      ? trimmed.replace(/[０-９]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0))
      : trimmed
  ).replace(EXTENSION, '');
  // An anime file's checksum ("[00F4CDA0]") and release version (" v2") say nothing about it.
  if (checksum) text = text.replace(CRC, '');
  if (/v\d/i.test(text)) text = text.replace(VERSION_SUFFIX, '');
  text = text.replace(SITE_PREFIX, '');
  let group: string | null = null;
  // The whole name in brackets ("[ Name S02E10 1080p … ]") is the name.
  const wrapped = /^\s*\[([^[\]]+)\]\s*$/.exec(text);
  if (wrapped?.[1]) text = wrapped[1].trim();
  // "[PRiVATE]", "[REQ]", "[NO.RAR]", "[720pMkv.Com]": an indexer's or a site's tag, not the group.
  const tagged =
    /^\s*\[(?:private|req|request|no\.?rar|[^\]\s]*\.(?:com|net|org|to|tv|cc|info))\][\s._-]*/i.exec(text);
  if (tagged) text = text.slice(tagged[0].length);
  const leading = LEADING_GROUP.exec(text);
  // Tags, or numbers alone ("[5.01] Title"), are no group.
  const animeStyle =
    leading !== null && !TAGS_INSIDE.test(leading[1] ?? '') && !/^[\d.\s-]+$/.test(leading[1] ?? '');
  let leadingName: string | null = null;
  // A fansub's group first or a checksum: the numbers are an anime's, absolute, whatever year stands before.
  const animeNumbers = animeStyle || checksum;
  if (leading && animeStyle) {
    group = leading[1]?.trim() ?? null;
    leadingName = group;
    text = text.slice(leading[0].length);
  }
  // A second short tag before the name ("[Group]_[F-B]_Name", "[site][509103] Name") is no part of it.
  const second = group === null ? null : /^[\s_]*\[[^\]\s]{1,10}\][\s_.]*(?=[^\s_.[])/u.exec(text);
  if (second) text = text.slice(second[0].length);
  // Brackets of tags before the name ("[DVDRip-ITA]Name", "[BD][1080p] Name 08") belong after it.
  for (let opening = LEADING_GROUP.exec(text); opening && TAGS_INSIDE.test(opening[1] ?? ''); ) {
    text = `${text.slice(opening[0].length)} ${opening[0].trim()}`;
    opening = LEADING_GROUP.exec(text);
  }

  const ends: number[] = [];
  const note = <T>(hit: Hit<T> | null): T | null => {
    if (!hit) return null;
    ends.push(hit.index);
    return hit.value;
  };

  // "(1995) Name": the year first; "(tracker.example) Name": a site's tag.
  const openingParen = /^\s*\(([^()]*)\)\s*(?=\S)/.exec(text);
  const openingYear =
    openingParen && /^\s*(?:19|20)\d{2}\s*$/.test(openingParen[1] ?? '') ? Number(openingParen[1]) : null;
  if (openingParen && (openingYear !== null || /\.\w/.test(openingParen[1] ?? '')))
    text = text.slice(openingParen[0].length);
  // "221205 Show ep05": a broadcast date opening the name.
  const opening = LEADING_SHORT_DATE.exec(text);
  const openingDate = opening
    ? dateOf(fullYear(opening[1] ?? ''), Number(opening[2]), Number(opening[3]))
    : null;
  if (openingDate && opening) text = text.slice(opening[0].length);

  // Where the first year stands (-1: none): several rules below ask, and the text changes no more.
  const firstYearAt = HAS_YEAR.exec(text)?.index ?? -1;

  // Seasons and episodes.
  let titleStart = 0;
  let seasons: number[] = [];
  let episodes: number[] = [];
  let fullSeason = false;
  let absoluteEpisodes: number[] = [];
  const sxxeyy = SXXEYY.exec(text);
  const nxnn = sxxeyy || !/\d[xх]\d/i.test(text) ? null : NXNN.exec(text);
  if (sxxeyy) {
    seasons = [Number(sxxeyy[1])];
    episodes = expandEpisodes(Number(sxxeyy[2]), (sxxeyy[3] ?? '').replace(/s\d{1,4}/gi, ''));
    ends.push(sxxeyy.index);
    // "S2E1-16 of 16": every episode of the season, a pack.
    const of = /^[\s._]*of[\s._]*(\d{1,3})(?!\d)/i.exec(text.slice(sxxeyy.index + sxxeyy[0].length));
    fullSeason = of !== null && episodes[0] === 1 && episodes.length === Number(of[1]) && episodes.length > 1;
  } else if (nxnn) {
    seasons = [Number(nxnn[1])];
    // "1x02-1x03" repeats the season after a separator; "1x02x03x04" chains episodes with x.
    const rest = (nxnn[3] ?? '').replace(/(^|[\s._-])\d{1,4}x/gi, '$1e').replace(/x/gi, 'e');
    episodes = expandEpisodes(Number(nxnn[2]), rest);
    ends.push(nxnn.index);
  }
  const dutch = sxxeyy || nxnn || !/afl/i.test(text) ? null : DUTCH.exec(text);
  if (dutch) {
    seasons = [Number(dutch[1])];
    episodes = expandEpisodes(Number(dutch[2]), (dutch[3] ?? '').replace(/\s*en\s*/gi, 'e'));
    ends.push(dutch.index);
  }
  const dotted =
    sxxeyy || nxnn || dutch
      ? null
      : ((/\d\.\d/.test(text) ? SEASON_DOT_EPISODE.exec(text) : null) ??
        (/[st]\d/i.test(text) ? OTHER_MARKER.exec(text) : null));
  if (dotted) {
    seasons = [Number(dotted[1] ?? dotted[3])];
    episodes = [Number(dotted[2] ?? dotted[4])];
    // "[5.01] Title": the name follows.
    if (dotted.index === 0) titleStart = dotted[0].length;
    else ends.push(dotted.index);
  }
  const marker = sxxeyy ?? nxnn ?? dutch ?? dotted;
  if (marker) {
    // Anime names give the absolute number after the season's ("S10E14 214", "S01E01-02 (001-002)").
    const after = ABSOLUTE_AFTER.exec(text.slice(marker.index + marker[0].length));
    // Or before it, as a run or set off by dashes ("Name - 012-013 - s02e03e04", "Name - 12 (S01E12)"); a number opening
    // the name is the name's ("12.Monkeys.S01E01", "24.S05E07").
    // In an anime's name a bare number may stand alone before it, after a name of words ("[Group] One Name
    // 214 10x14", not "[Group] The 100 S01E01").
    const before = after
      ? null
      : (ABSOLUTE_BEFORE.exec(text.slice(0, marker.index)) ??
        (animeStyle
          ? /(?<=\p{L}{2,}[\s._]+\p{L}{2,})[\s._]+(\d{2,4})[\s._]+$/u.exec(text.slice(0, marker.index))
          : null));
    const found = after ?? before;
    if (found) {
      const from = Number(found[1] ?? found[3]);
      const to = Number(found[2] ?? found[4] ?? from);
      if (to - from === episodes.length - 1) {
        absoluteEpisodes = range(from, to);
        if (before) ends.push(before.index);
      }
    }
  } else {
    let seasonRange =
      SEASON_RANGE.exec(text) ??
      (SEASON_WORD_GATE.test(text) ? (NUMBERED_SEASON.exec(text) ?? SEASON_WORDS.exec(text)) : null) ??
      cjkSeason(text);
    // "[Group] Adventure Series: 30": in an anime's name "Series" is a word, not a season; nor is it before a
    // date ("Name.Series.10-11-2008").
    if (seasonRange && /^series/i.test(seasonRange[0])) {
      const date = AIR_DATE_GATE.test(text) ? AIR_DATE.exec(text) : null;
      const end = seasonRange.index + seasonRange[0].length;
      if (animeStyle || (date && date.index < end && date.index + date[0].length > seasonRange.index))
        seasonRange = null;
    }
    // "S4-24", "Season 3 - 11": a season and its episode, the anime way, not seasons 4 to 24.
    const to = Number(seasonRange?.[2] ?? 0);
    const spanned = seasonRange?.[0] ?? '';
    if (
      seasonRange &&
      to > 0 &&
      !/s\s*\d+$/i.test(spanned) &&
      (to - seasonNumber(seasonRange[1]) > 10 || (/\s-\s/.test(spanned) && !/seasons/i.test(spanned)))
    ) {
      seasons = [seasonNumber(seasonRange[1])];
      episodes = [to];
      absoluteEpisodes = episodes;
      ends.push(seasonRange.index);
      seasonRange = null;
    }
    const single = seasonRange || seasons.length > 0 ? null : SXX.exec(text);
    if (seasonRange) {
      const from = seasonNumber(seasonRange[1]);
      seasons = seasonRange[2] ? range(from, Number(seasonRange[2])) : [from];
      // "Season 11 01", "(Season 2) - 33": one season, then its episode.
      const after = seasonRange[2] ? null : text.slice(seasonRange.index + seasonRange[0].length);
      const padded = after !== null && file ? SEASON_NUMBER.exec(after) : null;
      const dashed = after === null || padded ? null : ABSOLUTE.exec(after);
      const episode = padded ?? dashed ?? (after === null ? null : CJK_EPISODE.exec(after));
      episodes = episode && !episode[2] ? [Number(episode[1])] : [];
      // "(Season 2) - 33", "2nd Season - 01": the anime way again, an absolute number too.
      if (dashed) absoluteEpisodes = episodes;
      fullSeason = episodes.length === 0;
      ends.push(seasonRange.index);
      // "Name S02 Season 2", "Name Season S01-S07": the earlier marker ends the name.
      for (const other of [SXX.exec(text), /[\s._](?:season|saison)[\s._]+(?=s\d)/i.exec(text)])
        if (other && other.index < seasonRange.index) ends.push(other.index);
    } else if (single) {
      seasons = [Number(single[1])];
      // "Name S2 - 07", "[Name S2][07]": the anime way of numbering an episode, which the
      // *arr apps also read as an absolute number.
      const after = text.slice(single.index);
      const episode =
        ABSOLUTE.exec(after) ??
        (animeStyle ? BRACKET_NUMBER.exec(after) : null) ??
        (file ? SEASON_NUMBER.exec(after) : (LONG_NUMBER.exec(after) ?? PADDED_NUMBER.exec(after)));
      episodes = episode && !episode[2] ? [Number(episode[1])] : [];
      absoluteEpisodes = episodes;
      fullSeason = episodes.length === 0;
      ends.push(single.index);
    }
    const cap = /cap/i.test(text) ? CAP.exec(text) : null;
    const episodeWord =
      cap || !EPISODE_GATE.test(text)
        ? null
        : (EPISODE_WORD.exec(text) ??
          (/сер|ser|b[oö]l|blm/i.test(text) ? NUMBERED_EPISODE.exec(text) : null));
    if (cap) {
      seasons = [Number(cap[1])];
      const from = Number(cap[2]);
      episodes = cap[4] && Number(cap[3]) === seasons[0] ? range(from, Number(cap[4])) : [from];
      fullSeason = false;
      ends.push(cap.index);
    } else if (episodeWord && seasons.length <= 1) {
      const from = Number(episodeWord[1]);
      // "Episode 21 - 94 Meetings": a spaced dash before the episode's title is no run of episodes.
      const titled =
        / - \d/.test(episodeWord[0]) &&
        /^\s+\p{L}/u.test(text.slice(episodeWord.index + episodeWord[0].length));
      episodes = episodeWord[2] && !titled ? range(from, Number(episodeWord[2])) : [from];
      fullSeason = false;
      // "Episode 1.22": season 1, episode 22.
      const dottedEpisode = /^\.(\d{2})(?=$|[\s._-])/.exec(
        text.slice(episodeWord.index + episodeWord[0].length),
      );
      if (dottedEpisode && !episodeWord[2] && seasons.length === 0) {
        seasons = [from];
        episodes = [Number(dottedEpisode[1])];
      }
      // "Name S03 - EP14": the anime way again, an absolute number too.
      if (single && /^s\d+[\s._]*-[\s._]*$/i.test(text.slice(single.index, episodeWord.index)))
        absoluteEpisodes = episodes;
      // "Episode 14 Name…": the name follows.
      if (episodeWord.index === 0) titleStart = episodeWord[0].length;
      else if (seasons.length === 0) ends.push(episodeWord.index);
    } else if (seasons.length <= 1 && /of|part/i.test(text)) {
      // "5of9", "14.of.21", "Part.Two" after the year: a mini-series' episodes. A part before the
      // year is the film's ("Deathly.Hallows.Part.2.2011").
      const numbered = OF_EPISODE.exec(text.slice(ends[0] ?? 0));
      const part = numbered ? null : PART.exec(text);
      // Nor a daily show's ("2015.09.07.Part1") or an anime episode's ("- 120 - Title Part 2").
      const whole = !AIR_DATE.test(text) && !ABSOLUTE.test(text);
      const hit =
        numbered ??
        (part && whole && part.index > firstYearAt && !YEAR_AFTER.test(text.slice(part.index)) ? part : null);
      const value = hit?.[1]?.toLowerCase() ?? '';
      const n = partNumber(value);
      if (hit && n > 0) {
        // "Part.1.and.Part.2": both.
        const second = numbered ? null : AND_PART.exec(text.slice(hit.index + hit[0].length));
        const m = second ? partNumber(second[1]?.toLowerCase() ?? '') : 0;
        episodes = m > n ? [n, m] : [n];
        fullSeason = false;
        if (seasons.length === 0) {
          seasons = [1];
          ends.push(hit.index + (numbered ? (ends[0] ?? 0) : 0));
        }
      }
    }
    // Episodes with no season are a mini-series' (season 1, as the *arr apps read them) when a year
    // comes first or a broadcast date is given ("Show.2016.E04", "Show.E56.190121"); otherwise they
    // may be an anime's absolute numbers ("Show.E1135.GERMAN").
    const numbering = Math.min(...ends);
    // "Name 2018 EP06 720p": an "EP" spaced after the year is an anime's absolute number (Sonarr).
    const spacedEpisode =
      episodeWord !== null &&
      /^ep\d/i.test(episodeWord[0]) &&
      /\s(?:19|20)\d\d\s+$/.test(text.slice(0, episodeWord.index));
    if (
      episodes.length > 0 &&
      seasons.length === 0 &&
      !animeNumbers &&
      !spacedEpisode &&
      ((firstYearAt >= 0 && firstYearAt < numbering) || openingDate !== null || SHORT_DATE.test(text))
    )
      seasons = [1];
  }
  const complete = gated(/complete|int[eé]grale|coffret|box-?set/i, text, () => find(COMPLETE, text), null);
  if (complete) {
    fullSeason = episodes.length === 0;
    // "Name - The Complete Season 3": "The" goes with "Complete".
    const the = /[\s._-]the[\s._]+$/i.exec(text.slice(0, complete.index));
    ends.push(the ? the.index : complete.index);
  }
  // "Name Vol.1&2 (BD 1080p)": a disc volume ends the name, unless a year follows ("Kill.Bill.Vol.1.2003").
  const volume = /vol/i.test(text) ? VOLUME.exec(text) : null;
  if (volume && volume.index > 0 && !(firstYearAt > volume.index)) ends.push(volume.index);
  let airDate: string | null = openingDate;
  if (seasons.length === 0 && airDate === null) {
    // The first that is a real date ("20-20.2024.11.15": not the 20th of the 20th month).
    AIR_DATES.lastIndex = 0;
    for (
      let date = AIR_DATE_GATE.test(text) ? AIR_DATES.exec(text) : null;
      date;
      date = AIR_DATES.exec(text)
    ) {
      airDate = airDateOf(date);
      if (airDate) {
        ends.push(date.index);
        break;
      }
      AIR_DATES.lastIndex = date.index + 1;
    }
    const worded = airDate || !WORDED_DATE_GATE.test(text) ? null : WORDED_DATE.exec(text);
    if (worded) {
      const month = MONTHS.indexOf((worded[2] ?? '').toLowerCase()) + 1;
      airDate = dateOf(fullYear(worded[3] ?? ''), month, Number(worded[1]));
      if (airDate) ends.push(worded.index);
    }
    const compact = airDate || !/(?:19|20)\d{6}/.test(text) ? null : COMPACT_DATE.exec(text);
    if (compact) {
      airDate = dateOf(Number(compact[1]), Number(compact[2]), Number(compact[3]));
      if (airDate) ends.push(compact.index);
    }
    const short = airDate ? null : SHORT_DATE.exec(text);
    if (short) {
      airDate = dateOf(fullYear(short[1] ?? ''), Number(short[2]), Number(short[3]));
      if (airDate) ends.push(short.index);
    }
  }
  // "003. Name - Title", "01 - Title", "[Group] 06 Name": the episode before the name.
  // A film's name may open with a number too ("300 - Rise of an Empire 2014"): not when a year is given.
  const unnumbered = seasons.length + episodes.length === 0 && airDate === null && firstYearAt < 0;
  // "11-02 Title", "4-13 Title", "11.14 - Title": no run of episodes counts down, starts at one digit to end at two, or
  // has a dot; a season and its episode.
  const paired = unnumbered ? LEADING_PAIR.exec(text) : null;
  if (
    paired &&
    (paired[2] === '.' || (paired[1] ?? '').length === 1 || Number(paired[3]) < Number(paired[1]))
  ) {
    seasons = [Number(paired[1])];
    episodes = [Number(paired[3])];
    titleStart = paired[0].length;
  }
  const leadingNumber =
    unnumbered && seasons.length === 0
      ? (animeStyle ? LEADING_ANIME_NUMBER : LEADING_NUMBER).exec(text)
      : null;
  if (leadingNumber) {
    const from = Number(leadingNumber[1] ?? leadingNumber[3]);
    episodes = leadingNumber[2] ? range(from, Number(leadingNumber[2])) : [from];
    titleStart = leadingNumber[0].length;
  }
  if (seasons.length === 0 && episodes.length === 0 && airDate === null) {
    const absolute = ABSOLUTE.exec(text);
    const bare = absolute
      ? null
      : animeNumbers
        ? (BRACKET_NUMBER.exec(text) ?? ANIME_NUMBER.exec(text) ?? ANIME_WORDS_NUMBER.exec(text))
        : null;
    // A single digit before the film's year is a sequel's: "300 - 2 (2006)" is a title; anime
    // episodes are padded ("Name - 09 (2021)").
    const filmNumber =
      absolute !== null &&
      (absolute[1] ?? '').length === 1 &&
      YEAR_AFTER.test(text.slice(absolute.index + absolute[0].length));
    if (absolute && !filmNumber && (animeNumbers || absolute.index > 0)) {
      const from = Number(absolute[1]);
      absoluteEpisodes = absolute[2] ? range(from, Number(absolute[2])) : [from];
      ends.push(absolute.index);
    } else if (bare && (bare.index > 0 || leadingName !== null)) {
      const from = Number(bare[1] ?? bare[3] ?? bare[5]);
      const to = bare[2] ?? bare[4];
      absoluteEpisodes = to ? range(from, Number(to)) : [from];
      ends.push(bare.index);
    }
  }

  const statedResolution = note(
    gated(
      /\d{3,4}[pi]|4k|uhd|[x*]\d{3,4}|fhd|sd|360p|hr|hd|\[(?:1080|720)|(?:2160|1080|720)[\s._-]\w/i,
      text,
      () => first(text, RESOLUTIONS_FAMILY) ?? first(text, RESOLUTION_WORDS_FAMILY),
      null,
    ),
  );
  const rareSource = gated(RARE_SOURCE_GATE, text, () => first(text, RARE_SOURCES_FAMILY), null);
  const streaming = gated(STREAMING_GATE, text, () => find(STREAMING, text), null);
  if (streaming) ends.push(streaming.index);
  const commonSource =
    sourceOf(text, firstYearAt) ?? (streaming ? { value: 'WEB-DL' as const, index: streaming.index } : null);
  // A theatre copy is one whatever else the name says ("BluRay.SCR"), a remux of a Blu-ray too
  // ("BluRay.REMUX"); a "remux" of a web or TV source is that source ("WEB-DL.Remux").
  const stated = note(
    rareSource?.value === 'Remux' && commonSource && commonSource.value !== 'BluRay'
      ? commonSource
      : (rareSource ?? commonSource),
  );
  const videoCodecHit = gated(
    /26[45]|hevc|avc|av1|vp9|xvid|divx|mpeg/i,
    text,
    () => first(text, CODECS_FAMILY),
    null,
  );
  const videoCodec = note(videoCodecHit);
  const ripped = stated === 'BluRay' && gated(/b[dr]-?rip/i, text, () => find(BD_RIP, text), null) !== null;
  const numbered = seasons.length + episodes.length + absoluteEpisodes.length > 0 || airDate !== null;
  const hdFile = stated === null && numbered && HD_FILE.test(raw.trim());
  const resolution =
    statedResolution ??
    unstatedResolution(stated, {
      ripped,
      numbered,
      sd: videoCodec === 'XviD' || sdFile,
      hd: hdFile || ((stated === 'HDTV' || stated === 'WEB-DL') && BRACKETED_SOURCE.test(text)),
    });
  // The *arr apps' conventions: a series' episode with no source is television; a remux below
  // 1080p is not one of their qualities, just a Blu-ray.
  const source: ReleaseSource | null =
    stated === 'Remux' && resolution !== null && resolution !== '2160p' && resolution !== '1080p'
      ? 'BluRay'
      : (stated ?? (hdFile && /\.m2ts$/i.test(raw.trim()) ? 'BluRay' : numbered ? 'HDTV' : null));
  const hdrHits = all(text, HDR);
  const hdr =
    hdrHits.length === 0
      ? []
      : [...new Set(hdrHits.map((h) => h.value))].filter(
          (format) => format !== 'HDR10' || !hdrHits.some((h) => h.value === 'HDR10+'),
        );
  for (const hit of hdrHits) ends.push(hit.index);
  const audio = gated(
    /dts|dd|ac-?3|aac|flac|opus|mp3|pcm|truehd|true-hd|dolby/i,
    text,
    () => first(text, AUDIO_FAMILY),
    null,
  );
  const audioCodec = note(audio);
  const misc = gated(MISC_GATE, text, () => find(MISC, text), null);
  if (misc) ends.push(misc.index);
  const atmosHit = gated(/atmos/i, text, () => find(ATMOS, text), null);
  if (atmosHit) ends.push(atmosHit.index);
  const channels = gated(/\d[\s._]\d/, text, () => find(CHANNELS, text), null);
  if (channels) ends.push(channels.index);
  const bitDepthHit = gated(/bit|hi10/i, text, () => find(BIT_DEPTH, text), null);
  if (bitDepthHit) ends.push(bitDepthHit.index);

  // Words that are tags after the year but may be words of the title before it ("The Good German
  // 2006", "The French Movie 2013"): they end the title only when no year follows them.
  if (seasons.length + episodes.length + absoluteEpisodes.length === 0 && ends.length > 0 && !animeNumbers) {
    const firstTag = Math.min(...ends);
    // After the film's year only ("series.2009.416.hdtv"): before it, a number is the title's
    // ("The.Taking.of.Pelham.123.2009"). The last one before the tags ("the.100.109.hdtv"), or two
    // of one season in a row ("Name.103.104.720p").
    // Nor before "VOSTFR": French fansubs number absolutely ("Name 445 VOSTFR").
    const from = Math.max(0, firstYearAt);
    const packed: { index: number; 0: string; 1: string; 2: string }[] = [];
    for (const m of execAll(PACKED_EPISODE, text.slice(from, firstTag + 1))) {
      const index = m.index + from;
      if (
        index > from &&
        Number(m[2]) > 0 &&
        text[index - 1] !== '(' &&
        !/^[\s._]+vostfr/i.test(text.slice(index + m[0].length))
      )
        packed.push({ index, 0: m[0], 1: m[1] ?? '', 2: m[2] ?? '' });
    }
    const last = packed[packed.length - 1];
    if (last) {
      const before = packed[packed.length - 2];
      seasons = [Number(last[1])];
      episodes =
        before && before[1] === last[1] && Number(before[2]) + 1 === Number(last[2])
          ? [Number(before[2]), Number(last[2])]
          : [Number(last[2])];
      ends.push((before && episodes.length === 2 ? before : last).index);
    }
  }
  let strongEnd = ends.length > 0 ? Math.min(...ends) : text.length;
  // One tag-like word, then a year, then the tags: the word is the name's ("The Girl in the
  // Spiders Web 2019 1080p WEB-DL"). A season's word is not ("Name - Stagione 6 (2016)").
  if (ends.length > 1 && seasons.length === 0) {
    YEAR.lastIndex = strongEnd;
    const later = YEAR.exec(text);
    YEAR.lastIndex = 0;
    const after = later ? ends.filter((index) => index > later.index) : [];
    if (
      later &&
      after.length > 0 &&
      ends.filter((index) => index < later.index).length === 1 &&
      WORD.test(text.slice(strongEnd)) &&
      !SURE_TAG.test(text.slice(strongEnd))
    )
      strongEnd = Math.min(...after);
  }
  const weak: number[] = [];
  const frenchHits = all(text, FRENCH_TAGS);
  const frenchTags =
    frenchHits.length === 0 ? [] : frenchHits.sort((a, b) => a.index - b.index).map((h) => h.value);
  for (const hit of frenchHits) weak.push(hit.index);
  const languageHits = all(text, LANGUAGES);
  // In a name with no other tag, a language's name is a word of it ("The_Italian_Job").
  if (ends.length + frenchHits.length > 0) for (const hit of languageHits) weak.push(hit.index);
  const editionHit = gated(EDITION_GATE, text, () => first(text, EDITIONS_FAMILY), null);
  // An edition ends the title, but the year may still follow it ("Name.Directors.Cut.2019").
  const editionEnd = editionHit?.index ?? text.length;
  let edition = editionHit?.value ?? null;
  const proper = gated(/proper|REAL/i, text, () => find(PROPER, text) ?? find(REAL, text), null);
  const repack = gated(/repack|rerip/i, text, () => find(REPACK, text), null);
  for (const hit of [proper, repack]) if (hit) weak.push(hit.index);

  // Nothing else numbers it and no year says film: a bare number closing the name, at its end or
  // before its tags, is the episode ("Show Name 04 vostfr [1080p]", "The Simpsons 112.avi").
  if (
    seasons.length + episodes.length + absoluteEpisodes.length === 0 &&
    airDate === null &&
    firstYearAt < 0
  ) {
    const tagsAt = Math.min(strongEnd, ...weak);
    // "Name-04_05.avi", "Name.02.09.avi": a file's season and episode, padded, after a dash or dotted.
    const pair = file ? FILE_PAIR.exec(text) : null;
    if (pair) {
      seasons = [Number(pair[1] ?? pair[3])];
      episodes = [Number(pair[2] ?? pair[4])];
      strongEnd = Math.min(strongEnd, pair.index);
    }
    // "12.avi": a file named by its number alone, an episode's (the number stays its title: "300.mkv").
    if (file && /^\d{1,3}$/.test(text)) absoluteEpisodes = [Number(text)];
    for (const match of pair ? [] : execAll(BARE_NUMBER, text)) {
      const rest = text.slice(match.index + match[0].length, Math.max(tagsAt, match.index + match[0].length));
      // Or closing the name after its one quality word ("Show Name HD 09", "Show Name 720p 09").
      const closing =
        match.index + match[0].length === text.length &&
        /^[\s._]*(?:[hs]d(?:720|1080)?|\d{3,4}p)[\s._]+$/i.test(text.slice(tagsAt, match.index));
      if ((match.index > tagsAt && !closing) || !/^[\s._]*(?:[[(].*)?$/.test(rest)) continue;
      const [, first = '', joiner, second] = match;
      // "03-20.mkv", "office_03_19", "show_11_06": a padded season and its episode, in one file's name or
      // joined by "_"; otherwise a run of episodes ("1-13", "01-12").
      if (
        second &&
        first.length === 2 &&
        second.length === 2 &&
        (joiner === '_' || (file && /^0/.test(first)))
      ) {
        seasons = [Number(first)];
        episodes = [Number(second)];
      } else absoluteEpisodes = range(Number(first), Number(second ?? first));
      // A quality word right before the number is no word of the name ("Show Name HD 09").
      const quality = /[\s._](?:[hs]d|fhd)[\s._]+$/i.exec(text.slice(0, match.index));
      strongEnd = Math.min(strongEnd, quality ? quality.index : match.index);
      break;
    }
  }

  // "Name 2018 06 720p": a bare number between the year and the resolution is an episode (Sonarr's absolute).
  if (
    seasons.length + episodes.length + absoluteEpisodes.length === 0 &&
    airDate === null &&
    firstYearAt > 0
  ) {
    const afterYear = /^(?:19|20)\d\d\s+(\d{2})\s+(?=\d{3,4}p)/.exec(text.slice(firstYearAt));
    if (afterYear) absoluteEpisodes = [Number(afterYear[1])];
  }

  // The year: the last one before the first other tag, unless it opens the title ("1917", "2012").
  let year: number | null = null;
  let yearIndex = -1;
  let yearAt = -1;
  YEAR.lastIndex = 0;
  for (let match = YEAR.exec(text); match; match = YEAR.exec(text)) {
    // Right after the first tag, before the others, it is still the film's ("Name.3D.2013.BluRay").
    const next =
      match.index > strongEnd &&
      /^\w+(?:[\s._]\w+)?[\s._)\]]*[\s._([]$/.test(text.slice(strongEnd, match.index));
    const bracketed = /[([]/.test(text[match.index - 1] ?? '');
    if (
      match.index > strongEnd &&
      !(next && year === null && (bracketed || ends.some((i) => i > match.index)))
    )
      break;
    if (match.index === 0) continue;
    year = Number(match[1]);
    yearIndex = match.index > strongEnd ? -1 : match.index;
    yearAt = match.index;
    // One in parentheses is the film's, whatever numbers follow ("Name-(1999)-x02-…-1996").
    // The first of a range of years ("*1984-2021*", "(1978-2022)").
    if (match.index > strongEnd || bracketed || /^-(?:19|20)\d\d/.test(text.slice(match.index + 4))) break;
  }
  YEAR.lastIndex = 0;
  if (year === null && openingYear !== null) year = openingYear;
  // 1880-1899 only in parentheses ("Leaving Jerusalem by Railway (1897)"): a bare one is more often a number.
  const early = year === null && /\(18/.test(text) ? /(?<=\S\s*)\((18[89]\d)\)/.exec(text) : null;
  if (early && early.index <= strongEnd) {
    year = Number(early[1]);
    yearIndex = early.index + 1;
    yearAt = early.index + 1;
  }
  // "2009.shoot.fruit.chan.dvd5": a year opening a film's name of words is its year when no other year
  // follows ("2001.A.Space.Odyssey.1968" keeps it, "2012.WEB-DL" is the title).
  const leadingYear =
    year === null && seasons.length + episodes.length + absoluteEpisodes.length === 0 && airDate === null
      ? /^((?:19|20)\d{2})[\s._]+(?=\p{L}{2})/u.exec(text)
      : null;
  if (leadingYear && !SURE_TAG.test(text.slice(leadingYear[0].length)) && !YEAR_AFTER.test(text.slice(4))) {
    year = Number(leadingYear[1]);
    titleStart = leadingYear[0].length;
  }
  // A year in brackets or parentheses still starts at its bracket.
  if (yearIndex > 0 && /[([*]/.test(text[yearIndex - 1] ?? '')) yearIndex -= 1;
  // Likewise before a series' numbering when no year comes first ("The.Good.German.S01E01").
  // Words before a year after the first tag are the name's too ("The.English.Patient.BluRay.1996").
  const anchor =
    yearIndex >= 0 ? yearIndex : year !== null && yearAt > 0 ? yearAt : seasons.length > 0 ? strongEnd : -1;
  const weakEnd = Math.min(text.length, ...weak.filter((index) => index > anchor));
  const tagsStart = Math.min(strongEnd, weakEnd);
  let titleEnd = Math.min(
    tagsStart,
    editionEnd,
    yearIndex >= 0 ? yearIndex : tagsStart,
    yearIndex > 0
      ? languageBeforeYear(text, yearIndex, [...frenchHits, ...languageHits])
      : Number.POSITIVE_INFINITY,
  );
  // A name does not end on "and" or "of": the tag word after it is the name's, up to the film's year
  // ("South.Park.Bigger.Longer.and.Uncut.1999").
  if (
    yearIndex > titleEnd &&
    /[\s._](?:and|of|&)[\s._]+$/i.test(text.slice(titleStart, titleEnd)) &&
    WORD.test(text.slice(titleEnd)) &&
    !SURE_TAG.test(text.slice(titleEnd))
  ) {
    if (titleEnd === editionEnd) edition = null;
    titleEnd = yearIndex;
  }

  // The group: a trailing "-NAME", only when tags came before it (a bare "Spider-Man" has none).
  if (group === null && titleEnd < text.length) {
    group = trailingGroup(text, titleEnd);
  }
  // "Name 2017 [Group] [Blu-ray][1080p]…": the anime films' group, right after the year.
  if (group === null && yearAt > 0) {
    const afterYear = /^\)?\s*\[([^\]\s]+)\]\s*\[/.exec(text.slice(yearAt + 4));
    if (afterYear?.[1] && isGroup(afterYear[1]) && !TAGS_INSIDE.test(afterYear[1])) group = afterYear[1];
  }
  // "Name_-_01_[Group][HDTV_H264_AAC][803DA487]": an anime file's first bracket of no tags after the name.
  if (group === null && checksum && !animeStyle) {
    for (const bracket of execAll(/\[([^\][]+)\]/g, text.slice(titleEnd))) {
      const inside = bracket[1] ?? '';
      if (TAGS_INSIDE.test(inside) || /\d/.test(inside) || !isGroup(inside)) continue;
      group = inside;
      break;
    }
  }

  let title = cleanTitle(latinTitle(text.slice(titleStart, titleEnd)));
  // After an opening episode number, the name, then the episode's title ("003. Name - Title").
  if (titleStart > 0 && episodes.length > 0) title = title.split(' - ')[0] ?? title;
  // The anime's number left before the season's ("Name - 05 - S01E05", "Name - 15.5 (S00E01)").
  if (seasons.length > 0 && / - \d/.test(title))
    title = title.replace(/\s-\s\d{1,4}(?:[.\s-]\d{1,4})?$/, '') || title;
  // An article does not end a name ("Scarface.The.Uncut.Version": the edition's).
  title = title.replace(/(?<=\S)\s+the$/i, '');
  // Three parts or more ("Title - Other Title - Director"): the first is the name.
  const dash = title.indexOf(' - ');
  if (year === null && dash >= 0 && title.indexOf(' - ', dash + 3) >= 0) title = title.slice(0, dash);
  const aka = gated(/aka/i, title, () => find(AKA, title), null);
  if (aka && aka.index > 0) title = title.slice(0, aka.index).trim();
  // A closing parenthesis of words is another name or a credit ("Le Prestige (The Prestige)",
  // "La petite bande (Michel Deville"), not the title; a year stays ("Name (2010)").
  if (title.includes('(')) title = title.replace(ALTERNATIVE_NAME, '') || title;
  // Nor an anime's type ("Name (TV)", "Name (OVA)"), nor a country in parentheses ("The Office (US)": the
  // suites name the show without it, as the matcher compares it).
  if (title.endsWith(')'))
    title = title.replace(/(?<=\S)\s*\((?:tv|ova|ona|oad|us|uk|au|nz|ca)\)$/i, '') || title;
  // Nor a closing bracket: a tracker's or a tag ("Name [CR-Bt]").
  if (title.endsWith(']')) title = title.replace(/(?<=\S)\s*\[[^[\]]*\]$/, '') || title;
  // Nor a bracket the tags cut open ("Name [Ultimate Collector's Edition].1942").
  if (title.includes('[')) title = title.replace(/(?<=\S)\s*\[[^\]]*$/, '') || title;
  // Nothing left of a name but the first bracket's: that bracket was the name, not a group's
  // ("[Name].148.[Xvid]", "[Name HD][07][720p]").
  if (leadingName !== null && /^(?:\[\d*\]|-)?$/.test(title)) {
    title = cleanTitle(leadingName);
    group = null;
  }

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
    airDate,
    resolution,
    // Numbered only by a bare number found late ("Name 04 vostfr FHD"): a series' episode still, television.
    source: source ?? (seasons.length + episodes.length + absoluteEpisodes.length > 0 ? 'HDTV' : null),
    videoCodec,
    hdr,
    bitDepth: bitDepthHit ? (/hi10/i.test(bitDepthHit[0]) ? 10 : Number(bitDepthHit[1])) : null,
    audioCodec,
    atmos: atmosHit !== null,
    audioChannels: channels ? `${channels[1] ?? channels[3]}.${channels[2] ?? channels[4]}` : null,
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
