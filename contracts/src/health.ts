import { z } from 'zod';
import { EngineInfo } from './downloads.js';
import { NodeSeen } from './ops.js';

export const DependencyName = z.enum(['database', 'nats', 'cache', 'torrentNode']);
export type DependencyName = z.infer<typeof DependencyName>;

export const DependencyHealth = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().nullable(),
  detail: z.string().optional(),
});
export type DependencyHealth = z.infer<typeof DependencyHealth>;

export const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  checkedAt: z.string(),
  checks: z.record(DependencyName, DependencyHealth),
  /** Names of the dependencies that are down; empty when status is ok. */
  failing: z.array(DependencyName),
  /**
   * The download engines torrent-node runs and whether each works (empty when it does not answer).
   * Information only: a client or Real-Debrid down does not degrade the report (a healthcheck
   * would restart Sokoul for what it cannot fix).
   */
  engines: z.array(EngineInfo),
  /**
   * The torrent-nodes by their heartbeats (ops_nodes), alive or not; empty when the database does
   * not answer. Information only, like `engines`: the probe above decides `torrentNode`.
   */
  nodes: z.array(NodeSeen).default([]),
});
export type HealthReport = z.infer<typeof HealthReport>;
