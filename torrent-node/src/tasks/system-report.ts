import { statfs } from 'node:fs/promises';
import { cpus, freemem, hostname, loadavg, platform, totalmem, uptime } from 'node:os';
import type { SystemReport } from '@sokoul/contracts';
import type { TaskContext } from './context.js';

/** Samples the host torrent-node runs on: what Sentinel watches, on demand. */
export async function systemReport(ctx: TaskContext): Promise<SystemReport> {
  await ctx.progress(0.2, 'Reading CPU and memory');
  const memory = { totalBytes: totalmem(), freeBytes: freemem(), processRssBytes: process.memoryUsage().rss };
  ctx.signal.throwIfAborted();
  await ctx.progress(0.6, 'Reading disk space');
  let disk: SystemReport['disk'] = null;
  try {
    const stats = await statfs(ctx.config.DOWNLOAD_DIR).catch(() => statfs('.'));
    disk = {
      path: ctx.config.DOWNLOAD_DIR,
      totalBytes: stats.blocks * stats.bsize,
      freeBytes: stats.bavail * stats.bsize,
    };
  } catch {
    disk = null;
  }
  return {
    hostname: hostname(),
    platform: platform(),
    uptimeSeconds: uptime(),
    loadAverage: loadavg(),
    cpus: cpus().length,
    memory,
    disk,
  };
}
