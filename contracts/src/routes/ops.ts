import { z } from 'zod';
import { AUTH_ERRORS, errors, jsonContent, noContent, route, USER_AUTH } from '../http.js';
import {
  BACKUP_NAME,
  Backup,
  BackupList,
  Job,
  JobName,
  SampleList,
  SampleQuery,
  SystemOverview,
} from '../ops.js';

const tags = ['System'];
const JobParams = z.object({ name: JobName.meta({ description: 'The job’s name', example: 'backup' }) });
const BackupParams = z.object({
  name: z
    .string()
    .regex(BACKUP_NAME, 'Backup not found')
    .meta({ description: 'The archive’s file name', example: 'sokoul-20261202T031500Z-daily.tar.gz' }),
});

/** The admin System page: health checks, alerts, jobs, backups and the host's samples (admins only). */
export const OpsRoutes = {
  overview: route({
    method: 'get',
    path: '/admin/system',
    tags,
    summary: 'Health checks, current and recent alerts, scheduled jobs, torrent-nodes and versions',
    security: USER_AUTH,
    responses: { 200: jsonContent(SystemOverview, 'The system’s state'), ...errors(...AUTH_ERRORS) },
  }),
  samples: route({
    method: 'get',
    path: '/admin/system/samples',
    tags,
    summary: 'The metrics collector’s samples of one metric (free space of a folder, CPU, memory)',
    security: USER_AUTH,
    request: { query: SampleQuery },
    responses: {
      200: jsonContent(SampleList, 'Oldest first'),
      ...errors(400, ...AUTH_ERRORS),
    },
  }),
  runJob: route({
    method: 'post',
    path: '/admin/jobs/{name}/run',
    tags,
    summary: 'Run a scheduled job now, on one torrent-node; answers once it finished',
    security: USER_AUTH,
    request: { params: JobParams },
    responses: {
      200: jsonContent(Job, 'The job with this run as its last one'),
      ...errors(400, ...AUTH_ERRORS, 404, 409, 503),
    },
  }),
  backups: route({
    method: 'get',
    path: '/admin/backups',
    tags,
    summary: 'The backup archives in BACKUP_DIR, newest first',
    security: USER_AUTH,
    responses: { 200: jsonContent(BackupList, 'The archives'), ...errors(400, ...AUTH_ERRORS, 503) },
  }),
  createBackup: route({
    method: 'post',
    path: '/admin/backups',
    tags,
    summary: 'Back up the database, the secrets and the settings now',
    security: USER_AUTH,
    responses: {
      201: jsonContent(Backup, 'The new archive'),
      ...errors(400, ...AUTH_ERRORS, 409, 503),
    },
  }),
  restoreBackup: route({
    method: 'post',
    path: '/admin/backups/{name}/restore',
    tags,
    summary: 'Restore the database from an archive (every row as it was then); sessions end',
    security: USER_AUTH,
    request: { params: BackupParams },
    responses: {
      204: noContent('Restored'),
      ...errors(400, ...AUTH_ERRORS, 404, 409, 503),
    },
  }),
};
