import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ParsedRelease } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { normalizeTitle, parseRelease } from '../torrent-node/src/search/release.js';
import { ROOT } from './helpers/stack.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Release titles as indexers list them, with what each must read as (only the fields given). */
const CASES: [string, Partial<ParsedRelease>][] = [
  // Films, English scene.
  [
    'The.Matrix.1999.1080p.BluRay.x264-SPARKS',
    {
      title: 'The Matrix',
      year: 1999,
      resolution: '1080p',
      source: 'BluRay',
      videoCodec: 'H.264',
      group: 'SPARKS',
    },
  ],
  [
    'Inception.2010.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-EPSiLON',
    {
      title: 'Inception',
      year: 2010,
      resolution: '2160p',
      source: 'Remux',
      hdr: ['HDR10'],
      videoCodec: 'H.265',
      atmos: true,
      group: 'EPSiLON',
    },
  ],
  [
    'Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR10+.H.265-FLUX',
    {
      title: 'Dune Part Two',
      year: 2024,
      source: 'WEB-DL',
      audioCodec: 'EAC3',
      audioChannels: '5.1',
      atmos: true,
      hdr: ['HDR10+', 'DV'],
      videoCodec: 'H.265',
      group: 'FLUX',
    },
  ],
  [
    'Oppenheimer.2023.1080p.WEBRip.x265.10bit.AAC5.1-YTS',
    {
      title: 'Oppenheimer',
      source: 'WEBRip',
      bitDepth: 10,
      audioCodec: 'AAC',
      audioChannels: '5.1',
      group: 'YTS',
    },
  ],
  [
    'Blade.Runner.2049.2017.1080p.BluRay.DTS-HD.MA.7.1.x264-DON',
    { title: 'Blade Runner 2049', year: 2017, audioCodec: 'DTS-HD MA', audioChannels: '7.1', group: 'DON' },
  ],
  ['1917.2019.720p.BluRay.x264-SPARKS', { title: '1917', year: 2019, resolution: '720p' }],
  ['2012.2009.1080p.BluRay.x264', { title: '2012', year: 2009, group: null }],
  [
    '2001.A.Space.Odyssey.1968.REMASTERED.1080p.BluRay.x264',
    { title: '2001 A Space Odyssey', year: 1968, edition: 'Remastered' },
  ],
  [
    'Blade.Runner.1982.The.Final.Cut.1080p.BluRay.x264-AMIABLE',
    { title: 'Blade Runner', year: 1982, edition: 'Final Cut' },
  ],
  ['Aliens.1986.Special.Edition.1080p.BluRay.x264', { title: 'Aliens', edition: 'Special Edition' }],
  [
    'The.Lord.of.the.Rings.The.Fellowship.of.the.Ring.2001.EXTENDED.2160p.UHD.BluRay.x265.10bit.HDR.TrueHD.7.1.Atmos-SWTYBLZ',
    {
      title: 'The Lord of the Rings The Fellowship of the Ring',
      year: 2001,
      edition: 'Extended',
      audioCodec: 'TrueHD',
      audioChannels: '7.1',
      atmos: true,
      bitDepth: 10,
    },
  ],
  [
    'Kingdom.of.Heaven.2005.Directors.Cut.1080p.BluRay.x264',
    { title: 'Kingdom of Heaven', edition: "Director's Cut" },
  ],
  ['Apocalypse.Now.1979.Final.Cut.UNRATED.1080p.BluRay', { title: 'Apocalypse Now', year: 1979 }],
  ['Avatar.2009.IMAX.1080p.BluRay.x264', { title: 'Avatar', edition: 'IMAX' }],
  [
    'Seven.Samurai.1954.Criterion.1080p.BluRay.x264-CtrlHD',
    { title: 'Seven Samurai', edition: 'Criterion', group: 'CtrlHD' },
  ],
  [
    'The.Dark.Knight.2008.PROPER.1080p.BluRay.x264-GROUP',
    { title: 'The Dark Knight', proper: true, revision: 1 },
  ],
  [
    'Tenet.2020.REPACK.1080p.WEB-DL.DD5.1.H264-EVO',
    { title: 'Tenet', repack: true, audioCodec: 'AC3', audioChannels: '5.1', source: 'WEB-DL' },
  ],
  ['Tenet.2020.REPACK2.1080p.WEB-DL.DD5.1.H264-EVO', { repack: true, revision: 2 }],
  ['Joker.2019.HDCAM.x264-NoGrp', { title: 'Joker', source: 'CAM' }],
  ['Joker.2019.CAMRip.XviD', { source: 'CAM', videoCodec: 'XviD' }],
  ['Avengers.Endgame.2019.HDTS.x264-RGB', { source: 'TS' }],
  ['Avengers.Endgame.2019.TELESYNC.XviD', { source: 'TS' }],
  ['Frozen.II.2019.HDTC.x264', { title: 'Frozen II', source: 'TC' }],
  ['The.Irishman.2019.DVDScr.XviD-EVO', { source: 'SCR', videoCodec: 'XviD' }],
  ['Amelie.2001.DVDRip.XviD-DiAMOND', { title: 'Amelie', source: 'DVD' }],
  ['Fargo.1996.DVD9.MPEG-2', { source: 'DVD', videoCodec: 'MPEG-2' }],
  [
    'Spider-Man.No.Way.Home.2021.1080p.WEB-DL.DDP5.1.H.264-EVO',
    { title: 'Spider-Man No Way Home', year: 2021, group: 'EVO' },
  ],
  [
    'Mission.Impossible.Dead.Reckoning.Part.One.2023.1080p.AMZN.WEB-DL.DDP5.1.H.264-FLUX',
    { title: 'Mission Impossible Dead Reckoning Part One', source: 'WEB-DL' },
  ],
  ['S.W.A.T.2003.1080p.BluRay.x264', { title: 'S.W.A.T', year: 2003 }],
  [
    'Mr.Robot.S01E01.720p.HDTV.x264-KILLERS',
    { title: 'Mr Robot', seasons: [1], episodes: [1], source: 'HDTV', group: 'KILLERS' },
  ],
  [
    'Le.Fabuleux.Destin.d.Amelie.Poulain.AKA.Amelie.2001.1080p.BluRay',
    { title: 'Le Fabuleux Destin d Amelie Poulain', year: 2001 },
  ],
  [
    'Parasite (2019) [1080p] [BluRay] [5.1] [YTS.MX]',
    { title: 'Parasite', year: 2019, resolution: '1080p', source: 'BluRay', audioChannels: '5.1' },
  ],
  [
    'Interstellar (2014) 2160p UHD BluRay x265 HDR Atmos',
    { title: 'Interstellar', year: 2014, resolution: '2160p' },
  ],
  [
    'www.Torrenting.com - The.Batman.2022.1080p.WEBRip.x264',
    { title: 'The Batman', year: 2022, source: 'WEBRip' },
  ],
  ['[ www.Speed.cd ] - Heat.1995.1080p.BluRay.x264', { title: 'Heat', year: 1995 }],
  [
    'The.Godfather.1972.1080p.BluRay.FLAC.1.0.x264-CtrlHD.mkv',
    { title: 'The Godfather', audioCodec: 'FLAC', audioChannels: '1.0', group: 'CtrlHD' },
  ],
  [
    'Barbie.2023.1080p.WEB.H264-LAMA',
    { title: 'Barbie', source: 'WEB-DL', videoCodec: 'H.264', group: 'LAMA' },
  ],
  ['Poor.Things.2023.2160p.WEB.H265-HUZZAH', { resolution: '2160p', videoCodec: 'H.265' }],
  [
    'Everything.Everywhere.All.at.Once.2022.1080p.AV1.Opus.5.1-Retr0',
    { videoCodec: 'AV1', audioCodec: 'Opus', audioChannels: '5.1' },
  ],
  ['Arrival.2016.1080p.BluRay.DTS-X.7.1.x264', { audioCodec: 'DTS-X' }],
  ['Gravity.2013.3D.1080p.BluRay.Half-SBS.DTS.x264', { title: 'Gravity', audioCodec: 'DTS', group: null }],
  [
    'Top.Gun.Maverick.2022.IMAX.2160p.DSNP.WEB-DL.DV.HDR.DDP5.1.Atmos.H.265-FLUX',
    { hdr: ['HDR10', 'DV'], edition: 'IMAX' },
  ],
  ['Drive.2011.HLG.2160p.WEB.H265', { hdr: ['HLG'] }],
  ['The.Thing.1982.Hi10P.1080p.BluRay', { bitDepth: 10 }],

  // French scene.
  [
    'Intouchables.2011.FRENCH.1080p.BluRay.x264-LOST',
    { title: 'Intouchables', year: 2011, frenchTags: ['FRENCH'], languages: ['fr'], group: 'LOST' },
  ],
  [
    'Le.Diner.de.Cons.1998.TRUEFRENCH.720p.BluRay.x264-FHD',
    { title: 'Le Diner de Cons', frenchTags: ['TRUEFRENCH'], languages: ['fr'] },
  ],
  [
    'Dune.2021.MULTi.VFF.2160p.WEB-DL.HDR.DDP5.1.Atmos.x265-QTZ',
    { title: 'Dune', multi: true, frenchTags: ['MULTI', 'VFF'], languages: ['fr'] },
  ],
  [
    'Avatar.The.Way.of.Water.2022.MULTi.VFQ.1080p.BluRay.x264-QC',
    { frenchTags: ['MULTI', 'VFQ'], multi: true },
  ],
  ['Barbie.2023.MULTi.VF2.1080p.WEB.H264-SUPPLY', { frenchTags: ['MULTI', 'VF2'] }],
  ['Oppenheimer.2023.MULTi.VFI.2160p.WEB-DL.x265', { frenchTags: ['MULTI', 'VFI'] }],
  [
    'Shogun.2024.S01E01.VOSTFR.1080p.WEB.H264-FW',
    {
      title: 'Shogun',
      year: 2024,
      seasons: [1],
      episodes: [1],
      frenchTags: ['VOSTFR'],
      subtitles: ['fr'],
      languages: [],
    },
  ],
  [
    'The.Bear.S02.SUBFRENCH.720p.WEB.H264',
    { title: 'The Bear', seasons: [2], fullSeason: true, frenchTags: ['SUBFRENCH'], subtitles: ['fr'] },
  ],
  [
    'Lupin.S03E01.FRENCH.720p.WEB.H264-FW',
    { title: 'Lupin', seasons: [3], episodes: [1], languages: ['fr'] },
  ],
  [
    'Astérix.et.Obélix.L.Empire.du.Milieu.2023.FRENCH.1080p.WEB.H264',
    {
      title: 'Astérix et Obélix L Empire du Milieu',
      normalizedTitle: 'asterix et obelix l empire du milieu',
    },
  ],
  [
    'Kaamelott.Premier.Volet.2021.MULTi.TRUEFRENCH.1080p.BluRay.x264-LOST',
    { title: 'Kaamelott Premier Volet', frenchTags: ['MULTI', 'TRUEFRENCH'] },
  ],
  [
    'Les.Trois.Mousquetaires.D.Artagnan.2023.VFF.1080p.WEB-DL.DD5.1.H264',
    { frenchTags: ['VFF'], languages: ['fr'] },
  ],
  ['Bac.Nord.2020.FRENCH.720p.HDTV.x264', { source: 'HDTV' }],
  [
    'Le.Bureau.des.Legendes.S05.COMPLETE.FRENCH.1080p.WEB.H264-FW',
    { title: 'Le Bureau des Legendes', seasons: [5], fullSeason: true },
  ],
  ['Dix.Pour.Cent.Saison.1.FRENCH.720p.HDTV', { title: 'Dix Pour Cent', seasons: [1], fullSeason: true }],
  ['Baron.Noir.Saison.1.a.3.FRENCH.1080p.WEB', { title: 'Baron Noir', seasons: [1, 2, 3], fullSeason: true }],
  ['Engrenages.Integrale.FRENCH.720p.HDTV', { title: 'Engrenages', fullSeason: true }],
  ['Astrid.et.Raphaelle.S04E05.FRENCH.WEB.x264-TFA', { seasons: [4], episodes: [5] }],
  ['OSS.117.Rio.ne.repond.plus.2009.FRENCH.DVDRip.XviD', { title: 'OSS 117 Rio ne repond plus', year: 2009 }],
  ['Titanic.1997.MULTi.ENGLISH.1080p.BluRay', { languages: ['en'], multi: true }],
  ['Amelie.2001.MULTi.GERMAN.ITALIAN.720p.BluRay', { languages: ['de', 'it'] }],

  // Series.
  [
    'Breaking.Bad.S05E14.720p.HDTV.x264-EVOLVE',
    { title: 'Breaking Bad', seasons: [5], episodes: [14], group: 'EVOLVE' },
  ],
  [
    'Game.of.Thrones.S08E06.The.Iron.Throne.1080p.AMZN.WEB-DL.DDP5.1.H.264-GoT',
    { title: 'Game of Thrones', seasons: [8], episodes: [6] },
  ],
  ['The.Office.US.S02E01E02.720p.BluRay.x264', { title: 'The Office US', seasons: [2], episodes: [1, 2] }],
  ['Friends.S01E01-E03.DVDRip.XviD', { title: 'Friends', seasons: [1], episodes: [1, 2, 3], source: 'DVD' }],
  ['Friends.S01E01-03.1080p.BluRay', { episodes: [1, 2, 3] }],
  ['Lost.S01E24E25.720p.BluRay', { episodes: [24, 25] }],
  [
    'Stranger.Things.S04.2160p.NF.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-FLUX',
    { title: 'Stranger Things', seasons: [4], fullSeason: true, episodes: [] },
  ],
  [
    'The.Wire.S01-S05.COMPLETE.720p.BluRay.x264',
    { title: 'The Wire', seasons: [1, 2, 3, 4, 5], fullSeason: true },
  ],
  ['The.Sopranos.S01-06.1080p.BluRay', { seasons: [1, 2, 3, 4, 5, 6], fullSeason: true }],
  ['Seinfeld.Season.4.1080p.WEB-DL', { title: 'Seinfeld', seasons: [4], fullSeason: true }],
  [
    'Doctor.Who.2005.S13E01.1080p.WEB.H264',
    { title: 'Doctor Who', year: 2005, seasons: [13], episodes: [1] },
  ],
  [
    'Doctor Who (2005) - 10x12 - The Doctor Falls',
    { title: 'Doctor Who', year: 2005, seasons: [10], episodes: [12] },
  ],
  ['Sherlock.3x01.The.Empty.Hearse.720p', { title: 'Sherlock', seasons: [3], episodes: [1] }],
  [
    'Chernobyl.S01E05.Vichnaya.Pamyat.2160p.HMAX.WEB-DL.DDP5.1.HDR.HEVC-MZABI',
    { title: 'Chernobyl', hdr: ['HDR10'] },
  ],
  [
    'House.of.the.Dragon.S02E08.1080p.WEB.H264-SuccessfulCrab[TGx]',
    { title: 'House of the Dragon', seasons: [2], episodes: [8], group: 'SuccessfulCrab' },
  ],
  [
    'The.Mandalorian.S03E08.2160p.DSNP.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265',
    { source: 'WEB-DL', seasons: [3], episodes: [8] },
  ],
  ['Severance.S02E10.REPACK.1080p.ATVP.WEB-DL.DDP5.1.H.264', { repack: true, episodes: [10] }],
  ['Shameless.US.S11E12.PROPER.720p.WEB.H264', { proper: true }],
  [
    'The.Last.of.Us.S01E01.When.Youre.Lost.in.the.Darkness.1080p.HMAX.WEB-DL',
    { title: 'The Last of Us', seasons: [1], episodes: [1] },
  ],
  [
    'Fallout.S01.COMPLETE.2160p.AMZN.WEB-DL.DDP5.1.HDR10+.H.265',
    { seasons: [1], fullSeason: true, hdr: ['HDR10+'] },
  ],
  [
    'true.detective.s01e01.1080p.bluray.x264',
    { title: 'true detective', seasons: [1], episodes: [1], source: 'BluRay' },
  ],
  [
    'The Expanse - S06E01 - Strange Dogs (1080p AMZN WEB-DL x265 10bit)',
    { title: 'The Expanse', seasons: [6], episodes: [1], bitDepth: 10 },
  ],
  [
    'Band of Brothers (2001) Season 1 S01 1080p BluRay',
    { title: 'Band of Brothers', year: 2001, seasons: [1], fullSeason: true },
  ],

  // Anime.
  [
    '[SubsPlease] One Piece - 1071 (1080p) [ABCD1234].mkv',
    { title: 'One Piece', absoluteEpisodes: [1071], group: 'SubsPlease', resolution: '1080p' },
  ],
  [
    '[Erai-raws] Jujutsu Kaisen - 24 [1080p][Multiple Subtitle]',
    { title: 'Jujutsu Kaisen', absoluteEpisodes: [24], group: 'Erai-raws' },
  ],
  [
    '[HorribleSubs] Boku no Hero Academia - 88 [720p].mkv',
    { title: 'Boku no Hero Academia', absoluteEpisodes: [88], resolution: '720p' },
  ],
  [
    '[Judas] Vinland Saga - 01-24 (Batch) [1080p][HEVC x265 10bit]',
    {
      title: 'Vinland Saga',
      absoluteEpisodes: Array.from({ length: 24 }, (_, i) => i + 1),
      videoCodec: 'H.265',
      bitDepth: 10,
    },
  ],
  ['[SubsPlease] Frieren - 05v2 (1080p) [1234ABCD].mkv', { title: 'Frieren', absoluteEpisodes: [5] }],
  ['Naruto Shippuden - 500 [1080p]', { title: 'Naruto Shippuden', absoluteEpisodes: [500] }],
  [
    '[ASW] Shingeki no Kyojin - The Final Season - 28 [1080p HEVC][AAC]',
    { title: 'Shingeki no Kyojin - The Final Season', absoluteEpisodes: [28] },
  ],
  [
    'Attack.on.Titan.S04E28.1080p.WEB.H264-SENPAI',
    { title: 'Attack on Titan', seasons: [4], episodes: [28] },
  ],
  [
    '[Anime Time] Demon Slayer (Season 1) [BD][1080p][HEVC 10bit][Dual Audio]',
    { title: 'Demon Slayer', seasons: [1], fullSeason: true, multi: true },
  ],
  // Words of the name that are tags elsewhere: a language before the year, "Real" in lower case.
  ['The.Good.German.2006.720p.BluRay.x264-RlsGrp', { title: 'The Good German', year: 2006, group: 'RlsGrp' }],
  ['The.French.Movie.2013.1080p.BluRay.x264-GRP', { title: 'The French Movie', year: 2013 }],
  ['A.Real.Pain.2024.1080p.WEB-DL.DDP5.1.H.264-FLUX', { title: 'A Real Pain', year: 2024, proper: false }],
  ['Some.Film.2019.REAL.1080p.BluRay.x264-GRP', { title: 'Some Film', proper: true, revision: 1 }],
  [
    'The.Girl.in.the.Spiders.Web.2019.1080p.WEB-DL.x264-GRP',
    { title: 'The Girl in the Spiders Web', year: 2019 },
  ],
  [
    'Some.Film.Directors.Cut.2019.1080p.BluRay.x264-GRP',
    { title: 'Some Film', year: 2019, edition: "Director's Cut" },
  ],
  ['X.Y.Z.2.2013.720p.BluRay.x264-GRP', { title: 'X.Y.Z. 2', year: 2013 }],
  // A streaming service's tag is WEB-DL only when nothing says otherwise.
  ['The.Show.S02E05.1080p.AMZN.WEBRip.DDP5.1.x264-NTb', { source: 'WEBRip', group: 'NTb' }],
  ['The.Show.S02E05.1080p.AMZN.DDP5.1.H.264-NTb', { source: 'WEB-DL' }],
  // Numbering.
  [
    '[SubsPlease] Some Show S2 - 07 (1080p) [ABCD1234].mkv',
    { title: 'Some Show', seasons: [2], episodes: [7] },
  ],
  ['The.Show.S01E01.2008.720p.HDTV.x264-GRP', { seasons: [1], episodes: [1] }],
  ['The.Show.S02E21.-.94.Meetings.720p.HDTV.x264-GRP', { seasons: [2], episodes: [21] }],
  ['The.Show.S03E01.S03E02.720p.HDTV.x264-GRP', { seasons: [3], episodes: [1, 2] }],
  ['The Show - S07E22 - S07E23 - Two Parts [HDTV-720p]', { seasons: [7], episodes: [22, 23], group: null }],
  ['The.Show.S2016E231.720p.HDTV.x264-GRP', { seasons: [2016], episodes: [231] }],
  ['The Show - 7x6 - A Title [SDTV]', { title: 'The Show', seasons: [7], episodes: [6] }],
  ['The Show - 2x9-2x10 - Two Titles [SDTV]', { seasons: [2], episodes: [9, 10] }],
  ['The.Show.102.720p.HDTV.x264-GRP', { title: 'The Show', seasons: [1], episodes: [2] }],
  ['Some.Show.E07.720p.WEB-DL.x264-GRP', { title: 'Some Show', seasons: [], episodes: [7] }],
  ['[Group] Some Show 214 [720p]', { title: 'Some Show', absoluteEpisodes: [214] }],
  ['[Group] Some Show 091-123 [1080p][HEVC x265 10bit]', { absoluteEpisodes: range(91, 123) }],
  ['[Group] Some_Show_-_12_[720p]', { title: 'Some Show', absoluteEpisodes: [12] }],
  // Season words and numbering of other European languages.
  [
    'La Serie - Temporada 2 [HDTV 720p][Cap.208][AC3 5.1 Castellano]',
    { title: 'La Serie', seasons: [2], episodes: [8] },
  ],
  ['La Serie - Temporada 1 [HDTV][Cap.111_120]', { seasons: [1], episodes: range(11, 20) }],
  ['La.Serie.Stagione.3.HDTV.XviD-NOTAG', { title: 'La Serie', seasons: [3], fullSeason: true }],
  [
    'Die.Serie.Staffel.2.German.DL.1080p.WEB.x264-GRP',
    { title: 'Die Serie', seasons: [2], languages: ['de'] },
  ],
  // Daily shows, by air date (day first when the middle cannot be a month).
  ['The.Late.Show.2011.04.18.Guest.Name.HDTV.x264-GRP', { title: 'The Late Show', airDate: '2011-04-18' }],
  ['The.Late.Show.2012.16.02.PDTV.XviD-C4TV', { airDate: '2012-02-16', resolution: '480p' }],
  ['The Late Show - 30-04-2024 HDTV 1080p H264 AAC', { title: 'The Late Show', airDate: '2024-04-30' }],
  ['Some.Film.2011.1080p.BluRay.x264-GRP', { airDate: null, year: 2011 }],
  // Standard definition when a source or an SD encode says so and no resolution is stated.
  ['The.Show.S04E05.HDTV.XviD-LOL', { resolution: '480p', source: 'HDTV' }],
  // A Blu-ray with none stated is HD (720p for a series, 1080p for a film), a remux 1080p, a rip SD.
  ['Some.Film.2010.BluRay.x264-GRP', { resolution: '1080p', source: 'BluRay' }],
  ['Some.Show.S02E01.BluRay.x264-GRP', { resolution: '720p', source: 'BluRay' }],
  ['Some.Film.2010.BluRay.Remux.AVC-GRP', { resolution: '1080p', source: 'Remux' }],
  ['Some.Film.2010.UHD.BDRip.x264-GRP', { resolution: '480p', source: 'BluRay' }],
  ['Some.Film.2010.4K.BluRay.Remux.1080p.AVC-GRP', { resolution: '1080p', source: 'Remux' }],
  ['Some.Film.2010.1080p.WEB-DL.DD5.1.H.264.Remux-GRP', { source: 'WEB-DL' }],
  ['Some Film (2019) [BluRay1080p].mkv', { resolution: '1080p', source: 'BluRay' }],
  ['Some Show 312 VOSTFR (1280*720)', { resolution: '720p' }],
  ['Some.Film.2021.1080p.HDTCRip.x264', { source: 'TC' }],
  ['Some.Film.2021.1080p.PreDVD.Rip.x264', { source: 'SCR' }],
  // Groups: reposters' suffixes, trackers, brackets and parentheses closing the name.
  ['The.Show.S01E01.720p.HDTV.x264-DIMENSION-Rakuv', { group: 'DIMENSION' }],
  ['The.Show.S01E01.720p.BluRay.x264-xHD-1', { group: 'xHD' }],
  ['The.Show.S02E09.HDTV.x264-2HD [eztv]-[rarbg.com]', { group: '2HD' }],
  ['The Show (2020) S01 (1080p BluRay x265 HEVC 10bit AAC 5.1 Tigole)', { group: 'Tigole', seasons: [1] }],
  ['Some Film (2011) [BluRay] [1080p] [YTS.MX] [YIFY]', { title: 'Some Film', group: 'YIFY' }],
  ['Some Show S01 MULTi 1080p BD x265 Opus AAC -Báleygr', { group: 'Báleygr' }],
  // Dates in words and in six digits, as wrestling, talk and Korean shows write them.
  ['Ring Night 21st Mar 2024 WEBRip h264-TJ', { title: 'Ring Night', airDate: '2024-03-21', seasons: [] }],
  ['Late.Chat.3rd.September.2021.720p.WEB.h264-GRP', { title: 'Late Chat', airDate: '2021-09-03' }],
  ['Talk.Hour.230514.1080p.WEB-DL.AAC-GRP', { title: 'Talk Hour', airDate: '2023-05-14' }],
  ['2020.06.30 - Evening News - HDTV', { airDate: '2020-06-30' }],
  // Chinese fansubs number episodes in brackets; "S2 - 05" is also the anime's absolute 5.
  ['[字幕组][某动画/Some Anime][07][1080p][简体]', { group: '字幕组', absoluteEpisodes: [7] }],
  ['【字幕社】【Some Anime】【12】【END】GB 720P', { absoluteEpisodes: [12] }],
  ['[Grp][Some Anime][第09话][1080p]', { absoluteEpisodes: [9] }],
  ['[Grp] Some Anime S2 - 05 [1080p]', { seasons: [2], episodes: [5], absoluteEpisodes: [5] }],
  ['[Grp][Some Anime S3][04][1080p]', { seasons: [3], episodes: [4], absoluteEpisodes: [4] }],
  // Episode runs written out, chained or joined.
  ['Some.Show.2x05x06x07.HDTV.XviD-GRP', { seasons: [2], episodes: [5, 6, 7] }],
  ['Some Show S03E09+E10 Title.mp4', { seasons: [3], episodes: [9, 10] }],
  ['Some Show Season 2 Episodes 3-6 WEB', { seasons: [2], episodes: [3, 4, 5, 6], fullSeason: false }],
  ['Some.Show.Season.04.Ep(01-03).720p.WEBRip', { seasons: [4], episodes: [1, 2, 3] }],
  ['Some.Show.S2.Eps.07-08.mp4', { seasons: [2], episodes: [7, 8] }],
  // A mini-series: episodes after the year, parts and "N of M" are season 1.
  ['Some.Story.2019.E03.720p.WEB-DL.H.264-GRP', { title: 'Some Story', seasons: [1], episodes: [3] }],
  ['Some.Story.E12.231019.1080p-GRP', { seasons: [1], episodes: [12] }],
  ['Some.Documentary.3of6.Rivers.720p.HDTV.x264-GRP', { seasons: [1], episodes: [3] }],
  ['Some Story 2015 Part 2 720p HDTV x264-GRP', { seasons: [1], episodes: [2] }],
  ['Some.Story.Part.Three.720p.HDTV.x264-GRP', { seasons: [1], episodes: [3] }],
  // Before the year, a part is the film's; an episode number alone may be an anime's absolute one.
  [
    'Wizard.Story.Part.2.2011.1080p.BluRay.x264-GRP',
    { title: 'Wizard Story Part 2', year: 2011, episodes: [] },
  ],
  ['Some.Anime.E1102.GERMAN.1080p.WEB.h264-GRP', { seasons: [], episodes: [1102] }],
  // A packed number only after the year; a number before it is the title's.
  ['some.show.2012.514.hdtv-grp', { title: 'some show', seasons: [5], episodes: [14] }],
  ['Some.Show.207.208.720p.HDTV.X264-GRP', { seasons: [2], episodes: [7, 8] }],
  [
    'Train.of.Pelham.246.2009.720p.BluRay.x264-GRP',
    { title: 'Train of Pelham 246', year: 2009, seasons: [] },
  ],
  // Sources: a remux or a theatre copy whatever else it says, services as German releases name them,
  // a series' episode with no source is television, a Blu-ray rip without a resolution is SD.
  ['Some.Film.2020.1080p.BluRay.REMUX.AVC.DTS-HD.MA.5.1-GRP', { source: 'Remux', resolution: '1080p' }],
  ['Some.Show.S01E02.720p.BluRay.REMUX.AVC-GRP', { source: 'BluRay' }],
  ['Some Film (2023) New HDCAMRip 1080p', { source: 'CAM' }],
  ['Some.Film.2021.BluRay.SCR.XviD-GRP', { source: 'SCR' }],
  ['Some.Show.S02E03.German.720p.NetflixHD.x264-GRP', { source: 'WEB-DL' }],
  ['Some.Show.1x05.ITA.720p.WEBMux.x264-GRP', { source: 'WEBRip' }],
  ['Some.Show.S04E01.HD.TV.mkv', { source: 'HDTV' }],
  ['[Grp] Some Anime - 07 [1080p]', { source: 'HDTV', resolution: '1080p' }],
  ['Some.Film.2012.1080p.WEB-DL.x264-GRP', { source: 'WEB-DL' }],
  ['Some.Film.2012.mkv', { source: null, resolution: null }],
  ['Some.Show.S03E01-06.BDRip.AC3-GRP', { source: 'BluRay', resolution: '480p' }],
  ['Some.Show.S01E05.960p.WEB-DL.AAC2.0-GRP', { resolution: '720p' }],
  // The group after the tags with no dash, in a dotted name; suffixes reposters add after it.
  ['Some.Film.2016.720p.BluRay.x264.AC3.Kappa', { group: 'Kappa' }],
  ['Some.Film.2014.1080p.BluRay.x264.DTS Rho', { group: 'Rho' }],
  ['Some Show 2009 S01E14 English HDTV XviD LOL', { group: null }],
  ['Some.Film.2015.1080p.BluRay.x264-GRP.nfo', { group: 'GRP' }],
  ['Some.Show.S01E01.720p.HDTV.x264-GRP.proof', { group: 'GRP' }],
  ['Some.Show.S01E01.1080p.WEB-DL.H.264-GRP-AlternativeToRequested', { group: 'GRP' }],
  // A name in two scripts: the part in Latin letters; a Latin title with a slash stays whole.
  ['[字幕组][某某某某/Some Anime Title][05][1080p]', { title: 'Some Anime Title', absoluteEpisodes: [5] }],
  [
    '[Grp] 某某某某 第二季 / Some Anime S2 - 03 [1080p]',
    { title: 'Some Anime', seasons: [2], episodes: [3] },
  ],
  ['[字幕组][某某][Mutafukaz / MFKZ][Movie][1080P]', { title: 'Mutafukaz / MFKZ' }],
  ['[字幕组][10月新番][某某某某某某某某][03][720P]', { title: '某某某某某某某某', absoluteEpisodes: [3] }],
  ['Face.Off.1997.1080p.BluRay.x264-GRP', { title: 'Face Off', year: 1997 }],
  ['Фильм / Some Film (2019) 1080p WEB-DL', { title: 'Some Film', year: 2019 }],
  // An anime's bare number after the name's words, with or without "#".
  ['[Grp] Some Anime 07 Episode Title [720p]', { title: 'Some Anime', absoluteEpisodes: [7] }],
  ['[Grp] Some Anime #312 (1280x720 x264 AAC)', { title: 'Some Anime', absoluteEpisodes: [312] }],
  // Another name or a credit in parentheses after the title is not the title; a country stays.
  ['Le Film (The Film) 2011 [DVDRIP][Vostfr]', { title: 'Le Film', year: 2011 }],
  ['Un Film (Jean Dupont, 1967) [VHSRip]', { title: 'Un Film', year: 1967 }],
  ['Some.Show.(US).S01E03.HDTV.XviD-GRP', { title: 'Some Show', seasons: [1], episodes: [3] }],
  // Numbering glued to the name or to an x, slashes as separators, a season with a space.
  ['Some.Long.ShowS01E06.720p.WEB-DL-GRP', { title: 'Some Long Show', seasons: [1], episodes: [6] }],
  ['Some Show - S02xE05.mp4', { seasons: [2], episodes: [5] }],
  ['Some Show - [03x01-x02] - Title', { seasons: [3], episodes: [1, 2] }],
  ['Some Title (2023/S01E04/WEB-DL/1080p/ESP)', { seasons: [1], episodes: [4], resolution: '1080p' }],
  ['Some Show S 02 720p WEB DL DD 5 1 h264 GRP', { seasons: [2], fullSeason: true }],
  // In one file's name a bare number after the season is its episode; without a file, a pack.
  ['Some Show S03 04.mkv', { seasons: [3], episodes: [4] }],
  ['Some Show Season 7 02.mp4', { seasons: [7], episodes: [2] }],
  ['Some Show S03 04 (1080p BluRay x265)', { seasons: [3], fullSeason: true }],
  // A part of a daily show is not an episode; a date that cannot be one gives way to the next.
  ['Some.Daily.2019.04.02.Part.2.720p.WEBRip-GRP', { airDate: '2019-04-02', episodes: [] }],
  ['30-30.2022.03.14.Some.Guest.XviD-GRP', { airDate: '2022-03-14' }],
  ['Some Show E07 121030 1080p', { seasons: [1], episodes: [7] }],
  // The whole name in brackets, and brackets of tags before the name.
  ['[ Some Show S03E02 1080p WEB-DL x264-GRP ]', { title: 'Some Show', seasons: [3], group: 'GRP' }],
  ['[DVDRip-ITA]Some Film [AB-Cd]', { title: 'Some Film', source: 'DVD', group: null }],
  [
    '[Grp] [BD][1080p] Some Anime 08 [ABCD1234].mkv',
    { group: 'Grp', title: 'Some Anime', absoluteEpisodes: [8] },
  ],
  // Anime: a season and its episode that look like a season range; absolute numbers after the season's.
  ['[Grp] Some Anime Season 2 - 07 [1080p]', { seasons: [2], episodes: [7], fullSeason: false }],
  ['[Grp] Some Anime 51 (S3-17) [1080p]', { seasons: [3], episodes: [17] }],
  ['Some.Show.S01-S04.1080p.BluRay.x264-GRP', { seasons: [1, 2, 3, 4], fullSeason: true }],
  ['Some.Show.Seasons.1-3.720p.WEB-DL-GRP', { seasons: [1, 2, 3], fullSeason: true }],
  ['[Grp] Some Anime S03E05 155 [720p]', { seasons: [3], episodes: [5], absoluteEpisodes: [155] }],
  ['Some Anime - S02E01-02 (026-027) - Title [1080p]', { episodes: [1, 2], absoluteEpisodes: [26, 27] }],
  ['[Subz] Some Anime - １５８ [1080p]', { absoluteEpisodes: [158] }],
  // Words around the episode: Russian and Turkish numbering, Spanish chapters, a second "+02" or "& S01E02".
  ['Какой-то сериал. Сезон 3. Серия 07 (2019).avi', { seasons: [3], episodes: [7] }],
  ['Kakoi.serial.4.sezon.12.seria.XviD.avi', { seasons: [4], episodes: [12] }],
  ['Bir dizi 42. Bölüm (01.02.2024) 1080p WEB-DL', { episodes: [42] }],
  ['Una Serie Temporada 2 Capitulo 14', { seasons: [2], episodes: [14] }],
  ['Some.Show.S02E01+02.FRENCH.DVDRiP.X264-GRP', { seasons: [2], episodes: [1, 2] }],
  ['Some Show S01E00 & S01E01', { seasons: [1], episodes: [0, 1] }],
  ['Some.Show.S02EP03.720p.WEB-DL-GRP', { seasons: [2], episodes: [3] }],
  // A bare number after the marker is not another episode; nor is one glued to the episode's title.
  ['Some Show - 4x09 - 101 Ways [720p WEB-DL]', { seasons: [4], episodes: [9] }],
  ['Some-S03E12-21st_Century-[Bluray-1080p].mkv', { seasons: [3], episodes: [12] }],
  ['Some Show 5x44x45x46.avi', { seasons: [5], episodes: [44, 45, 46] }],
  ['Some Show - 3x01_02 - Title', { seasons: [3], episodes: [1, 2] }],
  // Numbers and dates before the name: the episode or the broadcast date, not the title's.
  ['004. Some Show - An Episode.mkv', { title: 'Some Show', episodes: [4] }],
  ['07 - An Episode Title.avi', { title: 'An Episode Title', episodes: [7] }],
  ['[Grp] 09 Some Anime Name (720p AAC).mp4', { title: 'Some Anime Name', episodes: [9] }],
  ['300 - Some Empire 2014 1080p BluRay x264-GRP', { title: '300 - Some Empire', year: 2014, episodes: [] }],
  [
    '230412 Some Variety Show ep12.mp4',
    { title: 'Some Variety Show', airDate: '2023-04-12', seasons: [1], episodes: [12] },
  ],
  // A second short tag after the group; "The Complete"; a season word before a year; an anime's
  // number left before the season's.
  ['[Grp]_[AB-C]_Some_Title_Ep04_(0b0e2c10).mkv', { group: 'Grp', title: 'Some Title', episodes: [4] }],
  ['Some Show - The Complete Season 3 [HDTV]', { title: 'Some Show', seasons: [3], fullSeason: true }],
  ['Una Serie - Stagione 4 (2015) 720p Episodio 09.mkv', { title: 'Una Serie', seasons: [4], episodes: [9] }],
  ['[Grp] Some Anime - 12.5 (S00E01) [BD 1080p]', { title: 'Some Anime', seasons: [0], episodes: [1] }],
  ['Una.Serie.-.Temp.2.720p.HDTV.x264[Cap.203]SPANISH', { title: 'Una Serie', seasons: [2], episodes: [3] }],
  // Films: the year right after a first tag, one in parentheses before other numbers, a year or a
  // site in parentheses before the name, three dash-separated parts, tags scene names use.
  ['Some.Film.3D.2013.COMPLETE.BLURAY-GRP', { title: 'Some Film', year: 2013 }],
  ['Some Film (VHS) [1961] Some Actor', { title: 'Some Film', year: 1961 }],
  ['Some_Film-(1999)-x02-Interview-1996.mp4', { title: 'Some Film', year: 1999 }],
  ['(1995) Some Film', { title: 'Some Film', year: 1995 }],
  ['(tracker.example) Some.Film.2008.720p.X264-GRP', { title: 'Some Film', year: 2008, group: 'GRP' }],
  ['[.www.example.com.].-.Some.Show.S01E02.1080p.WEB.x264-GRP', { title: 'Some Show', group: 'GRP' }],
  ['Un Film - Another Name - Some Director Multi 1080p BluRay x264', { title: 'Un Film' }],
  ['Mission Impossible - Some Reckoning 2023 1080p WEB-DL', { title: 'Mission Impossible - Some Reckoning' }],
  ['Some.Film.Name.STV.NFOFiX.FRENCH.DVDRiP.XviD-GRP', { title: 'Some Film Name', group: 'GRP' }],
  ['Ein.Film.SWiSSGERMAN.DOKU.DVDRiP.x264-GRP', { title: 'Ein Film', languages: ['de'] }],
  // Tags in any case, each detector skipped only when none of its words is in the name.
  [
    'Um.Filme.2019.PT-BR.DoVi.HDR10.Swiss-German.1080p.WEB.h265-GRP',
    { title: 'Um Filme', year: 2019, languages: ['de', 'pt'], hdr: ['HDR10', 'DV'] },
  ],
  ['Some Film - Version Longue - BDRip.mkv', { title: 'Some Film', edition: 'Extended' }],
  ['Some Show HD 11', { title: 'Some Show', absoluteEpisodes: [11] }],
  // A name does not end on "and": the edition word after it is the name's.
  [
    'Some.Show.Louder.Faster.and.Uncut.1999.1080p.BluRay.x264-GRP',
    { title: 'Some Show Louder Faster and Uncut', year: 1999, edition: null },
  ],
  [
    'Some.Show.Louder.Faster.Uncut.1999.1080p.BluRay.x264-GRP',
    { title: 'Some Show Louder Faster', edition: 'Uncut' },
  ],
  ['Somename.The.Uncut.Version.1983.DVDRip-GRP', { title: 'Somename', edition: 'Uncut' }],
  ['The_Spanish_Prisoner.mkv', { title: 'The Spanish Prisoner' }],
  ['[Grp] Some Film 2.22 v2 (1080p BD HEVC) [ABCDEF12].mkv', { title: 'Some Film 2 22' }],
  // More numbering shapes: S01x02, E02to04, E02&3, 2x01+02, dates with slashes, "7 - Title".
  ['someshow S01x02 title.avi', { seasons: [1], episodes: [2] }],
  ['Some Show - S01E02to04 - Title', { seasons: [1], episodes: [2, 3, 4] }],
  ['Some Show - S01E02&3 - Title', { seasons: [1], episodes: [2, 3] }],
  ['Some Show 3x01+02', { seasons: [3], episodes: [1, 2] }],
  ['Some Show 10/25/2010', { airDate: '2010-10-25' }],
  ['7 - Some Episode Title.avi', { episodes: [7] }],
  ['[Grp].Some.Anime.148.[Xvid.mp3].[FE68D5F1].avi', { absoluteEpisodes: [148], seasons: [] }],
  ['Episode 21 - 94 Things.mp4', { episodes: [21] }],
  // A bare number closing a name with no year is its episode; a film's sequel number before its year is not.
  ['Some Show 04 vostfr [1080p]', { title: 'Some Show', absoluteEpisodes: [4] }],
  ['Some Show 112.avi', { title: 'Some Show', absoluteEpisodes: [112] }],
  ['Some.Film.42.2019.1080p.BluRay.x264-GRP', { title: 'Some Film 42', year: 2019, absoluteEpisodes: [] }],
  ['500 - 2 (2006).mkv', { title: '500 - 2', year: 2006, absoluteEpisodes: [] }],
  ['[Grp] Some Anime - 09 (2021) [WEBRip] [HD 1080p]', { title: 'Some Anime', absoluteEpisodes: [9] }],
  // Groups after a spaced dash that follows a tag; tags and sites before the name are not groups.
  ['Some Film (2012) 1080p BrRip x264 - 1.7GB - YIFY', { group: 'YIFY', source: 'BluRay' }],
  ['Some_Anime_Ep05_[720p,HDTV,x264]_-_THORA.mkv', { group: 'THORA' }],
  ['Some Show S01E01 - Pilot [720p]', { group: null }],
  ['[PRiVATE].Some.Show.S02E02.HDTV.XviD-FUM[ettv]', { title: 'Some Show', group: 'FUM' }],
  ['[720pMkv.Com]_some.show.s05e10.480p.BluRay.x264-GAnGSteR', { title: 'some show', group: 'GAnGSteR' }],
  ['some show s02e01-e04', { episodes: [1, 2, 3, 4], group: null }],
  ['[Edomae Subs] Some Anime Episode 2.mkv', { group: 'Edomae Subs', episodes: [2] }],
  // Languages, box sets, editions and tags that end a film's name.
  ['Some.Film.SWEDiSH.720p.HDTV.x264-GRP', { title: 'Some Film', languages: ['sv'] }],
  ['Some.Show.BOXSET.NORDiC.1080p.WEB-DL-GRP', { title: 'Some Show', fullSeason: true }],
  ['Some.Show.BR.Rip.720p', { source: 'BluRay' }],
  ['The.English.Someone.BluRay.1996.German.DTS', { title: 'The English Someone', year: 1996 }],
  ['Some.Film.Extras.Only.2022.1080p.Blu-Ray-GRP', { title: 'Some Film', year: 2022 }],
  ['Some_Cartoon_The_Collection_12DVD-DUTCH-GRP', { title: 'Some Cartoon The Collection', source: 'DVD' }],
  [
    'Some.Show.The.Collectors.Edition.R2.PAL.DVD5-GRP',
    { title: 'Some Show', edition: "Collector's Edition" },
  ],
  ["Somefilm [Ultimate Collector's Edition].1942.BRRip.XviD-GRP", { title: 'Somefilm', year: 1942 }],
  // Anime: absolute numbers before the season's, "01+02", "Name-09", "Episode 14 Name".
  [
    'Some Show - 012-013 - s02e03e04 - Title',
    { title: 'Some Show', episodes: [3, 4], absoluteEpisodes: [12, 13] },
  ],
  ['Some.Show.313-315.s16e03-05', { title: 'Some Show', absoluteEpisodes: [313, 314, 315] }],
  ['12.Monkeys.S01E01.1080p.WEB-DL-GRP', { title: '12 Monkeys', absoluteEpisodes: [] }],
  ['[Grp] Some Anime - 01+02 [720p]', { title: 'Some Anime', absoluteEpisodes: [1, 2] }],
  ['[Grp].Some.Anime-09.x265.10bit.1080p', { title: 'Some Anime', absoluteEpisodes: [9] }],
  ['Episode 14 Some Anime Name (saison 2) VOSTFR', { title: 'Some Anime Name', episodes: [14] }],
  // A tracker signing its own encode with a dash is the group; in brackets it is not.
  ['Some.Film.2014.1080p.WEB-DL.DD5.1.H264-RARBG', { group: 'RARBG' }],
  ['Some.Show.S01E01.720p.HDTV.x264-GRP[rarbg]', { group: 'GRP' }],
  // A name's own decimal is no audio layout; a run closing a name; an anime's type in parentheses.
  [
    '[Grp]_Some_City_8.0_-_02_[0E5C4A40].mkv',
    { title: 'Some City 8 0', absoluteEpisodes: [2], audioChannels: null },
  ],
  ['Some.Film.2010.1080p.BluRay.DTS.5.1.x264-GRP', { audioChannels: '5.1' }],
  ['Some.Film.2010.1080p.WEB-DL.AAC1.0.x264-GRP', { audioChannels: '1.0' }],
  ['Some Show No. 6 104-105', { title: 'Some Show No 6', absoluteEpisodes: [104, 105] }],
  ['[Grp] Some Anime (TV) - 02 [720p]', { title: 'Some Anime', absoluteEpisodes: [2] }],
  // Two scripts joined by "_" or "·", a season's announcement (★…★) before the name.
  [
    '【字幕组】[某某某某！_Some Anime Title][05][1080P]',
    { title: 'Some Anime Title', absoluteEpisodes: [5] },
  ],
  ['[字幕组]某某某·Some-Anime Title[11][1080p]', { title: 'Some-Anime Title', absoluteEpisodes: [11] }],
  ['【字幕组】★01月新番[Some Anime Title][01][1080P]', { title: 'Some Anime Title', absoluteEpisodes: [1] }],
  // A year range starting with "*", a disc of a season, the earlier of two season markers.
  ['Some Film *1984-2021* [720p] [BDRip]', { title: 'Some Film', year: 1984 }],
  ['Some.Show.S07D1.NTSC.DVDR-GRP', { title: 'Some Show', seasons: [7] }],
  ['Some Show S02 Season 2 720p WebRip-GRP', { title: 'Some Show', seasons: [2] }],
  ['Some Show Season S01-S07 COMPLETE 720p WEB-DL', { title: 'Some Show', seasons: [1, 2, 3, 4, 5, 6, 7] }],
  // The first bracket was the name when nothing else is left of one.
  ['[Some Anime].148.[Xvid.mp3].[FE68D5F1].avi', { title: 'Some Anime', group: null }],
  // A padded season and episode closing a file's name; an unpadded pair is a run; spaces after a dash.
  ['Какой-то сериал 03-20.mkv', { seasons: [3], episodes: [20] }],
  ['some_show_03_19.avi', { title: 'some show', seasons: [3], episodes: [19] }],
  ['Some Anime Range 1-10 [ABCDEF12]', { absoluteEpisodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
  ['Some Anime S3 -  15 VOSTFR [720p]', { seasons: [3], episodes: [15], absoluteEpisodes: [15] }],
  // A number opening the name is the name's when no name follows it; "S03 - EP14" is absolute too.
  ['[Grp] 86 - 01 [1080p][D40A9E55].mkv', { title: '86', absoluteEpisodes: [1], episodes: [] }],
  ['7 - 12 Angry Someone.avi', { title: '12 Angry Someone', episodes: [7] }],
  ['Some Anime S03 - EP14 VOSTFR [1080p]', { seasons: [3], episodes: [14], absoluteEpisodes: [14] }],
  // Groups: an anime film's right after its year, one after "x264_", never a season's numbering.
  ['Some Anime Film 2017 [Kappa] [Blu-ray][MKV][h264][1080p][FLAC 5.1]', { group: 'Kappa', year: 2017 }],
  ['Some.Film.2013.ITA.ENG.AC3.BDRip.1080p.x264_ZGroup.mkv', { group: 'ZGroup' }],
  ['Some Show (2014) - S02E03', { group: null, seasons: [2], episodes: [3] }],
  // A checksum or a fansub's group says anime: "episode 18" after a year and "148" stay absolute.
  ['Some Anime (1968) [Grp] episode 06 [30C15D62].mp4', { seasons: [], episodes: [6] }],
  ['[Grp] Some Anime 2199 (2012) episode 18 (720p AAC)[BA70BA9C]', { seasons: [], episodes: [18] }],
  ['[Some Anime].148.[Xvid.mp3].[FE68D5F1].avi', { seasons: [], absoluteEpisodes: [148] }],
  ['[Grp Fansubs] Some Anime (9).mkv', { title: 'Some Anime', absoluteEpisodes: [9] }],
  ['Some Anime - 05 [Grp](E7724B68).mkv', { title: 'Some Anime', absoluteEpisodes: [5], group: 'Grp' }],
  // Seasons by their ordinal word, in Chinese and Japanese, in Dutch.
  ['Some Anime Second Season OVA - 01', { title: 'Some Anime', seasons: [2], episodes: [1] }],
  ['某某某某 第2期 01話', { title: '某某某某', seasons: [2], episodes: [1] }],
  ['Some Show Se.1 afl.2-3-4 [VTM]', { title: 'Some Show', seasons: [1], episodes: [2, 3, 4] }],
  ['Some Show Se.3 afl.3 en 4', { title: 'Some Show', seasons: [3], episodes: [3, 4] }],
  // Resolutions glued or bare before a source; a bare "web" before the year is the title's.
  ['Some.Show.(s01e10).(720pHD)', { resolution: '720p' }],
  ['Some Film (BDRip 1440x1080p x265 HEVC)', { resolution: '1080p', source: 'BluRay' }],
  ['[Grp]Some_Show_05_1080.BD.FLAC-Grp2_[D7F8E39D].mkv', { resolution: '1080p', source: 'BluRay' }],
  ['Some.File.1080.web-random', { resolution: '1080p', source: 'WEB-DL' }],
  ['Some Show HD720 09', { title: 'Some Show', resolution: '720p', absoluteEpisodes: [9] }],
  ['Deep.Web.2015.BluRay.1080i.DTS-HD.MA.2.0.AVC.REMUX-GRP', { title: 'Deep Web', source: 'Remux' }],
  ['Some.Show.S01.DVD2.NLsubs-GRP', { source: 'DVD' }],
  // Groups signing after "by", or closing a spaced name in scene case or after the encoder; not after XviD.
  ['Some Show S04e07-08 [H264 - Ita Aac] HDTVMux by NovaGrp', { group: 'NovaGrp' }],
  ['Some Film 2014 WEBrip XviD AC3 MiLLENiUM', { group: 'MiLLENiUM' }],
  ['Some Show 3x18 Un Titolo ITA HDTVMux x264 NovaGrp', { group: 'NovaGrp' }],
  ['Some Show 2009 S01E14 English HDTV XviD LOL', { group: null }],
  // A language closing the title before the year is a tag, unless named again after it or the noun of "The X German".
  ['Der.Film.von.Irgendwem.German.2011.PAL.DVDR-GRP', { title: 'Der Film von Irgendwem', year: 2011 }],
  ['Some Shark Film French 2015 AC3 BDRiP x264-GRP', { title: 'Some Shark Film', year: 2015 }],
  ['Submersion.French.2011.STV.QC.FRENCH.NTSC.DVDR', { title: 'Submersion French', year: 2011 }],
  ['The.Good.German.2006.720p.BluRay.x264-GRP', { title: 'The Good German', year: 2006 }],
  // Unstated resolutions as the *arr apps read them: a source in brackets, a .mkv or .m2ts file.
  ['Some Show - S01E01 - Title [HDTV]', { resolution: '720p', source: 'HDTV' }],
  ['[Grp] Some Show! S01 [Web][MKV][h264][AAC 2.0]', { resolution: '720p', source: 'WEB-DL' }],
  ['Some.Show.S02E15.mkv', { resolution: '720p', source: 'HDTV' }],
  ['Some Show.S03E01.Some Title.m2ts', { resolution: '720p', source: 'BluRay' }],
  ['Some.Show.S02E15.avi', { resolution: '480p', source: 'HDTV' }],
  ['some.show.1x13.circles.ws.xvidvd-grp', { source: 'DVD' }],
  ['Some.Show.S02E07.Title.4Kto1080p.DSNYP.Webrip.x265-GRP', { resolution: '1080p', source: 'WEBRip' }],
  ['Some.Film.2005.1080p.HDDVDRip.x264', { source: 'BluRay' }],
  // Anime numbering: after "(Season 2) - ", before "(S01E12)", a run after the episodes', one no season reaches.
  ['[Grp] Some Anime (Season 2) - 33 (1280x720) [42A12A76].mkv', { seasons: [2], absoluteEpisodes: [33] }],
  ['[Grp] Some Anime - 12 (S01E12) - (WEB 1080p) [1ADD8F6D]', { seasons: [1], absoluteEpisodes: [12] }],
  ['[Grp] Some Show (2010) - S01E01-02-03 - 001-002-003 - Title HDTV-720p', { absoluteEpisodes: [1, 2, 3] }],
  ['Some Anime S21 999', { seasons: [21], absoluteEpisodes: [999] }],
  ['Some Show S01 2023 1080p WEB-DL AVC AC3 2.0 -GRP', { seasons: [1], episodes: [], fullSeason: true }],
  ['[Grp] Some Adventure Series: 30 [Web][720p]', { seasons: [], absoluteEpisodes: [30] }],
  // Other ways of numbering: a compact date, "Cap. 101", "0307", "Name1x01", "- 6.01 -", "[5.134]", "11-02 Title".
  ['Some Show 20201013 Ep7432 [720p WebRip (x264)]', { title: 'Some Show', airDate: '2020-10-13' }],
  ['Some Show [HDTV 1080p][Cap. 101](site.example).mkv', { seasons: [1], episodes: [1] }],
  ['Some.Show.0307.PDTV-GRP', { seasons: [3], episodes: [7] }],
  ['Some.Show.Castle1x01.HDTV.XviD.avi', { title: 'Some Show Castle', seasons: [1], episodes: [1] }],
  ['Some Show - 6.01 - Some Title.mkv', { title: 'Some Show', seasons: [6], episodes: [1] }],
  ['Some Show [5.134] Some Title.mp4', { title: 'Some Show', seasons: [5], episodes: [134] }],
  ['[Grp] Some Anime - 15.5 (S00E01) [1080p]', { seasons: [0], episodes: [1] }],
  ['11-02 Some Title (HD).m4v', { title: 'Some Title (HD)', seasons: [11], episodes: [2] }],
  ['2-06. Какой-то сериал.mkv', { seasons: [2], episodes: [6] }],
  ['01-12 Some Title', { seasons: [], episodes: [1] }],
  ['Some.Show.s06.01.1999.BDRip.1080p', { seasons: [6], episodes: [1] }],
  ['Some Show S01 04 (1080p BluRay x265)', { episodes: [] }],
  ['11.14 - Some Title.mp4', { title: 'Some Title', seasons: [11], episodes: [14] }],
  ['4-13 Some Title (HD).m4v', { seasons: [4], episodes: [13] }],
  ['[5.01] Some Title.avi', { title: 'Some Title', seasons: [5], episodes: [1], group: null }],
  ['Some Show - Episode 1.22 - Some Title.avi', { seasons: [1], episodes: [22] }],
  ['Some.Show.S0615.400p.WEB-DL.Rus.Eng.avi', { title: 'Some Show', seasons: [6], episodes: [15] }],
  ['Some Show - T02E22.mp4', { title: 'Some Show', seasons: [2], episodes: [22] }],
  ['Some Show ESP T01XE08.mkv', { seasons: [1], episodes: [8] }],
  [
    'Discovery. Какой-то / Some Show [06х01-08] (2017) HDTVRip',
    { seasons: [6], episodes: [1, 2, 3, 4, 5, 6, 7, 8] },
  ],
  [
    'Some Show - 23 (BDRip 1440x1080p x265 HEVC AC3, FLACx2 2.0x3)(Dual Audio)[Grp].mkv',
    { seasons: [], absoluteEpisodes: [23] },
  ],
  ['Some.Show.2005.8x11.Some.Title.720p.HDTV.x264-GRP', { seasons: [8], episodes: [11] }],
  ['SomeShow.(08.seriya).2012.WEB-DLRip(AVC).mkv', { episodes: [8] }],
  ['Some.Show.Series.10-11-2008.XViD', { seasons: [], airDate: '2008-11-10' }],
  ['Some Show 445 VOSTFR par Fansub-Grp (1280*720) - version MQ', { seasons: [], absoluteEpisodes: [445] }],
  ['Some Show 2018 EP06 720p x265 AOZ.mp4', { seasons: [], episodes: [6] }],
  ['Some Show 2018 06 720p x265 AOZ.mp4', { seasons: [], absoluteEpisodes: [6] }],
  ['Some.Show.2016.E04.Power.720p.WEB-DL.DD5.1.H.264-GRP', { seasons: [1], episodes: [4] }],
  ['SomeShow-11_06.avi', { title: 'SomeShow', seasons: [11], episodes: [6] }],
  ['Some.Show.02.10.F.avi', { title: 'Some Show', seasons: [2], episodes: [10] }],
  // Groups the *arr apps list: signing with no dash, or closing a bracket of tags; the last of two.
  ['Some Film (2018) [BluRay] [1080p] [YIFY] [YTS.LT]', { group: 'YTS.LT' }],
  ['Some.Film.2020.1080p.BluRay.x264-YTS.AG', { group: 'YTS.AG' }],
  ['Some Film (2020) [2160p x265 10bit S82 Joy]', { group: 'Joy' }],
  ['Some Show S08E09 Title.1080p.AMZN.WEB-DL.x265.10bit.EAC3.6.0-Qman[UTR]', { group: 'UTR' }],
  ['Some Film (2017) (Showtime) (1080p.BD.DD5.1.x265-TheSickle[TAoE])', { group: 'TAoE' }],
  // A note after the group, a subtitle file's extension and language, "HebSubs", a spaced dash after "5.1Ch".
  ['Some.Film.2022.1080p.BluRay.x264-VARYG (Some Note, Multi-Subs)', { group: 'VARYG' }],
  ['some.show.s01e18.hdtv.xvid-2hd.eng.srt', { title: 'some show', group: '2hd' }],
  ['Some.Show.S05E05.HDTV.XviD-AFG.HebSubs', { group: 'AFG' }],
  ['Some.Show.S02E02.Title.1080p.WEB-DL.x264.5.1Ch.-.Grp', { group: 'Grp' }],
  ['Some Show S01 E01-E02 1080p AMZN WEBRip DDP5.1 x264 monkee', { group: null }],
  // An anime file's first bracket of no tags after its name is the group ("[FINAL]" is a tag); "{Group}" closing a name.
  ['Some_Anime_-_01_[Some_Grp][HDTV_H264_AAC][803DA487].mkv', { title: 'Some Anime', group: 'Some_Grp' }],
  ['Some_Anime_-_37v2_[FINAL]_[XviD][6FA7D273].avi', { group: null }],
  ['Some.Show.Season.1.-.720p.HDTV.x265.-.{Grp}', { group: 'Grp' }],
  // A disc volume ends the name, unless a film's year follows it.
  ['[Grp] Some Anime Vol.1&2 (BD 1080p 10bit FLAC)', { title: 'Some Anime' }],
  ['Some.Film.Vol.1.2003.1080p.BluRay.x264-GRP', { title: 'Some Film Vol 1', year: 2003 }],
  // A part in Roman numerals, like one in digits or words; before a film's year it is the title's.
  ['Some Film Part VI.mkv', { title: 'Some Film', episodes: [6] }],
  ['Some.Film.Part.V.1990.1080p.BluRay', { title: 'Some Film Part V', year: 1990, episodes: [] }],
  ['Some Film (2022) 1080p HQ S-Print Dual Audio x264 AAC', { title: 'Some Film', source: 'CAM' }],
  ['Some Show - [01.01].avi', { title: 'Some Show', seasons: [1], episodes: [1] }],
  ['Some.Show.Part.1.and.Part.2.HDTV.720p.x264-GRP', { title: 'Some Show', episodes: [1, 2] }],
  // A file named by its number alone: an episode's, the number still its title (a film "300.mkv").
  ['12.avi', { title: '12', absoluteEpisodes: [12] }],
  ['1917.mkv', { title: '1917', absoluteEpisodes: [] }],
  // A year opening a film's name of words is its year when no other follows.
  ['2009.some.film.name.multi.dvd5.pal', { title: 'some film name', year: 2009 }],
  ['2001.A.Some.Odyssey.1968.HDDVD.1080p', { title: '2001 A Some Odyssey', year: 1968 }],
  ['2012.WEB-DL.1080p.AVC.mkv', { title: '2012', year: null }],
  ['Some Early Film by Railway (1897) [DVD].mp4', { title: 'Some Early Film by Railway', year: 1897 }],
  ['Some.Film.1897.DVDRip', { year: null }],
  // Every episode of the season is a pack; a separator left closing the name goes.
  ['Some Show / S2E1-16 of 16 [2022, WEB-DL] RUS', { title: 'Some Show', seasons: [2], fullSeason: true }],
  ['Some Show S2E1-8 of 16 [2022, WEB-DL]', { fullSeason: false }],
  [
    '[Grp] Some Anime Show 214 10x14',
    { title: 'Some Anime Show', seasons: [10], episodes: [14], absoluteEpisodes: [214] },
  ],
  ['[Grp] The 100 S01E01 720p', { title: 'The 100', absoluteEpisodes: [] }],
  ['Some.Show.7v3.PDTV-GRP', { title: 'Some Show', absoluteEpisodes: [7] }],
  // A TV standard that is a word of the name gives way to a later source, and still ends a name it closes.
  ['Some.Show.S25E21.Pay.Pal.1080p.WEB-DL.DD5.1.H.264-GRP', { source: 'WEB-DL' }],
  ['Some.Film.PAL.DVDR-GRP', { title: 'Some Film', source: 'DVD' }],
  // Numbered only by a bare number found late: television, as any other episode with no source.
  ['Some Show 04 vostfr FHD', { absoluteEpisodes: [4], resolution: '1080p', source: 'HDTV' }],
  // Credits in parentheses are no part of a name in two scripts.
  [
    'Какие-то животные / Some Animals (Какой-то Режиссёр / Some Director) [2018, BDRip] MVO',
    { title: 'Some Animals', year: 2018 },
  ],
  ['3 Какая-то миссия 3 2006г. BDRip 1080p.mkv', { title: '3 Какая-то миссия 3', year: 2006 }],
];

/** Every field a case does not give must still be well-formed: the parse is a valid contract object. */
describe('release titles seen on indexers', () => {
  it.each(CASES)('%s', (raw, expected) => {
    const parsed = parseRelease(raw);
    expect(ParsedRelease.parse(parsed)).toEqual(parsed);
    expect(parsed).toMatchObject(expected);
  });
});

/** The same tags in every order and separator style indexers use, on films and episodes. */
describe('tag combinations', () => {
  const names: [string, string, number][] = [
    ['The Matrix', 'The.Matrix', 1999],
    ['Le Parrain', 'Le.Parrain', 1972],
    ['Spirited Away', 'Spirited.Away', 2001],
    ['La Haine', 'La_Haine', 1995],
    ['No Country for Old Men', 'No.Country.for.Old.Men', 2007],
  ];
  const tags: [string, Partial<ParsedRelease>][] = [
    ['1080p.BluRay.x264-GRP', { resolution: '1080p', source: 'BluRay', videoCodec: 'H.264', group: 'GRP' }],
    [
      '2160p.WEB-DL.DDP5.1.HDR.H.265-GRP',
      {
        resolution: '2160p',
        source: 'WEB-DL',
        audioCodec: 'EAC3',
        audioChannels: '5.1',
        hdr: ['HDR10'],
        videoCodec: 'H.265',
      },
    ],
    ['720p.HDTV.x264-GRP', { resolution: '720p', source: 'HDTV' }],
    ['MULTi.1080p.WEB.H264-GRP', { multi: true, source: 'WEB-DL' }],
    ['FRENCH.DVDRip.XviD-GRP', { languages: ['fr'], source: 'DVD', videoCodec: 'XviD' }],
    ['TRUEFRENCH.1080p.BluRay.DTS.x264-GRP', { frenchTags: ['TRUEFRENCH'], audioCodec: 'DTS' }],
    [
      'VOSTFR.720p.WEBRip.AAC2.0.x264-GRP',
      { subtitles: ['fr'], source: 'WEBRip', audioCodec: 'AAC', audioChannels: '2.0' },
    ],
    ['EXTENDED.1080p.BluRay.x264-GRP', { edition: 'Extended' }],
    ['PROPER.1080p.WEB-DL.H264-GRP', { proper: true }],
    [
      '2160p.UHD.BluRay.REMUX.DV.HDR10.TrueHD.Atmos.7.1-GRP',
      { source: 'Remux', hdr: ['HDR10', 'DV'], audioCodec: 'TrueHD', atmos: true },
    ],
    ['HDCAM.x264-GRP', { source: 'CAM' }],
    ['576p.DVD.x264-GRP', { resolution: '576p', source: 'DVD' }],
  ];
  const cases: [string, Partial<ParsedRelease>][] = [];
  for (const [title, dotted, year] of names) {
    for (const [suffix, expected] of tags) {
      // Spaced titles keep the dots inside tags (DDP5.1, H.265).
      const spaced = (s: string) => s.replace(/\.(?!\d)/g, ' ');
      cases.push([`${dotted}.${year}.${suffix}`, { ...expected, title, year, seasons: [] }]);
      cases.push([`${spaced(dotted)} (${year}) ${spaced(suffix)}`, { ...expected, title, year }]);
      cases.push([
        `${dotted}.S02E07.${suffix}`,
        { ...expected, title, year: null, seasons: [2], episodes: [7] },
      ]);
    }
  }
  it(`reads ${cases.length} generated titles`, () => {
    const wrong = cases.flatMap(([raw, expected]) => {
      const parsed = parseRelease(raw);
      const mismatch = Object.entries(expected).filter(
        ([key, value]) => JSON.stringify(parsed[key as keyof ParsedRelease]) !== JSON.stringify(value),
      );
      return mismatch.length
        ? [
            {
              raw,
              mismatch: Object.fromEntries(mismatch.map(([k]) => [k, parsed[k as keyof ParsedRelease]])),
            },
          ]
        : [];
    });
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThan(150);
  });
});

describe('titles for matching', () => {
  it('normalises accents, case, punctuation and ampersands', () => {
    expect(normalizeTitle("Amélie: L'Été & Co.")).toBe('amelie lete and co');
    expect(normalizeTitle('Spider-Man: No Way Home')).toBe('spider man no way home');
    // Other scripts keep their letters: a Cyrillic title is not an empty one.
    expect(normalizeTitle('Босх: Спадок')).toBe('босх спадок');
    expect(normalizeTitle('進撃の巨人 2')).toBe('進撃の巨人 2');
  });
});

describe('sokoul match', () => {
  const sokoul = (args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });

  it('accepts or rejects each title as the target, with the reason codes', () => {
    const target = { type: 'movie', titles: ['The Good German'], year: 2006 };
    const run = sokoul([
      'match',
      '--target',
      JSON.stringify(target),
      'The.Good.German.2006.720p.BluRay.x264-RlsGrp',
      'The.Good.Shepherd.2006.720p.BluRay.x264-RlsGrp',
      'The.Good.German.S01E01.720p.HDTV.x264-GRP',
      'The.Good.German.1990.720p.BluRay.x264-GRP',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { title: string; accepted: boolean; reasons: { code: string }[] });
    expect(
      lines.map((l) => [l.accepted, l.reasons.filter((r) => r.code !== 'title.noYear').map((r) => r.code)]),
    ).toEqual([
      [true, []],
      [false, ['title.mismatch']],
      [false, ['film.isSeries']],
      [false, ['film.year']],
    ]);
    expect(lines[0]).toMatchObject({ parsed: { title: 'The Good German', year: 2006 } });
  });

  it('checks episodes of a series, and refuses a target that is not one', () => {
    const target = { type: 'tv', titles: ['The Show'], year: null, season: 3, episode: 2 };
    const run = sokoul([
      'match',
      '--target',
      JSON.stringify(target),
      'The.Show.S03E01.S03E02.720p.HDTV.x264-GRP',
      'The.Show.S03E05.720p.HDTV.x264-GRP',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { accepted: boolean }).accepted),
    ).toEqual([true, false]);
    for (const [args, message] of [
      [['match', 'The.Show.S03E01'], /needs --target/],
      [['match', '--target', '{nope', 'The.Show.S03E01'], /not JSON/],
      [['match', '--target', JSON.stringify({ type: 'film', titles: ['x'], year: null }), 'x'], /type/],
      [['match', '--target', JSON.stringify(target)], /at least one title/],
    ] as const) {
      const refused = sokoul([...args]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(message);
      expect(refused.stdout).toBe('');
    }
  });
});

describe('sokoul parse-release', () => {
  it('prints one JSON object per title', () => {
    const out = execFileSync(
      process.execPath,
      [
        join(ROOT, 'launcher/bin/sokoul.mjs'),
        'parse-release',
        'Dune.2021.MULTi.2160p.WEB-DL.x265-QTZ',
        'Lupin.S03E01.FRENCH.720p.WEB.H264-FW',
      ],
      { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    const lines = out
      .trim()
      .split('\n')
      .map((line) => ParsedRelease.parse(JSON.parse(line)));
    expect(lines.map((p) => [p.title, p.year, p.seasons, p.episodes, p.group])).toEqual([
      ['Dune', 2021, [], [], 'QTZ'],
      ['Lupin', null, [3], [1], 'FW'],
    ]);
  });
});
