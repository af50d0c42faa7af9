/**
 * The server: HTTP upgrade → WebSocket → Connection, a heartbeat, and a
 * close() that really closes (tests start and stop relays by the dozen).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import type { Registry } from 'prom-client';
import { MAX_MESSAGE_BYTES } from '../src/protocol/messages.js';
import { DEFAULT_MAX_PEERS } from '../src/protocol/limits.js';
import { UNAUTHORIZED } from '../src/protocol/close-codes.js';
import { countError, fullAllowance, ignore, type Connection, type Counts, type Hub, type RoomCheck } from './connection.js';
import type { RateLimit } from './errors.js';
import { addressGroup } from './address-group.js';
import { Heartbeat } from './heartbeat.js';
import { requestPath } from './request-target.js';
import { MemoryConnection } from './memory-connection.js';
import type { RedisConnection } from './redis/redis-connection.js';
import type { RedisOptions } from './redis/redis-rooms.js';
import { Rooms, type RoomStats } from './rooms.js';
import { turnCredentials, type TurnOptions } from './turn.js';

/** What an authorize() that threw decided: unlike any value it can return (`undefined`, from a missing `return`, refuses). */
const THREW = Symbol('authorize threw');

export interface RelayOptions {
  /** Port to listen on; 0 picks a free one. Default 8787. Ignored with `server`. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. Ignored with `server`. */
  host?: string;
  /** Attach to this server's upgrades instead of listening; close() leaves it running. */
  server?: Server;
  /**
   * The path (query aside) of the upgrades that are the relay's. Others are
   * left to the server's other `upgrade` listeners (an app's own WebSocket
   * endpoint, a dev server's reload socket), or answered 404 if it has none.
   * Default `/relay` with `server`, so pages say `server="/relay"`; on its own
   * port, every path (clients are given a bare ws://host:port and may add any).
   */
  path?: string;
  /** The relay's cap on members per room; a joiner's `maxPeers` can only lower it. Default 6. */
  maxPeersPerRoom?: number;
  /**
   * The most sockets this process keeps open; past it, an upgrade is answered
   * 503 and clients retry later. It bounds what strangers can make the relay
   * hold: each socket up to MAX_HELD_BYTES of held offer. Default 10 000.
   */
  maxConnections?: number;
  /**
   * The most sockets from one address, the TCP peer's (an IPv6 /64 is one: see address-group.ts): behind a proxy that is
   * the proxy's, so there limit them at the proxy instead. Default: no limit.
   */
  maxConnectionsPerAddress?: number;
  /** WebSocket ping interval; a socket that misses one is dropped. Default 5000. */
  heartbeatMs?: number;
  /** Frames larger than this get a `too-large` error. Default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /**
   * A socket with more than this many bytes waiting to be sent to it (it
   * stopped reading) is dropped, its place kept a while for its client (see
   * Connection.deliver). Default 1 MiB: 16 frames of the largest size;
   * signaling keeps a few KB in flight.
   */
  maxBufferedBytes?: number;
  /**
   * How much one socket may send: `burstKb` at once, then `kbPerSecond`, a
   * message counting 1 per KB it started. A message past that gets a
   * `rate-limited` error and is dropped, so one client cannot flood the relay
   * or, through it, a room. `false` turns it off. Default 100 KB a second,
   * bursts of 500 KB: a joiner of a full room whose machine has many network
   * interfaces sends ~220 KB of answers and ICE candidates in its first
   * seconds (~150 candidates and 6 descriptions), and little afterwards.
   */
  rateLimit?: RateLimit | false;
  /**
   * Decides who may connect, before the WebSocket handshake: check a session
   * cookie, say, or a token the page put in the `server` URL's query (the
   * element keeps it). `true` lets the socket in to any room; a function lets
   * it in to the rooms for which it returns `true` (see RoomCheck); anything
   * else is refused: the socket is closed with 4401 right after the handshake.
   * A throw is logged and closes it with 1011, after which clients retry.
   * Without it anyone who can reach the relay may join any room whose name
   * they know.
   */
  authorize?(request: IncomingMessage): Access | Promise<Access>;
  /**
   * A TURN server whose credentials the relay hands out (coturn with
   * `use-auth-secret`): every socket first gets an `ice-servers` message with
   * a credential made for it, which the element adds to its own ICE servers.
   * So pages need no TURN password, and none that lasts.
   */
  turn?: TurnOptions;
  /**
   * Prometheus metrics (prom-client): connections, rooms, peers, held offers,
   * whether the store answers, frames received, errors by code, refused
   * connections. `true` keeps them in a registry of the relay's own, with the
   * process's CPU, memory and event-loop metrics, served at `GET /metrics` by
   * a relay on its own port (`relay.registry` otherwise); or pass the Registry
   * your server already exposes. Off by default.
   */
  metrics?: Registry | true;
  /**
   * Keep rooms in Redis instead of this process, so that every relay given
   * the same Redis serves the same rooms (several processes or machines
   * behind one address). A URL string or RedisOptions.
   */
  redis?: string | RedisOptions;
}

/** How long a refused socket may take to answer its close frame. */
const REFUSED_LINGER_MS = 1000;

/**
 * What authorize() decides for one socket: `true` any room, a RoomCheck only
 * the rooms it allows, anything else (`false`) no connection at all.
 */
export type Access = boolean | RoomCheck;

export interface Relay {
  /** `ws://host:port`, for clients. */
  readonly url: string;
  readonly port: number;
  /** Terminates every socket and stops listening (an attached server keeps running). */
  close(): Promise<void>;
  /** What this process holds (with Redis: its own sockets' share of the rooms). */
  stats(): RoomStats;
  /** False while Redis does not answer, so joins and most frames fail (the socket is closed with 1013). */
  healthy(): boolean;
  /** Where the metrics are (RelayOptions.metrics); undefined without them. */
  readonly registry: Registry | undefined;
}

/** Where rooms are kept: the connection class that speaks to them, and how to stop them. */
interface Backend {
  readonly WebSocket: typeof MemoryConnection | typeof RedisConnection;
  readonly hub: Parameters<MemoryConnection['start']>[1] | Parameters<RedisConnection['start']>[1];
  stats(): RoomStats;
  healthy(): boolean;
  /** Lets go of the store, once every socket has closed and left. */
  close(): Promise<void>;
}

/** The per-socket settings every connection reads from its hub, and what it counts. */
type Limits = Pick<Hub, 'maxMessageBytes' | 'maxBufferedBytes' | 'rateLimit' | 'iceServers' | 'counts'>;

async function backend(
  options: RelayOptions,
  connections: Heartbeat<Connection>,
  maxPeersPerRoom: number,
  limits: Limits,
): Promise<Backend> {
  if (!options.redis) {
    const rooms = new Rooms(maxPeersPerRoom);
    return {
      WebSocket: MemoryConnection,
      hub: { rooms, connections, ...limits },
      stats: () => rooms.stats(),
      healthy: () => true,
      close: async () => {},
    };
  }
  // Loaded only when asked for: a relay that keeps rooms in memory never loads the Redis client.
  const [{ RedisRooms }, { RedisConnection }] = await Promise.all([
    import('./redis/redis-rooms.js'),
    import('./redis/redis-connection.js'),
  ]);
  const redis = typeof options.redis === 'string' ? { url: options.redis } : options.redis;
  // Lost room state: close every socket so that its client rejoins (1012: service restart).
  const rejoinAll = () => {
    for (const connection of connections) connection.close(1012, 'rejoin');
  };
  const rooms = await RedisRooms.connect(redis, maxPeersPerRoom, rejoinAll);
  const leaving = new Set<Promise<unknown>>();
  return {
    WebSocket: RedisConnection,
    hub: { rooms, connections, ...limits, leaving },
    stats: () => rooms.stats(),
    healthy: () => rooms.healthy,
    // Every closed socket's leave, including those of sockets that closed before close() began.
    close: async () => {
      await Promise.all(leaving);
      await rooms.close();
    },
  };
}

/**
 * Ends an upgrade that gets no WebSocket with a bare HTTP status, and then the
 * TCP socket itself: half-closed, it would stay open for as long as the client
 * liked, and a client turned away by a connection limit would keep its file
 * descriptor all the same.
 */
function answerUpgrade(socket: Duplex, status: string, headers = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`, () => socket.destroy());
}

/**
 * RelayOptions.maxConnections and maxConnectionsPerAddress, asked at each
 * upgrade. A socket counts from its upgrade until its TCP socket closes, so
 * those still being authorized, and those refused but not yet gone, count too.
 * One shared 'close' listener, not a closure per socket: idle sockets are most of a relay.
 */
function connectionLimits({ maxConnections = 10_000, maxConnectionsPerAddress }: RelayOptions) {
  for (const [name, value] of Object.entries({ maxConnections, maxConnectionsPerAddress }))
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be a whole number of at least 1, not ${value}`);
  let open = 0;
  const perAddress = new Map<string | undefined, number>();
  function closed(this: Socket): void {
    open--;
    if (maxConnectionsPerAddress === undefined) return;
    // remoteAddress was read at the upgrade, which keeps it readable after the close.
    const group = addressGroup(this.remoteAddress);
    const left = (perAddress.get(group) ?? 0) - 1;
    if (left > 0) perAddress.set(group, left);
    else perAddress.delete(group);
  }
  return (socket: Socket): boolean => {
    const group = maxConnectionsPerAddress === undefined ? undefined : addressGroup(socket.remoteAddress);
    const count = perAddress.get(group) ?? 0;
    if (open >= maxConnections || count >= (maxConnectionsPerAddress ?? Infinity)) return false;
    open++;
    if (maxConnectionsPerAddress !== undefined) perAddress.set(group, count + 1);
    socket.on('close', closed);
    return true;
  };
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const {
    maxPeersPerRoom = DEFAULT_MAX_PEERS,
    heartbeatMs = 5000,
    maxMessageBytes = MAX_MESSAGE_BYTES,
    maxBufferedBytes = 1 << 20,
    rateLimit = { kbPerSecond: 100, burstKb: 500 },
  } = options;
  if (rateLimit) fullAllowance(rateLimit); // A bad limit throws here, not at the first connection.
  const iceServers = options.turn && turnCredentials(options.turn); // So do bad TURN options.
  const connections = new Heartbeat<Connection>(heartbeatMs);
  const withinLimits = connectionLimits(options); // So do bad connection limits.
  const counts: Counts = { frames: 0, refused: 0, overLimit: 0, errors: new Map() };
  // Loaded only when asked for, as Redis is. Registered before the store connects, so that
  // a registry that already has them throws before there is anything to let go.
  const metrics = options.metrics
    ? (await import('./metrics.js')).registerMetrics(options.metrics, {
        counts,
        connections: () => connections.size,
        stats: () => store.stats(), // read when scraped, once the store is there
        healthy: () => store.healthy(),
      })
    : undefined;
  const store = await backend(options, connections, maxPeersPerRoom, { maxMessageBytes, maxBufferedBytes, rateLimit, iceServers, counts }).catch(
    (error: unknown) => {
      metrics?.unregister();
      throw error;
    },
  );
  const hub = store.hub;
  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: store.WebSocket,
    // The hub tracks connections; ws's own tracking would add a closure per socket.
    clientTracking: false,
    // ws closes the socket on frames over maxPayload; above our own limit, so that a
    // frame a little too large gets a polite `too-large`. Not far above: ws keeps a
    // message's fragments until its last, and a client that never sends the last one
    // (answering pings meanwhile) makes every socket of its hold this much.
    maxPayload: 2 * maxMessageBytes,
  });

  const accept = (request: IncomingMessage, socket: Duplex, head: Buffer, mayJoin?: RoomCheck) => {
    // An upgrade's socket is the TCP socket (a net.Socket) whatever Duplex says.
    wss.handleUpgrade(request, socket, head, (connection) =>
      (connection as Connection).start(socket as Socket, hub, request.url, mayJoin),
    );
  };
  /**
   * Refused after the handshake, not with an HTTP status: a browser shows a
   * page the close code but not why an upgrade failed, and only told can it
   * stop retrying and get a fresh token. The socket never reaches the hub.
   */
  const refuse = (request: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string) => {
    wss.handleUpgrade(request, socket, head, (connection) => {
      connection.on('error', ignore); // a client's bad frame before the close is done
      connection.close(code, reason);
      // ws waits 30 s for the client's close frame: a client that never sends
      // it must not hold a socket that long, since nothing here pings it.
      setTimeout(() => connection.terminate(), REFUSED_LINGER_MS).unref();
    });
  };
  const { authorize } = options;
  const decide = !authorize
    ? accept
    : async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        // A client that goes away while it is decided must not crash the process.
        socket.on('error', ignore);
        const allowed = await Promise.resolve()
          .then(() => authorize(request))
          .catch((error: unknown) => {
            console.error(`p2p-call relay: authorize threw, so the connection is closed with 1011: ${(error as Error)?.stack ?? error}`);
            return THREW;
          });
        socket.off('error', ignore);
        if (allowed === true) accept(request, socket, head);
        else if (typeof allowed === 'function') accept(request, socket, head, allowed);
        else if (allowed === THREW) {
          // Perhaps what it asks is down for a moment: the client retries, as after any relay bug.
          countError(counts, 'internal');
          refuse(request, socket, head, 1011, 'internal error');
        } else {
          counts.refused++;
          refuse(request, socket, head, UNAUTHORIZED, 'unauthorized');
        }
      };

  const server =
    options.server ??
    // A request's headers have 10 s to arrive (Node's default is a minute, checked every 30 s): an
    // upgrade that never finishes would otherwise hold a socket that no connection limit counts.
    createServer({ headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 2_000 }, (request, response) =>
      void answerPlainHttp(request, response, store, metrics?.registry),
    );
  if (!options.server) {
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST);
    // Rejects on 'error', e.g. EADDRINUSE; then the store is let go too.
    await once(server, 'listening').catch(async (error: unknown) => {
      metrics?.unregister();
      await store.close();
      throw error;
    });
  }
  const path = options.path ?? (options.server ? '/relay' : undefined);
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (path !== undefined && requestPath(request.url) !== path) return notOurs(socket);
    if (withinLimits(socket as Socket)) return void decide(request, socket, head);
    counts.overLimit++;
    // Before the handshake: it is cheap, and a browser retries a failed connection as it would a dead relay.
    answerUpgrade(socket, '503 Service Unavailable', 'Retry-After: 5\r\n');
  };
  const notOurs = (socket: Duplex) => {
    // Not ours: another listener's, and with none an answer rather than a socket left hanging.
    if (server.listenerCount('upgrade') === 1) answerUpgrade(socket, '404 Not Found');
  };
  server.on('upgrade', onUpgrade);
  connections.start();

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
    stats: () => store.stats(),
    healthy: () => store.healthy(),
    registry: metrics?.registry,
    async close() {
      metrics?.unregister(); // so that a new relay can register in the same registry
      connections.stop();
      server.off('upgrade', onUpgrade);
      wss.close(); // refuses any handshake still in flight; does not touch open sockets
      const open = [...connections];
      const closed = open.map((connection) => once(connection, 'close'));
      open.forEach((connection) => connection.terminate());
      await Promise.all(closed);
      await store.close(); // after the leaves these closes started (see Backend.close)
      if (!options.server && server.listening) {
        const stopped = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await stopped;
      }
    },
  };
}

/**
 * Plain HTTP to the relay's own server: `/healthz` is a health check for load
 * balancers (200 with this process's stats, 503 while Redis does not answer),
 * `/metrics` is for Prometheus when metrics are on; anything else (a browser
 * tab) gets a hint instead of hanging.
 */
async function answerPlainHttp(request: IncomingMessage, response: ServerResponse, store: Backend, registry?: Registry): Promise<void> {
  const path = requestPath(request.url);
  if (path === '/metrics' && registry) {
    const body = await registry.metrics().catch((error: unknown) => {
      console.error('p2p-call relay: metrics failed', error);
      return undefined;
    });
    response.writeHead(body === undefined ? 500 : 200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    response.end(body);
    return;
  }
  if (path === '/healthz') {
    const ok = store.healthy();
    response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ ok, ...store.stats() }));
    return;
  }
  response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
  response.end('p2p-call signaling relay: connect with a WebSocket\n');
}

function address(server: Server): AddressInfo {
  const info = server.address();
  if (!info || typeof info === 'string') throw new Error('the server is not listening on a TCP port');
  return info;
}

/** An address a client can dial: the wildcard addresses become localhost. */
function url(info: AddressInfo, host: string | undefined): string {
  let name = host ?? info.address;
  if (name === '0.0.0.0' || name === '::') name = 'localhost';
  return `ws://${name.includes(':') ? `[${name}]` : name}:${info.port}`;
}
