import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from './bindings.js';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The cache used when no Redis is configured: key/value with expiry in the object's SQLite storage,
 * so it needs no server and survives restarts.
 */
export class CacheStore extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
  }

  get(key: string): string | null {
    const row = this.ctx.storage.sql
      .exec<{ value: string }>('SELECT value FROM entries WHERE key = ? AND expires_at > ?', key, Date.now())
      .toArray()[0];
    return row?.value ?? null;
  }

  set(key: string, value: string, ttlSeconds: number): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      key,
      value,
      Date.now() + ttlSeconds * 1000,
    );
    this.scheduleSweep();
  }

  /** Stores the value only when the key is absent or expired; true when it did (locks). */
  add(key: string, value: string, ttlSeconds: number): boolean {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ value: string }>(
        `INSERT INTO entries (key, value, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         WHERE entries.expires_at <= ?
         RETURNING value`,
        key,
        value,
        now + ttlSeconds * 1000,
        now,
      )
      .toArray()[0];
    this.scheduleSweep();
    return row !== undefined;
  }

  delete(key: string): void {
    this.ctx.storage.sql.exec('DELETE FROM entries WHERE key = ?', key);
  }

  /** Returns the value and removes it, atomically (single-use tickets). */
  take(key: string): string | null {
    const value = this.get(key);
    if (value !== null) this.delete(key);
    return value;
  }

  /** Fixed-window counter: the window starts at the first increment. */
  increment(key: string, windowSeconds: number): { count: number; ttlSeconds: number } {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ value: string; expires_at: number }>(
        `INSERT INTO entries (key, value, expires_at) VALUES (?, '1', ?)
         ON CONFLICT (key) DO UPDATE SET
           value = CASE WHEN entries.expires_at > ? THEN CAST(CAST(entries.value AS INTEGER) + 1 AS TEXT) ELSE '1' END,
           expires_at = CASE WHEN entries.expires_at > ? THEN entries.expires_at ELSE excluded.expires_at END
         RETURNING value, expires_at`,
        key,
        now + windowSeconds * 1000,
        now,
        now,
      )
      .one();
    this.scheduleSweep();
    return { count: Number(row.value), ttlSeconds: Math.max(1, Math.ceil((row.expires_at - now) / 1000)) };
  }

  ttl(key: string): number {
    const row = this.ctx.storage.sql
      .exec<{ expires_at: number }>(
        'SELECT expires_at FROM entries WHERE key = ? AND expires_at > ?',
        key,
        Date.now(),
      )
      .toArray()[0];
    return row ? Math.max(1, Math.ceil((row.expires_at - Date.now()) / 1000)) : 0;
  }

  ping(): boolean {
    return true;
  }

  override async alarm(): Promise<void> {
    this.ctx.storage.sql.exec('DELETE FROM entries WHERE expires_at <= ?', Date.now());
    const left = this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM entries').one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
  }

  private scheduleSweep(): void {
    void this.ctx.storage.getAlarm().then((at) => {
      if (at === null) return this.ctx.storage.setAlarm(Date.now() + SWEEP_INTERVAL_MS);
    });
  }
}
