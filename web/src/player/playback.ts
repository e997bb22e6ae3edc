import {
  type ClientCapabilities,
  type EpisodeList,
  type FileAvailability,
  type MediaType,
  PLAYBACK_PROBES,
  type Progress,
} from '@sokoul/contracts';

type Probes = typeof PLAYBACK_PROBES;
const supported = <K extends string>(probes: Record<K, string>, ask: (mime: string) => string): K[] =>
  (Object.keys(probes) as K[]).filter((name) => ask(probes[name]) !== '');

/** What this browser plays, from `canPlayType` ("maybe" counts: Chromium says it for Matroska and MP4). */
export function capabilitiesOf(ask: (mime: string) => string): ClientCapabilities {
  return {
    containers: supported<keyof Probes['containers']>(PLAYBACK_PROBES.containers, ask),
    video: supported<keyof Probes['video']>(PLAYBACK_PROBES.video, ask),
    audio: supported<keyof Probes['audio']>(PLAYBACK_PROBES.audio, ask),
  };
}

/**
 * How far playback can go from `position` without waiting, while the file downloads: the bytes on
 * disk from the playhead's byte onwards, as time. Bytes map to time in proportion (a good guess for
 * constant-ish bitrates, which is what a progress hint needs). Null when the playhead's byte is not
 * there yet.
 */
export function playableUntil(
  availability: Pick<FileAvailability, 'sizeBytes' | 'ranges' | 'complete'>,
  durationSeconds: number,
  position: number,
): number | null {
  const { sizeBytes, ranges } = availability;
  if (availability.complete) return durationSeconds;
  if (sizeBytes <= 0 || durationSeconds <= 0) return null;
  const byte = Math.min(sizeBytes - 1, Math.max(0, Math.floor((position / durationSeconds) * sizeBytes)));
  const range = ranges.find(([first, last]) => first <= byte && byte <= last);
  if (!range) return null;
  return Math.min(durationSeconds, (durationSeconds * (range[1] + 1)) / sizeBytes);
}

/** Past the first 30 s and before the last 5 %: worth asking "resume at…?". */
export function resumePosition(progress: Pick<Progress, 'positionSeconds' | 'durationSeconds'> | null) {
  if (!progress || progress.durationSeconds <= 0) return null;
  const { positionSeconds, durationSeconds } = progress;
  return positionSeconds > 30 && positionSeconds < durationSeconds * 0.95 ? positionSeconds : null;
}

export type EpisodeRef = { season: number; episode: number };

/** What the watch page plays: a film, or an episode of a series. */
export type WatchTarget = { type: MediaType; tmdbId: number; episode: EpisodeRef | null };

export const watchHref = (type: MediaType, tmdbId: number, episode?: EpisodeRef | null) =>
  `/watch/${type}/${tmdbId}${episode ? `?season=${episode.season}&episode=${episode.episode}` : ''}`;

/**
 * The episode after `current` in a series, by season then episode. Specials (season 0) come after
 * nothing: as on "continue watching", a regular episode is followed by the next regular one.
 */
export function nextEpisode(list: EpisodeList, current: EpisodeRef): (EpisodeRef & { title: string }) | null {
  const all = list.seasons
    .flatMap((s) =>
      s.episodes.map((e) => ({ season: s.seasonNumber, episode: e.episodeNumber, title: e.title })),
    )
    .filter((e) => e.season > 0)
    .sort((a, b) => a.season - b.season || a.episode - b.episode);
  return (
    all.find(
      (e) => e.season > current.season || (e.season === current.season && e.episode > current.episode),
    ) ?? null
  );
}

/** A playback clock: "4:05", "1:02:09". */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
