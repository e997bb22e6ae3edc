import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import {
  BACKUP_NAME,
  type Backup,
  type BackupKind,
  type BackupMethod,
  type Logger,
  WIRE_TYPES,
} from '@sokoul/contracts';
import postgres from 'postgres';
import { create as createTar, extract as extractTar, list as listTar } from 'tar';
import { releaseRestoredLeases } from './jobs.js';
import { postgresDb } from './postgres.js';

/*
 * Backups (Node only: torrent-node's `backup` job and the launcher's `sokoul backup`): one
 * consistent snapshot of the whole database, plus DATA_DIR/secrets.json, in a .tar.gz in BACKUP_DIR.
 *
 * Archive layout: manifest.json (first, so listing reads little), then either `db.dump` (pg_dump's
 * custom format) or `db/<table>.copy` (COPY's text format, one file per table, all read inside one
 * REPEATABLE READ READ ONLY transaction), and `secrets.json` when DATA_DIR had one.
 *
 * Method: pg_dump when BACKUP_METHOD allows it and the machine's pg_dump is at least the server's
 * major version (an older pg_dump refuses a newer server), reading the snapshot the manifest's
 * counts were read in (pg_export_snapshot); otherwise Sokoul's own dump. pg_dump and pg_restore get
 * the password in PGPASSWORD, never on their command line.
 *
 * Retention: the newest BACKUP_KEEP_DAILY of the daily and manual archives together, and the newest
 * BACKUP_KEEP_WEEKLY weekly ones; the scheduled backup taken on a Sunday is the weekly one.
 *
 * Restore: checks the manifest, refuses an archive whose last migration is newer than the
 * database's schema, then replaces every table's rows in one transaction (Sokoul's dump: TRUNCATE
 * of every table, COPY FROM in foreign-key order with triggers off — session_replication_role, which
 * needs a superuser — and sequences set back; pgmigrations is left as the schema's own), or
 * pg_restore --clean --single-transaction. secrets.json is written back only when asked (the CLI's
 * --secrets), the current file kept beside it as secrets.json.before-restore. Afterwards every job
 * lease is freed (the archive's rows say its own backup run was running).
 */

const run = promisify(execFile);

/** What manifest.json says. */
export interface BackupManifest {
  format: 1;
  /** Sokoul's version that wrote it. */
  version: string;
  created: string;
  kind: BackupKind;
  method: BackupMethod;
  /** The schema's last migration (pgmigrations' newest name). */
  migration: string | null;
  /** Sokoul's dump: each table with its columns and row count; pg_dump: names and counts read in the same snapshot. */
  tables: { name: string; columns: string[]; rows: number }[];
  rows: number;
  sequences: { name: string; lastValue: string; isCalled: boolean }[];
  secrets: boolean;
}

export interface BackupContext {
  databaseUrl: string;
  backupDir: string;
  dataDir: string;
  log: Logger;
  /** The version recorded in the manifest. */
  version?: string;
}

export interface CreateOptions extends BackupContext {
  kind: BackupKind;
  method: 'auto' | BackupMethod;
  /** The name's time (defaults to now). */
  now?: Date;
  signal?: AbortSignal;
}

const MANIFEST = 'manifest.json';
const SECRETS = 'secrets.json';

const connect = (url: string) =>
  postgres(url, {
    max: 1,
    connect_timeout: 10,
    types: WIRE_TYPES,
    onnotice: () => {},
    connection: { application_name: 'sokoul-backup' },
  });

/**
 * pg_dump's and pg_restore's connection: the URL without its password (a command line is visible to
 * every user of the machine, and an error message repeats it), the password in PGPASSWORD.
 */
function pgTool(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
export const backupName = (date: Date, kind: BackupKind) => `sokoul-${stamp(date)}-${kind}.tar.gz`;

function parseName(name: string): { createdAt: string; kind: BackupKind } | null {
  const m = /^sokoul-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-(daily|weekly|manual)\.tar\.gz$/.exec(name);
  if (!m) return null;
  return { createdAt: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`, kind: m[7] as BackupKind };
}

async function majorOf(binary: string): Promise<number | null> {
  try {
    const { stdout } = await run(binary, ['--version']);
    const m = /\)\s*(\d+)/.exec(stdout) ?? /(\d+)\.\d+/.exec(stdout);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The method a backup will use: pg_dump when allowed and recent enough, else Sokoul's dump. */
export async function chooseMethod(
  sql: postgres.Sql,
  wanted: 'auto' | BackupMethod,
): Promise<{ method: BackupMethod; reason: string }> {
  if (wanted === 'sokoul') return { method: 'sokoul', reason: 'BACKUP_METHOD=sokoul' };
  const [row] = await sql<{ server_version_num: string }[]>`SHOW server_version_num`;
  const server = Math.floor(Number(row?.server_version_num) / 10000);
  const dump = await majorOf('pg_dump');
  const restore = await majorOf('pg_restore');
  const usable = dump !== null && restore !== null && dump >= server;
  if (usable) return { method: 'pg_dump', reason: `pg_dump ${dump} for server ${server}` };
  const reason =
    dump === null ? 'no pg_dump on this machine' : `pg_dump ${dump} is older than the server (${server})`;
  if (wanted === 'pg_dump') throw new Error(`BACKUP_METHOD=pg_dump but ${reason}`);
  return { method: 'sokoul', reason };
}

interface TableInfo {
  name: string;
  columns: string[];
}

/** The public schema's tables, parents before children (foreign keys), with their stored columns. */
async function tables(sql: postgres.Sql | postgres.TransactionSql): Promise<TableInfo[]> {
  const rows = await sql<{ name: string; columns: string[] }[]>`
    SELECT c.relname AS name,
           array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
     GROUP BY c.relname ORDER BY c.relname`;
  const edges = await sql<{ child: string; parent: string }[]>`
    SELECT DISTINCT c.relname AS child, p.relname AS parent
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_class p ON p.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = 'public' AND c.relname <> p.relname`;
  const parents = new Map<string, Set<string>>(rows.map((r) => [r.name, new Set<string>()]));
  for (const e of edges) parents.get(e.child)?.add(e.parent);
  const ordered: TableInfo[] = [];
  const done = new Set<string>();
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name)) return;
    path.add(name);
    for (const parent of parents.get(name) ?? []) visit(parent, path);
    path.delete(name);
    done.add(name);
    const row = rows.find((r) => r.name === name);
    if (row) ordered.push({ name: row.name, columns: row.columns });
  };
  for (const r of rows) visit(r.name, new Set());
  return ordered;
}

async function lastMigration(sql: postgres.Sql | postgres.TransactionSql): Promise<string | null> {
  const [exists] = await sql<{ ok: boolean }[]>`SELECT to_regclass('public.pgmigrations') IS NOT NULL AS ok`;
  if (!exists?.ok) return null;
  const [row] = await sql<{ name: string }[]>`SELECT name FROM pgmigrations ORDER BY name DESC LIMIT 1`;
  return row?.name ?? null;
}

async function sequences(sql: postgres.TransactionSql): Promise<BackupManifest['sequences']> {
  const names = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname`;
  const out: BackupManifest['sequences'] = [];
  for (const { name } of names) {
    const [row] = await sql.unsafe<{ last_value: string; is_called: boolean }[]>(
      `SELECT last_value::text AS last_value, is_called FROM ${ident(name)}`,
    );
    if (row) out.push({ name, lastValue: row.last_value, isCalled: row.is_called });
  }
  return out;
}

/** A free name for this second (two backups in one second: the next second's name). */
async function freeName(dir: string, date: Date, kind: BackupKind): Promise<string> {
  for (let i = 0; ; i++) {
    const name = backupName(new Date(date.getTime() + i * 1000), kind);
    if (
      !(await stat(join(dir, name)).then(
        () => true,
        () => false,
      ))
    )
      return name;
  }
}

/** Takes one backup into BACKUP_DIR (written under a temporary name, then renamed); answers it. */
export async function createBackup(options: CreateOptions): Promise<Backup> {
  const { log } = options;
  await mkdir(options.backupDir, { recursive: true });
  const name = await freeName(options.backupDir, options.now ?? new Date(), options.kind);
  const work = join(options.backupDir, `.tmp-${name.replace(/\.tar\.gz$/, '')}`);
  const partial = join(options.backupDir, `.tmp-${name}`);
  const sql = connect(options.databaseUrl);
  const started = Date.now();
  try {
    await rm(work, { recursive: true, force: true });
    await mkdir(join(work, 'db'), { recursive: true });
    const { method, reason } = await chooseMethod(sql, options.method);
    log.info('backup started', { name, method, reason });
    let manifest: BackupManifest | undefined;
    await sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
      const list = await tables(tx);
      const migration = await lastMigration(tx);
      const seqs = await sequences(tx);
      const counted: BackupManifest['tables'] = [];
      if (method === 'pg_dump') {
        // pg_dump reads this transaction's snapshot (exported): the counts and the dump are one moment.
        const [snap] = await tx<{ id: string }[]>`SELECT pg_export_snapshot() AS id`;
        for (const t of list) {
          const [row] = await tx.unsafe<{ n: string }[]>(`SELECT count(*)::text AS n FROM ${ident(t.name)}`);
          counted.push({ ...t, rows: Number(row?.n ?? 0) });
        }
        options.signal?.throwIfAborted();
        const tool = pgTool(options.databaseUrl);
        await run(
          'pg_dump',
          [
            '--format=custom',
            '--no-owner',
            `--snapshot=${snap?.id ?? ''}`,
            `--file=${join(work, 'db.dump')}`,
            tool.url,
          ],
          { maxBuffer: 16 * 1024 * 1024, env: tool.env },
        );
        log.info('backup pg_dump done', { name, tables: list.length });
      } else {
        for (const [index, t] of list.entries()) {
          options.signal?.throwIfAborted();
          const cols = t.columns.map(ident).join(', ');
          const file = join(work, 'db', `${t.name}.copy`);
          const readable = await tx.unsafe(`COPY ${ident(t.name)} (${cols}) TO STDOUT`).readable();
          await pipeline(readable, createWriteStream(file));
          const [row] = await tx.unsafe<{ n: string }[]>(`SELECT count(*)::text AS n FROM ${ident(t.name)}`);
          counted.push({ ...t, rows: Number(row?.n ?? 0) });
          log.info('backup table done', { name, table: t.name, done: index + 1, total: list.length });
        }
      }
      manifest = {
        format: 1,
        version: options.version ?? '0.0.0',
        created: new Date().toISOString(),
        kind: options.kind,
        method,
        migration,
        tables: counted,
        rows: counted.reduce((sum, t) => sum + t.rows, 0),
        sequences: seqs,
        secrets: false,
      };
    });
    if (!manifest) throw new Error('the snapshot did not complete');
    const secrets = await copyFile(join(options.dataDir, SECRETS), join(work, SECRETS)).then(
      () => true,
      () => false,
    );
    manifest.secrets = secrets;
    await writeFile(join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const entries = [MANIFEST, method === 'pg_dump' ? 'db.dump' : 'db', ...(secrets ? [SECRETS] : [])];
    await createTar({ gzip: true, file: partial, cwd: work, portable: true }, entries);
    await rename(partial, join(options.backupDir, name));
    const size = (await stat(join(options.backupDir, name))).size;
    log.info('backup written', {
      name,
      method,
      tables: manifest.tables.length,
      rows: manifest.rows,
      sizeBytes: size,
      durationMs: Date.now() - started,
    });
    return toBackup(name, manifest, size);
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

function toBackup(name: string, manifest: BackupManifest, sizeBytes: number): Backup {
  return {
    name,
    kind: manifest.kind,
    method: manifest.method,
    createdAt: manifest.created,
    sizeBytes,
    tables: manifest.method === 'sokoul' ? manifest.tables.length : null,
    rows: manifest.method === 'sokoul' ? manifest.rows : null,
    migration: manifest.migration,
  };
}

/** Reads manifest.json out of an archive (the first entry: the rest is not decompressed). */
export async function readManifest(file: string): Promise<BackupManifest> {
  let text: string | undefined;
  await listTar({
    file,
    onReadEntry: (entry) => {
      if (entry.path !== MANIFEST) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        text = Buffer.concat(chunks).toString('utf8');
      });
    },
  });
  if (text === undefined) throw new Error('not a Sokoul backup: no manifest.json');
  const manifest = JSON.parse(text) as BackupManifest;
  if (
    manifest.format !== 1 ||
    !Array.isArray(manifest.tables) ||
    !['pg_dump', 'sokoul'].includes(manifest.method)
  )
    throw new Error('not a Sokoul backup: unknown manifest');
  return manifest;
}

const manifests = new Map<string, { mtimeMs: number; size: number; manifest: BackupManifest }>();

/** The archives in BACKUP_DIR, newest first; a damaged one is listed from its name alone. */
export async function listBackups(backupDir: string): Promise<Backup[]> {
  const names = (await readdir(backupDir).catch(() => [] as string[])).filter((n) => BACKUP_NAME.test(n));
  const out: Backup[] = [];
  for (const name of names) {
    const file = join(backupDir, name);
    const info = await stat(file).catch(() => null);
    if (!info) continue;
    let cached = manifests.get(file);
    if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      const manifest = await readManifest(file).catch(() => null);
      if (manifest) {
        cached = { mtimeMs: info.mtimeMs, size: info.size, manifest };
        manifests.set(file, cached);
      } else cached = undefined;
    }
    const parsed = parseName(name);
    if (cached) out.push(toBackup(name, cached.manifest, info.size));
    else if (parsed)
      out.push({
        name,
        kind: parsed.kind,
        method: 'sokoul',
        createdAt: parsed.createdAt,
        sizeBytes: info.size,
        tables: null,
        rows: null,
        migration: null,
      });
  }
  return out.sort((a, b) => b.name.slice(7, 23).localeCompare(a.name.slice(7, 23)));
}

/** Applies the retention; answers the names removed. */
export async function pruneBackups(
  backupDir: string,
  keep: { daily: number; weekly: number },
  log?: Logger,
): Promise<string[]> {
  const all = await listBackups(backupDir);
  const daily = all.filter((b) => b.kind !== 'weekly').slice(keep.daily);
  const weekly = all.filter((b) => b.kind === 'weekly').slice(keep.weekly);
  const removed: string[] = [];
  for (const b of [...daily, ...weekly]) {
    await rm(join(backupDir, b.name), { force: true });
    manifests.delete(join(backupDir, b.name));
    removed.push(b.name);
  }
  if (removed.length) log?.info('old backups removed', { removed });
  return removed;
}

export class BackupRefused extends Error {
  constructor(
    readonly code: 'not_found' | 'bad_request' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export interface RestoreOptions extends BackupContext {
  /** The archive's name in BACKUP_DIR, or a path to one. */
  file: string;
  /** Also put the archive's secrets.json back into DATA_DIR. */
  restoreSecrets?: boolean;
}

/** Replaces the database's content with an archive's (see the top of this file). */
export async function restoreBackup(options: RestoreOptions): Promise<Backup> {
  const { log } = options;
  const file = options.file.includes('/') ? options.file : join(options.backupDir, options.file);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new BackupRefused('not_found', `No backup ${options.file}`);
  const manifest = await readManifest(file).catch((error: unknown) => {
    throw new BackupRefused('bad_request', error instanceof Error ? error.message : String(error));
  });
  const name = file.split('/').pop() ?? file;
  const sql = connect(options.databaseUrl);
  const work = join(options.backupDir, `.restore-${process.pid}-${Date.now()}`);
  const started = Date.now();
  try {
    const current = await lastMigration(sql);
    if (manifest.migration && (!current || manifest.migration > current))
      throw new BackupRefused(
        'bad_request',
        `The backup's schema (${manifest.migration}) is newer than this database's (${current ?? 'none'}): upgrade Sokoul first`,
      );
    await mkdir(work, { recursive: true });
    await extractTar({ file, cwd: work });
    log.warn('restore started', { name, method: manifest.method, tables: manifest.tables.length });
    if (manifest.method === 'pg_dump') {
      const tool = pgTool(options.databaseUrl);
      await run(
        'pg_restore',
        [
          '--clean',
          '--if-exists',
          '--single-transaction',
          '--no-owner',
          `--dbname=${tool.url}`,
          join(work, 'db.dump'),
        ],
        { maxBuffer: 16 * 1024 * 1024, env: tool.env },
      );
      log.info('restore pg_restore done', { name });
    } else {
      await restoreRows(sql, work, manifest, log);
    }
    // The archive's scheduled_jobs rows may say a run holds the lease (the backup's own run).
    const [jobs] = await sql<
      { ok: boolean }[]
    >`SELECT to_regclass('public.scheduled_jobs') IS NOT NULL AS ok`;
    if (jobs?.ok) await releaseRestoredLeases(postgresDb(sql));
    if (options.restoreSecrets && manifest.secrets) {
      await mkdir(options.dataDir, { recursive: true });
      const target = join(options.dataDir, SECRETS);
      await copyFile(target, `${target}.before-restore`).catch(() => undefined);
      await copyFile(join(work, SECRETS), target);
      log.info('restore secrets.json written', { name });
    }
    log.warn('restore done', {
      name,
      tables: manifest.tables.length,
      rows: manifest.rows,
      durationMs: Date.now() - started,
    });
    return toBackup(name, manifest, info.size);
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

async function restoreRows(sql: postgres.Sql, work: string, manifest: BackupManifest, log: Logger) {
  await sql.begin(async (tx) => {
    const present = await tables(tx);
    const known = new Set(present.map((t) => t.name));
    for (const t of manifest.tables) {
      if (!known.has(t.name) && t.name !== 'pgmigrations')
        throw new BackupRefused('bad_request', `The backup has a table this database lacks: ${t.name}`);
    }
    // Rows go in as they were: foreign keys and triggers are not fired (the snapshot was consistent).
    await tx.unsafe('SET LOCAL session_replication_role = replica');
    const targets = present.filter((t) => t.name !== 'pgmigrations');
    if (targets.length) await tx.unsafe(`TRUNCATE ${targets.map((t) => ident(t.name)).join(', ')} CASCADE`);
    const wanted = manifest.tables.filter((t) => t.name !== 'pgmigrations');
    for (const [index, t] of wanted.entries()) {
      const cols = t.columns.map(ident).join(', ');
      const writable = await tx.unsafe(`COPY ${ident(t.name)} (${cols}) FROM STDIN`).writable();
      await pipeline(createReadStream(join(work, 'db', `${t.name}.copy`)), writable);
      log.info('restore table done', { table: t.name, rows: t.rows, done: index + 1, total: wanted.length });
    }
    for (const s of manifest.sequences) {
      const [exists] = await tx<
        { ok: boolean }[]
      >`SELECT to_regclass(${`public.${ident(s.name)}`}) IS NOT NULL AS ok`;
      if (!exists?.ok) continue;
      await tx`SELECT setval(${`public.${ident(s.name)}`}::regclass, ${s.lastValue}::bigint, ${s.isCalled})`;
    }
  });
}
