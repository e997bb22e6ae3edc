import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from './log.js';
import { portOpen } from './ports.js';
import { type Managed, spawnManaged, waitFor } from './processes.js';

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

/** A nats-server child with JetStream and a WebSocket listener (for nats.ws on workerd), on loopback. */
export async function startNatsServer(opts: {
  bin: string;
  dataDir: string;
  port: number;
  wsPort: number;
  token?: string | undefined;
  graceMs: number;
  log: Logger;
}): Promise<Managed & { url: string; wsUrl: string }> {
  const dir = join(opts.dataDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'nats-server.conf');
  writeFileSync(
    configFile,
    [
      `listen: 127.0.0.1:${opts.port}`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'jetstream'))} }`,
      `websocket { host: 127.0.0.1, port: ${opts.wsPort}, no_tls: true }`,
      opts.token ? `authorization { token: ${JSON.stringify(opts.token)} }` : '',
      '',
    ].join('\n'),
  );
  if (await portOpen(opts.port)) {
    throw new Error(`port ${opts.port} is already in use; set EMBEDDED_NATS_PORT or NATS_URL`);
  }
  const managed = spawnManaged('nats', opts.bin, ['-c', configFile], {
    graceMs: opts.graceMs,
    pidDir: join(opts.dataDir, 'run'),
    log: opts.log,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await waitFor(
    'nats-server',
    async () => (await portOpen(opts.port)) && portOpen(opts.wsPort),
    10_000,
    () => managed.child.exitCode !== null && 'nats-server exited during startup',
  );
  return { ...managed, url: `nats://127.0.0.1:${opts.port}`, wsUrl: `ws://127.0.0.1:${opts.wsPort}` };
}

export const NATS_INSTALL_HINT =
  'nats-server was not found. Install it (Debian/Ubuntu: `apt-get install nats-server`; or download it from the NATS ' +
  'project), put it on PATH or set NATS_SERVER_BIN, or point NATS_URL and NATS_WS_URL at an existing server.';
