import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_NAME, Backup, type BackupMethod } from '@sokoul/contracts';
import {
  backupName,
  createBackup,
  listBackups,
  pruneBackups,
  readManifest,
  restoreBackup,
} from '@sokoul/db/backup';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from './helpers/logger.js';
import { dropTestDatabase, migratedDatabase, ROOT, startEnvironment } from './helpers/stack.js';

/**
 * Backups for real on the machine's PostgreSQL: data in most tables, a backup, damage (rows
 * changed, deleted, added), a restore, and every table's full content (and the sequences) compared
 * with before — with Sokoul's own dump and with pg_dump. Plus retention, the manifest's migration
 * guard, secrets.json, and `sokoul backup create|list|restore` through the launcher.
 */

let work: string;
let databaseUrl: string;
let sql: postgres.Sql;
const logs = captureLogger();

const dirs = () => {
  const root = mkdtempSync(join(work, 'case-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { recursive: true });
  return { backupDir: join(root, 'backups'), dataDir };
};

/** A manual backup of the test database into a case's folders. */
const manualBackup = (folders: { backupDir: string; dataDir: string }, method: 'auto' | BackupMethod) =>
  createBackup({ databaseUrl, ...folders, log: logs, kind: 'manual', method });

/** Every public table's rows (as sorted JSON) and every sequence's state. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ rows: string }[]>(
      `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text AS rows FROM "${name}" t`,
    );
    out[name] = row?.rows ?? '';
  }
  const seqs = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'S'`;
  for (const { name } of seqs) {
    const [row] = await sql.unsafe<{ v: string }[]>(
      `SELECT last_value::text || '/' || is_called AS v FROM "${name}"`,
    );
    out[`seq:${name}`] = row?.v ?? '';
  }
  return out;
}

/** Users, titles (a series with an episode: a self-reference), files, downloads, tasks, settings… */
async function seed(): Promise<void> {
  const users = [randomUUID(), randomUUID()];
  for (const [i, id] of users.entries()) {
    await sql`INSERT INTO users (id, email, display_name, password_hash, role, locale)
      VALUES (${id}, ${`user${i}-${id}@example.test`}, ${`User ${i} «é»\ttab\nline`}, 'x', ${i === 0 ? 'admin' : 'member'}, 'fr')`;
  }
  const [movie] = await sql<
    { id: string }[]
  >`INSERT INTO media (tmdb_id, media_type, title, year, genre_ids, genres)
    VALUES (603, 'movie', 'The Matrix', 1999, '{28,878}', '{Action,"Science Fiction"}') RETURNING id`;
  const [show] = await sql<{ id: string }[]>`INSERT INTO media (tmdb_id, media_type, title, overview)
    VALUES (1399, 'tv', 'Game of Thrones', 'Winter \\ is coming') RETURNING id`;
  await sql`INSERT INTO media (media_type, parent_id, title, season_number, episode_number, air_date)
    VALUES ('episode', ${show?.id ?? ''}, 'Winter Is Coming', 1, 1, '2011-04-17')`;
  const [file] = await sql<{ id: string }[]>`INSERT INTO media_files (media_id, path, size_bytes, origin)
    VALUES (${movie?.id ?? ''}, '/library/The Matrix (1999)/The Matrix.mkv', 123456789, 'manual') RETURNING id`;
  expect(file).toBeDefined();
  await sql`INSERT INTO downloads (user_id, media_id, name, magnet_url, state, bytes_done, torrent_file, queue_position)
    VALUES (${users[0] ?? ''}, ${movie?.id ?? ''}, 'The.Matrix.1999.1080p', 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567',
            'queued', 0, '\\x00ff10'::bytea, nextval('downloads_queue_seq'))`;
  await sql`INSERT INTO tasks (user_id, type, status, payload, progress)
    VALUES (${users[1] ?? ''}, 'maintenance.cleanup', 'pending', ${sql.json({ nested: { a: [1, 2] } })}, 0.3)`;
  await sql`INSERT INTO settings (key, value) VALUES ('backup-test', ${sql.json({ on: true })})
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
  await sql`INSERT INTO scheduled_jobs (name, schedule) VALUES ('backup', '15 3 * * *') ON CONFLICT DO NOTHING`;
}

/** Rows changed, deleted and added across tables. */
async function damage(): Promise<void> {
  await sql`UPDATE users SET display_name = 'changed'`;
  await sql`DELETE FROM media WHERE media_type = 'tv'`;
  await sql`DELETE FROM tasks`;
  await sql`INSERT INTO settings (key, value) VALUES ('added-after', '1'::jsonb)`;
  await sql`SELECT nextval('downloads_queue_seq')`;
  await sql`UPDATE media_files SET size_bytes = 1`;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sokoul-backup-'));
  ({ url: databaseUrl, sql } = await migratedDatabase('sokoul_backup'));
  await seed();
}, 60_000);

afterAll(async () => {
  await sql?.end({ timeout: 2 });
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each<BackupMethod>(['sokoul', 'pg_dump'])('backup → damage → restore (%s)', (method) => {
  it('brings every row and sequence back', async () => {
    const { backupDir, dataDir } = dirs();
    writeFileSync(join(dataDir, 'secrets.json'), '{"JWT_SECRET":"before"}\n');
    const before = await snapshot();
    expect(JSON.parse(before.users ?? '[]')).toHaveLength(2);

    const backup = await manualBackup({ backupDir, dataDir }, method);
    expect(Backup.parse(backup)).toEqual(backup);
    expect(backup.name).toMatch(BACKUP_NAME);
    expect(backup.method).toBe(method);
    // The newest migration applied is the one the archive says it needs.
    const newest = readdirSync(join(ROOT, 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .at(-1);
    expect(`${backup.migration}.sql`).toBe(newest);
    const manifest = await readManifest(join(backupDir, backup.name));
    expect(manifest.secrets).toBe(true);
    expect(manifest.tables.map((t) => t.name)).toContain('pgmigrations');
    expect(manifest.tables.find((t) => t.name === 'users')?.rows).toBe(2);
    if (method === 'sokoul') {
      expect(backup.rows).toBe(manifest.rows);
      // Tables done / total, logged as it goes.
      expect(logs.lines.some((l) => l.msg === 'backup table done' && l.fields.done === l.fields.total)).toBe(
        true,
      );
    }
    // Nothing half-written is left beside it.
    expect(readdirSync(backupDir)).toEqual([backup.name]);

    await damage();
    writeFileSync(join(dataDir, 'secrets.json'), '{"JWT_SECRET":"after"}\n');
    expect(await snapshot()).not.toEqual(before);

    const restored = await restoreBackup({ databaseUrl, backupDir, dataDir, log: logs, file: backup.name });
    expect(restored.name).toBe(backup.name);
    expect(await snapshot()).toEqual(before);
    // secrets.json only when asked.
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toContain('after');
    await restoreBackup({
      databaseUrl,
      backupDir,
      dataDir,
      log: logs,
      file: backup.name,
      restoreSecrets: true,
    });
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toContain('before');
    expect(readFileSync(join(dataDir, 'secrets.json.before-restore'), 'utf8')).toContain('after');
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});

describe('guards', () => {
  it('refuses an archive whose schema is newer than the database’s', async () => {
    const { backupDir, dataDir } = dirs();
    await sql`INSERT INTO pgmigrations (name, run_on) VALUES ('9999999999999_future', now())`;
    try {
      const backup = await manualBackup({ backupDir, dataDir }, 'sokoul');
      expect(backup.migration).toBe('9999999999999_future');
      await sql`DELETE FROM pgmigrations WHERE name = '9999999999999_future'`;
      await sql`UPDATE users SET display_name = 'kept'`;
      await expect(
        restoreBackup({ databaseUrl, backupDir, dataDir, log: logs, file: backup.name }),
      ).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('newer') });
      // Nothing was touched.
      const names = await sql<{ display_name: string }[]>`SELECT DISTINCT display_name FROM users`;
      expect(names.map((n) => n.display_name)).toEqual(['kept']);
    } finally {
      await sql`DELETE FROM pgmigrations WHERE name = '9999999999999_future'`;
    }
  }, 60_000);

  it('answers not_found for a missing archive and refuses a file that is not one', async () => {
    const { backupDir, dataDir } = dirs();
    await expect(
      restoreBackup({ databaseUrl, backupDir, dataDir, log: logs, file: backupName(new Date(), 'daily') }),
    ).rejects.toMatchObject({ code: 'not_found' });
    mkdirSync(backupDir, { recursive: true });
    const bogus = backupName(new Date(0), 'manual');
    writeFileSync(join(backupDir, bogus), 'not a tar');
    await expect(
      restoreBackup({ databaseUrl, backupDir, dataDir, log: logs, file: bogus }),
    ).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('falls back to Sokoul’s dump when pg_dump is older than the server, and refuses it when forced', async () => {
    const folders = dirs();
    const fake = join(work, 'old-bin');
    mkdirSync(fake, { recursive: true });
    for (const tool of ['pg_dump', 'pg_restore']) {
      writeFileSync(join(fake, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) 9.6.24"\n`, { mode: 0o755 });
    }
    const path = process.env.PATH;
    process.env.PATH = `${fake}:${path ?? ''}`;
    try {
      expect((await manualBackup(folders, 'auto')).method).toBe('sokoul');
      await expect(manualBackup(folders, 'pg_dump')).rejects.toThrow(/older than the server/);
    } finally {
      process.env.PATH = path;
    }
    // With the machine's pg_dump (15, like the server), auto picks it.
    expect((await manualBackup(folders, 'auto')).method).toBe('pg_dump');
  }, 60_000);
});

describe('retention', () => {
  it('keeps the newest daily (with manual) and weekly archives', async () => {
    const { backupDir, dataDir } = dirs();
    const day = (n: number) => new Date(Date.UTC(2026, 10, n, 3, 15));
    const made: string[] = [];
    // Nov 1, 8, 15 2026 are Sundays: weekly ones.
    for (const [n, kind] of [
      [1, 'weekly'],
      [2, 'daily'],
      [3, 'daily'],
      [4, 'manual'],
      [5, 'daily'],
      [8, 'weekly'],
      [9, 'daily'],
      [15, 'weekly'],
    ] as const) {
      made.push(
        (
          await createBackup({
            databaseUrl,
            backupDir,
            dataDir,
            log: logs,
            kind,
            method: 'sokoul',
            now: day(n),
          })
        ).name,
      );
    }
    const removed = await pruneBackups(backupDir, { daily: 3, weekly: 2 }, logs);
    const left = (await listBackups(backupDir)).map((b) => b.name);
    expect(left).toEqual([
      backupName(day(15), 'weekly'),
      backupName(day(9), 'daily'),
      backupName(day(8), 'weekly'),
      backupName(day(5), 'daily'),
      backupName(day(4), 'manual'),
    ]);
    expect(removed.sort()).toEqual(
      [backupName(day(1), 'weekly'), backupName(day(2), 'daily'), backupName(day(3), 'daily')].sort(),
    );
    expect(made).toHaveLength(8);
    for (const b of await listBackups(backupDir)) expect(Backup.parse(b)).toEqual(b);
  }, 120_000);
});

describe('sokoul backup (the launcher’s CLI)', () => {
  const sokoul = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), 'backup', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('creates, lists and restores', async () => {
    const { dataDir } = dirs();
    const env = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, BACKUP_METHOD: 'sokoul' };
    const before = await snapshot();
    const created = sokoul(['create'], env);
    expect(created.stderr).not.toMatch(/sokoul:/);
    expect(created.status).toBe(0);
    const backup = Backup.parse(JSON.parse(created.stdout.trim().split('\n').pop() ?? ''));
    expect(backup.kind).toBe('manual');
    expect(readdirSync(join(dataDir, 'backups'))).toContain(backup.name);

    const listed = sokoul(['list'], env);
    expect(listed.status).toBe(0);
    const names = listed.stdout
      .trim()
      .split('\n')
      .map((line) => Backup.parse(JSON.parse(line)).name);
    expect(names).toEqual([backup.name]);

    await damage();
    const restored = sokoul(['restore', backup.name], env);
    expect(restored.stderr).not.toMatch(/sokoul:/);
    expect(restored.status).toBe(0);
    expect(await snapshot()).toEqual(before);

    const usage = sokoul(['restore'], env);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: sokoul backup');
    const missing = sokoul(['restore', 'sokoul-20000101T000000Z-daily.tar.gz'], env);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('No backup');
  }, 240_000);

  it('with the embedded PostgreSQL (18: this machine’s pg_dump 15 cannot dump it) starts it and uses Sokoul’s dump', async () => {
    const environment = await startEnvironment('sokoul-backup-embedded-');
    const env = Object.fromEntries(
      Object.entries(environment.env).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'launcher/bin/sokoul.mjs'), ...args], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
    try {
      const user = (email: string) =>
        cli(['user', 'create', '--email', email, '--password', 'a-long-password-1']);
      expect(user('first@example.test').status).toBe(0);
      const created = cli(['backup', 'create']);
      expect(created.stderr).not.toMatch(/sokoul:/);
      const backup = Backup.parse(JSON.parse(created.stdout.trim().split('\n').pop() ?? ''));
      expect(backup.method).toBe('sokoul');
      const users = async (name: string) =>
        (await readManifest(join(environment.dataDir, 'backups', name))).tables.find(
          (t) => t.name === 'users',
        )?.rows;
      expect(await users(backup.name)).toBe(1);

      expect(user('second@example.test').status).toBe(0);
      const restored = cli(['backup', 'restore', backup.name]);
      expect(restored.stderr).not.toMatch(/sokoul:/);
      expect(restored.status).toBe(0);
      // What the database holds now, read through a second backup: the second user is gone.
      const again = cli(['backup', 'create']);
      expect(again.status).toBe(0);
      const second = Backup.parse(JSON.parse(again.stdout.trim().split('\n').pop() ?? ''));
      expect(second.name).not.toBe(backup.name);
      expect(await users(second.name)).toBe(1);
    } finally {
      rmSync(environment.dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
