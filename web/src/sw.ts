/*
 * The service worker: the app shell opens offline. Navigations go to the network first and fall back
 * to the cached index.html; fingerprinted files under /assets/ are served from the cache (they never
 * change). API answers are never cached here: they are per user.
 */

interface ExtendableEventLike extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

const worker = self as unknown as WorkerScope;
const CACHE = 'sokoul-shell-v1';
const SHELL = ['/index.html', '/manifest.webmanifest', '/favicon.svg', '/icons/icon-192.png'];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      // The build lists every file it produced (lazy pages included), so any page opens offline.
      const listed = await fetch('/precache.json', { cache: 'no-store' })
        .then((r) => (r.ok ? (r.json() as Promise<string[]>) : []))
        .catch(() => []);
      const cache = await caches.open(CACHE);
      await cache.addAll([...new Set([...SHELL, ...listed])]);
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith('sokoul-shell-') && key !== CACHE) await caches.delete(key);
      await worker.clients.claim();
    })(),
  );
});

async function networkFirstShell(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put('/index.html', response.clone());
    return response;
  } catch {
    return (await cache.match('/index.html')) ?? Response.error();
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (request.mode === 'navigate') event.respondWith(networkFirstShell(request));
  else if (url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname))
    event.respondWith(cacheFirst(request));
});
