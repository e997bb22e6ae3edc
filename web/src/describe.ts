import {
  INDEXER_UNAVAILABLE,
  type IndexerReport,
  SearchOutcome,
  SearchTarget,
  SystemReport,
  type Task,
} from '@sokoul/contracts';
import { z } from 'zod';
import { formatBytes, formatList, formatNumber, type MessageKey, t, tn } from './i18n.js';

/** What one indexer did in a search, in words: answered with N results, too slow, failed, left alone. */
export function indexerReportLabel(report: IndexerReport): string {
  const indexer = report.indexer;
  switch (report.status) {
    case 'ok':
      return tn('indexer.ok', report.results, { indexer });
    case 'timeout':
      return t('indexer.timeout', { indexer, seconds: formatNumber(report.latencyMs / 1000, 1) });
    case 'failed':
      // Members are not told why (only admins are): then there is no reason to show.
      return report.error && report.error !== INDEXER_UNAVAILABLE
        ? t('indexer.failedWith', { indexer, error: report.error })
        : t('indexer.failed', { indexer });
    case 'skipped':
      return t('indexer.skipped', { indexer });
  }
}

const TYPES: Record<string, MessageKey> = {
  'system.report': 'task.type.system.report',
  'maintenance.cleanup': 'task.type.maintenance.cleanup',
  search: 'task.type.search',
};

/** The task's kind in words; a search names its title. */
export function taskTitle(task: Task): string {
  const target = SearchTarget.safeParse(task.payload.target);
  if (task.type === 'search' && target.success)
    return t('task.searchFor', { title: target.data.titles[0] ?? '' });
  const key = TYPES[task.type];
  return key ? t(key) : task.type;
}

function systemReport(report: SystemReport): string {
  return [
    t('report.host', { host: report.hostname, platform: report.platform }),
    tn('report.cpus', report.cpus),
    t('report.memory', {
      total: formatBytes(report.memory.totalBytes),
      free: formatBytes(report.memory.freeBytes),
    }),
    report.disk
      ? t('report.disk', {
          path: report.disk.path,
          total: formatBytes(report.disk.totalBytes),
          free: formatBytes(report.disk.freeBytes),
        })
      : t('report.noDisk'),
  ].join(' · ');
}

/** The cleanup's steps as torrent-node names them, with how to say what each removed. */
const CLEANED = {
  refreshTokens: 'cleanup.refreshTokens',
  invites: 'cleanup.invites',
  apiKeys: 'cleanup.apiKeys',
  searchResults: 'cleanup.searchResults',
  tasks: 'cleanup.tasks',
} as const;
const CleanupResult = z.record(z.string(), z.number());

function cleanup(removed: Record<string, number>): string {
  const parts = Object.entries(removed)
    .filter(([, count]) => count > 0)
    .map(([name, count]) =>
      name in CLEANED
        ? tn(CLEANED[name as keyof typeof CLEANED], count)
        : t('cleanup.other', { name, n: formatNumber(count) }),
    );
  return parts.length ? t('cleanup.removed', { list: formatList(parts) }) : t('cleanup.nothing');
}

/** Only what is shown: outcomes stored by older versions lack the rest. */
const SearchSummary = SearchOutcome.pick({ accepted: true, results: true, cached: true, reports: true });

function search(outcome: z.infer<typeof SearchSummary>): string {
  const kept = `${tn('releases.kept', outcome.accepted, { total: formatNumber(outcome.results) })}${outcome.cached ? ` ${t('releases.cached')}` : ''}`;
  return [kept, ...outcome.reports.map(indexerReportLabel)].join(' · ');
}

/** What a task came to, in words: its result read after its type, or why it failed. */
export function taskOutcome(task: Task): string {
  if (task.error) return task.error;
  if (task.status !== 'done') return '';
  if (task.type === 'system.report') {
    const report = SystemReport.safeParse(task.result);
    if (report.success) return systemReport(report.data);
  } else if (task.type === 'maintenance.cleanup') {
    const removed = CleanupResult.safeParse(task.result);
    if (removed.success) return cleanup(removed.data);
  } else if (task.type === 'search') {
    const outcome = SearchSummary.safeParse(task.result);
    if (outcome.success) return search(outcome.data);
  }
  // A result this version of the app cannot read: the status already says it is done.
  return '';
}
