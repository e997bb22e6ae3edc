import { SearchOutcome } from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { adminSession, api, memberSession, runSearch, stack } from './helpers/api.js';
import { METRICS_TOKEN } from './helpers/stack.js';

describe('metrics', () => {
  it('exposes API request counts and latency histograms by route and status, behind the token', async () => {
    await api('GET', '/health');
    await api('GET', '/no-such-route');
    expect((await api('GET', '/metrics')).status).toBe(401);
    const member = await memberSession('metrics');
    expect((await api('GET', '/metrics', { token: member.accessToken })).status).toBe(403);
    const viaAdmin = await api<string>('GET', '/metrics', { token: (await adminSession()).accessToken });
    expect(viaAdmin.status).toBe(200);

    const res = await api<string>('GET', '/metrics', { token: METRICS_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.body).toMatch(/sokoul_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(res.body).toMatch(
      /sokoul_http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} \d+/,
    );
    expect(res.body).toMatch(
      /sokoul_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health",status="200"\}/,
    );
  });

  it('exposes torrent-node metrics on its own port, behind the token', async () => {
    const url = `http://127.0.0.1:${stack().metricsPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('sokoul_torrent_node_process_resident_memory_bytes');
    expect(text).toContain('sokoul_tasks_running');
  });

  it('counts the running torrent-node’s indexer queries and response times per indexer', async () => {
    const url = `http://127.0.0.1:${stack().metricsPort}/metrics`;
    const scrape = async () =>
      (await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const value = (text: string, name: string, indexer: string) =>
      Number(new RegExp(`^${name}\\{indexer="${indexer}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await scrape();
    const { accessToken } = await memberSession('metrics-search');
    // A query text of its own: an identical recent search would be answered from storage.
    const { task } = await runSearch(accessToken, {
      tmdbId: 603,
      type: 'movie',
      query: `The Matrix metrics ${Date.now()}`,
    });
    expect(task.status).toBe('done');
    const asked = SearchOutcome.parse(task.result).reports.filter((r) => r.status !== 'skipped');
    expect(asked.length).toBeGreaterThan(0);
    const after = await scrape();
    for (const { indexer } of asked) {
      expect(value(after, 'sokoul_indexer_queries_total', indexer)).toBe(
        value(before, 'sokoul_indexer_queries_total', indexer) + 1,
      );
      expect(value(after, 'sokoul_indexer_response_time_seconds_count', indexer)).toBe(
        value(before, 'sokoul_indexer_response_time_seconds_count', indexer) + 1,
      );
    }
  });
});
