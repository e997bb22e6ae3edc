import { randomUUID } from 'node:crypto';
import type { Download } from '@sokoul/contracts';

/** A download as its events carry it: completed (1000 bytes, just now) unless `o` says otherwise. */
export function download(o: Partial<Download> & { userId: string; mediaId: string; name: string }): Download {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    mediaTitle: 'Title',
    season: null,
    episode: null,
    infoHash: null,
    resultId: null,
    searchId: null,
    engine: 'webtorrent',
    engineState: null,
    queuePosition: null,
    pausedBy: null,
    error: null,
    createdAt: now,
    startedAt: now,
    completedAt: now,
    updatedAt: now,
    state: 'completed',
    bytesDone: 1000,
    bytesTotal: 1000,
    bytesUploaded: 0,
    downloadSpeed: 0,
    uploadSpeed: 0,
    peers: 0,
    etaSeconds: null,
    ...o,
  };
}
