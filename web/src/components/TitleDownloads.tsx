import type { MediaFile, MediaType } from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { createResource, For, Show } from 'solid-js';
import { downloadsApi, mediaApi } from '../api/downloads.js';
import { libraryApi } from '../api/library.js';
import { formatBytes, formatList, languageName, t } from '../i18n.js';
import { downloads, downloadTitle, shareOf, stateLabel } from '../stores/downloads.js';
import { ProgressBar } from './ProgressBar.js';

const IMPORTED = new Set(['seeding', 'completed']);

/** What a file is, in one line: "1080p BluRay · 8,2 Go · x265 · E-AC3 · HDR10". */
function fileFacts(file: MediaFile): string {
  return [
    // The quality read from the release name usually starts with the resolution ("720p WEB-DL").
    file.quality?.includes(file.resolution ?? '\u0000')
      ? file.quality
      : [file.resolution, file.quality].filter(Boolean).join(' '),
    formatBytes(file.sizeBytes),
    file.videoCodec,
    file.audioCodec,
    file.hdr,
    file.container,
  ]
    .filter(Boolean)
    .join(' · ');
}

const languages = (tracks: MediaFile['audioTracks']) =>
  formatList([...new Set(tracks.map((track) => languageName(track.language)))]);

/**
 * A film's or series' downloads (live from the downloads store) and, once imported, its files:
 * quality, size, codecs, HDR, audio and subtitle languages. Read again when a download appears or
 * completes anywhere in the app.
 */
export function TitleDownloads(props: { tmdbId: number; type: MediaType }) {
  type Found = { ids: string[]; files: MediaFile[] };
  const [data] = createResource<Found, readonly [number, MediaType, number]>(
    () => [props.tmdbId, props.type, downloads.generation()] as const,
    // A failed read keeps what was shown (the next appearance or completion reads again).
    ([tmdbId, type], { value }) =>
      read(tmdbId, type).catch(() => value ?? { ids: [] as string[], files: [] as MediaFile[] }),
  );
  async function read(tmdbId: number, type: MediaType): Promise<Found> {
    const status = await libraryApi.status(tmdbId, type);
    const mediaId = status.mediaId;
    if (!mediaId) return { ids: [] as string[], files: [] as MediaFile[] };
    const { downloads: list } = await downloadsApi.list({ mediaId });
    for (const d of list) downloads.upsert(d);
    const files = new Map<string, MediaFile>();
    const own = await mediaApi.files(mediaId).catch(() => ({ files: [] as MediaFile[] }));
    for (const file of own.files) files.set(file.id, file);
    // A series' files belong to its episodes: the finished downloads say which they are.
    const details = await Promise.allSettled(
      list.filter((d) => IMPORTED.has(d.state)).map((d) => downloadsApi.get(d.id)),
    );
    for (const detail of details) {
      if (detail.status !== 'fulfilled') continue;
      for (const file of detail.value.files) if (file.mediaFile) files.set(file.mediaFile.id, file.mediaFile);
    }
    return { ids: list.map((d) => d.id), files: [...files.values()] };
  }
  const items = () =>
    downloads.list((d) => (data.latest?.ids ?? []).includes(d.id) && d.state !== 'cancelled');
  const files = () => data.latest?.files ?? [];
  return (
    <Show when={items().length > 0 || files().length > 0}>
      <section class="title-downloads" aria-labelledby="title-downloads-title" data-testid="title-downloads">
        <h2 id="title-downloads-title">{t('downloads.forTitle')}</h2>
        <Show when={items().length > 0}>
          <ul class="title-download-list">
            <For each={items()}>
              {(d) => (
                <li class="title-download" data-testid="title-download" data-state={d.state}>
                  <A href="/downloads" class="download-state" data-testid="title-download-state">
                    <span class="muted">{downloadTitle(d)}</span> · <span>{stateLabel(d)}</span>
                  </A>
                  <Show when={d.state !== 'completed' && d.state !== 'seeding'}>
                    <ProgressBar share={shareOf(d)} wide label={t('downloads.progress')} />
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <h3>{t('downloads.files')}</h3>
        <Show when={files().length > 0} fallback={<p class="muted">{t('downloads.noFiles')}</p>}>
          <p>
            <span class="badge done" data-testid="title-available">
              ✓ {t('downloads.available')}
            </span>
          </p>
          <ul class="title-files" data-testid="title-files">
            <For each={files()}>
              {(file) => (
                <li data-testid="title-file">
                  <span class="release-title">{file.path.split('/').pop()}</span>
                  <span data-testid="title-file-facts">{fileFacts(file)}</span>
                  <Show when={file.audioTracks.length > 0}>
                    <span class="muted">{t('downloads.audio', { list: languages(file.audioTracks) })}</span>
                  </Show>
                  <Show when={file.subtitleTracks.length > 0}>
                    <span class="muted">
                      {t('downloads.subtitles', { list: languages(file.subtitleTracks) })}
                    </span>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>
    </Show>
  );
}
