import type {
  AudioTrack,
  DirectStepReport,
  DirectStreamAnswer,
  PlaybackDecision,
  SubtitleTrack,
} from '@sokoul/contracts';
import { formatDuration, formatList, formatPercent, languageName, type MessageKey, t, tn } from '../i18n.js';

/** Codec and container names as players show them (the same in every language). */
const NAMES: Record<string, string> = {
  h264: 'H.264',
  hevc: 'HEVC',
  h265: 'HEVC',
  av1: 'AV1',
  vp9: 'VP9',
  mpeg4: 'MPEG-4',
  aac: 'AAC',
  ac3: 'AC3',
  eac3: 'E-AC3',
  dts: 'DTS',
  truehd: 'TrueHD',
  mp3: 'MP3',
  opus: 'Opus',
  vorbis: 'Vorbis',
  flac: 'FLAC',
  matroska: 'MKV',
  mp4: 'MP4',
  webm: 'WebM',
  mpegts: 'MPEG-TS',
  avi: 'AVI',
};

export const codecName = (codec: string | null) =>
  codec ? (NAMES[codec.toLowerCase()] ?? codec.toUpperCase()) : t('watch.unknownCodec');

/** The mode and why, as one line: "Lecture directe", "Remux : conversion audio AC3 → AAC". */
export function modeLine(
  decision: Pick<PlaybackDecision, 'mode' | 'reasons' | 'container' | 'videoCodec' | 'audioCodec'>,
): string {
  const mode = t(`watch.mode.${decision.mode}`);
  const reasons = decision.reasons
    .filter((reason) => reason !== 'supported')
    .map((reason) =>
      t(`watch.reason.${reason}`, {
        container: codecName(decision.container),
        codec: codecName(reason === 'video_unsupported' ? decision.videoCodec : decision.audioCodec),
      }),
    );
  return reasons.length === 0 ? mode : t('watch.modeLine', { mode, reasons: formatList(reasons) });
}

/** What `/streaming/direct` is doing now, in words. */
export function stepLine(answer: DirectStreamAnswer): string {
  if (answer.status === 'searching') return t('watch.step.searching');
  if (answer.status === 'starting')
    return answer.etaSeconds === null
      ? t('watch.step.startingSoon')
      : t('watch.step.starting', { eta: formatDuration(answer.etaSeconds) });
  return answer.source.kind === 'library'
    ? t('watch.step.library')
    : t('watch.step.downloading', { percent: formatPercent(answer.source.progress) });
}

const CODES: Record<string, MessageKey> = {
  no_file: 'watch.code.no_file',
  no_download: 'watch.code.no_download',
  no_indexer: 'watch.code.no_indexer',
  no_release: 'watch.code.no_release',
  all_stalled: 'watch.code.all_stalled',
};

/** One step of the chain as it went: "Bibliothèque : aucun fichier". */
export function trailLine(report: DirectStepReport): string {
  const known = report.code ? CODES[report.code] : undefined;
  return t('watch.modeLine', {
    mode: t(`watch.trail.${report.step}`),
    reasons: known ? t(known) : t(`watch.outcome.${report.outcome}`),
  });
}

/** "Français · Director's commentary · AC3 6 canaux". */
export function audioLabel(track: AudioTrack, position: number): string {
  const parts = [
    track.language ? languageName(track.language) : t('watch.audioTrack', { n: String(position + 1) }),
    track.title,
    [codecName(track.codec), track.channels ? tn('watch.channels', track.channels) : null]
      .filter(Boolean)
      .join(' '),
  ];
  return parts.filter(Boolean).join(' · ');
}

/** "Français · intégrés · forcés". */
export function subtitleLabel(track: SubtitleTrack): string {
  const parts = [
    track.language ? languageName(track.language) : (track.label ?? track.id),
    track.language && track.label ? track.label : null,
    t(`watch.subtitle.${track.source}`),
    track.forced ? t('watch.forced') : null,
    track.hearingImpaired ? t('watch.hearingImpaired') : null,
    track.convertible ? null : t('watch.notConvertible'),
  ];
  return parts.filter(Boolean).join(' · ');
}
