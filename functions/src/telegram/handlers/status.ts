import type { DependencyName, Download, DownloadState } from '@sokoul/contracts';
import * as downloads from '../../downloads/service.js';
import { health, torrentNode } from '../../health/service.js';
import { type Linked, send } from '../chat.js';
import { clip, formatBytes, h } from '../render.js';

/**
 * /status: the health report /health gives (services, torrent-node, engines), free space of the
 * media folders, how many people are watching, and the caller's downloads; admins also get everyone's, what is failing and why, and downloads the free-space
 * guard paused.
 */

const MOVING: readonly DownloadState[] = ['queued', 'metadata', 'downloading'];
const mark = (up: boolean) => (up ? '✅' : '❌');

const moving = (list: Download[]) => list.filter((d) => MOVING.includes(d.state));

export async function statusCommand(s: Linked): Promise<void> {
  const admin = s.principal.role === 'admin';
  const [report, node, mine, everyone] = await Promise.all([
    health(s.deps),
    torrentNode(s.deps.infra, true),
    downloads.list(s.deps, s.principal, { limit: 500 }).then((list) => list.downloads),
    admin
      ? downloads.list(s.deps, s.principal, { all: 'true', limit: 500 }).then((list) => list.downloads)
      : Promise.resolve(null),
  ]);
  const names = Object.keys(report.checks) as DependencyName[];
  const lines = [
    s.t.statusTitle(report.status === 'ok'),
    names.map((name) => `${mark(report.checks[name].status === 'up')} ${h(s.t.service[name])}`).join(' · '),
  ];
  if (report.engines.length > 0) {
    lines.push(
      '',
      `<b>${h(s.t.engines)}</b>`,
      ...report.engines.map((engine) => {
        const state = engine.state === 'ok' ? '' : ` (${h(s.t.engineState[engine.state])})`;
        // The engine's own message can name addresses and accounts: for admins only.
        const detail = admin && engine.message ? ` — ${clip(engine.message, 200)}` : '';
        return `${mark(engine.state === 'ok')} ${h(engine.name)}${state}${detail}`;
      }),
    );
  }
  if (node.ok) {
    const bytes = (n: number) => formatBytes(s.locale, n);
    lines.push(
      '',
      ...node.reply.storage.map(
        (f) => `💾 ${h(s.t.storage(f.folder, bytes(f.freeBytes), bytes(f.totalBytes)))}`,
      ),
      `▶️ ${h(s.t.activeStreams(node.reply.activeStreams))}`,
    );
  }
  const mineMoving = moving(mine);
  lines.push(
    '',
    h(s.t.activeDownloads(mineMoving.length, mineMoving.filter((d) => d.state === 'queued').length)),
  );
  if (everyone) {
    lines.push(h(s.t.everyoneDownloads(moving(everyone).length)));
    const alerts = report.failing.map(
      (name) => `❌ ${h(s.t.service[name])} — ${clip(report.checks[name].detail ?? '', 300)}`,
    );
    const diskPaused = everyone.filter((d) => d.state === 'paused' && d.pausedBy === 'disk').length;
    if (diskPaused > 0) alerts.push(h(s.t.diskPaused(diskPaused)));
    if (alerts.length > 0) lines.push('', s.t.failing, ...alerts);
  }
  await send(s, lines.join('\n'));
}
