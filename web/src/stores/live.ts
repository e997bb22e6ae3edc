import {
  ServerMessage,
  type SokoulEvent,
  WS_BEARER_PREFIX,
  WS_HEARTBEAT_MS,
  WS_PING,
  WS_PROTOCOL,
  WS_SESSION_ENDED,
} from '@sokoul/contracts';
import { createSignal } from 'solid-js';
import { refreshSession, tokens } from '../api/client.js';

export type LiveState = 'connecting' | 'live' | 'offline';

const [state, setState] = createSignal<LiveState>('offline');
const listeners = new Set<(event: SokoulEvent) => void>();
const resyncListeners = new Set<() => void>();
const joinListeners = new Set<() => void>();

let socket: WebSocket | null = null;
let wanted = false;
/** Whether a socket of this session was live before: the next hello is a reconnect. */
let wasLive = false;
let lastSeq = 0;
let attempts = 0;
let heartbeatMs = WS_HEARTBEAT_MS;
let pingTimer: ReturnType<typeof setInterval> | undefined;
let watchdog: ReturnType<typeof setTimeout> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function expired(token: string): boolean {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]?.replace(/-/g, '+').replace(/_/g, '/') ?? '')) as {
      exp?: number;
    };
    return (payload.exp ?? 0) * 1000 < Date.now() + 5000;
  } catch {
    return true;
  }
}

/** No message for two heartbeat periods means the connection is dead even if it looks open. */
function armWatchdog(): void {
  clearTimeout(watchdog);
  watchdog = setTimeout(() => socket?.close(4000, 'silent'), heartbeatMs * 2);
}

function resynced(): void {
  for (const listener of resyncListeners) listener();
}

function cleanup(): void {
  clearInterval(pingTimer);
  clearTimeout(watchdog);
  socket = null;
}

async function open(): Promise<void> {
  if (!wanted || socket) return;
  setState('connecting');
  let token = tokens.access();
  if (!token || expired(token)) token = (await refreshSession())?.accessToken ?? null;
  if (!token) {
    setState('offline');
    return;
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const ws = new WebSocket(url, [WS_PROTOCOL, `${WS_BEARER_PREFIX}${token}`]);
  socket = ws;
  const resuming = lastSeq > 0;
  const reconnect = wasLive;
  ws.onmessage = (raw) => {
    armWatchdog();
    const parsed = ServerMessage.safeParse(JSON.parse(String(raw.data)));
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'hello') {
      attempts = 0;
      heartbeatMs = message.heartbeatMs;
      setState('live');
      wasLive = true;
      if (resuming) ws.send(JSON.stringify({ type: 'resume', since: lastSeq }));
      else lastSeq = message.seq;
      // What changed while the socket was down may be past what the server replays: read it again.
      if (reconnect) resynced();
      else for (const listener of joinListeners) listener();
    } else if (message.type === 'event') {
      if (message.seq <= lastSeq) return;
      lastSeq = message.seq;
      for (const listener of listeners) listener(message.event);
    } else if (message.type === 'resync') {
      resynced();
    }
  };
  ws.onopen = () => {
    armWatchdog();
    pingTimer = setInterval(() => ws.send(WS_PING), 20_000);
  };
  ws.onclose = (event) => {
    cleanup();
    if (event.code === WS_SESSION_ENDED) {
      // The server ended the session (account disabled or deleted): no reconnecting.
      wanted = false;
      setState('offline');
      tokens.ended();
      return;
    }
    if (!wanted) {
      setState('offline');
      return;
    }
    setState('connecting');
    // Exponential backoff from 0.5 s to 15 s, with jitter so many tabs do not reconnect in step.
    const delay = Math.min(15_000, 500 * 2 ** attempts++) * (0.75 + Math.random() * 0.5);
    retryTimer = setTimeout(() => void open(), delay);
  };
}

export const live = {
  state,
  connect(): void {
    wanted = true;
    void open();
  },
  disconnect(): void {
    wanted = false;
    clearTimeout(retryTimer);
    socket?.close(1000, 'signed out');
    cleanup();
    lastSeq = 0;
    wasLive = false;
    setState('offline');
  },
  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe(listener: (event: SokoulEvent) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /**
   * Called on a session's first hello: events before it are never sent, so what a page followed
   * while the socket was still connecting (a search it started) may have changed unseen.
   */
  onJoin(listener: () => void): () => void {
    joinListeners.add(listener);
    return () => joinListeners.delete(listener);
  },
  /** Called after a reconnect, and when the server could not replay every missed event. */
  onResync(listener: () => void): () => void {
    resyncListeners.add(listener);
    return () => resyncListeners.delete(listener);
  },
};
