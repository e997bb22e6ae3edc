import {
  type ErrorBody,
  Int32,
  isTimestamp,
  type Media,
  PositiveInt32,
  QueryInt32,
  SqlParamError,
  Text,
  toWireParams,
} from '@sokoul/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureReason } from '../torrent-node/src/tasks/runner.js';
import { adminSession, api, memberSession } from './helpers/api.js';

/**
 * Values PostgreSQL cannot take (NUL bytes, lone surrogates, numbers beyond a column's range,
 * dates it cannot hold) are refused at the edge with a 400 naming the field, never a 500; a row
 * that is gone is a 404; PostgreSQL's own text never reaches an answer or a task.
 */

describe('the contracts building blocks', () => {
  it('Text refuses NUL and lone surrogates, keeps every other character', () => {
    for (const good of ['', 'plain', 'é 漢字', '😀 pair', '\t\n', '\u200b'])
      expect(Text.safeParse(good).success, JSON.stringify(good)).toBe(true);
    for (const bad of ['a\u0000', '\ud800', 'x\udc00y', '\ud83d', '😀'.slice(1)])
      expect(Text.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    expect(Text.trim().min(1).max(3).safeParse(' ab ').data).toBe('ab');
  });

  it('integers stay within PostgreSQL integer', () => {
    expect(Int32.safeParse(2_147_483_647).success).toBe(true);
    expect(Int32.safeParse(-2_147_483_648).success).toBe(true);
    expect(Int32.safeParse(2_147_483_648).success).toBe(false);
    expect(PositiveInt32.safeParse(0).success).toBe(false);
    expect(QueryInt32.safeParse('12').data).toBe(12);
    for (const bad of ['1e3', '0x10', '', ' 1', '99999999999', '1.5'])
      expect(QueryInt32.safeParse(bad).success, bad).toBe(false);
  });

  it('timestamps are real calendar dates PostgreSQL stores exactly', () => {
    for (const good of ['2024-02-29T00:00:00Z', '2025-12-31T23:59:59.999999Z', '0001-01-01T00:00:00+14:00'])
      expect(isTimestamp(good), good).toBe(true);
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:60Z',
      '2024-01-01T00:00:00.1234567Z',
      '2024-01-01T00:00:00+16:00',
      '2024-01-01',
      'not-a-date',
    ])
      expect(isTimestamp(bad), bad).toBe(false);
  });

  it('parameters are checked and written before the driver sees them', () => {
    expect(toWireParams(['a', 1, true, null, { a: [1] }, new Date(0)])).toEqual([
      'a',
      1,
      true,
      null,
      { a: [1] },
      '1970-01-01T00:00:00.000Z',
    ]);
    for (const bad of ['\u0000', '\udfff', Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN), [1]])
      expect(() => toWireParams([bad]), String(bad)).toThrow(SqlParamError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toWireParams([cyclic])).toThrow(SqlParamError);
  });
});

describe('task errors never carry PostgreSQL text', () => {
  it('words what the database refused', () => {
    const pg = (code: string, message: string) =>
      Object.assign(new Error(message), { code, severity: 'ERROR' });
    const fk = pg('23503', 'insert or update on table "search_results" violates foreign key constraint');
    expect(failureReason(fk)).toBe('What this task works on was removed while it ran');
    expect(failureReason(pg('22P02', 'invalid input syntax for type uuid: "x"'))).not.toMatch(/uuid|syntax/);
    expect(failureReason(pg('57P01', 'terminating connection due to administrator command'))).toBe(
      'The database was unavailable',
    );
    // The task's own errors keep their words.
    expect(failureReason(new Error('This search was removed before it completed'))).toBe(
      'This search was removed before it completed',
    );
  });
});

describe('bad values get a 400 naming the field, never a 500', () => {
  let admin: string;
  let member: string;
  let film: Media;

  beforeAll(async () => {
    admin = (await adminSession()).accessToken;
    member = (await memberSession('values')).accessToken;
    film = (
      await api<Media>('POST', '/media', { token: member, body: { type: 'movie', title: 'Values film' } })
    ).body;
  });

  async function refused(
    method: string,
    path: string,
    field: string,
    opts: { token?: string; rawBody?: string; body?: unknown },
  ) {
    const res = await api<ErrorBody>(method, path, opts);
    expect(res.status, `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain(field);
    // PostgreSQL's words never reach an answer.
    expect(JSON.stringify(res.body)).not.toMatch(/invalid input syntax|out of range for type|violates|0x00/);
  }

  it('NUL bytes, in bodies, queries and without an account', async () => {
    await refused('POST', '/auth/signup', 'displayName', {
      rawBody: '{"email":"nul@example.test","password":"long enough password","displayName":"\\u0000"}',
    });
    await refused('GET', '/favorites?q=%00', 'q', { token: member });
    await refused('GET', '/media?q=a%00b', 'q', { token: member });
    await refused('GET', '/tasks?type=%00', 'type', { token: member });
    await refused('POST', '/media', 'title', { token: member, body: { type: 'movie', title: 'a\u0000' } });
    await refused('PATCH', '/auth/me', 'displayName', { token: member, body: { displayName: 'x\u0000' } });
    await refused('POST', '/auth/api-keys', 'name', { token: member, body: { name: '\u0000' } });
    await refused('POST', '/search', 'query', {
      token: member,
      body: { mediaId: film.id, query: 'a\u0000' },
    });
    await refused('POST', '/admin/indexers', 'name', {
      token: admin,
      body: { name: '\u0000', url: 'http://indexer.example/api' },
    });
    await refused('POST', `/media/${film.id}/files`, 'path', {
      token: admin,
      body: { path: '/films/\u0000.mkv', sizeBytes: 1 },
    });
  });

  it('lone surrogates', async () => {
    await refused('POST', '/search', 'query', {
      token: member,
      rawBody: `{"mediaId":"${film.id}","query":"\\ud800"}`,
    });
    await refused('POST', '/media', 'title', {
      token: member,
      rawBody: '{"type":"movie","title":"\\udc00x"}',
    });
  });

  it('numbers beyond their column', async () => {
    await refused('POST', `/media/${film.id}/files`, 'durationSeconds', {
      token: admin,
      body: { path: '/films/values.mkv', sizeBytes: 1, durationSeconds: 2_147_483_648 },
    });
    await refused('POST', `/media/${film.id}/files`, 'sizeBytes', {
      token: admin,
      body: { path: '/films/values.mkv', sizeBytes: 2 ** 60 },
    });
    await refused('POST', '/search', 'tmdbId', {
      token: member,
      body: { tmdbId: 2_147_483_648, type: 'movie' },
    });
    await refused('GET', '/media?genre=999999999999', 'genre', { token: member });
    await refused('GET', `/search/${film.id}/latest?season=99999999999`, 'season', { token: member });
    await refused('POST', '/watch-history', 'at', {
      token: member,
      body: { mediaId: film.id, positionSeconds: 1, durationSeconds: 10, at: '0000-01-01T00:00:00Z' },
    });
  });

  it('a title that is gone is a 404, in every route that refers to one', async () => {
    const gone = '00000000-0000-4000-8000-0000000000ff';
    for (const [method, path, body] of [
      ['POST', '/favorites', { mediaId: gone }],
      ['POST', '/watch-history', { mediaId: gone, positionSeconds: 1, durationSeconds: 10 }],
      ['POST', '/search', { mediaId: gone }],
      ['POST', `/media/${gone}/files`, { path: '/films/gone.mkv', sizeBytes: 1 }],
    ] as const) {
      const res = await api<ErrorBody>(method, path, {
        token: path.includes('files') ? admin : member,
        body,
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toMatch(/violates|constraint/);
    }
  });
});
