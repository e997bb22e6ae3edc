import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from './log.js';
import { type ManagedChild, readyOrKilled, type SpawnHooks, spawnManaged, waitFor } from './processes.js';

/** Must be within what the pinned workerd binary supports (it prints its own date with --version). */
export const COMPATIBILITY_DATE = '2026-11-01';
const DURABLE_OBJECTS = [
  ['DATABASE', 'Database'],
  ['CACHE_STORE', 'CacheStore'],
  ['NATS_BRIDGE', 'NatsBridge'],
  ['USER_SESSION', 'UserSession'],
] as const;

/** Cap'n Proto text literal. */
const text = (value: string) =>
  `"${value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
    .replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;

export interface WorkerdOptions {
  root: string;
  dataDir: string;
  host: string;
  port: number;
  /** Text bindings: the validated configuration the app reads. */
  vars: Record<string, string>;
  /** Benchmarks only: a second worker in the same workerd process, on its own port. */
  baseline?: { modulePath: string; port: number } | undefined;
}

/**
 * Cap'n Proto resolves absolute `embed` paths against its import path, so the bundle is embedded by
 * a path relative to the config file.
 *
 * The config bare workerd runs: the bundled app with its Durable Objects (SQLite storage on local
 * disk, stable unique keys so state survives restarts), the web app as a disk service, and a
 * network service as global outbound so the app reaches PostgreSQL, NATS and external APIs.
 */
export function workerdConfig(opts: WorkerdOptions): string {
  const bindings = [
    ...Object.entries(opts.vars)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`),
    '(name = "ASSETS", service = "web-assets")',
    ...DURABLE_OBJECTS.map(
      ([binding, cls]) => `(name = ${text(binding)}, durableObjectNamespace = ${text(cls)})`,
    ),
    // Password hashing runs in a worker of its own (its own isolate and heap), off the API's.
    '(name = "PASSWORD_HASHER", durableObjectNamespace = (className = "PasswordHasher", serviceName = "password-hasher"))',
  ];
  const namespaces = DURABLE_OBJECTS.map(
    ([, cls]) => `(className = ${text(cls)}, uniqueKey = ${text(`sokoul-${cls}`)}, enableSql = true)`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "sokoul", worker = .app),
    (name = "password-hasher", worker = .passwordHasher),
    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
    (name = "do-storage", disk = (path = ${text(join(opts.dataDir, 'durable-objects'))}, writable = true)),
    (name = "web-assets", disk = (path = ${text(join(opts.root, 'web/dist'))})),${
      opts.baseline ? '\n    (name = "baseline", worker = .baseline),' : ''
    }
  ],
  sockets = [
    (name = "http", address = ${text(`${opts.host}:${opts.port}`)}, http = (), service = "sokoul"),${
      opts.baseline
        ? `\n    (name = "baseline", address = ${text(`127.0.0.1:${opts.baseline.port}`)}, http = (), service = "baseline"),`
        : ''
    }
  ],
);
${
  opts.baseline
    ? `
const baseline :Workerd.Worker = (
  modules = [(name = "baseline.js", esModule = embed ${text(relative(join(opts.dataDir, 'workerd'), opts.baseline.modulePath))})],
  compatibilityDate = ${text(COMPATIBILITY_DATE)},
);
`
    : ''
}
const passwordHasher :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed ${text(relative(join(opts.dataDir, 'workerd'), join(opts.root, 'dist/worker/index.js')))})],
  compatibilityDate = ${text(COMPATIBILITY_DATE)},
  durableObjectNamespaces = [(className = "PasswordHasher", uniqueKey = "sokoul-PasswordHasher")],
  durableObjectStorage = (inMemory = void),
);

const app :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed ${text(relative(join(opts.dataDir, 'workerd'), join(opts.root, 'dist/worker/index.js')))})],
  compatibilityDate = ${text(COMPATIBILITY_DATE)},
  bindings = [
    ${bindings.join(',\n    ')},
  ],
  durableObjectNamespaces = [
    ${namespaces.join(',\n    ')},
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "internet",
);
`;
}

/** The binary the workerd package pins (the version wrangler ships). */
export function workerdBinary(root: string): string {
  const platformBinary = join(root, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');
  return existsSync(platformBinary) ? platformBinary : join(root, 'node_modules/workerd/bin/workerd');
}

export async function startWorkerd(
  opts: WorkerdOptions & { graceMs: number; log: Logger; hooks?: SpawnHooks },
): Promise<ManagedChild> {
  const dir = join(opts.dataDir, 'workerd');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(opts.dataDir, 'durable-objects'), { recursive: true });
  const configFile = join(dir, 'config.capnp');
  // The config holds secrets (JWT key, database password).
  writeFileSync(configFile, workerdConfig(opts), { mode: 0o600 });
  chmodSync(configFile, 0o600);
  const managed = spawnManaged('workerd', workerdBinary(opts.root), ['serve', configFile, '--verbose'], {
    graceMs: opts.graceMs,
    pidDir: join(opts.dataDir, 'run'),
    log: opts.log,
    cwd: opts.root,
    onExit: opts.hooks?.onExit,
  });
  opts.hooks?.onSpawn?.(managed);
  const probeHost = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  await readyOrKilled(managed, () =>
    waitFor(
      'workerd',
      async () => {
        const res = await fetch(`http://${probeHost}:${opts.port}/health`, {
          signal: AbortSignal.timeout(2000),
        });
        await res.arrayBuffer();
        return true;
      },
      // The first start on a new machine (nothing of the binary in the page cache) took over 15 s here.
      60_000,
      () => managed.child.exitCode !== null && 'workerd exited during startup (see its output above)',
    ),
  );
  return managed;
}
