import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePorts } from '../../launcher/src/ports.js';

/**
 * The download clients people run, for real, on loopback: `qbittorrent-nox` and
 * `transmission-daemon` (Debian's packages), each in a config folder of its own with credentials
 * that are really checked, no DHT/PEX/LSD (peers come from the test's tracker only), a free peer
 * port. Each can be killed with SIGKILL and started again on the same configuration.
 */

export interface RunningClient {
  name: 'qbittorrent' | 'transmission';
  /** What an admin enters as the client's URL. */
  url: string;
  username: string;
  password: string;
  peerPort: number;
  /** The client's own folder (configuration, resume data). */
  home: string;
  process: ChildProcess;
  /** kill -9, waiting for it to be gone. */
  kill(): Promise<void>;
  /** Starts it again on the same configuration and ports; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops it for good (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

const USERNAME = 'sokoul';

/** qBittorrent's WebUI\Password_PBKDF2: PBKDF2-HMAC-SHA512, 100000 iterations, 16-byte salt, 64-byte key. */
function qbittorrentPassword(password: string): string {
  const salt = randomBytes(16);
  const key = pbkdf2Sync(password, salt, 100_000, 64, 'sha512');
  return `@ByteArray(${salt.toString('base64')}:${key.toString('base64')})`;
}

/** Resolves once something answers HTTP at `url` (any status: a login page, a 401, a 409). */
async function answers(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function managed(
  name: RunningClient['name'],
  fields: Omit<RunningClient, 'process' | 'kill' | 'restart' | 'stop' | 'name'>,
  launch: () => ChildProcess,
  probe: string,
): Promise<RunningClient> {
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client: RunningClient = {
    name,
    ...fields,
    process: launch(),
    async kill() {
      const gone = exited(client.process);
      client.process.kill('SIGKILL');
      await gone;
    },
    async restart() {
      await client.kill();
      client.process = launch();
      await answers(probe, client.process, name);
    },
    async stop() {
      const gone = exited(client.process);
      client.process.kill('SIGTERM');
      const timer = setTimeout(() => client.process.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
  return answers(probe, client.process, name).then(() => client);
}

/** qbittorrent-nox's major version (5.x needs --confirm-legal-notice on the command line). */
function qbittorrentMajor(): number {
  const out = execFileSync('qbittorrent-nox', ['--version'], { encoding: 'utf8' });
  return Number(/v(\d+)\./.exec(out)?.[1] ?? 4);
}

export async function startQBittorrent(home: string, password = 'qbt-secret-pass'): Promise<RunningClient> {
  const [webPort, peerPort] = (await freePorts(2)) as [number, number];
  const config = join(home, 'qBittorrent', 'config');
  mkdirSync(config, { recursive: true });
  mkdirSync(join(home, 'default-downloads'), { recursive: true });
  writeFileSync(
    join(config, 'qBittorrent.conf'),
    [
      '[LegalNotice]',
      'Accepted=true',
      '',
      '[BitTorrent]',
      'Session\\DHTEnabled=false',
      'Session\\PeXEnabled=false',
      'Session\\LSDEnabled=false',
      'Session\\AnonymousModeEnabled=false',
      `Session\\Port=${peerPort}`,
      'Session\\Encryption=0',
      `Session\\DefaultSavePath=${join(home, 'default-downloads')}`,
      // Sokoul's own poll is the only thing the test waits on: no queueing limits in the way.
      'Session\\QueueingSystemEnabled=false',
      // Every peer of a test is 127.0.0.1: libtorrent otherwise keeps one connection per address,
      // and the tracker lists qBittorrent itself among the peers.
      'Session\\MultiConnectionsPerIp=true',
      '',
      '[Preferences]',
      'WebUI\\Address=127.0.0.1',
      `WebUI\\Port=${webPort}`,
      `WebUI\\Username=${USERNAME}`,
      `WebUI\\Password_PBKDF2="${qbittorrentPassword(password)}"`,
      // Loopback clients log in like any other: the credentials are really checked.
      'WebUI\\LocalHostAuth=true',
      'WebUI\\HostHeaderValidation=false',
      'WebUI\\CSRFProtection=false',
      'WebUI\\UPnP=false',
      'Connection\\UPnP=false',
      'General\\Locale=en',
      '',
    ].join('\n'),
  );
  const args = [`--profile=${home}`, ...(qbittorrentMajor() >= 5 ? ['--confirm-legal-notice'] : [])];
  const launch = () => spawn('qbittorrent-nox', args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${webPort}`;
  return managed(
    'qbittorrent',
    { url, username: USERNAME, password, peerPort, home },
    launch,
    `${url}/api/v2/app/version`,
  );
}

export async function startTransmission(
  home: string,
  downloadDir: string,
  password = 'tr-secret-pass',
): Promise<RunningClient> {
  const [rpcPort, peerPort] = (await freePorts(2)) as [number, number];
  mkdirSync(home, { recursive: true });
  mkdirSync(downloadDir, { recursive: true });
  // Transmission replaces the plain password with its salted hash when it starts.
  writeFileSync(
    join(home, 'settings.json'),
    JSON.stringify(
      {
        'rpc-enabled': true,
        'rpc-bind-address': '127.0.0.1',
        'rpc-port': rpcPort,
        'rpc-authentication-required': true,
        'rpc-username': USERNAME,
        'rpc-password': password,
        'rpc-whitelist-enabled': true,
        'rpc-whitelist': '127.0.0.1',
        'rpc-host-whitelist-enabled': false,
        'peer-port': peerPort,
        'peer-port-random-on-start': false,
        'port-forwarding-enabled': false,
        'dht-enabled': false,
        'lpd-enabled': false,
        'pex-enabled': false,
        'utp-enabled': false,
        'download-dir': downloadDir,
        'incomplete-dir-enabled': false,
        'rename-partial-files': true,
        'start-added-torrents': true,
        'download-queue-enabled': false,
        'seed-queue-enabled': false,
        encryption: 1,
        'message-level': 1,
      },
      null,
      2,
    ),
  );
  const launch = () => spawn('transmission-daemon', ['-f', '-g', home], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${rpcPort}/transmission/rpc`;
  return managed('transmission', { url, username: USERNAME, password, peerPort, home }, launch, url);
}

export interface QBittorrent5Facade {
  url: string;
  /** `METHOD /path` of every request that reached it. */
  seen: string[];
  /** `torrents/add` forms that carried 4.x's `paused` (5.x ignores it) and 5.x's `stopped`. */
  pausedFields: number;
  stoppedFields: number;
  close(): Promise<void>;
}

/**
 * qBittorrent 5's WebUI API (2.11) in front of a real 4.x, for the renames 5.0 made: it reports
 * API 2.11.2 and v5.0.4, answers 404 to `torrents/pause` and `torrents/resume` (gone in 5.0), takes
 * `torrents/stop`, `torrents/start` and add's `stopped` (passed to 4.x as pause/resume/`paused`),
 * and reports the `stoppedDL` / `stoppedUP` states. Everything else goes through unchanged.
 * Only the renames are emulated: what 5.x changed otherwise is not.
 */
export async function startQBittorrent5Facade(target: string): Promise<QBittorrent5Facade> {
  const facade: QBittorrent5Facade = {
    url: '',
    seen: [],
    pausedFields: 0,
    stoppedFields: 0,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://facade');
      facade.seen.push(`${req.method} ${url.pathname}`);
      let path = url.pathname;
      if (path === '/api/v2/app/webapiVersion') return res.end('2.11.2');
      if (path === '/api/v2/app/version') return res.end('v5.0.4');
      if (path === '/api/v2/torrents/pause' || path === '/api/v2/torrents/resume') {
        res.statusCode = 404;
        return res.end('Not Found');
      }
      if (path === '/api/v2/torrents/stop') path = '/api/v2/torrents/pause';
      if (path === '/api/v2/torrents/start') path = '/api/v2/torrents/resume';
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let body = Buffer.concat(chunks);
      if (path === '/api/v2/torrents/add') {
        const form = body.toString('latin1');
        if (form.includes('name="paused"')) facade.pausedFields += 1;
        if (form.includes('name="stopped"')) facade.stoppedFields += 1;
        body = Buffer.from(form.replaceAll('name="stopped"', 'name="paused"'), 'latin1');
      }
      const headers = new Headers();
      for (const name of ['cookie', 'content-type', 'authorization']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      const answer = await fetch(`${target}${path}${url.search}`, {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        redirect: 'manual',
      });
      let out = Buffer.from(await answer.arrayBuffer());
      if (path === '/api/v2/torrents/info')
        out = Buffer.from(out.toString('utf8').replace(/"paused(DL|UP)"/g, '"stopped$1"'));
      res.statusCode = answer.status;
      const type = answer.headers.get('content-type');
      if (type) res.setHeader('content-type', type);
      const cookies = answer.headers.getSetCookie();
      if (cookies.length > 0) res.setHeader('set-cookie', cookies);
      res.end(out);
    })().catch(() => {
      res.statusCode = 502;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  facade.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  facade.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return facade;
}
