import type { ErrorBody } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { api, memberSession } from './helpers/api.js';

const isErrorBody = (body: unknown) =>
  expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });

describe('bad input gets a clear 4xx JSON error', () => {
  it('malformed JSON', async () => {
    const res = await api('POST', '/auth/login', { rawBody: '{"email": ' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('wrong types and missing fields name the field', async () => {
    const res = await api<{ error: { issues: { path: string }[] } }>('POST', '/auth/signup', {
      body: { email: 42, password: 'short' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    const paths = res.body.error.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['email', 'password']));
    const missing = await api('POST', '/auth/login', { body: {} });
    expect(missing.status).toBe(400);
  });

  it('a body that is not JSON at all', async () => {
    const res = await api('POST', '/auth/login', {
      rawBody: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    isErrorBody(res.body);
  });

  it('a media type that only starts like JSON', async () => {
    for (const type of ['application/jsonx', 'application/json-patch', 'text/json', 'application/xjson']) {
      const res = await api('POST', '/auth/login', {
        rawBody: JSON.stringify({ email: 'a@b.c', password: 'x' }),
        headers: { 'content-type': type },
      });
      expect(res.status, type).toBe(415);
      isErrorBody(res.body);
    }
    // JSON with parameters, and the +json suffix, are JSON.
    for (const type of ['application/json; charset=utf-8', 'application/merge+json']) {
      const res = await api('POST', '/auth/login', {
        rawBody: JSON.stringify({ email: 'nobody@example.test', password: 'x' }),
        headers: { 'content-type': type },
      });
      expect(res.status, type).toBe(401);
    }
  });

  it('oversized bodies', async () => {
    const res = await api('POST', '/auth/login', {
      rawBody: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2_000_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('unknown routes and methods', async () => {
    const res = await api('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
    expect((await api('DELETE', '/health')).status).toBe(404);
  });

  it('ids that are not UUIDs, unknown task types, bad query values', async () => {
    const member = await memberSession('bad-input');
    expect((await api('GET', '/tasks/not-a-uuid', { token: member.accessToken })).status).toBe(404);
    const type = await api('POST', '/tasks', { token: member.accessToken, body: { type: 'rm -rf' } });
    expect(type.status).toBe(400);
    const limit = await api('GET', '/tasks?limit=100000', { token: member.accessToken });
    expect(limit.status).toBe(400);
    const cursor = await api<ErrorBody>('GET', "/tasks?cursor=';DROP TABLE tasks;--", {
      token: member.accessToken,
    });
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('cursor'),
    });
    expect((await api('GET', '/tasks', { token: member.accessToken })).status).toBe(200);
  });

  it('never leaks a stack trace', async () => {
    const res = await api('POST', '/auth/refresh', { body: { refreshToken: 'x'.repeat(100) } });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
