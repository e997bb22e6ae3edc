// The parts of bittorrent-tracker and create-torrent (untyped) the BitTorrent test helpers use.
declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';
  export class Server extends EventEmitter {
    constructor(opts?: { udp?: boolean; http?: boolean; ws?: boolean; stats?: boolean });
    http: HttpServer | null;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(cb?: () => void): void;
  }
}

declare module 'create-torrent' {
  export default function createTorrent(
    input: string,
    opts: Record<string, unknown>,
    cb: (error: Error | null, torrent: Buffer) => void,
  ): void;
}
