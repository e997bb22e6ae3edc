import type { TorrentNodeConfig } from '@sokoul/contracts';
import { type Db, enabledIndexers } from '@sokoul/db';
import { socksDispatcher } from 'fetch-socks';
import { type Dispatcher, ProxyAgent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import type { TorznabEndpoint } from './torznab.js';

/** fetch through an HTTP proxy (CONNECT tunnels) or a SOCKS5 one, one agent per proxy URL. */
const agents = new Map<string, Dispatcher>();
function proxiedFetch(proxyUrl: string): typeof fetch {
  let agent = agents.get(proxyUrl);
  if (!agent) {
    const url = new URL(proxyUrl);
    agent = url.protocol.startsWith('socks')
      ? socksDispatcher({
          type: 5,
          host: url.hostname,
          port: Number(url.port || 1080),
          userId: url.username ? decodeURIComponent(url.username) : undefined,
          password: url.password ? decodeURIComponent(url.password) : undefined,
        })
      : new ProxyAgent(proxyUrl);
    agents.set(proxyUrl, agent);
  }
  const dispatcher = agent;
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

const ProwlarrIndexer = z.object({ id: z.number().int(), name: z.string(), enable: z.boolean() });

/**
 * The Torznab endpoints to search: Jackett's aggregate endpoint (every indexer configured in it),
 * each enabled indexer of Prowlarr (it serves one Torznab endpoint per indexer), and the endpoints
 * an admin added (some through FlareSolverr).
 */
export async function configuredIndexers(
  config: TorrentNodeConfig,
  db: Db,
): Promise<{ endpoints: TorznabEndpoint[]; errors: string[] }> {
  const endpoints: TorznabEndpoint[] = [];
  const errors: string[] = [];
  const timeoutMs = config.INDEXER_TIMEOUT_MS;
  if (config.JACKETT_URL) {
    endpoints.push({
      name: 'Jackett',
      url: `${config.JACKETT_URL.replace(/\/+$/, '')}/api/v2.0/indexers/all/results/torznab/api`,
      apiKey: config.JACKETT_API_KEY,
      timeoutMs,
    });
  }
  if (config.PROWLARR_URL) {
    const base = config.PROWLARR_URL.replace(/\/+$/, '');
    try {
      const response = await fetch(`${base}/api/v1/indexer`, {
        headers: { 'x-api-key': config.PROWLARR_API_KEY ?? '' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const indexers = z.array(ProwlarrIndexer).parse(await response.json());
      for (const indexer of indexers.filter((i) => i.enable)) {
        endpoints.push({
          name: indexer.name,
          url: `${base}/${indexer.id}/api`,
          apiKey: config.PROWLARR_API_KEY,
          timeoutMs,
        });
      }
    } catch (error) {
      errors.push(
        `Prowlarr's indexer list is unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  // Added indexers are usually remote trackers: they go through the VPN's proxy when there is one,
  // unless an admin unticked it for one (a LAN indexer, a tracker that bans the VPN's addresses).
  const proxied = config.INDEXER_PROXY_URL ? proxiedFetch(config.INDEXER_PROXY_URL) : undefined;
  for (const indexer of await enabledIndexers(db)) {
    if (indexer.useFlareSolverr && !config.FLARESOLVERR_URL) {
      errors.push(`${indexer.name} needs FlareSolverr, but FLARESOLVERR_URL is not set`);
      continue;
    }
    endpoints.push({
      name: indexer.name,
      url: indexer.url,
      apiKey: indexer.apiKey ?? undefined,
      timeoutMs,
      flareSolverrUrl: indexer.useFlareSolverr ? config.FLARESOLVERR_URL : undefined,
      fetch: indexer.useProxy ? proxied : undefined,
      // An admin's URL: the outbound guard decides what it may reach (not the LAN, unless allowed).
      outbound: { allowPrivate: config.INDEXER_ALLOW_PRIVATE },
    });
  }
  return { endpoints, errors };
}
