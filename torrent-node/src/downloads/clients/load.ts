import { ExternalClientName, type Logger, type TorrentNodeConfig } from '@sokoul/contracts';
import { type Db, listDownloadClients } from '@sokoul/db';
import type { Engines } from '../engines.js';
import { QBittorrentEngine } from './qbittorrent.js';
import { TransmissionEngine } from './transmission.js';

/**
 * Builds the engines of the external clients an admin configured, and rebuilds them when that
 * configuration changes (`reload` after the API's `clients` control message): a changed client's
 * engine is replaced, a removed or disabled one destroyed (the torrents stay in the client).
 */
export function clientLoader(engines: Engines, deps: { db: Db; config: TorrentNodeConfig; log: Logger }) {
  const versions = new Map<ExternalClientName, string>();
  return async function reload(): Promise<void> {
    const stored = await listDownloadClients(deps.db);
    for (const name of ExternalClientName.options) {
      const client = stored.find((c) => c.name === name && c.enabled);
      const version = client ? JSON.stringify(client) : undefined;
      if (version === versions.get(name)) continue;
      const old = engines.delete(name);
      versions.delete(name);
      if (old) await old.destroy();
      if (!client || !version) continue;
      const opts = { client, config: deps.config, log: deps.log.child({ module: name }) };
      engines.set(name === 'qbittorrent' ? new QBittorrentEngine(opts) : new TransmissionEngine(opts));
      versions.set(name, version);
      deps.log.info('download client configured', { client: name, url: client.url });
    }
  };
}
