import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ApiConfigSchema, type HealthReport, parseConfig, type StreamSourceList } from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrate } from '../launcher/src/migrate.js';
import { freePorts } from '../launcher/src/ports.js';
import { COMPATIBILITY_DATE, workerdBinary, workerdConfig } from '../launcher/src/workerd.js';
import { api, eventually } from './helpers/api.js';
import { FAKE_V3_KEY, startFakeTmdb } from './helpers/fake-tmdb.js';
import { captureLogger } from './helpers/logger.js';
import {
  createTestDatabase,
  dropTestDatabase,
  MACHINE_PG,
  MACHINE_REDIS,
  ROOT,
  startEnvironment,
  tmdbSettings,
} from './helpers/stack.js';

// Imported by a computed specifier so the tests' type check does not compile workerd code.
interface BindingsModule {
  databaseUrl(env: Record<string, unknown>): string | undefined;
  textBindings(env: Record<string, unknown>): Record<string, string>;
}
const BINDINGS_MODULE = '../durable-objects/src/bindings.js';
const { databaseUrl, textBindings } = (await import(BINDINGS_MODULE)) as BindingsModule;

/**
 * The deployments as far as this machine can check them: the edge configuration through wrangler
 * itself (offline dry-run and its generated types), the GitHub workflows against .ci/run and the
 * Dockerfiles, the Dockerfiles against the repository, and the changelog script on a real git
 * history.
 */

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temp) spawnSync('rm', ['-rf', dir]);
});

/** wrangler offline: no account, no telemetry, no prompts. */
function wrangler(args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CI: '1',
      NO_COLOR: '1',
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_SEND_ERROR_REPORTS: 'false',
    },
  });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** The bindings wrangler itself reads from a configuration: `wrangler types`' Env, name -> type. */
function declaredBindings(config: string): Map<string, string> {
  const out = join(tempDir('sokoul-types-'), 'env.d.ts');
  wrangler(['types', '-c', config, '--include-runtime=false', out]);
  const body = /interface __BaseEnv_Env \{\n([\s\S]*?)\n\}/.exec(readFileSync(out, 'utf8'))?.[1] ?? '';
  return new Map(
    [...body.matchAll(/^\s+([A-Z][A-Z0-9_]*)\??: (.+);$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

let built: { dir: string; output: string } | undefined;
/** The edge bundle, as `wrangler deploy --dry-run -c wrangler.edge.toml` writes it (once per run). */
function edgeBundle() {
  if (!built) {
    const dir = tempDir('sokoul-edge-');
    built = { dir, output: wrangler(['deploy', '--dry-run', '--outdir', dir, '-c', 'wrangler.edge.toml']) };
  }
  return built;
}

/** The members of durable-objects/src/env.ts's Env: what the app's code is handed. */
function envMembers(): Map<string, string> {
  const body = /export interface Env extends Bindings \{([\s\S]*?)\n\}/.exec(
    read('durable-objects/src/env.ts'),
  )?.[1];
  return new Map(
    [...(body ?? '').matchAll(/^\s+([A-Z][A-Z0-9_]*)\??: ([^;]+);/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** The required keys of a schema: what parsing an empty record complains about. */
function requiredKeys(): string[] {
  const result = ApiConfigSchema.safeParse({});
  return result.success ? [] : [...new Set(result.error.issues.map((i) => String(i.path[0])))];
}

const migrations = (toml: string) =>
  toml
    .split(/\n(?=\[)/)
    .filter((section) => section.startsWith('[[migrations]]'))
    .map((section) => section.replace(/#.*$/gm, '').trim());

describe('the edge deployment (wrangler.edge.toml)', () => {
  let edge: Map<string, string>;
  const edgeToml = read('wrangler.edge.toml');
  beforeAll(() => {
    edge = declaredBindings('wrangler.edge.toml');
  }, 120_000);

  it('declares every binding the code is handed, with the same Durable Object classes', () => {
    const members = envMembers();
    expect([...members.keys()]).toEqual(
      expect.arrayContaining([
        'DATABASE',
        'CACHE_STORE',
        'NATS_BRIDGE',
        'USER_SESSION',
        'PASSWORD_HASHER',
        'ASSETS',
        'HYPERDRIVE',
      ]),
    );
    for (const [name, type] of members) {
      const declared = edge.get(name);
      expect(declared, `${name} is not declared in wrangler.edge.toml`).toBeDefined();
      const cls = /^DurableObjectNamespace<(\w+)>$/.exec(type)?.[1];
      if (cls) expect(declared).toMatch(new RegExp(`^DurableObjectNamespace<import\\(".*"\\)\\.${cls}>$`));
      else expect(declared, name).toBe(type.replace(/\s/g, ''));
    }
    // The same objects and migration history as the self-hosted bundle's wrangler.toml, and as the
    // workerd config the launcher writes.
    const selfHosted = declaredBindings('wrangler.toml');
    const objects = (m: Map<string, string>) =>
      [...m].filter(([, t]) => t.startsWith('DurableObjectNamespace')).map(([n, t]) => `${n} ${t}`);
    expect(objects(edge)).toEqual(objects(selfHosted));
    expect(migrations(edgeToml)).toEqual(migrations(read('wrangler.toml')));
    expect(migrations(edgeToml)).toHaveLength(2);
    const capnp = workerdConfig({ root: ROOT, dataDir: '/tmp/x', host: '127.0.0.1', port: 1, vars: {} });
    for (const [name, type] of objects(edge).map((o) => o.split(' '))) {
      const cls = /\.(\w+)>$/.exec(type ?? '')?.[1] ?? '';
      expect(capnp).toMatch(
        new RegExp(`name = "${name}", durableObjectNamespace = (\\(className = )?"${cls}"`),
      );
    }
    expect(/^compatibility_date = "([^"]+)"/m.exec(edgeToml)?.[1]).toBe(COMPATIBILITY_DATE);
  });

  it('reads no binding it does not declare: every env.NAME in the code is a binding or a configuration key', () => {
    const members = envMembers();
    const read_ = new Set<string>();
    for (const file of [...sources('functions/src'), ...sources('durable-objects/src')]) {
      for (const m of read(file).matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) read_.add(m[1] ?? '');
    }
    expect(read_.size).toBeGreaterThan(3);
    for (const name of read_) {
      expect(members.has(name) || name in ApiConfigSchema.shape, `env.${name}`).toBe(true);
    }
  });

  it('provides every required setting (Hyperdrive for DATABASE_URL), and only settings the API reads', () => {
    const required = requiredKeys();
    expect(required.sort()).toEqual(['DATABASE_URL', 'INTERNAL_SIGNING_KEY', 'JWT_SECRET', 'NATS_WS_URL']);
    const texts = [...edge].filter(([, type]) => type === 'string' || type.startsWith('"'));
    for (const [name] of texts)
      expect(name in ApiConfigSchema.shape, `${name} is not read by the API`).toBe(true);
    expect(edge.get('HYPERDRIVE')).toBe('Hyperdrive');
    for (const name of required.filter((n) => n !== 'DATABASE_URL')) expect(edge.has(name), name).toBe(true);
    // The bridge needs the home NATS's token (secrets.required: a string, no value in the file).
    expect(edge.get('NATS_TOKEN')).toBe('string');
    expect(edge.get('NATS_WS_URL')).toMatch(/^"wss:\/\//);
    expect(edge.get('TORRENT_NODE_URL')).toMatch(/^"https:\/\//);

    // The environment Cloudflare hands the worker: the vars, the secrets, the Hyperdrive object.
    const env: Record<string, unknown> = {};
    for (const [name, type] of texts) env[name] = type === 'string' ? 'a'.repeat(48) : JSON.parse(type);
    const connectionString = 'postgresql://sokoul:pw@hyperdrive.local:5432/sokoul';
    env.HYPERDRIVE = { connectionString, host: 'hyperdrive.local', port: 5432 };
    const config = parseConfig(ApiConfigSchema, textBindings(env));
    expect(config.DATABASE_URL).toBe(connectionString);
    expect(config.NATS_WS_URL).toBe('wss://nats.example.org');
    expect(databaseUrl(env)).toBe(connectionString);
    // A DATABASE_URL text binding still wins (the self-hosted workerd has no Hyperdrive).
    expect(databaseUrl({ ...env, DATABASE_URL: 'postgres://x@h/db' })).toBe('postgres://x@h/db');
    expect(databaseUrl({ DATABASE_URL: 'postgres://x@h/db' })).toBe('postgres://x@h/db');
    expect(databaseUrl({})).toBeUndefined();
  });

  it('builds with `wrangler deploy --dry-run`, offline, the same bundle as the self-hosted one', {
    timeout: 240_000,
  }, () => {
    const { dir: edgeOut, output } = edgeBundle();
    expect(output).toContain('--dry-run: exiting now.');
    for (const name of ['DATABASE', 'CACHE_STORE', 'NATS_BRIDGE', 'USER_SESSION', 'PASSWORD_HASHER'])
      expect(output).toMatch(new RegExp(`env\\.${name} \\(\\w+\\)\\s+Durable Object`));
    expect(output).toMatch(/env\.HYPERDRIVE \(\w+\)\s+Hyperdrive Config/);
    expect(output).toMatch(/env\.ASSETS\s+Assets/);
    expect(output).toMatch(/Read \d+ files from the assets directory/);
    const selfOut = tempDir('sokoul-self-');
    wrangler(['deploy', '--dry-run', '--outdir', selfOut]);
    const bundle = readFileSync(join(edgeOut, 'index.js'));
    expect(bundle.length).toBeGreaterThan(100_000);
    expect(bundle.equals(readFileSync(join(selfOut, 'index.js')))).toBe(true);
  });
});

describe('the edge bundle on workerd with a Hyperdrive binding and no DATABASE_URL', () => {
  it('reaches PostgreSQL through the binding: /health sees the database, a sign-up is stored', {
    timeout: 240_000,
  }, async () => {
    const databaseUrl = await createTestDatabase('sokoul_hyperdrive');
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const child: { process?: ChildProcess } = {};
    try {
      await migrate(ROOT, databaseUrl, captureLogger());
      const db = new URL(databaseUrl);
      const dataDir = tempDir('sokoul-hyperdrive-');
      mkdirSync(join(dataDir, 'workerd'));
      mkdirSync(join(dataDir, 'durable-objects'));
      const [port] = (await freePorts(1)) as [number];
      // The launcher's own config, minus DATABASE_URL, plus what Cloudflare gives the edge Worker:
      // a Hyperdrive binding (workerd's local one hands out a connectionString and forwards the
      // connection to the designated service, here the machine's PostgreSQL).
      const bundle = relative(join(dataDir, 'workerd'), join(edgeBundle().dir, 'index.js'));
      const capnp = workerdConfig({
        root: ROOT,
        dataDir,
        host: '127.0.0.1',
        port,
        vars: {
          NATS_WS_URL: 'ws://127.0.0.1:1',
          JWT_SECRET: 'edge-jwt-secret-0123456789abcdef0123456789',
          INTERNAL_SIGNING_KEY: 'edge-signing-key-0123456789abcdef0123456789',
        },
      })
        .replace(/embed "[^"]*dist\/worker\/index\.js"/g, `embed ${JSON.stringify(bundle)}`)
        .replace(
          '(name = "sokoul", worker = .app),',
          `(name = "sokoul", worker = .app),\n    (name = "postgres", external = (address = "127.0.0.1:${db.port}", tcp = ())),`,
        )
        .replace(
          '(name = "ASSETS", service = "web-assets"),',
          `(name = "ASSETS", service = "web-assets"),\n    (name = "HYPERDRIVE", hyperdrive = (designator = "postgres", database = ${JSON.stringify(db.pathname.slice(1))}, user = "postgres", password = "unused", scheme = "postgresql")),`,
        );
      expect(capnp).not.toContain('DATABASE_URL');
      expect(capnp).toContain('HYPERDRIVE');
      const config = join(dataDir, 'workerd', 'config.capnp');
      writeFileSync(config, capnp);
      child.process = spawn(workerdBinary(ROOT), ['serve', config], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const base = `http://127.0.0.1:${port}`;
      let health: HealthReport | undefined;
      await eventually(
        async () => {
          const res = await fetch(`${base}/health`);
          health = (await res.json()) as HealthReport;
        },
        30_000,
        100,
      );
      expect(health?.checks.database).toMatchObject({ status: 'up' });
      const signup = await api<{ user: { id: string } }>('POST', '/auth/signup', {
        base,
        body: { email: 'edge@example.test', password: 'correct horse battery staple' },
      });
      expect(signup.status, JSON.stringify(signup.body)).toBe(201);
      const rows = await sql<
        { email: string; role: string }[]
      >`SELECT email, role FROM users WHERE id = ${signup.body.user.id}`;
      expect(rows).toEqual([{ email: 'edge@example.test', role: 'admin' }]);
    } finally {
      child.process?.kill('SIGKILL');
      await sql.end();
      await dropTestDatabase(databaseUrl);
    }
  });
});

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  needs?: string | string[];
  services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
  strategy?: { matrix: { include: { image: string; dockerfile: string }[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}
const workflow = (name: string) => parse(read(`.github/workflows/${name}`)) as Workflow;
const dockerfiles = () =>
  readdirSync(join(ROOT, 'docker'))
    .filter((f) => f.endsWith('.Dockerfile'))
    .map((f) => `docker/${f}`)
    .sort();

describe('CI workflow (.github/workflows/ci.yml)', () => {
  const ci = workflow('ci.yml');
  const ciRun = read('.ci/run');
  const steps = Object.values(ci.jobs).flatMap((job) => job.steps);

  it('runs on every push and pull request, and runs exactly .ci/run', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push ?? null).toBeNull();
    const runs = steps.filter((s) => s.run?.includes('.ci/run'));
    expect(runs).toHaveLength(1);
    // As root (apt-get, the embedded PostgreSQL as the postgres user), with setup-node's PATH.
    expect(runs[0]?.run?.trim()).toMatch(/^(sudo env "PATH=\$PATH" )?\.ci\/run$/);
    expect(statSync(join(ROOT, '.ci/run')).mode & 0o111).not.toBe(0);
    // Nothing else runs tests or a test command of its own.
    for (const step of steps)
      expect(step.run ?? '', step.name ?? step.run).not.toMatch(
        /npm (run )?test|vitest|bootstrap\.mjs test|tsc /,
      );
    // The dependencies .ci/run's `npm test` needs are installed first.
    const order = steps.map((s) => s.run?.trim() ?? s.uses ?? '');
    expect(order.findIndex((s) => /^npm ci/.test(s))).toBeLessThan(
      order.findIndex((s) => s.includes('.ci/run')),
    );
    expect(order.findIndex((s) => s.startsWith('actions/setup-node'))).toBeLessThan(
      order.findIndex((s) => /^npm ci/.test(s)),
    );
  });

  it('gives .ci/run and the tests their services where they look for them', () => {
    const job = Object.values(ci.jobs).find((j) => j.steps.some((s) => s.run?.includes('.ci/run')));
    const services = job?.services ?? {};
    const published = (image: RegExp) =>
      Object.values(services)
        .filter((s) => image.test(s.image))
        .flatMap((s) => s.ports ?? [])
        .map((p) => p.split(':').map(Number));

    // PostgreSQL: .ci/run waits for it on 127.0.0.1 at this port, the tests connect without a password.
    const pgPort = Number(/pg_isready -h 127\.0\.0\.1 -p (\d+)/.exec(ciRun)?.[1]);
    const pg = new URL(MACHINE_PG);
    expect(Number(pg.port)).toBe(pgPort);
    expect(published(/^postgres:/)).toContainEqual([pgPort, 5432]);
    const postgresService = Object.values(services).find((s) => s.image.startsWith('postgres:'));
    expect(postgresService?.env?.POSTGRES_DB).toBe(pg.pathname.slice(1));
    expect(pg.password).toBe('');
    expect(postgresService?.env?.POSTGRES_HOST_AUTH_METHOD).toBe('trust');

    // Redis: .ci/run pings it on 127.0.0.1 (default port unless it says otherwise).
    const redisPing = /redis-cli -h 127\.0\.0\.1(?: -p (\d+))? ping/.exec(ciRun);
    expect(redisPing).not.toBeNull();
    const redisPort = Number(redisPing?.[1] ?? 6379);
    expect(Number(/--port (\d+)/.exec(ciRun)?.[1])).toBe(redisPort);
    expect(Number(new URL(MACHINE_REDIS).port)).toBe(redisPort);
    expect(published(/^redis:/)).toContainEqual([redisPort, 6379]);

    // NATS with JetStream where the tests that use the machine's NATS find it.
    const natsTests = readdirSync(join(ROOT, 'tests')).filter(
      (f) => f.endsWith('.test.ts') && read(`tests/${f}`).includes("'nats://127.0.0.1:4222'"),
    );
    expect(natsTests.length).toBeGreaterThan(0);
    const nats = steps.find((s) => /docker run .*nats:/.test(s.run ?? ''))?.run ?? '';
    expect(nats).toMatch(/-p 4222:4222 nats:[\w.-]+ -js$/);

    // The tools .ci/run probes the services with are there before it runs.
    const prepared = steps.map((s) => s.run ?? '').join('\n');
    for (const tool of ['postgresql-client', 'redis-tools']) expect(prepared).toContain(tool);
  });
});

describe('release workflow (.github/workflows/release.yml)', () => {
  const release = workflow('release.yml');

  it('runs for version tags, builds exactly the Dockerfiles there are and publishes them to ghcr.io', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    const images = release.jobs.images;
    const matrix = images?.strategy?.matrix.include ?? [];
    expect(matrix.map((m) => m.dockerfile).sort()).toEqual(dockerfiles());
    expect(dockerfiles()).toEqual(['docker/app.Dockerfile', 'docker/torrent-node.Dockerfile']);
    expect(new Set(matrix.map((m) => m.image)).size).toBe(matrix.length);
    // GitHub's expressions, not template literals.
    const matrixFile = '$' + '{{ matrix.dockerfile }}';
    const build = images?.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with).toMatchObject({ context: '.', file: matrixFile, push: true });
    const login = images?.steps.find((s) => s.uses?.startsWith('docker/login-action'));
    expect(login?.with?.registry).toBe('ghcr.io');
    const meta = images?.steps.find((s) => s.uses?.startsWith('docker/metadata-action'));
    expect(String(meta?.with?.images)).toBe(
      `ghcr.io/${'$'}{{ github.repository_owner }}/${'$'}{{ matrix.image }}`,
    );
    expect(String(meta?.with?.tags)).toContain('type=semver,pattern={{version}}');
  });

  it('writes the release text with scripts/release.sh from the whole history, once the images are out', () => {
    const job = release.jobs.release;
    expect(job?.needs).toBe('images');
    const checkout = job?.steps.find((s) => s.uses?.startsWith('actions/checkout'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    const runs = job?.steps.map((s) => s.run ?? '') ?? [];
    expect(runs).toContain('scripts/release.sh "$GITHUB_REF_NAME" > release-notes.md');
    expect(
      runs.some((r) => /^gh release create "\$GITHUB_REF_NAME" .*--notes-file release-notes\.md$/.test(r)),
    ).toBe(true);
    expect(statSync(join(ROOT, 'scripts/release.sh')).mode & 0o111).not.toBe(0);
  });
});

describe('Dockerfiles', () => {
  const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it.each(dockerfiles())('%s: stages, COPY sources and workspaces match the repository', (file) => {
    const lines = read(file)
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const stages: string[] = [];
    let npmCiAt = -1;
    const copied: { src: string; at: number }[] = [];
    lines.forEach((line, at) => {
      const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?$/i.exec(line);
      if (from) {
        stages.push(from[1] ?? '');
        return;
      }
      if (/^RUN npm ci\b/.test(line) && npmCiAt < 0) npmCiAt = at;
      const copy = /^COPY\s+(.*)$/.exec(line);
      if (!copy) return;
      const args = (copy[1] ?? '').split(/\s+/);
      const flags = args.filter((a) => a.startsWith('--'));
      const paths = args.filter((a) => !a.startsWith('--'));
      const stage = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      if (stage) {
        // A stage defined above this one.
        expect(stages.slice(0, -1), line).toContain(stage);
        return;
      }
      for (const src of paths.slice(0, -1)) {
        expect(existsSync(join(ROOT, src)), `${file}: COPY ${src} does not exist`).toBe(true);
        expect(ignored, `${file}: COPY ${src} is excluded by .dockerignore`).not.toContain(src);
        copied.push({ src, at });
      }
    });
    expect(stages.length).toBeGreaterThanOrEqual(2);
    // npm ci sees the lockfile and every workspace's manifest (else it fails, or skips a workspace).
    expect(npmCiAt).toBeGreaterThan(0);
    const before = copied.filter((c) => c.at < npmCiAt).map((c) => c.src);
    for (const manifest of [
      'package.json',
      'package-lock.json',
      ...workspaces.map((w) => `${w}/package.json`),
    ])
      expect(before, `${file}: ${manifest} before npm ci`).toContain(manifest);
    // The override npm ci resolves from the sources must be in the context too.
    const overrides =
      (JSON.parse(read('package.json')) as { overrides?: Record<string, string> }).overrides ?? {};
    for (const spec of Object.values(overrides).filter((s) => s.startsWith('file:')))
      expect(existsSync(join(ROOT, spec.slice('file:'.length))), spec).toBe(true);
  });

  it("keeps the host's dependencies, builds, data and .env out of the build context", () => {
    for (const entry of ['**/node_modules', '.env', 'data', 'dist', '.git']) expect(ignored).toContain(entry);
    // Nothing the build needs is excluded: sources, launcher scripts, the bundle's configuration.
    for (const needed of [...workspaces, 'launcher/bin', 'wrangler.toml', 'migrations', 'package-lock.json'])
      expect(ignored).not.toContain(needed);
  });
});

describe('scripts/release.sh', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.test',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.test',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    });
  const script = (cwd: string, ...args: string[]) =>
    spawnSync('bash', [join(cwd, 'scripts/release.sh'), ...args], { cwd, encoding: 'utf8' });

  it('writes the section from the commits since the previous version tag, merges left out', () => {
    const repo = tempDir('sokoul-release-');
    git(repo, 'init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'scripts'));
    copyFileSync(join(ROOT, 'scripts/release.sh'), join(repo, 'scripts/release.sh'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'First commit');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'Second commit');

    // The first release: every commit.
    const first = script(repo, 'v0.1.0');
    expect(first.status, first.stderr).toBe(0);
    const today = git(repo, 'log', '-1', '--format=%cs').trim();
    const head = (ref: string) => git(repo, 'rev-parse', '--short', ref).trim();
    expect(first.stdout).toBe(
      `## v0.1.0 (${today})\n\nFirst release:\n\n- Second commit (${head('HEAD')})\n- First commit (${head('HEAD~1')})\n`,
    );
    git(repo, 'tag', 'v0.1.0');

    git(repo, 'checkout', '-q', '-b', 'feature');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'Feature work');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'Fix on main');
    git(repo, 'merge', '-q', '--no-ff', '-m', 'Merge branch feature', 'feature');
    const next = script(repo, 'v0.2.0');
    expect(next.status, next.stderr).toBe(0);
    const lines = next.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([`## v0.2.0 (${today})`, '', 'Changes since v0.1.0:']);
    const items = lines.filter((l) => l.startsWith('- ')).map((l) => l.replace(/ \([0-9a-f]+\)$/, ''));
    expect(items.sort()).toEqual(['- Feature work', '- Fix on main']);

    // Once tagged, the section is the tag's, whatever came after it.
    git(repo, 'tag', 'v0.2.0');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'After the release');
    const tagged = script(repo, 'v0.2.0');
    expect(tagged.stdout).not.toContain('After the release');
    expect(tagged.stdout).toContain('Changes since v0.1.0:');
    expect(script(repo, 'v0.3.0').stdout).toMatch(
      /Changes since v0\.2\.0:\n\n- After the release \([0-9a-f]+\)\n$/,
    );
  });

  it('refuses what is not a version tag', () => {
    for (const bad of [[], ['1.2.0'], ['v1.2'], ['main']]) {
      const result = script(ROOT, ...bad);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/usage: scripts\/release\.sh vMAJOR\.MINOR\.PATCH/);
    }
  });
});

describe('SIGTERM drains (the real launcher)', () => {
  it('lets a stream in flight finish with all its bytes within SHUTDOWN_TIMEOUT_MS, then exits', {
    timeout: 180_000,
  }, async () => {
    const tmdb = await startFakeTmdb();
    const databaseUrl = await createTestDatabase('sokoul_drain');
    const { dataDir, port, env } = await startEnvironment('sokoul-drain-', 'info');
    temp.push(dataDir);
    const downloads = join(dataDir, 'downloads');
    mkdirSync(downloads, { recursive: true });
    // Far more than every socket buffer between the file and this test can hold.
    const content = randomBytes(48 * 1024 * 1024);
    const file = join(downloads, 'Inception (2010).mkv');
    writeFileSync(file, content);

    const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), 'start'], {
      cwd: ROOT,
      env: {
        ...env,
        ...tmdbSettings(tmdb.url, FAKE_V3_KEY),
        DATABASE_URL: databaseUrl,
        DOWNLOAD_DIR: downloads,
        SHUTDOWN_TIMEOUT_MS: '30000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(() => expect(stdout).toContain(`Sokoul is running at ${base}`), 90_000, 50);
      const signup = await api<{ accessToken: string }>('POST', '/auth/signup', {
        base,
        body: { email: 'drain@example.test', password: 'correct horse battery staple' },
      });
      expect(signup.status).toBe(201);
      const token = signup.body.accessToken;
      const media = await api<{ id: string }>('POST', '/media', {
        base,
        token,
        body: { tmdbId: 27205, type: 'movie' },
      });
      expect([200, 201]).toContain(media.status);
      const added = await api('POST', `/media/${media.body.id}/files`, {
        base,
        token,
        body: { path: file, sizeBytes: content.length },
      });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const sources = await api<StreamSourceList>('GET', `/media/${media.body.id}/stream`, { base, token });
      const url = new URL(sources.body.sources[0]?.url ?? '', base);

      // A slow reader: the first MiB, then nothing until well after the signal.
      const received: Buffer[] = [];
      let bytes = 0;
      const response = await new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(url, resolve).once('error', reject),
      );
      expect(response.statusCode).toBe(200);
      expect(Number(response.headers['content-length'])).toBe(content.length);
      const ended = new Promise<void>((resolve, reject) => {
        response.once('end', resolve);
        response.once('error', reject);
        response.once('aborted', () => reject(new Error(`stream cut after ${bytes} bytes`)));
      });
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          received.push(chunk);
          bytes += chunk.length;
          if (bytes >= 1024 * 1024) {
            response.pause();
            response.off('data', onData);
            resolve();
          }
        };
        response.on('data', onData);
      });

      child.kill('SIGTERM');
      // The launcher waits for the stream: nothing has exited while its reader sits idle.
      await new Promise((r) => setTimeout(r, 3000));
      expect(child.exitCode).toBeNull();
      expect(bytes).toBeLessThan(content.length);

      response.on('data', (chunk: Buffer) => {
        received.push(chunk);
        bytes += chunk.length;
      });
      response.resume();
      await ended;
      expect(bytes).toBe(content.length);
      expect(createHash('sha256').update(Buffer.concat(received)).digest('hex')).toBe(
        createHash('sha256').update(content).digest('hex'),
      );
      expect(await exited).toBe(0);
      // Nothing left running; new connections are refused.
      expect(readdirSync(join(dataDir, 'run'))).toEqual([]);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
      const launcher = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { component?: string; msg: string })
        .filter((l) => l.component === 'launcher');
      // Drained, not killed at the deadline.
      expect(launcher.some((l) => /did not stop within|forcing/.test(l.msg))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      const run = join(dataDir, 'run');
      for (const f of existsSync(run) ? readdirSync(run) : []) {
        try {
          process.kill(Number(readFileSync(join(run, f), 'utf8').split('\n')[0]), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await tmdb.close();
      await dropTestDatabase(databaseUrl);
    }
  });
});
