import { type JobName, OpsRoutes, type SampleMetric } from '@sokoul/contracts';
import { call } from './client.js';

/** The admin System page: health checks, alerts, jobs, backups, the metrics collector's samples. */
export const opsApi = {
  overview: () => call(OpsRoutes.overview),
  samples: (metric: SampleMetric, hours: number) => call(OpsRoutes.samples, { query: { metric, hours } }),
  runJob: (name: JobName) => call(OpsRoutes.runJob, { params: { name } }),
  backups: () => call(OpsRoutes.backups),
  createBackup: () => call(OpsRoutes.createBackup),
  restore: (name: string) => call(OpsRoutes.restoreBackup, { params: { name } }),
};
