import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';

export const portOpen = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Where the OS picks ports for outgoing connections and `listen(0)` (Linux's default if unreadable). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: its default range.
  }
  return [32768, 60999];
}

const FIRST_PORT = 10_000;
const BLOCK = 1_000;
/** Ports this process handed out: two calls never return the same one. */
const handedOut = new Set<number>();

const listenOn = (port: number) =>
  new Promise<Server | null>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/**
 * `count` distinct free TCP ports for several stacks on one machine (tests, benchmarks), chosen
 * outside the ephemeral range: a port the OS gave to `listen(0)` can go to any outgoing connection
 * between this check and the caller's own bind (the shared test stack once lost its stream port
 * so). Each test process draws from a block of its own (vitest's pool id), and every port is held
 * open until all are chosen.
 */
export async function freePorts(count: number): Promise<number[]> {
  const [low, high] = ephemeralRange();
  const below = Math.floor((low - FIRST_PORT) / BLOCK);
  const blocks = below > 0 ? below : Math.floor((65_535 - high) / BLOCK);
  const first = below > 0 ? FIRST_PORT : high + 1;
  // A second test process running alongside (npm test's side lane) draws from blocks further on.
  const block = Number(process.env.VITEST_POOL_ID ?? 0) + Number(process.env.SOKOUL_PORT_BLOCK_OFFSET ?? 0);
  const start = first + (block % blocks) * BLOCK;
  const servers: Server[] = [];
  try {
    for (let tries = 0; servers.length < count; tries++) {
      if (tries > BLOCK) throw new Error(`no free port between ${start} and ${start + BLOCK - 1}`);
      const port = start + Math.floor(Math.random() * BLOCK);
      if (handedOut.has(port)) continue;
      const server = await listenOn(port);
      if (server) servers.push(server);
    }
    const ports = servers.map((s) => {
      const address = s.address();
      return typeof address === 'object' && address ? address.port : 0;
    });
    for (const port of ports) handedOut.add(port);
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}
