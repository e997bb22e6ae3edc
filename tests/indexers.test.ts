import {
  type ErrorBody,
  INDEXER_UNAVAILABLE,
  Indexer,
  IndexerList,
  IndexerTestReply,
  SearchOutcome,
  SearchResults,
  type StartedSearch,
} from '@sokoul/contracts';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { adminSession, api, memberSession, waitForTask } from './helpers/api.js';
import { STACK_RELEASES, startFakeIndexer } from './helpers/fake-indexer.js';

/** Admin-added Torznab indexers, one behind a Cloudflare challenge that FlareSolverr passes. */
let admin: string;
let member: string;
const tunnels = async () => ((await (await fetch(inject('proxy'))).json()) as { tunnels: string[] }).tunnels;
const solved = async () =>
  ((await (await fetch(`${inject('flareSolverr')}/__calls`)).json()) as { solved: number }).solved;

beforeAll(async () => {
  admin = (await adminSession()).accessToken;
  member = (await memberSession('indexers')).accessToken;
});

async function search(body: Record<string, unknown>): Promise<SearchOutcome & { mediaId: string }> {
  const started = await api<StartedSearch>('POST', '/search', { token: member, body });
  const task = await waitForTask(member, started.body.task.id);
  expect(task.status).toBe('done');
  return { ...SearchOutcome.parse(task.result), mediaId: started.body.mediaId };
}

describe('admin indexers', () => {
  it('adds, lists, changes and removes indexers; keys are never sent back', async () => {
    const created = await api<Indexer>('POST', '/admin/indexers', {
      token: admin,
      body: { name: 'Spare', url: 'http://127.0.0.1:1/api', apiKey: 'secret-key', enabled: false },
    });
    expect(created.status).toBe(201);
    expect(Indexer.parse(created.body)).toMatchObject({ name: 'Spare', hasApiKey: true, enabled: false });
    expect(JSON.stringify(created.body)).not.toContain('secret-key');
    const duplicate = await api<ErrorBody>('POST', '/admin/indexers', {
      token: admin,
      body: { name: 'Spare', url: 'http://127.0.0.1:2/api' },
    });
    expect(duplicate.status).toBe(409);
    const patched = await api<Indexer>('PATCH', `/admin/indexers/${created.body.id}`, {
      token: admin,
      body: { apiKey: null, name: 'Spare 2' },
    });
    expect(patched.body).toMatchObject({ name: 'Spare 2', hasApiKey: false });
    const list = IndexerList.parse((await api('GET', '/admin/indexers', { token: admin })).body);
    expect(list.indexers.map((i) => i.name)).toContain('Spare 2');
    expect((await api('DELETE', `/admin/indexers/${created.body.id}`, { token: admin })).status).toBe(204);
    expect((await api('DELETE', `/admin/indexers/${created.body.id}`, { token: admin })).status).toBe(404);
  });

  it('refuses bad input and non-admins', async () => {
    const badUrl = await api<ErrorBody>('POST', '/admin/indexers', {
      token: admin,
      body: { name: 'X', url: 'ftp://x' },
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.message).toContain('url');
    const empty = await api<ErrorBody>('PATCH', '/admin/indexers/00000000-0000-4000-8000-000000000000', {
      token: admin,
      body: {},
    });
    expect(empty.status).toBe(400);
    expect((await api('GET', '/admin/indexers', { token: member })).status).toBe(403);
    expect(
      (await api('POST', '/admin/indexers', { token: member, body: { name: 'Y', url: 'http://y/api' } }))
        .status,
    ).toBe(403);
  });

  it('searches an indexer behind Cloudflare through FlareSolverr, and reports it failing without', async () => {
    const created = await api<Indexer>('POST', '/admin/indexers', {
      token: admin,
      body: { name: 'Protected', url: inject('protectedIndexer'), useFlareSolverr: false },
    });
    try {
      const blocked = await search({ tmdbId: 27205, type: 'movie', query: 'Inception blocked' });
      expect(blocked.reports.find((r) => r.indexer === 'Protected')).toMatchObject({ status: 'failed' });
      // The member who searched reads that it failed; the admin reads why.
      expect(blocked.reports.find((r) => r.indexer === 'Protected')?.error).toBe(INDEXER_UNAVAILABLE);
      const latest = SearchResults.parse(
        (await api('GET', `/search/${blocked.mediaId}/latest`, { token: admin })).body,
      );
      expect(latest.reports.find((r) => r.indexer === 'Protected')?.error).toContain('refused');

      await api('PATCH', `/admin/indexers/${created.body.id}`, {
        token: admin,
        body: { useFlareSolverr: true },
      });
      const before = await solved();
      const passed = await search({ tmdbId: 27205, type: 'movie', query: 'Inception' });
      expect(passed.reports.find((r) => r.indexer === 'Protected')).toMatchObject({
        status: 'ok',
        results: 1,
      });
      expect(passed.accepted).toBe(1);
      expect(await solved()).toBe(before + 1);
      // The added indexer was reached through the configured proxy.
      expect(await tunnels()).toContain(new URL(inject('protectedIndexer')).host);
    } finally {
      await api('DELETE', `/admin/indexers/${created.body.id}`, { token: admin });
    }
  });

  it('reaches an indexer directly when its proxy flag is off, through INDEXER_PROXY_URL when on', async () => {
    const direct = await startFakeIndexer({ name: 'Direct', releases: STACK_RELEASES });
    const proxied = await startFakeIndexer({ name: 'Proxied', releases: STACK_RELEASES });
    const add = async (name: string, url: string, useProxy?: boolean) => {
      const res = await api<Indexer>('POST', '/admin/indexers', {
        token: admin,
        body: { name, url, ...(useProxy === undefined ? {} : { useProxy }) },
      });
      expect(res.status).toBe(201);
      return Indexer.parse(res.body);
    };
    const test = async (name: string) => {
      const res = await api<IndexerTestReply>('POST', '/admin/indexers/test', {
        token: admin,
        body: { name },
      });
      expect(IndexerTestReply.parse(res.body).results).toEqual([expect.objectContaining({ name, ok: true })]);
    };
    const host = (url: string) => new URL(url).host;
    const off = await add('Proxy off', direct.url, false);
    // Through the proxy unless told otherwise, as before the flag existed.
    const on = await add('Proxy on', proxied.url);
    try {
      expect(off.useProxy).toBe(false);
      expect(on.useProxy).toBe(true);
      await test('Proxy off');
      await test('Proxy on');
      expect(direct.calls.length).toBeGreaterThan(0);
      expect(proxied.calls.length).toBeGreaterThan(0);
      expect(await tunnels()).not.toContain(host(direct.url));
      expect(await tunnels()).toContain(host(proxied.url));

      // A search asks both, each the way its flag says.
      const searched = await search({ tmdbId: 27205, type: 'movie', query: 'Inception proxy flag' });
      for (const name of ['Proxy off', 'Proxy on'])
        expect(searched.reports.find((r) => r.indexer === name)).toMatchObject({ status: 'ok' });
      expect(direct.calls.some((c) => c.params.t !== 'caps')).toBe(true);
      expect(await tunnels()).not.toContain(host(direct.url));

      // Ticked: the next request goes through the proxy.
      const patched = await api<Indexer>('PATCH', `/admin/indexers/${off.id}`, {
        token: admin,
        body: { useProxy: true },
      });
      expect(Indexer.parse(patched.body).useProxy).toBe(true);
      await test('Proxy off');
      expect(await tunnels()).toContain(host(direct.url));
    } finally {
      await api('DELETE', `/admin/indexers/${off.id}`, { token: admin });
      await api('DELETE', `/admin/indexers/${on.id}`, { token: admin });
      await direct.close();
      await proxied.close();
    }
  });
});
