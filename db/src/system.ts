import type { Db } from './db.js';

/**
 * What the admin System page tells about the database server itself. Read-only; no table of its
 * own (the checks, alerts and jobs have their owners in health.ts and jobs.ts).
 */

/** PostgreSQL's version as the server reports it (`15.10 (Debian 15.10-0+deb12u1)`). */
export async function serverVersion(db: Db): Promise<string> {
  const [row] = await db.query<{ version: string }>("SELECT current_setting('server_version') AS version");
  return row?.version ?? '';
}
