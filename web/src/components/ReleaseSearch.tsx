import type {
  DownloadEngineName,
  EngineInfo,
  IndexerReport,
  RankedResult,
  Resolution,
} from '@sokoul/contracts';
import { A } from '@solidjs/router';
import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { downloadsApi } from '../api/downloads.js';
import { searchApi } from '../api/search.js';
import { indexerReportLabel } from '../describe.js';
import { formatBytes, formatNumber, type MessageKey, profileLabel, reasonLabel, t, tn } from '../i18n.js';
import { downloads, shareOf, startErrorOf, stateLabel } from '../stores/downloads.js';
import { engineChoiceLabel, engineOptions, engines } from '../stores/engines.js';
import { live } from '../stores/live.js';
import { tasks } from '../stores/tasks.js';
import { messageOf } from './Field.js';
import { ProgressBar } from './ProgressBar.js';

type SortKey = 'score' | 'size' | 'seeders';
/** Stored results have an id (what a download starts from) and know whether Real-Debrid has them cached. */
type Result = RankedResult & { id?: string; instant?: boolean };
const GB = 1024 ** 3;

const languageOf = (r: Result) =>
  [...r.parsed.frenchTags, ...r.parsed.languages.filter((l) => l !== 'fr').map((l) => l.toUpperCase())].join(
    ' ',
  ) || t('releases.original');

/**
 * "Find releases": starts a search, shows each indexer's outcome as it answers, then the ranked
 * releases in a table to sort and filter; rejected ones stay behind a toggle with the reasons.
 * The search's task is followed through the tasks store (live events), never polled.
 */
export function ReleaseSearch(props: {
  tmdbId: number;
  type: 'movie' | 'tv';
  season?: number;
  episode?: number;
}) {
  const [status, setStatus] = createSignal<'idle' | 'running' | 'done' | 'failed'>('idle');
  const [error, setError] = createSignal<string | null>(null);
  // Live results (from the socket) have no id yet; the stored ones do, and only those can be downloaded.
  const [results, setResults] = createSignal<Result[]>([]);
  const [reports, setReports] = createSignal<IndexerReport[]>([]);
  const [cached, setCached] = createSignal(false);
  const [current, setCurrent] = createSignal<{ taskId: string; searchId: string } | null>(null);
  const [sort, setSort] = createSignal<SortKey>('score');
  const [resolution, setResolution] = createSignal<Resolution | ''>('');
  const [source, setSource] = createSignal('');
  const [frenchOnly, setFrenchOnly] = createSignal(false);
  const [minSeeders, setMinSeeders] = createSignal(0);
  const [maxGb, setMaxGb] = createSignal(0);
  const [showRejected, setShowRejected] = createSignal(false);
  const [profile, setProfile] = createSignal('1080p');
  const [profiles] = createResource(async () => (await searchApi.profiles()).profiles.map((p) => p.name));
  // Without the list (an error reading it) downloads start with the user's default, unasked.
  void engines.ensure().catch(() => undefined);
  let unfollow: (() => void) | undefined;
  const stopFollowing = () => {
    unfollow?.();
    unfollow = undefined;
  };
  // Results arrive on the socket as each indexer answers; the stored ones replace them at the end.
  const unsubscribe = live.subscribe((event) => {
    if (event.type !== 'search.results' || event.data.taskId !== current()?.taskId) return;
    const report = event.data.report;
    setResults(event.data.results);
    setReports((list) => [...list.filter((r) => r.indexer !== report.indexer), report]);
  });
  onCleanup(() => {
    unsubscribe();
    stopFollowing();
  });

  const fail = (reason: string | null) => {
    setError(reason);
    setStatus('failed');
    stopFollowing();
  };
  const finish = async (searchId: string) => {
    try {
      const stored = await searchApi.results(searchId);
      // A newer search may have started while this one was read.
      if (current()?.searchId !== searchId) return;
      setResults(stored.results);
      setReports(stored.reports);
      setCached(stored.cached);
      setStatus('done');
      stopFollowing();
    } catch (e) {
      fail(messageOf(e));
    }
  };
  // The task's end, as the store hears it, decides what comes next.
  createEffect(
    on(
      () => {
        const search = current();
        return search ? tasks.get(search.taskId)?.status : undefined;
      },
      (taskStatus) => {
        const search = current();
        if (!search) return;
        if (taskStatus === 'done') void finish(search.searchId);
        else if (taskStatus === 'failed' || taskStatus === 'cancelled')
          fail(tasks.get(search.taskId)?.error ?? null);
      },
    ),
  );

  /** `fresh`: "search again now", past the server's repeat window. */
  const run = async (fresh: boolean) => {
    stopFollowing();
    setCurrent(null);
    setStatus('running');
    setError(null);
    setResults([]);
    setReports([]);
    setCached(false);
    try {
      const started = await searchApi.start({
        tmdbId: props.tmdbId,
        type: props.type,
        season: props.season,
        episode: props.episode,
        profile: profile(),
        fresh: fresh || undefined,
      });
      unfollow = tasks.follow(started.task);
      setCurrent({ taskId: started.task.id, searchId: started.searchId });
    } catch (e) {
      fail(messageOf(e));
    }
  };
  const kept = () => results().filter((r) => !r.rejected).length;
  const message = () => {
    switch (status()) {
      case 'running':
        return t('releases.searching');
      case 'done':
        return `${tn('releases.kept', kept(), { total: formatNumber(results().length) })}${cached() ? ` ${t('releases.cached')}` : ''}`;
      case 'failed': {
        const reason = error();
        return reason ? t('releases.failedWith', { error: reason }) : t('releases.failed');
      }
      default:
        return null;
    }
  };

  const visible = createMemo(() =>
    results()
      .filter((r) => !r.rejected)
      .filter((r) => !resolution() || r.parsed.resolution === resolution())
      .filter((r) => !source() || r.parsed.source === source())
      .filter((r) => !frenchOnly() || r.parsed.languages.includes('fr') || r.parsed.multi)
      .filter((r) => (r.seeders ?? 0) >= minSeeders())
      .filter((r) => !maxGb() || (r.size ?? 0) <= maxGb() * GB)
      .sort((a, b) =>
        sort() === 'size'
          ? (b.size ?? 0) - (a.size ?? 0)
          : sort() === 'seeders'
            ? (b.seeders ?? 0) - (a.seeders ?? 0)
            : b.score - a.score,
      ),
  );
  const rejected = () => results().filter((r) => r.rejected);
  const options = (pick: (r: RankedResult) => string | null) =>
    [
      ...new Set(
        results()
          .filter((r) => !r.rejected)
          .map(pick)
          .filter((v): v is string => Boolean(v)),
      ),
    ].sort();
  const header = (key: SortKey, label: MessageKey) => (
    <th aria-sort={sort() === key ? 'descending' : 'none'}>
      <button type="button" class="link" onClick={() => setSort(key)}>
        {t(label)}
        {sort() === key ? ' ▾' : ''}
      </button>
    </th>
  );

  return (
    <section class="release-search" aria-label={t('releases.title')} data-testid="release-search">
      <div class="inline">
        <label class="inline">
          <span class="muted">{t('releases.profile')}</span>
          <select
            value={profile()}
            onChange={(e) => setProfile(e.currentTarget.value)}
            data-testid="release-profile"
          >
            <For each={profiles.latest ?? ['1080p']}>
              {(name) => <option value={name}>{profileLabel(name)}</option>}
            </For>
          </select>
        </label>
        <button
          type="button"
          class="primary"
          onClick={() => void run(false)}
          disabled={status() === 'running'}
          data-testid="find-releases"
        >
          {t('releases.find')}
        </button>
        <Show when={status() === 'done' || status() === 'failed'}>
          <button type="button" onClick={() => void run(true)} data-testid="search-again">
            {t('releases.again')}
          </button>
        </Show>
        <Show when={message()}>
          <span class="muted" role="status" data-testid="release-status">
            {message()}
          </span>
        </Show>
      </div>
      <Show when={reports().length > 0}>
        <ul class="indexer-reports" aria-label={t('releases.indexers')} data-testid="indexer-reports">
          <For each={reports()}>
            {(report) => (
              <li data-testid="indexer-report" data-indexer={report.indexer} data-status={report.status}>
                {indexerReportLabel(report)}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={status() === 'done' || results().length > 0}>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            <span>{t('releases.resolution')}</span>
            <select
              value={resolution()}
              onChange={(e) => setResolution(e.currentTarget.value as Resolution | '')}
            >
              <option value="">{t('search.all')}</option>
              <For each={options((r) => r.parsed.resolution)}>{(v) => <option value={v}>{v}</option>}</For>
            </select>
          </label>
          <label>
            <span>{t('releases.source')}</span>
            <select value={source()} onChange={(e) => setSource(e.currentTarget.value)}>
              <option value="">{t('search.all')}</option>
              <For each={options((r) => r.parsed.source)}>{(v) => <option value={v}>{v}</option>}</For>
            </select>
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={frenchOnly()}
              onChange={(e) => setFrenchOnly(e.currentTarget.checked)}
              data-testid="french-only"
            />
            <span>{t('releases.frenchOnly')}</span>
          </label>
          <label>
            <span>{t('releases.minSeeders')}</span>
            <input
              type="number"
              min="0"
              value={minSeeders()}
              onInput={(e) => setMinSeeders(Number(e.currentTarget.value) || 0)}
            />
          </label>
          <label>
            <span>{t('releases.maxSize')}</span>
            <input
              type="number"
              min="0"
              step="0.5"
              value={maxGb() || ''}
              onInput={(e) => setMaxGb(Number(e.currentTarget.value) || 0)}
            />
          </label>
        </form>
        <Show when={visible().length > 0} fallback={<p class="muted">{t('releases.none')}</p>}>
          <div class="table-scroll">
            <table class="table releases" data-testid="releases">
              <thead>
                <tr>
                  <th>{t('releases.name')}</th>
                  <th>{t('releases.quality')}</th>
                  <th>{t('releases.language')}</th>
                  {header('size', 'releases.size')}
                  {header('seeders', 'releases.seeders')}
                  {header('score', 'releases.score')}
                  <th />
                </tr>
              </thead>
              <tbody>
                <For each={visible()}>
                  {(r) => (
                    <tr data-testid="release">
                      <td>
                        <span class="release-title">{r.title}</span>
                        <Show when={r.instant}>
                          <span
                            class="badge done instant"
                            title={t('releases.instantHint')}
                            data-testid="release-instant"
                          >
                            {t('releases.instant')}
                          </span>
                        </Show>
                        <span class="muted reasons">
                          {r.reasons
                            .map((reason) => `${reason.effect === 'plus' ? '+' : '−'} ${reasonLabel(reason)}`)
                            .join(' · ')}
                        </span>
                      </td>
                      <td>
                        {[r.parsed.resolution, r.parsed.source, r.parsed.videoCodec, ...r.parsed.hdr]
                          .filter(Boolean)
                          .join(' ')}
                      </td>
                      <td>{languageOf(r)}</td>
                      <td>{r.size ? formatBytes(r.size) : '?'}</td>
                      <td>{r.seeders ?? '?'}</td>
                      <td>{r.score}</td>
                      <td>
                        <Show when={r.id}>{(id) => <DownloadCell resultId={id()} title={r.title} />}</Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
        <Show when={rejected().length > 0}>
          <button
            type="button"
            onClick={() => setShowRejected(!showRejected())}
            data-testid="toggle-rejected"
          >
            {showRejected() ? t('releases.hideRejected') : tn('releases.showRejected', rejected().length)}
          </button>
          <Show when={showRejected()}>
            <ul class="rejected" data-testid="rejected">
              <For each={rejected()}>
                {(r) => (
                  <li>
                    <span class="release-title">{r.title}</span>
                    <span class="muted">
                      {r.reasons
                        .filter((reason) => reason.effect === 'reject')
                        .map((reason) => reasonLabel(reason))
                        .join(' · ')}
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Show>
      </Show>
    </section>
  );
}

/** The engines a download may be started with, when there is a choice (more than Sokoul's own). */
function engineChoices(): { options: EngineInfo[]; preferred: DownloadEngineName } | null {
  const known = engines.current();
  if (!known || known.engines.length < 2) return null;
  return { options: engineOptions(known), preferred: known.preferences.engine };
}

/**
 * "Download" on a release: starts it in place (POST /downloads with the stored result's id and,
 * when there is a choice, the engine picked next to it), then shows its state as the downloads
 * store hears it; the state links to the Downloads page.
 */
function DownloadCell(props: { resultId: string; title: string }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [note, setNote] = createSignal<string | null>(null);
  const [startedId, setStartedId] = createSignal<string | null>(null);
  const [picked, setPicked] = createSignal<DownloadEngineName | null>(null);
  const choices = createMemo(engineChoices);
  const engine = () => {
    const offered = choices();
    return offered ? (picked() ?? offered.preferred) : undefined;
  };
  let unfollow: (() => void) | undefined;
  onCleanup(() => unfollow?.());
  const current = () => {
    const id = startedId();
    const started = id ? downloads.get(id) : undefined;
    return started && started.state !== 'cancelled' ? started : downloads.ofResult(props.resultId);
  };
  const start = async () => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const chosen = engine();
      const { download, existing } = await downloadsApi.start({
        resultId: props.resultId,
        ...(chosen ? { engine: chosen } : {}),
      });
      unfollow?.();
      unfollow = downloads.follow(download);
      setStartedId(download.id);
      if (existing) setNote(t('downloads.existing'));
    } catch (e) {
      setError(startErrorOf(e));
    } finally {
      setBusy(false);
    }
  };
  const canStart = () => {
    const d = current();
    return !d || d.state === 'failed';
  };
  return (
    <div class="download-cell" data-testid="release-download-cell">
      <Show when={current()}>
        {(d) => (
          <A
            href="/downloads"
            class="download-state"
            data-state={d().state}
            data-testid="release-download-state"
          >
            <span>{stateLabel(d())}</span>
            <Show when={d().state === 'downloading' || d().state === 'metadata'}>
              <ProgressBar share={shareOf(d())} />
            </Show>
          </A>
        )}
      </Show>
      <Show when={canStart() && choices()}>
        {(offered) => (
          <select
            class="engine-choice"
            aria-label={t('releases.engineFor', { title: props.title })}
            onChange={(e) => setPicked(e.currentTarget.value as DownloadEngineName)}
            data-testid="release-engine"
          >
            <For each={offered().options}>
              {(info) => (
                <option value={info.name} selected={info.name === engine()}>
                  {engineChoiceLabel(info)}
                </option>
              )}
            </For>
          </select>
        )}
      </Show>
      <Show when={canStart()}>
        <button
          type="button"
          class="primary"
          onClick={() => void start()}
          disabled={busy()}
          data-testid="release-download"
        >
          {t('releases.download')}
        </button>
      </Show>
      <Show when={note()}>
        <span class="muted" data-testid="release-download-note">
          {note()}
        </span>
      </Show>
      <Show when={error()}>
        <span class="error" role="alert" data-testid="release-download-error">
          {error()}
        </span>
      </Show>
    </div>
  );
}
