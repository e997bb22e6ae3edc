/*
 * The service worker: the app shell opens offline, and web push notifications show (and open the
 * page they are about on a click). Navigations go to the network first and fall back
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
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: { data: unknown; close(): void };
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  addEventListener(type: 'push', listener: (event: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEventLike) => void): void;
  skipWaiting(): Promise<void>;
  clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  registration: {
    showNotification(
      title: string,
      options: { body: string; tag: string; icon?: string; badge?: string; data: unknown },
    ): Promise<void>;
  };
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

/** What torrent-node sends (contracts' PushPayload), read defensively: a bad push shows nothing. */
interface Shown {
  title: string;
  body: string;
  url: string;
  tag: string;
  icon?: string;
}

/** A path within the app (`//host` would leave it). */
const inApp = (url: string) => url.startsWith('/') && !url.startsWith('//');

function readPush(data: unknown): Shown | null {
  if (typeof data !== 'object' || data === null) return null;
  const p = data as Record<string, unknown>;
  const text = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : null);
  const title = text('title');
  const url = text('url');
  if (!title || !url || !inApp(url)) return null;
  const icon = text('icon');
  return { title, body: text('body') ?? '', url, tag: text('tag') ?? 'sokoul', ...(icon ? { icon } : {}) };
}

worker.addEventListener('push', (event) => {
  let shown: Shown | null = null;
  try {
    shown = readPush(event.data?.json());
  } catch {
    shown = null;
  }
  if (!shown) return;
  const { title, ...rest } = shown;
  event.waitUntil(
    worker.registration.showNotification(title, {
      body: rest.body,
      tag: rest.tag,
      icon: rest.icon ?? '/icons/icon-192.png',
      data: { url: rest.url },
    }),
  );
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  const path = typeof data?.url === 'string' && inApp(data.url) ? data.url : '/';
  const target = new URL(path, worker.location.origin).href;
  event.waitUntil(
    (async () => {
      // An open tab of the app goes to the page; otherwise a new one opens there.
      const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === worker.location.origin);
      if (open) {
        await open.navigate(target).catch(() => undefined);
        await open.focus();
      } else await worker.clients.openWindow(target);
    })(),
  );
});
