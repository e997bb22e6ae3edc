import { z } from 'zod';

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
});
export type HealthReport = z.infer<typeof HealthReport>;
