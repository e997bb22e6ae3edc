import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../launcher/src/log.js';
import { startRedisGateway } from '../launcher/src/redis-gateway.js';
import { MACHINE_REDIS } from './helpers/stack.js';

let gateway: Awaited<ReturnType<typeof startRedisGateway>>;
const token = 'gateway-test-token';
const prefix = `gw-test-${Date.now()}`;

beforeAll(async () => {
  gateway = await startRedisGateway({
    redisUrl: MACHINE_REDIS,
    token,
    host: '127.0.0.1',
    port: 0,
    log: createLogger('silent', 'test'),
  });
});
afterAll(async () => {
  await gateway.stop();
});

describe('Upstash-compatible gateway in front of the machine Redis', () => {
  it('serves the real @upstash/redis client: single commands, pipelines, transactions, base64 replies', async () => {
    const redis = new Redis({ url: gateway.url, token, automaticDeserialization: false });
    expect(await redis.set(`${prefix}:a`, 'héllo wörld', { ex: 60 })).toBe('OK');
    expect(await redis.get(`${prefix}:a`)).toBe('héllo wörld');
    expect(await redis.get(`${prefix}:missing`)).toBeNull();
    const [n, ttl] = await redis.multi().incr(`${prefix}:n`).ttl(`${prefix}:a`).exec<[number, number]>();
    expect(n).toBe(1);
    expect(ttl).toBeGreaterThan(50);
    const pipeline = await redis.pipeline().incr(`${prefix}:n`).get(`${prefix}:a`).exec<[number, string]>();
    expect(pipeline).toEqual([2, 'héllo wörld']);
    expect(await redis.getdel(`${prefix}:a`)).toBe('héllo wörld');
    expect(await redis.get(`${prefix}:a`)).toBeNull();
    await redis.del(`${prefix}:n`);

    const pipelined = new Redis({
      url: gateway.url,
      token,
      automaticDeserialization: false,
      enableAutoPipelining: true,
    });
    const results = await Promise.all([pipelined.set(`${prefix}:p`, '1'), pipelined.incr(`${prefix}:p`)]);
    expect(results).toEqual(['OK', 2]);
    await pipelined.del(`${prefix}:p`);
  });

  it('rejects a wrong token and malformed commands with clear errors', async () => {
    const wrong = await fetch(gateway.url, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
      body: '["PING"]',
    });
    expect(wrong.status).toBe(401);
    const bad = await fetch(gateway.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{"x":1}',
    });
    expect(bad.status).toBe(400);
    const unknown = await fetch(gateway.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '["NOSUCHCOMMAND"]',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: expect.stringContaining('unknown command') });
  });
});
