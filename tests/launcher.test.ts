import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiConfigSchema,
  LauncherConfigSchema,
  parseConfig,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../launcher/src/ports.js';
import { workerdConfig } from '../launcher/src/workerd.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

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
    expect(
      parseConfig(TorrentNodeConfigSchema, { DATABASE_URL: 'postgres://x/y', NATS_URL: 'nats://h:1' })
        .HEARTBEAT_INTERVAL_MS,
    ).toBe(10_000);
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
    const dataDir = mkdtempSync(join(tmpdir(), 'sokoul-start-'));
    chmodSync(dataDir, 0o755);
    const [port, pg, nats, natsWs, metrics] = await freePorts(5);
    const child = spawn(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), 'start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        PORT: String(port),
        EMBEDDED_POSTGRES_PORT: String(pg),
        EMBEDDED_NATS_PORT: String(nats),
        EMBEDDED_NATS_WS_PORT: String(natsWs),
        TORRENT_NODE_METRICS_PORT: String(metrics),
      },
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

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Every service removed its pid file on exit: nothing is left running.
    expect(readdirSync(join(dataDir, 'run'))).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});
