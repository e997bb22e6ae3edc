import type { Download } from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { createEffect, createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { downloadsApi } from '../api/downloads.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { messageOf } from '../components/Field.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { formatBytes, formatDate, formatDuration, formatSpeed, type MessageKey, t, tn } from '../i18n.js';
import {
  actionErrorOf,
  downloadErrorLabel,
  downloads,
  downloadTitle,
  shareOf,
  stateLabel,
  titleHref,
} from '../stores/downloads.js';
import { downloadEngineState, engineBanner, engineLabel, engineLine, engines } from '../stores/engines.js';
import { live } from '../stores/live.js';
import { notify } from '../stores/notices.js';
import { session } from '../stores/session.js';
import { usePageTitle } from '../title.js';

const PAUSABLE = new Set<Download['state']>(['queued', 'metadata', 'downloading', 'stalled', 'seeding']);
const RESUMABLE = new Set<Download['state']>(['paused', 'stalled', 'failed']);
const RUNNING = new Set<Download['state']>(['metadata', 'downloading']);
/** Everyone's downloads do not come over this user's socket: read again this often. */
const ALL_REFRESH_MS = 5000;
/** Engine states (a client going down or coming back) have no live event: read again this often. */
const ENGINES_REFRESH_MS = 10_000;

export default function Downloads() {
  usePageTitle(() => t('downloads.title'));
  const me = () => session.user()?.id;
  const isAdmin = () => session.user()?.role === 'admin';
  const [everyone, setEveryone] = createSignal(false);
  // The store keeps the rows up to date from the live socket; this reads the latest ones once.
  const [loaded, { refetch }] = createResource(
    () => ({ all: everyone() && isAdmin() }),
    ({ all }) => downloads.load(all, me()).then(() => true),
  );
  createEffect(() => {
    if (!everyone() || !isAdmin()) return;
    const timer = setInterval(() => void downloads.load(true, me()).catch(() => undefined), ALL_REFRESH_MS);
    onCleanup(() => clearInterval(timer));
  });
  const visible = () => downloads.list((d) => (everyone() && isAdmin()) || d.userId === me());

  const [blocklist, { refetch: refetchBlocklist, mutate: setBlocklist }] = createResource(() =>
    downloadsApi.blocklist().then((b) => b.entries),
  );
  // A stall or a failure may add a refused release.
  const unsubscribe = live.subscribe((event) => {
    if (event.type === 'download.stalled' || event.type === 'download.failed') void refetchBlocklist();
  });
  const readEngines = () => void engines.load().catch(() => undefined);
  readEngines();
  const engineTimer = setInterval(readEngines, ENGINES_REFRESH_MS);
  const unresync = live.onResync(() => {
    void refetchBlocklist();
    readEngines();
  });
  onCleanup(() => {
    unsubscribe();
    unresync();
    clearInterval(engineTimer);
  });
  const failing = () =>
    (engines.current()?.engines ?? []).flatMap((e) => (e.state === 'ok' ? [] : [{ ...e, state: e.state }]));

  const [removing, setRemoving] = createSignal<Download | null>(null);
  const [busy, setBusy] = createSignal<Set<string>>(new Set());
  const act = async (d: Download, action: () => Promise<Download | undefined>) => {
    setBusy(new Set([...busy(), d.id]));
    try {
      const changed = await action();
      if (changed) downloads.upsert(changed);
    } catch (e) {
      notify(actionErrorOf(e));
    } finally {
      setBusy(new Set([...busy()].filter((id) => id !== d.id)));
    }
  };
  const remove = async (d: Download, deleteData: boolean) => {
    setRemoving(null);
    await act(d, async () => {
      await downloadsApi.remove(d.id, deleteData);
      downloads.forget(d.id);
      notify(t('downloads.removed'), { kind: 'info' });
      return undefined;
    });
  };
  const unblock = async (entryId: string) => {
    try {
      await downloadsApi.unblock(entryId);
      setBlocklist((entries) => entries?.filter((e) => e.id !== entryId));
    } catch (e) {
      notify(actionErrorOf(e));
    }
  };

  return (
    <section class="page downloads-page" data-testid="downloads-page">
      <div class="page-head">
        <h1>{t('downloads.title')}</h1>
        <Show when={isAdmin()}>
          <label class="check">
            <input
              type="checkbox"
              checked={everyone()}
              onChange={(e) => setEveryone(e.currentTarget.checked)}
              data-testid="downloads-everyone"
            />
            <span>{t('downloads.everyone')}</span>
          </label>
        </Show>
      </div>
      <Show when={failing().length > 0}>
        <ul class="notice engine-banner" role="status" data-testid="engine-banner">
          <For each={failing()}>
            {(info) => (
              // torrent-node's detail is technical English: an admin's tooltip, not text of the page.
              <li
                data-engine={info.name}
                data-state={info.state}
                title={isAdmin() ? (info.message ?? undefined) : undefined}
              >
                {engineBanner(info.name, info.state)}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show
        when={!loaded.error}
        fallback={
          <p class="error" role="alert">
            {t('downloads.loadFailed', { message: messageOf(loaded.error) })}{' '}
            <button type="button" onClick={() => void refetch()}>
              {t('common.retry')}
            </button>
          </p>
        }
      >
        <Show when={loaded.latest} fallback={<p class="muted">{t('app.loading')}</p>}>
          <Show
            when={visible().length > 0}
            fallback={
              <p class="muted empty" data-testid="downloads-empty">
                {t('downloads.empty')}
              </p>
            }
          >
            <ul class="downloads" aria-label={t('downloads.list')} data-testid="downloads">
              <For each={visible()}>
                {(d) => (
                  <DownloadItem
                    download={d}
                    mine={d.userId === me()}
                    busy={busy().has(d.id)}
                    onPause={() => void act(d, () => downloadsApi.pause(d.id))}
                    onResume={() => void act(d, () => downloadsApi.resume(d.id))}
                    onFront={() => void act(d, () => downloadsApi.front(d.id))}
                    onRemove={() => setRemoving(d)}
                  />
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Show>

      <section class="blocklist" aria-labelledby="blocklist-title" data-testid="blocklist">
        <h2 id="blocklist-title">{t('downloads.blocklist')}</h2>
        <p class="muted">{t('downloads.blocklistHint')}</p>
        <Show when={blocklist.error}>
          <p class="error">{messageOf(blocklist.error)}</p>
        </Show>
        <Show
          when={(blocklist.latest ?? []).length > 0}
          fallback={<p class="muted">{t('downloads.blocklistEmpty')}</p>}
        >
          <ul class="list">
            <For each={blocklist.latest}>
              {(entry) => (
                <li data-testid="blocklist-entry">
                  <div>
                    <span class="release-title">{entry.name}</span>
                    <span class="muted">
                      {t('downloads.blockedFor', {
                        title: entry.mediaTitle,
                        reason: downloadErrorLabel(entry.reason),
                        date: formatDate(entry.createdAt),
                      })}
                    </span>
                  </div>
                  <button type="button" onClick={() => void unblock(entry.id)} data-testid="unblock">
                    {t('downloads.unblock')}
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </section>

      <Show when={removing()}>
        {(d) => (
          <RemoveDialog
            download={d()}
            onCancel={() => setRemoving(null)}
            onConfirm={(deleteData) => void remove(d(), deleteData)}
          />
        )}
      </Show>
    </section>
  );
}

function DownloadItem(props: {
  download: Download;
  mine: boolean;
  busy: boolean;
  onPause: () => void;
  onResume: () => void;
  onFront: () => void;
  onRemove: () => void;
}) {
  const d = () => props.download;
  const titleId = () => `download-${d().id}`;
  const sizes = () =>
    d().bytesTotal
      ? t('downloads.done', {
          done: formatBytes(Math.min(d().bytesDone, d().bytesTotal ?? 0)),
          total: formatBytes(d().bytesTotal ?? 0),
        })
      : d().bytesDone > 0
        ? t('downloads.doneUnknown', { done: formatBytes(d().bytesDone) })
        : null;
  const running = () => RUNNING.has(d().state);
  const named = (key: MessageKey) => `${t(key)} — ${downloadTitle(d())}`;
  return (
    <li
      class="download"
      data-testid="download"
      data-id={d().id}
      data-state={d().state}
      aria-labelledby={titleId()}
    >
      <div class="download-head">
        <h2 id={titleId()} class="download-title">
          <A href={titleHref(d())} data-testid="download-title">
            {downloadTitle(d())}
          </A>
        </h2>
        <span class="download-badges">
          <span
            class="badge engine"
            title={t('downloads.engine', { engine: engineLabel(d().engine) })}
            data-testid="download-engine"
            data-engine={d().engine}
          >
            {engineLabel(d().engine)}
          </span>
          <span class={`badge dl-${d().state}`} data-testid="download-state">
            {stateLabel(d())}
          </span>
        </span>
      </div>
      <Show when={downloadEngineState(d())}>
        {(state) => (
          <p class="engine-line" data-testid="download-engine-state" data-state={state()}>
            {engineLine(d().engine, state())}
          </p>
        )}
      </Show>
      <p class="release-title muted" data-testid="download-name">
        {d().name}
      </p>
      <Show when={!props.mine}>
        <p class="muted">{t('downloads.owner')}</p>
      </Show>
      <ProgressBar share={shareOf(d())} wide label={t('downloads.progress')} />
      <p class="download-stats muted" data-testid="download-stats">
        <Show when={sizes()}>{(text) => <span data-testid="download-sizes">{text()}</span>}</Show>
        <Show when={running() || d().state === 'seeding'}>
          <span data-testid="download-speed" title={t('downloads.speedDown')}>
            <span aria-hidden="true">↓ </span>
            <span class="visually-hidden">{t('downloads.speedDown')} </span>
            {formatSpeed(d().downloadSpeed)}
          </span>
          <span data-testid="upload-speed" title={t('downloads.speedUp')}>
            <span aria-hidden="true">↑ </span>
            <span class="visually-hidden">{t('downloads.speedUp')} </span>
            {formatSpeed(d().uploadSpeed)}
          </span>
          <span data-testid="download-peers">{tn('downloads.peers', d().peers)}</span>
        </Show>
        <Show when={running() && d().etaSeconds !== null}>
          <span data-testid="download-eta">
            {t('downloads.etaValue', { time: formatDuration(d().etaSeconds ?? 0) })}
          </span>
        </Show>
      </p>
      <div class="download-actions">
        <Show when={PAUSABLE.has(d().state)}>
          <button
            type="button"
            onClick={() => props.onPause()}
            disabled={props.busy}
            aria-label={named('downloads.pause')}
            data-testid="download-pause"
          >
            {t('downloads.pause')}
          </button>
        </Show>
        <Show when={RESUMABLE.has(d().state)}>
          <button
            type="button"
            class="primary"
            onClick={() => props.onResume()}
            disabled={props.busy}
            aria-label={named('downloads.resume')}
            data-testid="download-resume"
          >
            {t('downloads.resume')}
          </button>
        </Show>
        <Show when={d().state === 'queued'}>
          <button
            type="button"
            onClick={() => props.onFront()}
            disabled={props.busy}
            aria-label={named('downloads.front')}
            data-testid="download-front"
          >
            {t('downloads.front')}
          </button>
        </Show>
        <button
          type="button"
          class="danger"
          onClick={() => props.onRemove()}
          disabled={props.busy}
          aria-label={named('downloads.remove')}
          data-testid="download-remove"
        >
          {t('downloads.remove')}
        </button>
      </div>
    </li>
  );
}

/** "Remove this download?", with the choice to delete its files too; Escape cancels. */
function RemoveDialog(props: {
  download: Download;
  onCancel: () => void;
  onConfirm: (deleteData: boolean) => void;
}) {
  const [deleteData, setDeleteData] = createSignal(false);
  return (
    <ConfirmDialog
      id="remove"
      title={t('downloads.confirmTitle')}
      text={t('downloads.confirmText', { name: downloadTitle(props.download) })}
      cancel={t('downloads.cancel')}
      confirm={t('downloads.confirmRemove')}
      onCancel={() => props.onCancel()}
      onConfirm={() => props.onConfirm(deleteData())}
    >
      <label class="check">
        <input
          type="checkbox"
          checked={deleteData()}
          onChange={(e) => setDeleteData(e.currentTarget.checked)}
          data-testid="remove-delete-data"
        />
        <span>{t('downloads.deleteData')}</span>
      </label>
    </ConfirmDialog>
  );
}
