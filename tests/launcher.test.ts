import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiConfigSchema,
  LauncherConfigSchema,
  parseConfig,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { connect } from 'nats';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { workerdConfig } from '../launcher/src/workerd.js';
import { eventually } from './helpers/api.js';
import { controlFakeTmdb, FAKE_V3_KEY, startFakeTmdb } from './helpers/fake-tmdb.js';
import {
  createTestDatabase,
  dropTestDatabase,
  ROOT,
  startEnvironment,
  tmdbSettings,
} from './helpers/stack.js';

const sokoul = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

const databases: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropTestDatabase(url);
});

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(LauncherConfigSchema, {});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      TMDB_LANGUAGE: 'fr-FR',
      MAX_CONCURRENT_DL: 3,
      RUN_MIGRATIONS: true,
    });
    expect(config.TMDB_API_KEY).toBeUndefined();
    const node = { DATABASE_URL: 'postgres://x/y', NATS_URL: 'nats://h:1' };
    expect(
      parseConfig(TorrentNodeConfigSchema, {
        ...node,
        INTERNAL_SIGNING_KEY: 'test-internal-signing-key-0123456789abcdef',
      }).HEARTBEAT_INTERVAL_MS,
    ).toBe(10_000);
    // torrent-node checks the stream URLs the API signs: the launcher always hands it the key.
    expect(() => parseConfig(TorrentNodeConfigSchema, node)).toThrow(
      /INTERNAL_SIGNING_KEY: is required \(the launcher generates one\)/,
    );
  });

  it('names the variable and what it expects when a value is wrong', () => {
    const wrong = () => parseConfig(LauncherConfigSchema, { PORT: 'abc', DATABASE_URL: 'mysql://x' });
    expect(wrong).toThrow(/PORT: expected a whole number from 0 to 65535/);
    expect(wrong).toThrow(/DATABASE_URL: expected a URL starting with postgres:\/\//);
    expect(() =>
      parseConfig(ApiConfigSchema, {
        DATABASE_URL: 'postgres://x/y',
        NATS_WS_URL: 'ws://x',
        JWT_SECRET: 'short',
      }),
    ).toThrow(/JWT_SECRET: expected at least 32 characters/);
    expect(() => parseConfig(LauncherConfigSchema, { NATS_TOKEN: 'short' })).toThrow(
      /NATS_TOKEN: expected at least 32 characters/,
    );
    expect(() => parseConfig(LauncherConfigSchema, { NATS_TOKEN: `${'a'.repeat(40)} "x"` })).toThrow(
      /NATS_TOKEN: expected .*letters, digits/,
    );
    expect(parseConfig(LauncherConfigSchema, { NATS_TOKEN: 'a'.repeat(64) }).NATS_TOKEN).toBe('a'.repeat(64));
  });

  it('stops `sokoul start` with that message and exit code 2', () => {
    const run = sokoul(['start'], { PORT: 'not-a-port', LOG_LEVEL: 'loud' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/PORT:/);
    expect(run.stderr).toMatch(/LOG_LEVEL:/);
  });

  it('escapes configuration values in the generated workerd config', () => {
    const config = workerdConfig({
      root: '/r',
      dataDir: '/d',
      host: '127.0.0.1',
      port: 1,
      vars: { X: 'a"b\\c\nd' },
    });
    expect(config).toContain('(name = "X", text = "a\\"b\\\\c\\nd")');
    expect(config).toContain('esModule = embed "../../r/dist/worker/index.js"');
  });
});

describe('ports for the stacks tests start', () => {
  it('are distinct, free, and never in the range the OS hands to outgoing connections', async () => {
    const [low = 32768, high = 60999] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = [...(await freePorts(6)), ...(await freePorts(6))];
    expect(new Set(ports).size).toBe(12);
    for (const port of ports) expect(port < low || port > high, String(port)).toBe(true);
  });
});

describe('sokoul user create', () => {
  it('creates an admin account, and resets the password of an existing one', async () => {
    const url = await createTestDatabase('sokoul_cli');
    databases.push(url);
    const first = sokoul(
      ['user', 'create', '--email', 'Owner@Example.test', '--password', 'first password!', '--admin'],
      { DATABASE_URL: url, LOG_LEVEL: 'warn' },
    );
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      email: 'owner@example.test',
      role: 'admin',
      created: true,
    });
    const again = sokoul(
      ['user', 'create', '--email', 'owner@example.test', '--password', 'second password!'],
      { DATABASE_URL: url, LOG_LEVEL: 'warn' },
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ role: 'admin', created: false });
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<
        { password_hash: string; token_version: number }[]
      >`SELECT password_hash, token_version FROM users`;
      expect(rows).toHaveLength(1);
      expect(rows[0]?.password_hash).toMatch(/^scrypt\$17\$8\$1\$/);
      expect(rows[0]?.token_version).toBe(1);
    } finally {
      await sql.end();
    }
    const bad = sokoul(['user', 'create', '--email', 'not-an-email', '--password', 'whatever!!'], {
      DATABASE_URL: url,
    });
    expect(bad.status).not.toBe(0);
  });
});

describe('sokoul start', () => {
  it('starts every embedded service, answers /health, and stops all of them on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const { dataDir, port, nats, env } = await startEnvironment('sokoul-start-');
    const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes(`Sokoul is running at http://127.0.0.1:${port}`) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const pids = readdirSync(join(dataDir, 'run'));
    expect(pids.sort()).toEqual(['nats.pid', 'postgres.pid', 'torrent-node.pid', 'workerd.pid']);
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);
    // The embedded NATS asks for the token generated next to the other secrets, and only for it.
    const { NATS_TOKEN } = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    expect(NATS_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    await expect(connect({ servers: `nats://127.0.0.1:${nats}`, reconnect: false })).rejects.toMatchObject({
      code: 'AUTHORIZATION_VIOLATION',
    });
    await (await connect({ servers: `nats://127.0.0.1:${nats}`, token: NATS_TOKEN })).close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Every service removed its pid file on exit: nothing is left running.
    expect(readdirSync(join(dataDir, 'run'))).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});

describe('a SIGTERM to the whole process group (systemd, docker stop)', () => {
  it('is one signal: every in-flight request gets its answer, then services stop in order', {
    timeout: 120_000,
  }, async () => {
    // Every TMDB call takes 1.5 s: the requests below are still in flight when the signal comes.
    const tmdb = await startFakeTmdb({ latencyMs: 1500 });
    const { dataDir, port, env } = await startEnvironment('sokoul-group-', 'info');
    // The bootstrap (what `npm start` runs) and the launcher it starts form one process group.
    const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/bootstrap.mjs'), 'start'], {
      cwd: ROOT,
      detached: true,
      env: {
        ...env,
        ...tmdbSettings(tmdb.url, FAKE_V3_KEY),
        TMDB_TIMEOUT_MS: '10000',
        SHUTDOWN_TIMEOUT_MS: '15000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const group = child.pid ?? 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(async () => expect(stdout).toContain(`Sokoul is running at ${base}`), 90_000, 50);
      const signup = await fetch(`${base}/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'owner@example.test', password: 'correct horse battery staple' }),
      });
      expect(signup.status).toBe(201);
      const { accessToken } = (await signup.json()) as { accessToken: string };

      const inFlight = Array.from({ length: 16 }, (_, i) =>
        fetch(`${base}/tmdb/trending?page=${i + 1}`, {
          headers: { authorization: `Bearer ${accessToken}` },
        }).then(
          async (res) => ({ status: res.status, body: (await res.json()) as { results?: unknown[] } }),
          (error: unknown) => ({
            status: 0,
            body: { results: undefined, error: String((error as Error).cause ?? error) },
          }),
        ),
      );
      // Every request has reached TMDB (and waits for its answer) before the signal.
      const fake = controlFakeTmdb(tmdb.url);
      await eventually(async () => expect(await fake.calls('/trending')).toBe(16), 10_000, 20);
      const signalled = Date.now();
      process.kill(-group, 'SIGTERM');

      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
      for (const answer of answers) expect(Array.isArray(answer.body.results)).toBe(true);
      expect(await exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(30_000);

      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { component?: string; msg: string })
        .filter((l) => l.component === 'launcher');
      expect(lines.some((l) => /forcing/.test(l.msg))).toBe(false);
      expect(lines.filter((l) => /^shutting down/.test(l.msg))).toHaveLength(1);
      // The API first (it drains), then torrent-node, then storage.
      const stops = lines.map((l) => l.msg).filter((m) => / stopped$/.test(m));
      expect(stops.filter((m) => m !== 'Sokoul stopped')).toEqual([
        'workerd stopped',
        'torrent-node stopped',
        'postgres stopped',
        'nats stopped',
      ]);
      expect(stops).toContain('Sokoul stopped');
      expect(readdirSync(join(dataDir, 'run'))).toEqual([]);
      expect(stderr).not.toMatch(/forcing/);
    } finally {
      // A failed run must not leave services behind: the group, then what the pid files name.
      const pids = existsSync(join(dataDir, 'run'))
        ? readdirSync(join(dataDir, 'run')).map(
            (f) => -Number(readFileSync(join(dataDir, 'run', f), 'utf8').split('\n')[0]),
          )
        : [];
      for (const pid of [-group, ...pids]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await tmdb.close();
    }
  });
});
