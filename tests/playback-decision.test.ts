import type { AudioTrack, ClientCapabilities, FileProbe } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { decidePlayback } from '../functions/src/streaming/decide.js';

/** The playback decision (direct, remux, transcode) for every kind of file and browser. */

const track = (index: number, codec: string | null, extra: Partial<AudioTrack> = {}): AudioTrack => ({
  index,
  codec,
  language: null,
  title: null,
  channels: 2,
  default: false,
  forced: false,
  ...extra,
});

const probe = (extra: Partial<FileProbe> = {}): FileProbe => ({
  container: 'mp4',
  videoCodec: 'h264',
  videoBitDepth: 8,
  durationSeconds: 60,
  audioTracks: [track(0, 'aac', { default: true })],
  subtitleTracks: [],
  ...extra,
});

/** What Chrome answers `canPlayType` (no Matroska, no AC-3, no HEVC without hardware). */
const CHROME: ClientCapabilities = {
  containers: ['mp4', 'webm'],
  video: ['h264', 'vp9', 'av1'],
  audio: ['aac', 'mp3', 'opus', 'vorbis', 'flac'],
};
/** Safari: HEVC and AC-3 in MP4, no WebM Vorbis. */
const SAFARI: ClientCapabilities = {
  containers: ['mp4', 'mpegts'],
  video: ['h264', 'hevc'],
  audio: ['aac', 'mp3', 'ac3', 'eac3', 'flac'],
};
/** A browser that claims everything (DTS and TrueHD still never play). */
const EVERYTHING: ClientCapabilities = {
  containers: ['mp4', 'webm', 'matroska', 'mpegts'],
  video: ['h264', 'hevc', 'vp9', 'av1'],
  audio: ['aac', 'mp3', 'opus', 'vorbis', 'flac', 'ac3', 'eac3'],
};

describe('direct play', () => {
  it('plays an H.264/AAC MP4 as it is', () => {
    expect(decidePlayback(probe(), CHROME)).toEqual({
      mode: 'direct',
      reasons: ['supported'],
      audioTrack: 0,
      audioCodecOut: 'copy',
    });
  });

  it('reads every name of the MP4 family and of the others as the player asks about them', () => {
    for (const container of ['mov', 'm4v', 'MP4'])
      expect(decidePlayback(probe({ container }), CHROME).mode, container).toBe('direct');
    expect(decidePlayback(probe({ container: 'webm', videoCodec: 'vp9' }), CHROME).mode).toBe('direct');
    for (const container of ['mkv', 'matroska'])
      expect(decidePlayback(probe({ container }), EVERYTHING).mode, container).toBe('direct');
    for (const container of ['ts', 'm2ts', 'mpegts'])
      expect(decidePlayback(probe({ container }), SAFARI).mode, container).toBe('direct');
  });

  it('plays HEVC and AC-3 directly where the browser decodes them', () => {
    const hevc = probe({ videoCodec: 'hevc', audioTracks: [track(0, 'ac3', { default: true })] });
    expect(decidePlayback(hevc, SAFARI).mode).toBe('direct');
  });

  it('plays a file without sound, and one without a picture', () => {
    expect(decidePlayback(probe({ audioTracks: [] }), CHROME)).toEqual({
      mode: 'direct',
      reasons: ['supported'],
      audioTrack: null,
      audioCodecOut: 'copy',
    });
    expect(decidePlayback(probe({ videoCodec: null, videoBitDepth: null }), CHROME).mode).toBe('direct');
  });

  it('plays 10-bit video other than H.264 (VP9 profile 2) directly', () => {
    expect(
      decidePlayback(probe({ container: 'webm', videoCodec: 'vp9', videoBitDepth: 10 }), CHROME).mode,
    ).toBe('direct');
  });

  it('plays the default track directly when it is asked for by its index', () => {
    const tracks = [track(0, 'aac'), track(1, 'aac', { default: true })];
    expect(decidePlayback(probe({ audioTracks: tracks }), CHROME, 1)).toMatchObject({
      mode: 'direct',
      audioTrack: 1,
    });
  });
});

describe('remux', () => {
  it('remuxes a Matroska file the browser cannot open, copying what it plays', () => {
    expect(decidePlayback(probe({ container: 'mkv' }), CHROME)).toEqual({
      mode: 'remux',
      reasons: ['container_unsupported'],
      audioTrack: 0,
      audioCodecOut: 'copy',
    });
  });

  it('treats an unknown container as one the browser cannot open', () => {
    for (const container of [null, 'avi', 'flv'])
      expect(decidePlayback(probe({ container }), EVERYTHING).reasons, String(container)).toEqual([
        'container_unsupported',
      ]);
  });

  it('converts AC-3 to AAC for a browser without it (MKV H.264 + AC-3 in Chrome)', () => {
    const mkv = probe({ container: 'mkv', audioTracks: [track(0, 'ac3', { default: true, channels: 6 })] });
    expect(decidePlayback(mkv, CHROME)).toEqual({
      mode: 'remux',
      reasons: ['container_unsupported', 'audio_unsupported'],
      audioTrack: 0,
      audioCodecOut: 'aac',
    });
  });

  it('remuxes an MP4 whose audio the browser lacks (AAC left out of the answers)', () => {
    const noAac = { ...CHROME, audio: CHROME.audio.filter((a) => a !== 'aac') };
    expect(decidePlayback(probe(), noAac)).toEqual({
      mode: 'remux',
      reasons: ['audio_unsupported'],
      audioTrack: 0,
      audioCodecOut: 'aac',
    });
  });

  it('never plays DTS or TrueHD (no browser reports them)', () => {
    for (const codec of ['dts', 'truehd']) {
      const file = probe({ container: 'mkv', audioTracks: [track(0, codec, { default: true })] });
      expect(decidePlayback(file, EVERYTHING), codec).toEqual({
        mode: 'remux',
        reasons: ['audio_unsupported'],
        audioTrack: 0,
        audioCodecOut: 'aac',
      });
    }
  });

  it('treats an audio track of unknown codec as one to convert', () => {
    expect(decidePlayback(probe({ audioTracks: [track(0, null)] }), CHROME)).toMatchObject({
      mode: 'remux',
      reasons: ['audio_unsupported'],
      audioCodecOut: 'aac',
    });
  });

  it('makes AAC of Opus, FLAC and Vorbis in a remux (unreliable in MP4) but copies AC-3 where it plays', () => {
    for (const codec of ['opus', 'flac', 'vorbis']) {
      const file = probe({ container: 'mkv', audioTracks: [track(0, codec, { default: true })] });
      expect(decidePlayback(file, CHROME), codec).toMatchObject({ mode: 'remux', audioCodecOut: 'aac' });
    }
    const ac3 = probe({ container: 'mkv', audioTracks: [track(0, 'eac3', { default: true })] });
    expect(decidePlayback(ac3, SAFARI)).toMatchObject({
      mode: 'remux',
      reasons: ['container_unsupported'],
      audioCodecOut: 'copy',
    });
  });

  it('remuxes to play another audio track than the default one', () => {
    const tracks = [
      track(0, 'aac', { default: true, language: 'fre' }),
      track(1, 'aac', { language: 'eng' }),
    ];
    expect(decidePlayback(probe({ audioTracks: tracks }), CHROME, 1)).toEqual({
      mode: 'remux',
      reasons: ['audio_track_selected'],
      audioTrack: 1,
      audioCodecOut: 'copy',
    });
  });

  it('takes the first track when none is marked default, and the default for an index the file lacks', () => {
    const undecided = [track(0, 'aac'), track(1, 'ac3')];
    expect(decidePlayback(probe({ audioTracks: undecided }), CHROME)).toMatchObject({
      mode: 'direct',
      audioTrack: 0,
    });
    expect(decidePlayback(probe({ audioTracks: undecided }), CHROME, 1)).toEqual({
      mode: 'remux',
      reasons: ['audio_unsupported', 'audio_track_selected'],
      audioTrack: 1,
      audioCodecOut: 'aac',
    });
    const withDefault = [track(0, 'aac'), track(1, 'aac', { default: true })];
    expect(decidePlayback(probe({ audioTracks: withDefault }), CHROME, 7)).toMatchObject({
      mode: 'direct',
      audioTrack: 1,
    });
  });
});

describe('transcode', () => {
  it('transcodes video the browser cannot decode (HEVC in Chrome), keeping what else it can', () => {
    expect(decidePlayback(probe({ videoCodec: 'hevc' }), CHROME)).toEqual({
      mode: 'transcode',
      reasons: ['video_unsupported'],
      audioTrack: 0,
      audioCodecOut: 'copy',
    });
  });

  it('transcodes 10-bit H.264, which browsers do not decode though they claim H.264', () => {
    expect(decidePlayback(probe({ videoBitDepth: 10 }), EVERYTHING)).toEqual({
      mode: 'transcode',
      reasons: ['video_unsupported'],
      audioTrack: 0,
      audioCodecOut: 'copy',
    });
  });

  it('names every reason at once (an MKV with MPEG-2 video and DTS on a second track)', () => {
    const file = probe({
      container: 'mkv',
      videoCodec: 'mpeg2video',
      audioTracks: [track(0, 'aac', { default: true }), track(1, 'dts')],
    });
    expect(decidePlayback(file, CHROME, 1)).toEqual({
      mode: 'transcode',
      reasons: ['container_unsupported', 'video_unsupported', 'audio_unsupported', 'audio_track_selected'],
      audioTrack: 1,
      audioCodecOut: 'aac',
    });
  });

  it('transcodes for a browser that reports nothing at all', () => {
    expect(decidePlayback(probe(), { containers: [], video: [], audio: [] })).toEqual({
      mode: 'transcode',
      reasons: ['container_unsupported', 'video_unsupported', 'audio_unsupported'],
      audioTrack: 0,
      audioCodecOut: 'aac',
    });
  });
});
