import type {
  Alert,
  Backup,
  HealthCheck,
  Job,
  NodeSeen,
  Sample,
  SampleMetric,
  SystemOverview,
} from '@sokoul/contracts';
import { createEffect, createSignal, For, Index, on, onCleanup, Show } from 'solid-js';
import { opsApi } from '../api/ops.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorMessage, messageOf } from '../components/Field.js';
import {
  formatBytes,
  formatDate,
  formatDuration,
  formatList,
  formatNumber,
  formatPercent,
  hasMessage,
  type MessageKey,
  pluralForm,
  t,
  tn,
} from '../i18n.js';
import { live } from '../stores/live.js';
import { usePageTitle } from '../title.js';

/**
 * The admin System page, like Sonarr's System → Status/Health/Tasks/Backup: what Sentinel found,
 * the alerts it sent, the scheduler's jobs (with "run now"), the backups, the torrent-nodes and the
 * host's samples over time. Read again on every `alert` event and every 30 seconds.
 */
const REFRESH_MS = 30_000;

type Params = Record<string, string | number>;

/**
 * What one read from the API gave: the last good answer stays on screen while the next read runs
 * or after it failed (a resource would throw its error where it is read).
 */
function loader<T>(read: () => Promise<T>) {
  const [value, setValue] = createSignal<T | null>(null);
  const [error, setError] = createSignal<unknown>(null);
  const [loading, setLoading] = createSignal(false);
  let generation = 0;
  const reload = async () => {
    const mine = ++generation;
    setLoading(true);
    try {
      const answer = await read();
      // An older read that ends after a newer one started must not overwrite it.
      if (mine !== generation) return;
      setValue(() => answer);
      setError(null);
    } catch (e) {
      if (mine === generation) setError(() => e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };
  return { value, error, loading, reload, set: (next: T) => setValue(() => next) };
}

/** A check's or an alert's parameter as the interface shows it: sizes, percentages, durations, dates. */
function formatParam(name: string, value: string | number): string {
  if (typeof value === 'string') {
    if (name === 'dependency' && hasMessage(`system.kind.${value}`))
      return t(`system.kind.${value}` as MessageKey);
    return (/(At|Since)$/.test(name) || name === 'at') && !Number.isNaN(Date.parse(value))
      ? formatDate(value)
      : value;
  }
  if (/bytes$/i.test(name)) return formatBytes(value);
  if (/mb$/i.test(name)) return formatBytes(value * 1024 * 1024);
  if (/percent$/i.test(name)) return formatPercent(value / 100);
  if (/minutes$/i.test(name)) return t('system.minutes', { n: formatNumber(value, 1) });
  if (/hours$/i.test(name)) return t('system.hours', { n: formatNumber(value, 1) });
  if (/ms$/i.test(name)) return t('system.ms', { n: formatNumber(value) });
  return formatNumber(value, 1);
}

/** Codes whose English message carries a reason (an error's own text) that no parameter holds. */
const WITH_DETAIL = new Set([
  'dependency.down',
  'cache.unverified',
  'indexer.failing',
  'indexer.unreliable',
  'indexer.unreachable',
  'indexer.discovery',
  'engine.unreachable',
  'engine.unauthorized',
  'engine.not_configured',
  'engine.error',
  'tmdb.unreachable',
  'realdebrid.unreachable',
  'disk.unreadable',
  'backup.failed',
  'check.failed',
]);

const MISSING = '\u0000';

/** A message with every parameter it names, or null (unknown key, or a parameter not sent). */
function filled(wanted: string, params: Params): string | null {
  // A message about a number of things comes in the forms the language's plural rules pick.
  const key =
    typeof params.count === 'number' && hasMessage(`${wanted}.other`)
      ? pluralForm(wanted, params.count)
      : wanted;
  if (!hasMessage(key)) return null;
  const formatted = new Proxy({} as Record<string, string>, {
    get: (_, name) => {
      const value = typeof name === 'string' ? params[name] : undefined;
      return value === undefined ? MISSING : formatParam(name as string, value);
    },
  });
  const text = t(key, formatted);
  return text.includes(MISSING) ? null : text;
}

interface Worded {
  code: string;
  params: Params;
  message: string;
  /** For checks: an `ok` check is worded by what it is about. */
  kind?: string;
}

/**
 * What a check or an alert says (or its impact, its fix: `part`), in the interface language when
 * its code is known here (`check.*` messages), else the server's English text. A message about one
 * dependency or folder may have its own wording (`check.disk.low.data.impact`).
 */
function worded(item: Worded, part: '' | '.impact' | '.fix', fallback: string): string {
  const about = item.params.dependency ?? item.params.folder;
  const keys =
    item.code === 'ok'
      ? // The first wording whose parameters were all sent (`.alt`: the one with fewer).
        [`check.ok.${item.kind ?? ''}${part}`, `check.ok.${item.kind ?? ''}.alt${part}`]
      : [...(about === undefined ? [] : [`check.${item.code}.${about}${part}`]), `check.${item.code}${part}`];
  for (const key of keys) {
    const text = filled(key, item.params);
    if (text !== null) return text;
  }
  return fallback;
}

/** The server's English text under a worded message, when it says why (an error's text). */
function Detail(props: { item: Worded }) {
  return (
    <Show when={WITH_DETAIL.has(props.item.code) && worded(props.item, '', '') !== ''}>
      <p class="muted small" data-testid="detail">
        {t('system.detail', { message: props.item.message })}
      </p>
    </Show>
  );
}

/** "Disque · downloads", "Indexeur · Jackett", "Base de données". */
function checkTitle(check: HealthCheck): string {
  const kind = t(`system.kind.${check.kind}` as MessageKey);
  return check.subject ? `${kind} · ${check.subject}` : kind;
}

const STATUS_ORDER = { error: 0, warning: 1, ok: 2 } as const;
const STATUS_ICON = { ok: '✓', warning: '!', error: '✕' } as const;

function Checks(props: { checks: HealthCheck[] }) {
  const sorted = () =>
    [...props.checks].sort(
      (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.id.localeCompare(b.id),
    );
  const failing = () => props.checks.filter((c) => c.status !== 'ok').length;
  return (
    <section class="card system-checks" aria-labelledby="checks-title">
      <h2 id="checks-title">{t('system.checks')}</h2>
      <p class="muted" data-testid="checks-summary">
        {failing() === 0 ? t('system.allOk') : tn('system.failing', failing())}
      </p>
      <Show when={props.checks.length > 0} fallback={<p class="muted">{t('system.noChecks')}</p>}>
        <ul class="check-list">
          <For each={sorted()}>
            {(check) => (
              <li class="health-check" data-status={check.status} data-testid="check" data-id={check.id}>
                <span
                  class={`check-icon ${check.status}`}
                  role="img"
                  aria-label={t(`system.status.${check.status}`)}
                >
                  {STATUS_ICON[check.status]}
                </span>
                <div class="check-body">
                  <h3>{checkTitle(check)}</h3>
                  <p data-testid="check-message">{worded(check, '', check.message)}</p>
                  <Detail item={check} />
                  <Show when={check.status !== 'ok'}>
                    <Show when={worded(check, '.impact', check.impact)}>
                      {(impact) => (
                        <p class="check-why">
                          <strong>{t('system.why')}</strong> {impact()}
                        </p>
                      )}
                    </Show>
                    <Show when={worded(check, '.fix', check.fix)}>
                      {(fix) => (
                        <p class="check-fix">
                          <strong>{t('system.fix')}</strong> {fix()}
                        </p>
                      )}
                    </Show>
                  </Show>
                  <p class="check-times muted">
                    {t('system.checkedAt', { date: formatDate(check.checkedAt) })} ·{' '}
                    {t('system.nextCheck', { date: formatDate(check.nextCheckAt) })}
                    <Show when={check.failingSince}>
                      {(since) => <> · {t('system.failingSince', { date: formatDate(since()) })}</>}
                    </Show>
                  </p>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

function AlertItem(props: { alert: Alert }) {
  const alert = () => props.alert;
  return (
    <li
      class="alert-item"
      data-level={alert().level}
      data-testid="alert"
      data-cleared={String(!!alert().clearedAt)}
    >
      <span class={`badge level-${alert().level}`}>{t(`system.level.${alert().level}`)}</span>
      <div>
        <p data-testid="alert-message">{worded(alert(), '', alert().message)}</p>
        <Detail item={alert()} />
        <p class="muted">
          {t('system.raisedAt', { date: formatDate(alert().raisedAt) })}
          <Show when={alert().notifications > 1}> · {tn('system.sent', alert().notifications)}</Show>
          <Show when={alert().clearedAt}>
            {(cleared) => <> · {t('system.clearedAt', { date: formatDate(cleared()) })}</>}
          </Show>
        </p>
        <Show when={alert().clearMessage}>{(message) => <p class="muted">{message()}</p>}</Show>
      </div>
    </li>
  );
}

function Alerts(props: { alerts: Alert[] }) {
  const open = () => props.alerts.filter((a) => !a.clearedAt);
  const cleared = () => props.alerts.filter((a) => a.clearedAt);
  return (
    <section class="card system-alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('system.alerts')}</h2>
      <h3>{t('system.alertsOpen')}</h3>
      <Show when={open().length > 0} fallback={<p class="muted">{t('system.noOpenAlerts')}</p>}>
        <ul class="alert-list" data-testid="alerts-open">
          <For each={open()}>{(alert) => <AlertItem alert={alert} />}</For>
        </ul>
      </Show>
      <Show when={cleared().length > 0}>
        <h3>{t('system.alertsRecent')}</h3>
        <ul class="alert-list recent" data-testid="alerts-recent">
          <For each={cleared()}>{(alert) => <AlertItem alert={alert} />}</For>
        </ul>
      </Show>
    </section>
  );
}

/** "850 ms", "3 min 20 s". */
const formatElapsed = (ms: number) =>
  ms < 1000 ? t('system.ms', { n: formatNumber(ms) }) : formatDuration(ms / 1000);

type PluralKey = Parameters<typeof tn>[0];
const num = (result: Params, name: string) =>
  typeof result[name] === 'number' ? (result[name] as number) : 0;
/** The cleanup's steps as torrent-node names them (the Tasks page words the same ones). */
const CLEANED = ['refreshTokens', 'invites', 'apiKeys', 'searchResults', 'tasks'];

/** "3 jetons de session périmés et 12 résultats…": what a cleanup or an archive counted. */
function counted(result: Params, known: string[], prefix: string): string[] {
  return Object.entries(result)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
    .map(([name, n]) =>
      known.includes(name)
        ? tn(`${prefix}.${name}` as PluralKey, n)
        : t('cleanup.other', { name, n: formatNumber(n) }),
    );
}

/** A run's result in words, from the counts each job reports (torrent-node/src/ops/jobs.ts). */
function resultWords(name: Job['name'], result: Params): string {
  switch (name) {
    case 'searches.cleanup': {
      const parts = counted(result, CLEANED, 'cleanup');
      return parts.length ? t('cleanup.removed', { list: formatList(parts) }) : t('cleanup.nothing');
    }
    case 'archive': {
      const parts = counted(result, ['tasks', 'downloads'], 'system.result.archive');
      return parts.length
        ? t('system.result.archived', { list: formatList(parts) })
        : t('system.result.nothingToArchive');
    }
    case 'backup': {
      const method = String(result.method ?? '');
      const words = t('system.result.backup', {
        size: formatBytes(num(result, 'sizeBytes')),
        method: hasMessage(`system.method.${method}`) ? t(`system.method.${method}` as MessageKey) : method,
      });
      const removed = num(result, 'removed');
      return removed > 0 ? `${words} ${tn('system.result.pruned', removed)}.` : words;
    }
    case 'metadata.refresh': {
      if (num(result, 'skipped') > 0) return t('system.result.metadataSkipped');
      const parts = [
        tn('system.result.refreshed', num(result, 'refreshed'), {
          total: formatNumber(num(result, 'titles')),
        }),
      ];
      for (const [key, plural] of [
        ['changed', 'system.result.changed'],
        ['failed', 'system.result.failedTitles'],
        ['gone', 'system.result.gone'],
      ] as const) {
        if (num(result, key) > 0) parts.push(tn(plural, num(result, key)));
      }
      return parts.join(' · ');
    }
    case 'orphans.check': {
      const parts: string[] = [];
      for (const folder of ['library', 'downloads'] as const) {
        if (result[`${folder}Files`] === undefined) continue;
        parts.push(
          tn('system.result.orphans', num(result, `${folder}Orphans`), {
            folder: t(`system.folder.${folder}`),
            total: formatNumber(num(result, `${folder}Files`)),
          }),
        );
      }
      parts.push(
        tn('system.result.missingFiles', num(result, 'missingFiles'), {
          total: formatNumber(num(result, 'rows')),
        }),
      );
      return parts.join(' · ');
    }
    case 'metrics.collect': {
      const words = tn('system.result.samples', num(result, 'samples'));
      const purged = num(result, 'purged');
      return purged > 0 ? `${words} · ${tn('system.result.purged', purged)}` : words;
    }
  }
}

/** The orphans check's example paths (one per line in its result). */
const examples = (result: Params) =>
  Object.entries(result)
    .filter(([name, value]) => name.endsWith('Examples') && typeof value === 'string')
    .flatMap(([, value]) => String(value).split('\n'))
    .filter(Boolean);

function JobRow(props: { job: Job; onRan: (job: Job) => void }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const running = () => busy() || props.job.lastRun?.outcome === 'running';
  const runNow = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onRan(await opsApi.runJob(props.job.name));
    } catch (e) {
      setError(messageOf(e, { conflict: 'system.jobRunning' }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-testid="job" data-name={props.job.name} data-outcome={props.job.lastRun?.outcome ?? 'never'}>
      <td>
        <strong>{t(`system.job.${props.job.name}`)}</strong>
        <div class="muted small">{t(`system.job.${props.job.name}.about`)}</div>
      </td>
      <td>
        <code class="schedule">{props.job.schedule}</code>
        <Show when={!props.job.enabled}>
          {' '}
          <span class="badge">{t('system.disabled')}</span>
        </Show>
      </td>
      <td>
        <Show when={props.job.lastRun} fallback={<span class="muted">{t('system.neverRan')}</span>}>
          {(last) => (
            <>
              <div>{formatDate(last().startedAt)}</div>
              <div class="muted small">
                {last().manual ? t('system.manual') : t('system.scheduled')}
                <Show when={last().durationMs !== null}> · {formatElapsed(last().durationMs ?? 0)}</Show>
              </div>
            </>
          )}
        </Show>
      </td>
      <td class="outcome" data-testid="job-outcome">
        <Show when={busy()}>
          <progress aria-label={t('system.jobRunning')} />
        </Show>
        <Show when={!busy() && props.job.lastRun}>
          {(last) => (
            <>
              <span class={`badge ${last().outcome === 'ok' ? 'done' : last().outcome}`}>
                {t(`system.outcome.${last().outcome}`)}
              </span>{' '}
              <span data-testid="job-result">
                {last().outcome === 'ok' ? resultWords(props.job.name, last().result) : last().detail}
              </span>
              <Show when={last().outcome === 'ok' && examples(last().result).length > 0}>
                <details class="examples">
                  <summary>{t('system.result.examples')}</summary>
                  <ul>
                    <For each={examples(last().result)}>
                      {(path) => (
                        <li>
                          <code>{path}</code>
                        </li>
                      )}
                    </For>
                  </ul>
                </details>
              </Show>
            </>
          )}
        </Show>
        <ErrorMessage message={error()} />
      </td>
      <td>{props.job.nextRunAt ? formatDate(props.job.nextRunAt) : '—'}</td>
      <td>
        <button
          type="button"
          class="run-now"
          disabled={running()}
          onClick={() => void runNow()}
          data-testid="job-run"
        >
          {running() ? t('system.jobRunning') : t('system.runNow')}
        </button>
      </td>
    </tr>
  );
}

function Jobs(props: { jobs: Job[]; onRan: (job: Job) => void }) {
  return (
    <section class="card system-jobs" aria-labelledby="jobs-title">
      <h2 id="jobs-title">{t('system.jobs')}</h2>
      <Show when={props.jobs.length > 0} fallback={<p class="muted">{t('system.noJobs')}</p>}>
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>{t('system.jobName')}</th>
                <th>{t('system.schedule')}</th>
                <th>{t('system.lastRun')}</th>
                <th>{t('system.outcome')}</th>
                <th>{t('system.nextRun')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <Index each={props.jobs}>{(job) => <JobRow job={job()} onRan={props.onRan} />}</Index>
            </tbody>
          </table>
        </div>
      </Show>
    </section>
  );
}

/** "Restore this backup?": what it replaces, and that everyone signs in again; Escape cancels. */
function RestoreDialog(props: { backup: Backup; onCancel: () => void; onConfirm: () => void }) {
  return (
    <ConfirmDialog
      id="restore"
      title={t('system.restoreTitle')}
      text={t('system.restoreText', { date: formatDate(props.backup.createdAt) })}
      cancel={t('system.cancel')}
      confirm={t('system.restore')}
      onCancel={() => props.onCancel()}
      onConfirm={() => props.onConfirm()}
    />
  );
}

function Backups() {
  const list = loader(() => opsApi.backups());
  void list.reload();
  const [busy, setBusy] = createSignal<'create' | 'restore' | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  // Worded when shown, so that it follows a change of language.
  const [done, setDone] = createSignal<(() => string) | null>(null);
  const [confirming, setConfirming] = createSignal<Backup | null>(null);
  const act = async (kind: 'create' | 'restore', work: () => Promise<() => string>) => {
    setBusy(kind);
    setError(null);
    setDone(null);
    try {
      const message = await work();
      setDone(() => message);
      await list.reload();
    } catch (e) {
      setError(messageOf(e, { conflict: 'system.backupBusy' }));
    } finally {
      setBusy(null);
    }
  };
  const create = () =>
    act('create', async () => {
      const backup = await opsApi.createBackup();
      return () => t('system.backupDone', { size: formatBytes(backup.sizeBytes) });
    });
  const restore = (backup: Backup) => {
    setConfirming(null);
    void act('restore', async () => {
      await opsApi.restore(backup.name);
      return () => t('system.restoreDone', { date: formatDate(backup.createdAt) });
    });
  };
  return (
    <section class="card system-backups" aria-labelledby="backups-title">
      <div class="page-head">
        <h2 id="backups-title">{t('system.backups')}</h2>
        <button
          type="button"
          class="primary"
          disabled={busy() !== null}
          onClick={() => void create()}
          data-testid="backup-create"
        >
          {busy() === 'create' ? t('system.backingUp') : t('system.backupNow')}
        </button>
      </div>
      <Show when={list.value()}>
        {(known) => <p class="muted">{t('system.backupDir', { dir: known().directory })}</p>}
      </Show>
      <Show when={busy()}>
        <progress aria-label={busy() === 'create' ? t('system.backingUp') : t('system.restoring')} />
      </Show>
      <ErrorMessage message={error() ?? (list.error() ? messageOf(list.error()) : null)} />
      <Show when={done()}>{(message) => <p class="success">{message()()}</p>}</Show>
      <Show
        when={(list.value()?.items ?? []).length > 0}
        fallback={<p class="muted">{list.loading() ? t('app.loading') : t('system.noBackups')}</p>}
      >
        <ul class="list backup-list">
          <For each={list.value()?.items}>
            {(backup) => (
              <li data-testid="backup" data-name={backup.name}>
                <span>
                  <strong>{formatDate(backup.createdAt)}</strong>{' '}
                  <span class="badge">{t(`system.backupKind.${backup.kind}`)}</span>
                  <span class="muted">
                    {' '}
                    · {formatBytes(backup.sizeBytes)} · {t(`system.method.${backup.method}`)}
                    <Show when={backup.rows !== null && backup.tables !== null}>
                      {' '}
                      · {tn('system.tables', backup.tables ?? 0)}, {tn('system.rows', backup.rows ?? 0)}
                    </Show>
                  </span>
                  <br />
                  <code class="muted small">{backup.name}</code>
                </span>
                <button
                  type="button"
                  class="danger"
                  disabled={busy() !== null}
                  onClick={() => setConfirming(backup)}
                  data-testid="backup-restore"
                >
                  {t('system.restore')}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={confirming()}>
        {(backup) => (
          <RestoreDialog
            backup={backup()}
            onCancel={() => setConfirming(null)}
            onConfirm={() => restore(backup())}
          />
        )}
      </Show>
    </section>
  );
}

function Nodes(props: { nodes: NodeSeen[]; versions: SystemOverview['versions'] }) {
  return (
    <section class="card system-nodes" aria-labelledby="nodes-title">
      <h2 id="nodes-title">{t('system.nodes')}</h2>
      <Show when={props.nodes.length > 0} fallback={<p class="muted">{t('system.noNodes')}</p>}>
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th>{t('system.node')}</th>
                <th>{t('system.state')}</th>
                <th>{t('system.lastSeen')}</th>
                <th>{t('system.started')}</th>
                <th>{t('system.memory')}</th>
                <th>{t('system.version')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={props.nodes}>
                {(node) => (
                  <tr data-testid="node" data-alive={String(node.alive)}>
                    <td>
                      <code>{node.nodeId}</code>
                    </td>
                    <td>
                      <span class={`badge ${node.alive ? 'done' : 'failed'}`}>
                        {node.alive ? t('system.alive') : t('system.absent')}
                      </span>
                    </td>
                    <td>{formatDate(node.lastSeenAt)}</td>
                    <td>{formatDate(node.startedAt)}</td>
                    <td>{formatBytes(node.rssBytes)}</td>
                    <td>{node.version || '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
      <h3>{t('system.versions')}</h3>
      <dl class="versions" data-testid="versions">
        <dt>Sokoul</dt>
        <dd>{props.versions.sokoul}</dd>
        <dt>PostgreSQL</dt>
        <dd>{props.versions.postgres}</dd>
        <dt>torrent-node</dt>
        <dd>{props.versions.node ?? '—'}</dd>
      </dl>
    </section>
  );
}

const METRICS: SampleMetric[] = ['disk.downloads', 'disk.library', 'disk.data', 'cpu', 'memory'];
const RANGES = [24, 24 * 7, 24 * 30] as const;
const CHART = { width: 600, height: 170, left: 40, top: 10, bottom: 20 } as const;
const COLOURS = ['var(--accent)', 'var(--ok)', 'var(--warn)', '#60a5fa'];

/** Percent used: disks from their free and total bytes, CPU and memory as sampled. */
const usedPercent = (sample: Sample) =>
  sample.total ? (1 - sample.value / sample.total) * 100 : Math.min(100, Math.max(0, sample.value));

/** The latest sample in words: "120 Go libres sur 500 Go", "CPU : 12 %". */
function latestWords(sample: Sample): string {
  return sample.total !== null
    ? t('system.freeOf', { free: formatBytes(sample.value), total: formatBytes(sample.total) })
    : t('system.usedNow', { value: formatPercent(sample.value / 100) });
}

/** Used space (or CPU, memory) over time: one line per torrent-node, 0–100 %, oldest on the left. */
function Chart(props: { samples: Sample[]; hours: number }) {
  const plotWidth = CHART.width - CHART.left;
  const plotHeight = CHART.height - CHART.bottom - CHART.top;
  const end = () => Date.now();
  const start = () => end() - props.hours * 3_600_000;
  const x = (at: string) => CHART.left + ((Date.parse(at) - start()) / (end() - start())) * plotWidth;
  const y = (percent: number) => CHART.top + plotHeight - (percent / 100) * plotHeight;
  const byNode = () => {
    const lines = new Map<string, Sample[]>();
    for (const sample of props.samples)
      lines.set(sample.nodeId, [...(lines.get(sample.nodeId) ?? []), sample]);
    return [...lines.entries()];
  };
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${CHART.width} ${CHART.height}`}
      role="img"
      aria-label={t('system.chartLabel', { hours: formatNumber(props.hours) })}
      data-testid="chart"
    >
      <For each={[0, 50, 100]}>
        {(percent) => (
          <>
            <line class="grid" x1={CHART.left} x2={CHART.width} y1={y(percent)} y2={y(percent)} />
            <text class="axis" x={CHART.left - 6} y={y(percent) + 4} text-anchor="end">
              {formatPercent(percent / 100)}
            </text>
          </>
        )}
      </For>
      <text class="axis" x={CHART.left} y={CHART.height - 4}>
        {formatDate(new Date(start()).toISOString())}
      </text>
      <text class="axis" x={CHART.width} y={CHART.height - 4} text-anchor="end">
        {formatDate(new Date(end()).toISOString())}
      </text>
      <For each={byNode()}>
        {([nodeId, line], index) => {
          const last = () => line[line.length - 1];
          return (
            <>
              <polyline
                class="series"
                data-node={nodeId}
                stroke={COLOURS[index() % COLOURS.length]}
                points={line.map((s) => `${x(s.at).toFixed(1)},${y(usedPercent(s)).toFixed(1)}`).join(' ')}
              />
              {/* The latest value, visible even while there is a single sample. */}
              <Show when={last()}>
                {(sample) => (
                  <circle
                    class="latest"
                    cx={x(sample().at)}
                    cy={y(usedPercent(sample()))}
                    r="3.5"
                    fill={COLOURS[index() % COLOURS.length]}
                  />
                )}
              </Show>
            </>
          );
        }}
      </For>
    </svg>
  );
}

function Usage() {
  const [metric, setMetric] = createSignal<SampleMetric>('disk.downloads');
  const [hours, setHours] = createSignal<number>(24 * 7);
  const samples = loader(() => opsApi.samples(metric(), hours()));
  createEffect(on([metric, hours], () => void samples.reload()));
  const timer = setInterval(() => void samples.reload(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  const items = () => samples.value()?.items ?? [];
  const nodes = () => new Set(items().map((s) => s.nodeId));
  return (
    <section class="card system-usage" aria-labelledby="usage-title">
      <div class="page-head">
        <h2 id="usage-title">{t('system.usage')}</h2>
        <div class="inline">
          <select
            aria-label={t('system.metric')}
            value={metric()}
            onChange={(e) => setMetric(e.currentTarget.value as SampleMetric)}
            data-testid="usage-metric"
          >
            <For each={METRICS}>{(m) => <option value={m}>{t(`system.metric.${m}`)}</option>}</For>
          </select>
          <select
            aria-label={t('system.range')}
            value={hours()}
            onChange={(e) => setHours(Number(e.currentTarget.value))}
            data-testid="usage-range"
          >
            <For each={RANGES}>{(h) => <option value={h}>{tn('system.lastDays', h / 24)}</option>}</For>
          </select>
        </div>
      </div>
      <ErrorMessage message={samples.error() ? messageOf(samples.error()) : null} />
      <Show
        when={items().length > 0}
        fallback={<p class="muted">{samples.loading() ? t('app.loading') : t('system.noSamples')}</p>}
      >
        <Chart samples={items()} hours={hours()} />
        <p class="muted" data-testid="usage-latest">
          <For each={[...nodes()]}>
            {(nodeId, index) => {
              const last = () =>
                items()
                  .filter((s) => s.nodeId === nodeId)
                  .at(-1);
              return (
                <span class="usage-node">
                  <span class="swatch" style={{ background: COLOURS[index() % COLOURS.length] }} />
                  <Show when={nodes().size > 1}>
                    <code>{nodeId}</code>{' '}
                  </Show>
                  <Show when={last()}>{(sample) => <>{latestWords(sample())}</>}</Show>
                </span>
              );
            }}
          </For>
        </p>
      </Show>
    </section>
  );
}

export default function System() {
  usePageTitle(() => t('system.title'));
  const overview = loader(() => opsApi.overview());
  const [updated, setUpdated] = createSignal<string | null>(null);
  const refetch = async () => {
    await overview.reload();
    if (!overview.error()) setUpdated(new Date().toISOString());
  };
  void refetch();
  const timer = setInterval(() => void refetch(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  // An alert raised or cleared anywhere changes the checks and alerts shown: read them again.
  onCleanup(
    live.subscribe((event) => {
      if (event.type === 'alert') void refetch();
    }),
  );
  onCleanup(live.onResync(() => void refetch()));
  const ran = (job: Job) => {
    const known = overview.value();
    if (known) overview.set({ ...known, jobs: known.jobs.map((j) => (j.name === job.name ? job : j)) });
  };
  return (
    <section class="page system" data-testid="system-page">
      <div class="page-head">
        <h1>{t('system.title')}</h1>
        <div class="actions">
          <Show when={updated()}>
            {(at) => <span class="muted">{t('system.updated', { date: formatDate(at()) })}</span>}
          </Show>
          <button type="button" onClick={() => void refetch()} disabled={overview.loading()}>
            {t('system.refresh')}
          </button>
        </div>
      </div>
      <ErrorMessage message={overview.error() ? messageOf(overview.error()) : null} />
      <Show
        when={overview.value()}
        fallback={<p class="muted">{overview.error() ? '' : t('app.loading')}</p>}
      >
        {(known) => (
          <>
            <Checks checks={known().checks} />
            <Alerts alerts={known().alerts} />
            <Jobs jobs={known().jobs} onRan={ran} />
            <Backups />
            <Usage />
            <Nodes nodes={known().nodes} versions={known().versions} />
          </>
        )}
      </Show>
    </section>
  );
}
