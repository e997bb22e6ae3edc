// The parts of webtorrent 3 (untyped) that the engine uses.
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';

  export interface ClientOptions {
    torrentPort?: number;
    dht?: boolean | object;
    lsd?: boolean;
    utPex?: boolean;
    utp?: boolean;
    tracker?: boolean | object;
    natUpnp?: boolean;
    natPmp?: boolean;
    webSeeds?: boolean;
    seedOutgoingConnections?: boolean;
    downloadLimit?: number;
    uploadLimit?: number;
    maxConns?: number;
  }

  export interface AddOptions {
    path?: string;
    bitfield?: Uint8Array;
    skipVerify?: boolean;
    deselect?: boolean;
    announce?: string[];
    destroyStoreOnDestroy?: boolean;
  }

  export interface TorrentFile {
    name: string;
    path: string;
    length: number;
    readonly downloaded: number;
    select(priority?: number): void;
    deselect(): void;
    createReadStream(opts?: { start?: number; end?: number }): Readable;
  }

  /** A peer connection (bittorrent-protocol's Wire). */
  export interface Wire extends EventEmitter {
    /** The remote's extended handshake; webtorrent caps its request pipeline at its `reqq`. */
    peerExtendedHandshake: { reqq?: unknown; [key: string]: unknown };
  }

  export interface Torrent extends EventEmitter {
    infoHash: string;
    name: string;
    length: number;
    pieceLength: number;
    pieces: unknown[];
    files: TorrentFile[];
    torrentFile: Uint8Array;
    bitfield: { buffer: Uint8Array } | null;
    readonly downloaded: number;
    received: number;
    uploaded: number;
    readonly downloadSpeed: number;
    readonly uploadSpeed: number;
    readonly numPeers: number;
    done: boolean;
    ready: boolean;
    paused: boolean;
    destroyed: boolean;
    path: string;
    select(start: number, end: number, priority?: number): void;
    deselect(start: number, end: number): void;
    destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void;
  }

  export default class WebTorrent extends EventEmitter {
    constructor(opts?: ClientOptions);
    torrents: Torrent[];
    torrentPort: number;
    add(torrentId: string | Uint8Array, opts?: AddOptions, onTorrent?: (torrent: Torrent) => void): Torrent;
    get(torrentId: string): Promise<Torrent | null>;
    throttleDownload(rate: number): void;
    throttleUpload(rate: number): void;
    /** Null once the client is destroyed (its listener failed). */
    address(): { address: string; family: string; port: number } | null;
    destroy(cb?: (err?: Error | null) => void): void;
  }
}

declare module 'parse-torrent' {
  export interface ParsedTorrent {
    infoHash: string;
    name?: string;
    announce?: string[];
    info?: {
      name?: Uint8Array;
      files?: { path: Uint8Array[]; length: number }[];
      length?: number;
      'name.utf-8'?: Uint8Array;
    };
    files?: { path: string; name: string; length: number; offset: number }[];
    length?: number;
    pieceLength?: number;
    pieces?: string[];
  }
  export default function parseTorrent(torrentId: string | Uint8Array): Promise<ParsedTorrent>;
  export function toTorrentFile(parsed: ParsedTorrent): Uint8Array;
}

declare module 'bencode' {
  const bencode: {
    decode(data: Uint8Array): unknown;
    encode(value: unknown): Uint8Array;
  };
  export default bencode;
}
