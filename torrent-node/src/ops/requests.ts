import {
  BACKUP_NAME,
  type Backup,
  type BackupList,
  type Logger,
  OpsReply,
  OpsRequest,
  Subjects,
} from '@sokoul/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { Scheduler } from './scheduler.js';

/** What the responder needs of the backups (torrent-node's BACKUP_DIR). */
export interface BackupOps {
  list(): Promise<BackupList>;
  /** A manual backup, taken through the scheduler's `backup` job (its lease, its recorded run). */
  create(userId: string): Promise<Backup>;
  /** Replaces the database's content with the archive's; throws a RequestError when refused. */
  restore(name: string, userId: string): Promise<Backup>;
}

/** A refusal the API maps to its status (`not_found`, `conflict`, `bad_request`…). */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const json = JSONCodec<unknown>();

/**
 * Answers the API's operations requests (Subjects.opsRequest, a queue group: one node answers each):
 * run a job now, list, create and restore backups. Every answer is an OpsReply; nothing throws to
 * NATS.
 */
export function startOpsResponder(deps: {
  nc: NatsConnection;
  scheduler: Scheduler;
  backups: BackupOps;
  log: Logger;
}): Subscription {
  const log = deps.log.child({ module: 'ops-requests' });
  return deps.nc.subscribe(Subjects.opsRequest, {
    queue: 'torrent-node.ops',
    // NATS does not wait for an async callback: its promise must never reject.
    callback: async (err, msg) => {
      if (err) return;
      const reply = await answer(msg.data, deps, log);
      try {
        msg.respond(json.encode(OpsReply.parse(reply)));
      } catch (error) {
        log.warn('cannot answer an ops request', { error: String(error) });
      }
    },
  });
}

async function answer(
  data: Uint8Array,
  deps: { scheduler: Scheduler; backups: BackupOps },
  log: Logger,
): Promise<OpsReply> {
  let request: OpsRequest;
  try {
    request = OpsRequest.parse(json.decode(data));
  } catch {
    return { ok: false, code: 'bad_request', message: 'Not an operations request' };
  }
  try {
    switch (request.op) {
      case 'job.run': {
        log.info('job run asked', { job: request.job, userId: request.userId });
        const outcome = await deps.scheduler.runNow(request.job, request.userId);
        return outcome.ok ? { ok: true, job: outcome.job } : outcome;
      }
      case 'backup.list':
        return { ok: true, backups: await deps.backups.list() };
      case 'backup.create':
        log.info('backup asked', { userId: request.userId });
        return { ok: true, backup: await deps.backups.create(request.userId) };
      case 'backup.restore':
        if (!BACKUP_NAME.test(request.name))
          return { ok: false, code: 'bad_request', message: 'Not a backup archive’s name' };
        log.warn('restore asked', { name: request.name, userId: request.userId });
        return { ok: true, backup: await deps.backups.restore(request.name, request.userId) };
    }
  } catch (error) {
    if (error instanceof RequestError) return { ok: false, code: error.code, message: error.message };
    log.error('ops request failed', { op: request.op, error: String(error) });
    return {
      ok: false,
      code: 'internal',
      message: error instanceof Error ? error.message : 'The operation failed',
    };
  }
}
