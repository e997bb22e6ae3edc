import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { checkOutboundUrl, checkResolved, type OutboundPolicy, OutboundRefused } from '@sokoul/contracts';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';

export type { OutboundPolicy };
export { OutboundRefused };

/**
 * Requests to the URLs admins configure (their Torznab indexers, and what FlareSolverr is asked to
 * open), through contracts' outbound guard: the URL is checked as written, its name once resolved
 * (every address must be public unless INDEXER_ALLOW_PRIVATE), and the connection is made to the
 * address that was checked (the lookup is the guard's: a name cannot resolve to a public address
 * for the check and a private one for the connection). Redirects are followed by hand, each
 * hop checked the same way.
 */

const MAX_REDIRECTS = 5;

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A DNS lookup that refuses names resolving to addresses the policy does not allow. */
function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        checkResolved(
          hostname,
          addresses.map((a) => a.address),
          policy,
        );
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, []);
      }
      const [first] = addresses;
      if (options.all) return callback(null, addresses);
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

const agents = new Map<boolean, Dispatcher>();
function pinnedAgent(policy: OutboundPolicy): Dispatcher {
  let agent = agents.get(policy.allowPrivate);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy) as never } });
    agents.set(policy.allowPrivate, agent);
  }
  return agent;
}

/** Resolves a host name and checks every address (for requests another program makes for us). */
export async function checkHost(url: URL, policy: OutboundPolicy): Promise<void> {
  if (policy.allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return; // Literal addresses were checked with the URL.
  const addresses = await new Promise<string[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, found) =>
      error ? reject(error) : resolve(found.map((a) => a.address)),
    ),
  );
  checkResolved(host, addresses, policy);
}

/**
 * Checks a URL (as written, and where its name points) before another service is asked to open it
 * (FlareSolverr): throws `OutboundRefused`.
 */
export async function checkOutbound(input: string | URL, policy: OutboundPolicy): Promise<URL> {
  const url = checkOutboundUrl(String(input), policy);
  await checkHost(url, policy);
  return url;
}

/**
 * fetch for a user-configured URL. `through` is a proxy's fetch (the indexers' VPN): the proxy
 * resolves the name itself, so the name is checked here beforehand; without one, the connection
 * goes to the very address the guard checked. Throws `OutboundRefused` for a refused hop.
 */
export async function guardedFetch(
  input: string | URL,
  init: RequestInit,
  policy: OutboundPolicy,
  through?: typeof fetch,
): Promise<Response> {
  let url = checkOutboundUrl(String(input), policy);
  for (let hop = 0; ; hop++) {
    let response: Response;
    if (through) {
      await checkHost(url, policy);
      response = await through(url, { ...init, redirect: 'manual' });
    } else {
      try {
        response = (await undiciFetch(url, {
          ...(init as object),
          redirect: 'manual',
          dispatcher: pinnedAgent(policy),
        })) as unknown as Response;
      } catch (error) {
        // The guard's lookup refusing the name surfaces as fetch's cause.
        const cause = (error as { cause?: unknown }).cause;
        if (cause instanceof OutboundRefused) throw cause;
        throw error;
      }
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new OutboundRefused(`redirected more than ${MAX_REDIRECTS} times`);
    url = checkOutboundUrl(new URL(location, url).href, policy);
  }
}
