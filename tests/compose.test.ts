import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiConfigSchema,
  LauncherConfigSchema,
  SharedConfigSchema,
  TorrentNodeConfigSchema,
} from '@sokoul/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/stack.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  network_mode?: string;
  depends_on?: Record<string, { condition: string }> | string[];
}

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const envExample = read('.env.example');
const documented = new Set([...envExample.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
const composeText = read('docker-compose.yml');

describe('docker-compose.yml', () => {
  it('declares the spec services plus Sokoul’s own two', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'postgres',
        'redis',
        'redis-rest',
        'nats',
        'flaresolverr',
        'gluetun',
        'prowlarr',
        'jackett',
        'prometheus',
        'grafana',
        'loki',
        'alloy',
        'app',
        'torrent-node',
      ].sort(),
    );
    expect(compose.services.postgres?.image).toBe('pgvector/pgvector:pg16');
    expect(compose.services.redis?.image).toBe('redis:7.2-alpine');
    expect(compose.services.nats?.image).toBe('nats:2.10-alpine');
  });

  it('documents every variable it uses in .env.example', () => {
    const used = [...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('publishes host ports that are fixed and known, or configurable through a documented variable', () => {
    const fixed = new Set(['9696', '9117', '9090', '3001', '3100']);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const mapping of service.ports ?? []) {
        const host = /^(\$\{[A-Z_]+:-\d+\}|\d+):/.exec(mapping)?.[1] ?? mapping;
        const variable = /^\$\{([A-Z_]+):-\d+\}$/.exec(host)?.[1];
        if (variable) expect(documented.has(variable), `${name}: ${variable}`).toBe(true);
        else expect(fixed.has(host), `${name}: ${mapping}`).toBe(true);
      }
    }
    expect(read('docs/production.md')).toMatch(/\| *prometheus *\| *9090/);
  });

  it('gives the app what the API config requires, and torrent-node what it requires', () => {
    const app = compose.services.app?.environment ?? {};
    for (const key of [
      'DATABASE_URL',
      'NATS_WS_URL',
      'JWT_SECRET',
      'INTERNAL_SIGNING_KEY',
      'UPSTASH_REDIS_REST_URL',
    ]) {
      expect(app[key], key).toBeTruthy();
      expect(key in ApiConfigSchema.shape).toBe(true);
    }
    const node = compose.services['torrent-node']?.environment ?? {};
    for (const key of ['DATABASE_URL', 'NATS_URL', 'INTERNAL_SIGNING_KEY'])
      expect(node[key], key).toBeTruthy();
    // The app signs stream URLs and torrent-node checks them: one key, and the app reaches the server.
    expect(node.INTERNAL_SIGNING_KEY).toBe(app.INTERNAL_SIGNING_KEY);
    expect(app.TORRENT_NODE_URL).toBe(`http://torrent-node:${node.STREAM_PORT}`);
    for (const service of ['app', 'torrent-node']) {
      for (const key of Object.keys(compose.services[service]?.environment ?? {})) {
        const known =
          key in LauncherConfigSchema.shape ||
          key in ApiConfigSchema.shape ||
          key in TorrentNodeConfigSchema.shape;
        expect(known, `${service}: ${key} is not read by Sokoul`).toBe(true);
      }
    }
  });

  it('routes the indexers through the VPN and builds Sokoul from Dockerfiles that start the launcher', () => {
    expect(compose.services.prowlarr?.network_mode).toBe('service:gluetun');
    expect(compose.services.jackett?.network_mode).toBe('service:gluetun');
    for (const [service, only] of [
      ['app', 'app'],
      ['torrent-node', 'torrent-node'],
    ] as const) {
      const dockerfile = compose.services[service]?.build?.dockerfile ?? '';
      expect(existsSync(join(ROOT, dockerfile)), dockerfile).toBe(true);
      expect(read(dockerfile)).toContain(`"launcher/bin/sokoul.mjs", "start", "--only", "${only}"`);
    }
  });

  it('has NATS with JetStream and WebSocket, and Prometheus scraping both Sokoul services', () => {
    const nats = read('docker/nats.conf');
    expect(nats).toMatch(/jetstream\s*\{/);
    expect(nats).toMatch(/websocket\s*\{[^}]*port:\s*8080/);
    expect(compose.services.app?.environment?.NATS_WS_URL).toBe('ws://nats:8080');
    const prometheus = parse(read('docker/prometheus.yml')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toEqual(expect.arrayContaining(['app:3000', 'torrent-node:9464']));
  });
});

describe('observability services', () => {
  interface Mounted extends Service {
    volumes?: string[];
    command?: string[];
  }
  const services = compose.services as Record<string, Mounted>;
  /** `./path:/in/container[:ro]` mounts of a service, as [host path, container path]. */
  const binds = (name: string) =>
    (services[name]?.volumes ?? [])
      .filter((v) => v.startsWith('./'))
      .map((v) => v.split(':').slice(0, 2) as [string, string]);

  it('mounts provisioning, dashboards and configs that exist, with named volumes declared', () => {
    for (const name of ['prometheus', 'grafana', 'loki', 'alloy']) {
      for (const volume of services[name]?.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('/')) continue;
        if (!source.startsWith('.')) expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
      }
    }
    // docker/metrics-token is written by the admin (docs/production.md), the others are in the repository.
    for (const [host] of [...binds('grafana'), ...binds('alloy'), ...binds('prometheus')])
      if (host !== './docker/metrics-token') expect(existsSync(join(ROOT, host)), host).toBe(true);
    const grafana = new Map(binds('grafana').map(([host, inside]) => [inside, host]));
    expect(grafana.get('/etc/grafana/provisioning')).toBe('./docker/grafana/provisioning');
    const provider = parse(read('docker/grafana/provisioning/dashboards/sokoul.yml')) as {
      providers: { options: { path: string } }[];
    };
    const dashboards = grafana.get(provider.providers[0]?.options.path ?? '');
    expect(dashboards).toBe('./docker/grafana/dashboards');
    expect(existsSync(join(ROOT, dashboards ?? '', 'sokoul.json'))).toBe(true);
  });

  it('ships the containers’ logs to Loki through Alloy and the Docker socket (nothing on the host)', () => {
    const alloy = services.alloy;
    expect(alloy?.image).toMatch(/^grafana\/alloy:/);
    expect(alloy?.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock:ro');
    const [, inside] = binds('alloy').find(([host]) => host === './docker/alloy/config.alloy') ?? [];
    expect(alloy?.command).toContain(inside);
    const config = read('docker/alloy/config.alloy');
    expect(config).toContain('loki.source.docker');
    expect(config).toMatch(/url\s*=\s*"http:\/\/loki:3100\/loki\/api\/v1\/push"/);
    // Only this project's containers, the project being the compose file's name.
    expect(config).toContain(`regex         = "${(parse(composeText) as { name: string }).name}"`);
    expect(Object.values(compose.services).every((s) => !('logging' in s))).toBe(true);
  });
});

describe('.env.example', () => {
  it('documents every variable Sokoul reads', () => {
    const keys = new Set(
      [SharedConfigSchema, ApiConfigSchema, TorrentNodeConfigSchema, LauncherConfigSchema].flatMap((schema) =>
        Object.keys(schema.shape),
      ),
    );
    expect([...keys].filter((key) => !documented.has(key))).toEqual([]);
  });

  it('changes nothing when copied as is', () => {
    const active = envExample.split('\n').filter((line) => /^[A-Z]/.test(line));
    expect(active).toEqual([]);
  });
});
