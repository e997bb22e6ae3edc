import {
  type ConfigEntry,
  ConfigKey,
  ConfigList,
  ConfigSection,
  type ErrorBody,
  type Indexer,
  IndexerTestReply,
  OracleTestReply,
  parseConfig,
  QualityProfileList,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { postgresDb, WIRE_TYPES } from '@sokoul/db/postgres';
import { connect, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type SettingsOverlay, startSettings } from '../torrent-node/src/settings.js';
import { adminSession, api, eventually, memberSession, stack } from './helpers/api.js';
import { STACK_RELEASES, startFakeIndexer } from './helpers/fake-indexer.js';
import { startFakeLlm } from './helpers/fake-llm.js';
import { captureLogger, type LogLine } from './helpers/logger.js';

/**
 * Run-time settings (GET/PUT /admin/config) against the shared stack: sources, validation, secrets
 * that never come back, and changes the running torrent-node and API apply at once. A second
 * overlay runs in this process on the stack's database and NATS, with a capturing logger, so its
 * logs can be searched for the secrets set here.
 */
let admin: string;
let member: string;
let nc: NatsConnection;
let sql: postgres.Sql;
let overlay: SettingsOverlay;
const lines: LogLine[] = [];
const config = parseConfig(TorrentNodeConfigSchema, {
  DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
  NATS_URL: 'nats://127.0.0.1:1',
  INTERNAL_SIGNING_KEY: 'x'.repeat(32),
  STALL_MINUTES: '10',
  NODE_ID: 'settings-test-node',
});

const entries = async (token = admin) => {
  const res = await api<ConfigList>('GET', '/admin/config', { token });
  expect(res.status).toBe(200);
  return ConfigList.parse(res.body).entries;
};
const entry = (list: ConfigEntry[], key: string) => {
  const found = list.find((e) => e.key === key);
  if (!found) throw new Error(`no entry ${key}`);
  return found;
};
const put = (values: Record<string, unknown>, token = admin) =>
  api<ConfigList | ErrorBody>('PUT', '/admin/config', { token, body: { values } });

beforeAll(async () => {
  admin = (await adminSession()).accessToken;
  member = (await memberSession('settings')).accessToken;
  nc = await connect({ servers: stack().natsUrl, token: stack().natsToken });
  sql = postgres(stack().databaseUrl, { max: 2, types: WIRE_TYPES, onnotice: () => {} });
  overlay = await startSettings({
    nc,
    db: postgresDb(sql),
    config,
    log: captureLogger(lines),
    // Not this test's environment: what the overlay reports is torrent-node's (the stack's).
    env: {},
  });
});

afterAll(async () => {
  overlay?.stop();
  await nc?.drain();
  await sql?.end();
});

describe('run-time settings', () => {
  it('lists every key with its source; members are refused', async () => {
    const list = await entries();
    // The stack sets these in its environment (the API's TMDB key, torrent-node's Jackett).
    expect(entry(list, 'TMDB_API_KEY')).toMatchObject({ secret: true, set: true, source: 'environment' });
    expect(entry(list, 'TMDB_API_KEY')).not.toHaveProperty('value');
    expect(entry(list, 'JACKETT_URL')).toMatchObject({
      source: 'environment',
      environment: true,
      value: inject('jackett'),
    });
    expect(entry(list, 'JACKETT_API_KEY')).toMatchObject({ set: true, environment: true });
    expect(entry(list, 'JACKETT_API_KEY')).not.toHaveProperty('value');
    expect(entry(list, 'STALL_MINUTES')).toMatchObject({ source: 'default', value: 10, environment: false });
    expect(entry(list, 'OPENSUBTITLES_API_KEY')).toMatchObject({ set: false, source: 'default' });

    expect((await api('GET', '/admin/config', { token: member })).status).toBe(403);
    expect((await put({ STALL_MINUTES: 3 }, member)).status).toBe(403);
    expect((await api('POST', '/admin/indexers/test', { token: member, body: {} })).status).toBe(403);
  });

  it('refuses a bad value naming its key, and unknown keys', async () => {
    const bad = await put({ STALL_MINUTES: 2, MAX_CONCURRENT_DL: 0 });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.message).toContain('MAX_CONCURRENT_DL');
    // Nothing of a refused change is saved.
    expect(entry(await entries(), 'STALL_MINUTES').source).toBe('default');
    expect((await put({ NOT_A_SETTING: 1 })).status).toBe(400);
    expect((await put({ TMDB_REGION: 'france' })).status).toBe(400);
    expect((await put({ ORACLE_ENABLED: 'maybe' })).status).toBe(400);
  });

  it('a stored value overrides the environment at once, in the API and in torrent-node; null clears it', async () => {
    const set = await put({ STALL_MINUTES: 2.5, TMDB_LANGUAGE: 'de-DE' });
    expect(set.status).toBe(200);
    const list = ConfigList.parse(set.body).entries;
    expect(entry(list, 'STALL_MINUTES')).toMatchObject({ source: 'database', value: 2.5, fallback: 10 });
    expect(entry(list, 'TMDB_LANGUAGE')).toMatchObject({ source: 'database', value: 'de-DE' });
    try {
      // The API: profiles' preferred languages come from TMDB_LANGUAGE.
      const profiles = QualityProfileList.parse(
        (await api('GET', '/search/profiles', { token: member })).body,
      );
      expect(profiles.profiles[0]?.preferredLanguages[0]).toBe('de');
      // torrent-node (this process's overlay hears the same message the stack's does).
      await eventually(() => expect(config.STALL_MINUTES).toBe(2.5));
    } finally {
      const cleared = await put({ STALL_MINUTES: null, TMDB_LANGUAGE: null });
      expect(entry(ConfigList.parse(cleared.body).entries, 'STALL_MINUTES')).toMatchObject({
        source: 'default',
        value: 10,
      });
    }
    await eventually(() => expect(config.STALL_MINUTES).toBe(10));
    const profiles = QualityProfileList.parse((await api('GET', '/search/profiles', { token: member })).body);
    expect(profiles.profiles[0]?.preferredLanguages[0]).toBe('fr');
  });

  it('the running torrent-node searches the Jackett an admin sets, then the environment’s again', async () => {
    const other = await startFakeIndexer({
      name: 'Jackett',
      releases: STACK_RELEASES,
      apiKey: 'other-jackett-key',
    });
    const test = async () => {
      const res = await api<IndexerTestReply>('POST', '/admin/indexers/test', {
        token: admin,
        body: { name: 'Jackett' },
      });
      expect(res.status).toBe(200);
      return IndexerTestReply.parse(res.body);
    };
    try {
      expect((await test()).results).toEqual([expect.objectContaining({ name: 'Jackett', ok: true })]);
      expect(other.calls).toHaveLength(0);
      await put({ JACKETT_URL: other.root, JACKETT_API_KEY: 'wrong-key' });
      // The key is checked by the new fake: a wrong one fails the test…
      await eventually(async () => {
        expect((await test()).results[0]).toMatchObject({ ok: false });
        expect(other.calls.length).toBeGreaterThan(0);
      });
      await put({ JACKETT_API_KEY: 'other-jackett-key' });
      await eventually(async () => expect((await test()).results[0]).toMatchObject({ ok: true }));
      expect(other.calls.at(-1)).toMatchObject({ params: { t: 'caps', apikey: 'other-jackett-key' } });
    } finally {
      await put({ JACKETT_URL: null, JACKETT_API_KEY: null });
    }
    const before = other.calls.length;
    await eventually(async () => expect((await test()).results[0]).toMatchObject({ ok: true }));
    expect(other.calls.length).toBe(before);
    await other.close();
  });

  it('tests an indexer an admin added, and says why one fails', async () => {
    const added = await startFakeIndexer({ name: 'Added', releases: STACK_RELEASES });
    const created = await api<Indexer>('POST', '/admin/indexers', {
      token: admin,
      body: { name: 'Settings added', url: added.url },
    });
    try {
      const ok = IndexerTestReply.parse(
        (await api('POST', '/admin/indexers/test', { token: admin, body: { name: 'Settings added' } })).body,
      );
      expect(ok.results).toEqual([expect.objectContaining({ name: 'Settings added', ok: true })]);
      expect(ok.results[0]?.categories).toBeGreaterThan(0);
      added.setBehaviour({ kind: 'status', status: 500 });
      const failed = IndexerTestReply.parse(
        (await api('POST', '/admin/indexers/test', { token: admin, body: { name: 'Settings added' } })).body,
      );
      expect(failed.results[0]).toMatchObject({ ok: false });
      expect(failed.results[0]?.error).toBeTruthy();
    } finally {
      await api('DELETE', `/admin/indexers/${created.body.id}`, { token: admin });
      await added.close();
    }
  });

  it('tests Oracle from torrent-node at the LLAMA_ENDPOINT an admin sets: ok and latency, or why not', async () => {
    const llm = await startFakeLlm();
    const test = async (token = admin) => {
      const res = await api<OracleTestReply>('POST', '/admin/oracle/test', { token });
      expect(res.status).toBe(200);
      return OracleTestReply.parse(res.body);
    };
    try {
      expect((await api('POST', '/admin/oracle/test', { token: member })).status).toBe(403);
      // The stack's environment has no endpoint.
      expect(await test()).toMatchObject({ ok: false, state: 'not_configured', latencyMs: 0 });
      expect((await put({ LLAMA_ENDPOINT: llm.url })).status).toBe(200);
      await eventually(async () =>
        expect(await test()).toMatchObject({ ok: true, state: 'ok', error: null }),
      );
      const asked = llm.requests.length;
      expect(asked).toBeGreaterThan(0);
      expect(llm.requests.at(-1)).toMatchObject({
        path: '/v1/chat/completions',
        response_format: { type: 'json_object' },
      });
      // One call per test.
      await test();
      expect(llm.requests.length).toBe(asked + 1);
      llm.mode = 'error';
      expect(await test()).toMatchObject({
        ok: false,
        state: 'http',
        error: 'the LLM endpoint answered HTTP 500',
      });
    } finally {
      await put({ LLAMA_ENDPOINT: null });
      await llm.close();
    }
    await eventually(async () => expect(await test()).toMatchObject({ state: 'not_configured' }));
  });

  it('secrets are write-only: no route answers them and no log prints them', async () => {
    const secret = `os-secret-${crypto.randomUUID()}`;
    const password = `pw-${crypto.randomUUID()}`;
    const set = await put({ OPENSUBTITLES_API_KEY: secret, OPENSUBTITLES_PASSWORD: password });
    expect(set.status).toBe(200);
    try {
      expect(JSON.stringify(set.body)).not.toContain(secret);
      const list = await entries();
      expect(entry(list, 'OPENSUBTITLES_API_KEY')).toMatchObject({ source: 'database', set: true });
      await eventually(() => expect(config.OPENSUBTITLES_API_KEY).toBe(secret));
      // Every GET route without parameters, as an admin.
      const document = (await api<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json'))
        .body;
      const paths = Object.entries(document.paths)
        .filter(([path, methods]) => 'get' in methods && !path.includes('{'))
        .map(([path]) => path);
      expect(paths).toContain('/admin/config');
      for (const path of paths) {
        const res = await fetch(`${stack().url}${path}`, {
          headers: { authorization: `Bearer ${admin}` },
          signal: AbortSignal.timeout(20_000),
        });
        const text = await res.text();
        expect(text, path).not.toContain(secret);
        expect(text, path).not.toContain(password);
      }
      const logged = JSON.stringify(lines);
      expect(logged).toContain('OPENSUBTITLES_API_KEY');
      expect(logged).not.toContain(secret);
      expect(logged).not.toContain(password);
    } finally {
      await put({ OPENSUBTITLES_API_KEY: null, OPENSUBTITLES_PASSWORD: null });
    }
    await eventually(() => expect(config.OPENSUBTITLES_API_KEY).toBeUndefined());
  });

  it('words every key and section in French and in English', async () => {
    vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
    vi.stubGlobal('document', { documentElement: { lang: '' } });
    const i18n = await import('../web/src/i18n.js');
    const keys = [
      ...ConfigKey.options.map((k) => `config.key.${k}`),
      ...ConfigSection.options.flatMap((s) => [`config.${s}`, `config.${s}.hint`]),
    ];
    const words: Record<string, string[]> = {};
    for (const lang of ['fr', 'en'] as const) {
      i18n.setLocale(lang);
      words[lang] = keys.map((key) => {
        expect(i18n.hasMessage(key), key).toBe(true);
        return i18n.hasMessage(key) ? i18n.t(key) : '';
      });
    }
    // Translated, not copied (Oracle, TMDB and OpenSubtitles are names in both).
    const same = keys.filter((_, i) => words.fr?.[i] === words.en?.[i]);
    expect(same.sort()).toEqual(
      ['config.key.ORACLE_ENABLED', 'config.oracle', 'config.subtitles', 'config.tmdb'].sort(),
    );
    vi.unstubAllGlobals();
  });
});
