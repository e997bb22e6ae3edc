import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Explicit metrics only: prom-client's default collectors need process.cpuUsage, which workerd lacks.
 * The registry lives per isolate.
 */
export const registry = new Registry();

export const httpRequests = new Counter({
  name: 'sokoul_http_requests_total',
  help: 'HTTP requests handled by the API, by method, route and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'sokoul_http_request_duration_seconds',
  help: 'API request duration in seconds, by method, route and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/**
 * Labelled children are cached per (method, route, status): resolving labels on every call (sorting
 * and hashing the label object) cost about a quarter of the API's throughput.
 */
const children = new Map<
  string,
  { count: ReturnType<typeof httpRequests.labels>; duration: ReturnType<typeof httpDuration.labels> }
>();

export function recordRequest(method: string, route: string, status: string, seconds: number): void {
  const key = `${method} ${status} ${route}`;
  let child = children.get(key);
  if (!child) {
    child = {
      count: httpRequests.labels(method, route, status),
      duration: httpDuration.labels(method, route, status),
    };
    children.set(key, child);
  }
  child.count.inc();
  child.duration.observe(seconds);
}

const counterChildren = new WeakMap<Counter<string>, Map<string, { inc(): void }>>();

/** Increments a labelled counter through a cached child (same reason as above). */
export function increment(counter: Counter<string>, ...labels: string[]): void {
  let children = counterChildren.get(counter);
  if (!children) {
    children = new Map();
    counterChildren.set(counter, children);
  }
  const key = labels.join('\u0000');
  let child = children.get(key);
  if (!child) {
    child = counter.labels(...labels);
    children.set(key, child);
  }
  child.inc();
}
