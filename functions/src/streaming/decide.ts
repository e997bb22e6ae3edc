import type {
  AudioTrack,
  ClientCapabilities,
  FileProbe,
  PlaybackMode,
  PlaybackReason,
} from '@sokoul/contracts';

/**
 * How a browser plays a file, from what ffprobe read of it and what the browser said it plays
 * (`canPlayType`): direct when the container, the video and the chosen audio are all playable;
 * else remuxed into fragmented MP4 (video copied, audio copied or made AAC) when the video is;
 * else transcoded. Pure: tests/playback-decision.test.ts covers every branch.
 */

export interface PlaybackChoice {
  mode: PlaybackMode;
  reasons: PlaybackReason[];
  /** The audio track played (its `index`), or null when the file has none. */
  audioTrack: number | null;
  /** What a remux or transcode does with that track. */
  audioCodecOut: 'copy' | 'aac';
}

type Container = ClientCapabilities['containers'][number];

/** ffprobe's names and the extensions torrent-node reduces them to, as the player asks about them. */
const CONTAINERS: Record<string, Container> = {
  mp4: 'mp4',
  mov: 'mp4',
  m4v: 'mp4',
  webm: 'webm',
  mkv: 'matroska',
  matroska: 'matroska',
  ts: 'mpegts',
  m2ts: 'mpegts',
  mpegts: 'mpegts',
};

/**
 * Audio that goes into fragmented MP4 untouched and plays there wherever the browser plays it
 * (the AC-3 questions are asked about MP4); Opus, FLAC and Vorbis in MP4 are not reliable across
 * browsers, so they become AAC.
 */
const COPIED_INTO_MP4 = new Set(['aac', 'mp3', 'ac3', 'eac3']);

const includes = <T extends string>(list: readonly T[], value: string | null): boolean =>
  value !== null && (list as readonly string[]).includes(value);

/** The track asked for when the file has it, else the default one, else the first. */
function chosenTrack(tracks: AudioTrack[], wanted: number | undefined): AudioTrack | undefined {
  return tracks.find((t) => t.index === wanted) ?? tracks.find((t) => t.default) ?? tracks[0];
}

export function decidePlayback(
  probe: FileProbe,
  caps: ClientCapabilities,
  audioTrack?: number,
): PlaybackChoice {
  const container = probe.container === null ? null : (CONTAINERS[probe.container.toLowerCase()] ?? null);
  const containerOk = includes(caps.containers, container);

  const video = probe.videoCodec?.toLowerCase() ?? null;
  // A file without a picture has nothing to decode. 10-bit H.264 (Hi10P) is decoded by no
  // browser's hardware path (Chrome and Firefox refuse it) though `canPlayType` says yes.
  const videoOk =
    video === null || (includes(caps.video, video) && !(video === 'h264' && (probe.videoBitDepth ?? 8) > 8));

  const track = chosenTrack(probe.audioTracks, audioTrack);
  const audio = track?.codec?.toLowerCase() ?? null;
  // DTS and TrueHD are among no browser's answers (PLAYBACK_PROBES does not even ask): converted.
  const audioOk = track === undefined || includes(caps.audio, audio);
  const defaultTrack = chosenTrack(probe.audioTracks, undefined);
  // Browsers do not reliably switch audio tracks of a file they play directly.
  const otherTrack = track !== undefined && track !== defaultTrack;
  const audioCodecOut = track === undefined || (audioOk && COPIED_INTO_MP4.has(audio ?? '')) ? 'copy' : 'aac';
  const chosen = track?.index ?? null;

  const reasons: PlaybackReason[] = [];
  if (!containerOk) reasons.push('container_unsupported');
  if (!videoOk) reasons.push('video_unsupported');
  if (!audioOk) reasons.push('audio_unsupported');
  if (otherTrack) reasons.push('audio_track_selected');
  if (reasons.length === 0) {
    return { mode: 'direct', reasons: ['supported'], audioTrack: chosen, audioCodecOut: 'copy' };
  }
  return { mode: videoOk ? 'remux' : 'transcode', reasons, audioTrack: chosen, audioCodecOut };
}
