/**
 * The server: HTTP upgrade → WebSocket → Connection, a heartbeat, and a
 * close() that really closes (tests start and stop relays by the dozen).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../src/protocol/messages.js';
import { Connection, type Hub } from './connection.js';
import { Rooms } from './rooms.js';

export interface RelayOptions {
  /** Port to listen on; 0 picks a free one. Default 8787. Ignored with `server`. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. Ignored with `server`. */
  host?: string;
  /** Attach to this server's upgrades instead of listening; close() leaves it running. */
  server?: Server;
  /** The relay's cap on members per room; a joiner's `maxPeers` can only lower it. Default 6. */
  maxPeersPerRoom?: number;
  /** WebSocket ping interval; a socket that misses one is dropped. Default 5000. */
  heartbeatMs?: number;
  /** Frames larger than this get a `too-large` error. Default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

export interface Relay {
  /** `ws://host:port`, for clients. */
  readonly url: string;
  readonly port: number;
  /** Terminates every socket and stops listening (an attached server keeps running). */
  close(): Promise<void>;
  stats(): { rooms: number; peers: number; heldOffers: number };
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const { maxPeersPerRoom = 6, heartbeatMs = 5000, maxMessageBytes = MAX_MESSAGE_BYTES } = options;
  const hub: Hub = { rooms: new Rooms(maxPeersPerRoom), connections: new Set(), maxMessageBytes };
  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: Connection,
    // The hub tracks connections; ws's own tracking would add a closure per socket.
    clientTracking: false,
    // ws would close the socket on frames over maxPayload; keep that well above
    // our own limit so a moderately large frame gets a polite `too-large` instead.
    maxPayload: Math.max(4 * maxMessageBytes, 1 << 20),
  });

  // Every path is accepted: clients are given a bare ws://host:port and may add anything.
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // An upgrade's socket is the TCP socket (a net.Socket) whatever Duplex says.
    wss.handleUpgrade(request, socket, head, (connection) => connection.start(socket as Socket, hub));
  };

  const server = options.server ?? createServer(answerPlainHttp);
  if (!options.server) {
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST);
    await once(server, 'listening'); // rejects on 'error', e.g. EADDRINUSE
  }
  server.on('upgrade', onUpgrade);
  const heartbeat = setInterval(() => hub.connections.forEach((connection) => connection.heartbeat()), heartbeatMs).unref();

  // Read lazily (an attached server may not be listening yet), then kept so url stays readable after close().
  let bound: AddressInfo | undefined;
  const where = () => (bound ??= address(server));

  return {
    get url() {
      return url(where(), options.server ? undefined : options.host);
    },
    get port() {
      return where().port;
    },
    stats: () => hub.rooms.stats(),
    async close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      wss.close(); // refuses any handshake still in flight; does not touch open sockets
      const closed = [...hub.connections].map((connection) => once(connection, 'close'));
      hub.connections.forEach((connection) => connection.terminate());
      await Promise.all(closed);
      if (!options.server && server.listening) {
        const stopped = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await stopped;
      }
    },
  };
}

/** A plain GET (a browser tab, a health check) gets a hint instead of hanging. */
function answerPlainHttp(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
  response.end('p2p-call signaling relay: connect with a WebSocket\n');
}

function address(server: Server): AddressInfo {
  const info = server.address();
  if (!info || typeof info === 'string') throw new Error('p2p-call relay: the server is not listening on a TCP port');
  return info;
}

/** An address a client can dial: the wildcard addresses become localhost. */
function url(info: AddressInfo, host: string | undefined): string {
  let name = host ?? info.address;
  if (name === '0.0.0.0' || name === '::') name = 'localhost';
  return `ws://${name.includes(':') ? `[${name}]` : name}:${info.port}`;
}
