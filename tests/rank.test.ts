import { QUALITY_PRESETS, QualityProfile, RankedResult, type SearchTarget } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { rank } from '../torrent-node/src/search/rank.js';
import { indexerResult } from './helpers/releases.js';

/** Ranking against quality profiles and the TMDB record: the right title first, wrong ones rejected, reasons given. */
const result = indexerResult;

const profile = (name: keyof typeof QUALITY_PRESETS, languages: string[] = ['fr']) =>
  QualityProfile.parse({ ...QUALITY_PRESETS[name], preferredLanguages: languages });

const MATRIX: SearchTarget = {
  type: 'movie',
  titles: ['Matrix', 'The Matrix'],
  year: 1999,
  runtimeMinutes: 136,
};

describe('films', () => {
  const results = [
    result('The.Matrix.1999.1080p.BluRay.x264-SPARKS', 150, 10),
    result('The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ', 40, 8),
    result('The.Matrix.Reloaded.2003.1080p.BluRay.x264', 300, 10),
    result('The.Matrix.1999.HDCAM.x264', 500, 1.5),
    result('The.Matrix.1999.2160p.UHD.BluRay.REMUX.HDR.HEVC-EPSiLON', 30, 60),
    result('The.Matrix.1999.1080p.BluRay.x264-NOSEED', 0, 10),
    result('The.Matrix.1999.1080p.BluRay.x264-BIG', 90, 45),
    result('The.Matrix.1999.1080p.WEB.H264-TINY', 90, 0.05),
    result('Matrix.1999.TRUEFRENCH.720p.BluRay.x264', 20, 4),
    result('The.Matrix.Resurrections.2021.1080p.WEB.H264', 400, 6),
    result('The.Matrix.S01E01.1080p.WEB.H264', 10, 2),
  ];
  const ranked = rank(results, MATRIX, profile('1080p'));

  it('puts the French 1080p copy first and keeps every result with its reasons', () => {
    expect(ranked.map((r) => RankedResult.parse(r))).toHaveLength(results.length);
    expect(ranked[0]?.title).toBe('The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ');
    expect(ranked[0]?.reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ effect: 'plus', text: 'audio in fr' }),
        expect.objectContaining({ effect: 'plus', text: '1080p' }),
      ]),
    );
    const accepted = ranked.filter((r) => !r.rejected).map((r) => r.title);
    // For a French household, French audio outweighs one step of resolution.
    expect(accepted).toEqual([
      'The.Matrix.1999.MULTi.VFF.1080p.BluRay.x265-QTZ',
      'Matrix.1999.TRUEFRENCH.720p.BluRay.x264',
      'The.Matrix.1999.1080p.BluRay.x264-SPARKS',
    ]);
  });

  it.each([
    ['The.Matrix.Reloaded.2003.1080p.BluRay.x264', 'is not Matrix'],
    ['The.Matrix.Resurrections.2021.1080p.WEB.H264', 'is not Matrix'],
    ['The.Matrix.1999.HDCAM.x264', 'CAM: a copy filmed in a cinema'],
    ['The.Matrix.1999.2160p.UHD.BluRay.REMUX.HDR.HEVC-EPSiLON', '2160p is not allowed by the 1080p profile'],
    ['The.Matrix.1999.1080p.BluRay.x264-NOSEED', 'no seeders'],
    ['The.Matrix.1999.1080p.BluRay.x264-BIG', 'over the 20 GB limit for 1080p'],
    ['The.Matrix.1999.1080p.WEB.H264-TINY', 'too small to be complete'],
    ['The.Matrix.S01E01.1080p.WEB.H264', 'a series release, not a film'],
  ])('rejects %s: %s', (title, reason) => {
    const found = ranked.find((r) => r.title === title);
    expect(found?.rejected).toBe(true);
    expect(
      found?.reasons
        .filter((r) => r.effect === 'reject')
        .map((r) => r.text)
        .join(' | '),
    ).toContain(reason);
  });

  it('follows the profile: 4K HDR prefers the remux; English speakers lose the French bonus', () => {
    const uhd = rank(results, MATRIX, profile('4K HDR', ['en']));
    expect(uhd[0]?.title).toBe('The.Matrix.1999.2160p.UHD.BluRay.REMUX.HDR.HEVC-EPSiLON');
    const english = rank(results, MATRIX, profile('1080p', ['en']));
    expect(english[0]?.title).toBe('The.Matrix.1999.1080p.BluRay.x264-SPARKS');
  });

  it('rejects a wrong year but accepts one year off (release dates differ by country)', () => {
    const [wrong, close] = rank(
      [
        result('The.Matrix.1985.1080p.BluRay.x264', 50, 8),
        result('The.Matrix.2000.1080p.BluRay.x264', 50, 8),
      ],
      MATRIX,
      profile('1080p'),
    ).sort((a, b) => a.title.localeCompare(b.title));
    expect(wrong?.title).toContain('1985');
    expect(wrong?.rejected).toBe(true);
    expect(close?.rejected).toBe(false);
  });

  it('can require the preferred language', () => {
    const strict = QualityProfile.parse({
      ...QUALITY_PRESETS['1080p'],
      preferredLanguages: ['fr'],
      requirePreferredLanguage: true,
    });
    const ranked = rank([result('The.Matrix.1999.1080p.BluRay.x264-SPARKS', 150, 10)], MATRIX, strict);
    expect(ranked[0]?.rejected).toBe(true);
    expect(ranked[0]?.reasons).toContainEqual({
      effect: 'reject',
      points: 0,
      code: 'language.missing',
      params: { languages: 'fr' },
      text: 'no fr audio stated',
    });
  });
});

describe('episodes', () => {
  const LUPIN: SearchTarget = {
    type: 'tv',
    titles: ['Lupin'],
    year: 2021,
    season: 3,
    episode: 2,
    runtimeMinutes: 45,
  };
  const ranked = rank(
    [
      result('Lupin.S03E02.FRENCH.1080p.WEB.H264-FW', 80, 1.2),
      result('Lupin.S03E01.FRENCH.1080p.WEB.H264-FW', 120, 1.2),
      result('Lupin.S02E02.FRENCH.1080p.WEB.H264-FW', 120, 1.2),
      result('Lupin.S03.COMPLETE.FRENCH.1080p.WEB.H264-FW', 200, 9),
      result('Lupin.III.The.First.2019.1080p.BluRay', 50, 8),
    ],
    LUPIN,
    profile('1080p'),
  );

  it('accepts the episode and the season pack, rejects other episodes and other titles', () => {
    const verdicts = Object.fromEntries(ranked.map((r) => [r.title, r.rejected]));
    expect(verdicts).toEqual({
      'Lupin.S03E02.FRENCH.1080p.WEB.H264-FW': false,
      'Lupin.S03.COMPLETE.FRENCH.1080p.WEB.H264-FW': false,
      'Lupin.S03E01.FRENCH.1080p.WEB.H264-FW': true,
      'Lupin.S02E02.FRENCH.1080p.WEB.H264-FW': true,
      'Lupin.III.The.First.2019.1080p.BluRay': true,
    });
    expect(
      ranked.find((r) => r.title.startsWith('Lupin.S03E01'))?.reasons.find((r) => r.effect === 'reject')
        ?.text,
    ).toBe('episode 1, not episode 2');
    expect(
      ranked.find((r) => r.title.startsWith('Lupin.S02E02'))?.reasons.find((r) => r.effect === 'reject')
        ?.text,
    ).toBe('season 2, not season 3');
    expect(ranked.find((r) => r.title.includes('COMPLETE'))?.reasons).toContainEqual(
      expect.objectContaining({ effect: 'minus', text: 'the whole season 3, not just episode 2' }),
    );
  });
});

describe('names', () => {
  const matches = (titles: string[], target: SearchTarget) =>
    Object.fromEntries(
      rank(
        titles.map((t) => result(t, 50, 2)),
        target,
        profile('1080p'),
      ).map((r) => [r.title, !r.reasons.some((reason) => reason.code === 'title.mismatch')]),
    );

  it('reads a country after a series name as the same series, and a film’s number without its year as its name', () => {
    const office: SearchTarget = { type: 'tv', titles: ['The Office'], year: 2005, season: 7, episode: 3 };
    expect(
      matches(
        [
          'The.Office.US.S07E03.720p.WEB-DL-GRP',
          'The.Office.(US).S07E03.720p.HDTV-GRP',
          'The.Officer.S07E03.720p',
        ],
        office,
      ),
    ).toEqual({
      'The.Office.US.S07E03.720p.WEB-DL-GRP': true,
      'The.Office.(US).S07E03.720p.HDTV-GRP': true,
      'The.Officer.S07E03.720p': false,
    });
    const apollo: SearchTarget = { type: 'movie', titles: ['Apollo 13'], year: 1995 };
    expect(
      matches(
        ['Apollo.13.1080p.BluRay.x264-GRP', 'Apollo.1080p.BluRay.x264-GRP', 'Apollo.14.1080p.BluRay'],
        apollo,
      ),
    ).toEqual({
      'Apollo.13.1080p.BluRay.x264-GRP': true,
      'Apollo.1080p.BluRay.x264-GRP': false,
      'Apollo.14.1080p.BluRay': false,
    });
    // A film's part with no year: the parser's mini-series episode, the film's sequel when its title says so.
    const third: SearchTarget = {
      type: 'movie',
      titles: ['Le Parrain 3', 'The Godfather Part III'],
      year: 1990,
    };
    expect(
      matches(
        [
          'The.Godfather.Part.III.1080p.BluRay.x264-GRP',
          'The.Godfather.Part.II.1080p.BluRay',
          'The.Godfather.S01E03.720p',
        ],
        third,
      ),
    ).toEqual({
      'The.Godfather.Part.III.1080p.BluRay.x264-GRP': true,
      'The.Godfather.Part.II.1080p.BluRay': false,
      'The.Godfather.S01E03.720p': false,
    });
    expect(matches(['300.mkv'], { type: 'movie', titles: ['300'], year: 2006 })).toEqual({ '300.mkv': true });
    // A year opening the name: the film's year to the parser, and the start of another film's title.
    expect(
      matches(['2009.Some.Film.DVDRip', '2047.Some.Film.DVDRip'], {
        type: 'movie',
        titles: ['2047 Some Film'],
        year: 2014,
      }),
    ).toEqual({ '2009.Some.Film.DVDRip': false, '2047.Some.Film.DVDRip': true });
    expect(matches(['2009.Some.Film.DVDRip'], { type: 'movie', titles: ['Some Film'], year: 2009 })).toEqual({
      '2009.Some.Film.DVDRip': true,
    });
    // And the year that opened the title is no year of the film's: it is not refused as another year.
    const [yearFirst] = rank(
      [result('2047.Some.Film.1080p.BluRay.x264-GRP', 50, 2)],
      { type: 'movie', titles: ['2047 Some Film'], year: 2014 },
      profile('1080p'),
    );
    expect(yearFirst?.rejected).toBe(false);
    expect(yearFirst?.reasons.map((reason) => reason.code)).toContain('title.noYear');
  });
});
