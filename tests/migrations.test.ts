import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { migrate } from '../launcher/src/migrate.js';
import { createTestDatabase, dropTestDatabase, ROOT } from './helpers/stack.js';

const log = createLogger('silent', 'test');
const created: string[] = [];
afterAll(async () => {
  for (const url of created) await dropTestDatabase(url);
});

describe('migrations on the machine PostgreSQL', () => {
  it('apply in order, are recorded, and are safe when two runners start at once', async () => {
    const url = await createTestDatabase('sokoul_migrate');
    created.push(url);
    const [a, b] = await Promise.all([migrate(ROOT, url, log), migrate(ROOT, url, log)]);
    // One runner applied everything, the other waited for the lock and found nothing to do.
    expect([...a, ...b]).toEqual(expect.arrayContaining(['1764000000000_foundation']));
    expect(a.length + b.length).toBe(Math.max(a.length, b.length));

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ name: string }[]>`SELECT name FROM pgmigrations ORDER BY run_on`;
      const files = readdirSync(join(ROOT, 'migrations'))
        .filter((f) => f.endsWith('.sql'))
        .map((f) => f.replace(/\.sql$/, ''))
        .sort();
      expect(rows.map((r) => r.name)).toEqual(files);
      const tables = await sql<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining([
          'users',
          'refresh_tokens',
          'api_keys',
          'tasks',
          'settings',
          'invites',
          'media',
          'media_files',
          'library',
          'favorites',
          'watchlist',
          'watch_history',
        ]),
      );
      const extensions = await sql<{ extname: string }[]>`SELECT extname FROM pg_extension`;
      expect(extensions.map((e) => e.extname)).toContain('pg_trgm');
      const [version] = await sql<{ server_version_num: string }[]>`SHOW server_version_num`;
      expect(Number(version?.server_version_num)).toBeGreaterThanOrEqual(150000);
    } finally {
      await sql.end();
    }
    expect(await migrate(ROOT, url, log)).toEqual([]);
  });

  it('enforces the schema rules the API relies on', async () => {
    const url = await createTestDatabase('sokoul_schema');
    created.push(url);
    await migrate(ROOT, url, log);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql`INSERT INTO users (email, display_name, password_hash) VALUES ('a@b.c', 'a', 'x')`;
      await expect(
        sql`INSERT INTO users (email, display_name, password_hash) VALUES ('A@B.C', 'a', 'x')`,
      ).rejects.toThrow(/users_email_key/);
      await expect(
        sql`INSERT INTO users (email, display_name, password_hash, role) VALUES ('c@d.e', 'c', 'x', 'root')`,
      ).rejects.toThrow(/check/i);
      const [user] = await sql<{ id: string }[]>`SELECT id FROM users`;
      await expect(
        sql`INSERT INTO tasks (user_id, type, progress) VALUES (${user!.id}, 'x', 2)`,
      ).rejects.toThrow(/check/i);
      await sql`INSERT INTO tasks (user_id, type) VALUES (${user!.id}, 'x')`;
      await sql`DELETE FROM users`;
      const [row] = await sql<{ count: string }[]>`SELECT count(*) FROM tasks`;
      expect(Number(row?.count)).toBe(0);
    } finally {
      await sql.end();
    }
  });
});
