import type { IndexerHealth, IndexerReport } from './search.js';

/**
 * The one guard on requests to URLs users configure (the Torznab indexers an admin adds): the API
 * checks them when an admin adds or edits one, torrent-node again on every request, after resolving
 * the name (a DNS name can point anywhere, and change). Loopback, link-local, private and other
 * non-public ranges are refused unless the administrator allows them (INDEXER_ALLOW_PRIVATE: an
 * indexer on the LAN is legitimate), so an indexer URL cannot be used to probe the internal network.
 *
 * Addresses are read as the WHATWG URL parser (and so fetch) reads them: `http://2130706433/`,
 * `http://0177.0.0.1/` and `http://0x7f.1/` are all 127.0.0.1; IPv6 forms that embed an IPv4
 * address (mapped `::ffff:a.b.c.d`, compatible, NAT64, 6to4) are judged by that address.
 */

export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

/** [first address, prefix length] of the IPv4 ranges that are not the public internet. */
const IPV4_BLOCKED: [string, number, string][] = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const ipv4ToInt = (address: string): number | null => {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
};

const intToIpv4 = (value: number) =>
  [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');

function ipv4Range(address: string): string | null {
  const value = ipv4ToInt(address);
  if (value === null) return 'unreadable';
  for (const [first, bits, what] of IPV4_BLOCKED) {
    const base = ipv4ToInt(first) as number;
    const size = 2 ** (32 - bits);
    if (value >= base && value < base + size) return what;
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address (with or without brackets), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4?.[1]) {
    const value = ipv4ToInt(v4[1]);
    if (value === null) return null;
    tail = [value >>> 16, value & 0xffff];
    text = text.slice(0, -v4[1].length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const groups = [...head, ...rest].map((g) =>
    /^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN,
  );
  if (groups.some(Number.isNaN)) return null;
  const missing = 8 - groups.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...groups.slice(0, head.length), ...Array(missing).fill(0), ...groups.slice(head.length), ...tail];
}

function ipv6Range(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g) return 'unreadable';
  const [a = 0, b = 0] = g;
  const embedded = (hi: number, lo: number) => ipv4Range(intToIpv4(hi * 65536 + lo));
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64): the IPv4 decides.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0))
    return embedded(g[6] ?? 0, g[7] ?? 0);
  if (a === 0x64 && b === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return embedded(g[6] ?? 0, g[7] ?? 0);
  if (a === 0x2002) return embedded(b, g[2] ?? 0);
  if ((a & 0xfe00) === 0xfc00) return 'unique local (private)';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'site-local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  if (a === 0x2001 && b === 0x0db8) return 'documentation';
  if (a === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'discard';
  return null;
}

/** Why an IP address (IPv4 dotted, or IPv6) is not a public one, or null when it is. */
export function nonPublicRange(address: string): string | null {
  return address.includes(':') ? ipv6Range(address) : ipv4Range(address);
}

/** Host names that are this machine or its local network by definition. */
const LOCAL_NAMES = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/i;

export interface OutboundPolicy {
  /** INDEXER_ALLOW_PRIVATE: the administrator allows the LAN (and this machine). */
  allowPrivate: boolean;
}

/**
 * Checks a user-configured URL before anything is sent: http(s) only, no credentials in it, and
 * (unless allowed) no host that is a non-public address or a local name. Returns the URL as fetch
 * will read it; throws `OutboundRefused` saying why. A DNS name passes here: where it points is
 * checked when it is resolved (`checkResolved`).
 */
export function checkOutboundUrl(input: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutboundRefused('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OutboundRefused('must be http or https');
  if (url.username || url.password) throw new OutboundRefused('must not carry credentials (use the API key)');
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/\.$/, '');
  const isIp = host.startsWith('[') || /^\d+(\.\d+){3}$/.test(host);
  const range = isIp ? nonPublicRange(host) : LOCAL_NAMES.test(host) ? 'local' : null;
  if (range) {
    throw new OutboundRefused(
      `points to a ${range} address, which indexers may not use unless INDEXER_ALLOW_PRIVATE is set`,
    );
  }
  return url;
}

/** Checks the addresses a host name resolved to: every one must be public (unless allowed). */
export function checkResolved(host: string, addresses: readonly string[], policy: OutboundPolicy): void {
  if (policy.allowPrivate) return;
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) {
      throw new OutboundRefused(
        `${host} resolves to a ${range} address, which indexers may not use unless INDEXER_ALLOW_PRIVATE is set`,
      );
    }
  }
}

/** A zod check for an indexer URL in a request body, with the API's policy. */
export const outboundUrlIssue = (value: string, policy: OutboundPolicy): string | null => {
  try {
    checkOutboundUrl(value, policy);
    return null;
  } catch (error) {
    return error instanceof OutboundRefused ? error.message : 'is not a usable URL';
  }
};

/** What a member sees of an indexer that did not answer: that it did not, not why. */
export const INDEXER_UNAVAILABLE = 'indexer unavailable';

/**
 * An indexer's outcome as a non-admin sees it. The reason (connection refused, an HTTP status, a
 * malformed answer) tells an open port from a closed one: it is for admins and the logs.
 */
export const reportForMember = (report: IndexerReport): IndexerReport =>
  report.status === 'ok' ? report : { ...report, error: INDEXER_UNAVAILABLE };

export const healthForMember = (health: IndexerHealth): IndexerHealth => ({ ...health, lastError: null });
