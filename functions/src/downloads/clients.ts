import type {
  DownloadClient,
  DownloadClientInput,
  DownloadClientList,
  ExternalClientName,
} from '@sokoul/contracts';
import {
  deleteDownloadClient,
  listDownloadClients,
  type StoredDownloadClient,
  saveDownloadClient,
} from '@sokoul/db';
import { assertAdmin } from '../auth/roles.js';
import type { Deps, Principal } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { type EngineView, engineView, stateOf } from './engines.js';
import { wake } from './service.js';

/**
 * The external download clients (qBittorrent, Transmission) an admin points Sokoul at. The API
 * stores them and tells torrent-node to read them again; whether one works is torrent-node's to
 * say (its health answer). Passwords are written, never read back.
 */

/** `/`-separated segments with `.` and `..` resolved: the API runs on workerd, with no file system. */
function resolvePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

const isInside = (path: string, root: string) =>
  path === root || path.startsWith(root === '/' ? '/' : `${root}/`);

function shown(view: EngineView, stored: StoredDownloadClient): DownloadClient {
  const { password, ...rest } = stored;
  return { ...rest, hasPassword: password !== '', ...stateOf(view, stored.name) };
}

async function currentList(deps: Deps): Promise<DownloadClientList> {
  const [view, stored] = await Promise.all([engineView(deps), listDownloadClients(deps.infra.db)]);
  return { clients: stored.map((client) => shown(view, client)) };
}

/** GET /admin/download-clients. */
export async function clients(deps: Deps, principal: Principal): Promise<DownloadClientList> {
  assertAdmin(principal);
  return currentList(deps);
}

/**
 * PUT /admin/download-clients/:name. `localPath` must lie inside DOWNLOAD_DIR: torrent-node imports
 * and streams the client's files from there, and serves nothing outside its media folders.
 */
export async function setClient(
  deps: Deps,
  principal: Principal,
  name: ExternalClientName,
  input: DownloadClientInput,
): Promise<DownloadClientList> {
  assertAdmin(principal);
  // The launcher hands the API an absolute DOWNLOAD_DIR (the one torrent-node gets).
  const root = resolvePath(deps.config.DOWNLOAD_DIR);
  const localPath = resolvePath(input.localPath);
  if (!isInside(localPath, root)) {
    const message = `must be inside DOWNLOAD_DIR (${root}): the folder where Sokoul sees the client's downloads`;
    throw new ApiError(400, 'validation_failed', `Invalid body: localPath ${message}`, {}, [
      { path: 'localPath', message },
    ]);
  }
  await saveDownloadClient(deps.infra.db, name, { ...input, localPath });
  wake(deps, { action: 'clients' });
  return currentList(deps);
}

/** DELETE /admin/download-clients/:name: torrent-node stops driving it. */
export async function removeClient(
  deps: Deps,
  principal: Principal,
  name: ExternalClientName,
): Promise<void> {
  assertAdmin(principal);
  if (!(await deleteDownloadClient(deps.infra.db, name))) throw notFound('Download client');
  wake(deps, { action: 'clients' });
}
