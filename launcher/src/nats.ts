import { accessSync, chmodSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Logger } from './log.js';
import { portOpen } from './ports.js';
import { type ManagedChild, readyOrKilled, type SpawnHooks, spawnManaged, waitFor } from './processes.js';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'];

export function findNatsServer(configured?: string): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'nats-server'));
  for (const path of configured ? [configured] : [...dirs, ...CANDIDATES]) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return null;
}

/**
 * Whether the server at `port` accepts `token`: CONNECT with it, then PING, and a PONG back (an
 * authorization error or a closed socket is a no). The launcher's own probe is a client like any
 * other, so it presents the token too.
 */
export function natsAccepts(port: number, token: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let heard = '';
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => {
      const first = heard === '';
      heard += String(chunk);
      if (first) {
        const options = { verbose: false, pedantic: false, name: 'sokoul-launcher', auth_token: token };
        socket.write(`CONNECT ${JSON.stringify(options)}\r\nPING\r\n`);
      }
      if (heard.includes('PONG')) finish(true);
      else if (heard.includes('-ERR')) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/** The embedded server's configuration: token required on both listeners, loopback only. */
export function natsServerConfig(opts: { dir: string; port: number; wsPort: number; token: string }): string {
  return [
    `listen: 127.0.0.1:${opts.port}`,
    `jetstream { store_dir: ${JSON.stringify(join(opts.dir, 'jetstream'))} }`,
    // Every client, over TCP or WebSocket, presents the token; none is let in without it.
    `authorization { token: ${JSON.stringify(opts.token)} }`,
    // For nats.ws on workerd, which sends no Origin. A web page (which always sends one) is refused:
    // no page is served from this listener's own origin, so same_origin refuses every browser.
    `websocket { host: 127.0.0.1, port: ${opts.wsPort}, no_tls: true, same_origin: true }`,
    '',
  ].join('\n');
}

/**
 * A nats-server child with JetStream and a WebSocket listener (for nats.ws on workerd), on
 * loopback, requiring `token`. Started again after a crash on the same ports and store.
 */
export async function startNatsServer(opts: {
  bin: string;
  dataDir: string;
  port: number;
  wsPort: number;
  token: string;
  graceMs: number;
  log: Logger;
  hooks?: SpawnHooks;
}): Promise<ManagedChild & { url: string; wsUrl: string; token: string }> {
  const dir = join(opts.dataDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'nats-server.conf');
  // It holds the token.
  writeFileSync(
    configFile,
    natsServerConfig({ dir, port: opts.port, wsPort: opts.wsPort, token: opts.token }),
    {
      mode: 0o600,
    },
  );
  chmodSync(configFile, 0o600);
  if (await portOpen(opts.port)) {
    throw new Error(`port ${opts.port} is already in use; set EMBEDDED_NATS_PORT or NATS_URL`);
  }
  const managed = spawnManaged('nats', opts.bin, ['-c', configFile], {
    graceMs: opts.graceMs,
    pidDir: join(opts.dataDir, 'run'),
    log: opts.log,
    stdio: ['ignore', 'ignore', 'ignore'],
    onExit: opts.hooks?.onExit,
  });
  opts.hooks?.onSpawn?.(managed);
  await readyOrKilled(managed, () =>
    waitFor(
      'nats-server',
      async () => (await natsAccepts(opts.port, opts.token)) && portOpen(opts.wsPort),
      10_000,
      () => managed.child.exitCode !== null && 'nats-server exited during startup',
    ),
  );
  return {
    ...managed,
    url: `nats://127.0.0.1:${opts.port}`,
    wsUrl: `ws://127.0.0.1:${opts.wsPort}`,
    token: opts.token,
  };
}

export const NATS_INSTALL_HINT =
  'nats-server was not found. Install it (Debian/Ubuntu: `apt-get install nats-server`; or download it from the NATS ' +
  'project), put it on PATH or set NATS_SERVER_BIN, or point NATS_URL and NATS_WS_URL at an existing server.';
