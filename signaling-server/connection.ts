/**
 * One client socket, whatever keeps the rooms: batched writes, the
 * heartbeat, and turning client mistakes into `error` replies. What a message
 * *does* is up to the subclass: MemoryConnection (rooms in this process) or
 * RedisConnection (rooms shared by every relay on one Redis).
 *
 * A Connection *is* its ws socket (the server builds it through ws's
 * `WebSocket` option), and its listeners are prototype methods shared by every
 * socket, since ws calls them with `this` = the socket. Idle sockets are most
 * of what a big relay holds, so each one costs a few fields, not a wrapper
 * object plus a closure per event (bench/README.md, relay (c)).
 */
import type { Socket } from 'node:net';
import { TokenBucket } from 'limiter';
import { WebSocket, type RawData } from 'ws';
import { NO_ROOM, REPLACED } from '../src/protocol/close-codes.js';
import type { ClientMessage, ErrorMessage, JoinMessage, PeerLeftHow } from '../src/protocol/messages.js';
import { ProtocolError, rateLimited, roomErrors, StoreUnavailable, type RateLimit } from './errors.js';
import type { Beating, Heartbeat } from './heartbeat.js';
import { requestQuery } from './request-target.js';
import type { Endpoint } from './room.js';
import { parse, validate } from './validate.js';

/** What every connection of one relay shares. */
export interface Hub {
  /** Every open connection, pinged by the heartbeat and terminated by close(). */
  readonly connections: Heartbeat<Connection>;
  readonly maxMessageBytes: number;
  /** The most a socket may have waiting to be sent to it (see deliver). */
  readonly maxBufferedBytes: number;
  readonly rateLimit: RateLimit | false;
  /** Makes the `ice-servers` frame every socket gets first (RelayOptions.turn); none without TURN. */
  readonly iceServers?: () => string;
  /** What the connections did, for metrics. */
  readonly counts: Counts;
}

/**
 * Which rooms one socket may join (RelayOptions.authorize), asked at every
 * `join` with the room's name: `true` lets it in, anything else (or a throw,
 * which is logged) gets a `forbidden` error. It is synchronous because joins
 * are: decide what a socket may do once, when it connects, and keep the answer
 * here (the rooms a signed token names, say).
 */
export type RoomCheck = (room: string) => boolean;

/** What the connections count as they go, as plain integers (read by metrics.ts when scraped). */
export interface Counts {
  /** Frames received from clients, refused ones included. */
  frames: number;
  /** Connections refused by authorize() (closed with 4401). */
  refused: number;
  /** Upgrades turned away by a connection limit (HTTP 503). */
  overLimit: number;
  /** Error replies by code, and sockets closed for the store (`store-unavailable`) or a relay bug or authorize() throwing (`internal`). */
  readonly errors: Map<string, number>;
}

export const PONG = JSON.stringify({ type: 'pong' });
const TEXT = { binary: false } as const;

/**
 * Heartbeats in a row a socket may spend in no room before it is dropped
 * (NO_ROOM): 25-30 s at the default 5 s. A socket that joins nothing serves
 * nobody, yet takes one of maxConnections and may hold an unfinished
 * message of up to twice the frame limit; without this, idle sockets that
 * only answer pings (which ws does by itself) could fill the relay for good.
 */
const ROOMLESS_BEATS = 6;

export abstract class Connection<H extends Hub = Hub, M = unknown> extends WebSocket implements Endpoint, Beating {
  /** This socket's place in a room, once it has joined (or while its join is under way). */
  protected member: M | undefined;
  /** Cleared when this socket is pinged, set again by the client's pong. */
  private alive = true;
  /** Heartbeats in a row at which this socket was in no room (see ROOMLESS_BEATS). */
  private roomlessBeats = 0;
  private corked = false;
  /** What this socket may still send now (hub.rateLimit); none when unlimited. */
  private allowance?: TokenBucket;
  /** The rooms this socket may join; any when unset. */
  private mayJoin?: RoomCheck;
  /** The `join` in the upgrade's URL, until the first frame: that frame, if the same bytes, is its repeat (see arrived). */
  private urlJoin?: Buffer;
  /**
   * Closed by the relay while its client is most likely alive (see deliver):
   * its membership is kept for a while (KEPT_PLACE_MS, or Redis's presence
   * TTL), so that its client takes it back with its secret, the others hearing
   * nothing, and so that nobody else can join under its id meanwhile.
   */
  protected keepsPlace = false;
  // Set by start(), which the relay calls right after ws makes the socket.
  /** The TCP socket under this one, for batching writes. */
  private tcp!: Socket;
  protected hub!: H;

  /**
   * Called once the upgrade is done: until then ws has not wired the socket.
   * `url` is the upgrade request's: a `join` in it is handled as the first frame.
   */
  start(tcp: Socket, hub: H, url = '', mayJoin?: RoomCheck): void {
    this.tcp = tcp;
    this.hub = hub;
    this.mayJoin = mayJoin;
    if (hub.rateLimit) this.allowance = fullAllowance(hub.rateLimit);
    hub.connections.add(this);
    // Shared methods, not closures: ws calls every listener with `this` = this socket.
    // With the default binaryType every frame arrives as one Buffer.
    this.on('message', this.arrived as (data: RawData, isBinary: boolean) => void);
    this.on('pong', this.answered);
    this.on('close', this.closed);
    // Protocol violations (bad UTF-8, frames over maxPayload) are reported
    // here and followed by 'close'; without a listener they would crash the process.
    this.on('error', ignore);
    // Before the welcome, which the client may answer held offers on at once.
    if (hub.iceServers) this.deliver(hub.iceServers());
    // docs/protocol.md, "Joining in the URL": the welcome then follows the
    // handshake instead of waiting a round trip for the client's first frame.
    const join = requestQuery(url).get('join');
    if (join === null) return;
    const frame = Buffer.from(join);
    this.arrived(frame, false);
    this.urlJoin = frame;
  }

  /**
   * Frames sent to this socket while one callback runs leave in one writev:
   * the socket is corked on the first and uncorked when the callback is done.
   * ws handles every frame of one TCP read in one callback, so a burst from a
   * peer goes out together. One syscall per frame was the relay's main cost
   * (see bench/FINDINGS.md, relay (b)). Uncorking at the end of the loop turn instead
   * (setImmediate) batched no more, but held every frame of a busy turn until
   * the turn's last was handled: after a stall, the tail latency rose by what
   * the backlog took to read (p99 4.4 → 3.2 ms, bench/FINDINGS.md relay (b)).
   *
   * A client that stops reading (stalled, or dead) would have its backlog
   * kept here without bound until the heartbeat caught it, up to two
   * intervals later: past maxBufferedBytes it is dropped at once. Its place
   * is kept for its client (keepsPlace): a stall of its network is most
   * likely, and others can cause the backlog (flooding it, or joining and
   * leaving with long names), so they must not be able to end its call, nor
   * to join under its id. Its client, back, gets the room anew in its welcome.
   */
  deliver(frame: string | Buffer): void {
    if (this.readyState !== WebSocket.OPEN) return; // a place kept for a socket already gone
    if (this.bufferedAmount > this.hub.maxBufferedBytes) {
      this.keepsPlace = true;
      this.terminate();
      return;
    }
    if (!this.corked) {
      this.corked = true;
      this.tcp.cork();
      process.nextTick(() => {
        this.corked = false;
        this.tcp.uncork();
      });
    }
    this.send(frame, TEXT);
  }

  /** Another socket took over this membership: forget it and close with 4001. */
  replaced(): void {
    this.forget();
    this.close(REPLACED, 'replaced');
  }

  /**
   * Called once per heartbeat interval. A socket that has not answered the
   * previous ping is dead (a vanished laptop never sends a TCP close), so we
   * terminate it and its 'close' handler announces peer-left.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.terminate();
      return;
    }
    this.roomlessBeats = this.member !== undefined ? 0 : this.roomlessBeats + 1;
    if (this.roomlessBeats >= ROOMLESS_BEATS) {
      this.close(NO_ROOM, 'joined no room');
      return;
    }
    this.alive = false;
    this.ping();
  }

  /**
   * Every frame from the client starts here. Within the rate limit it is
   * received; past it, it is refused before anything else is done with it (or
   * kept: a subclass may queue frames), so a flood costs the relay little.
   * Frames that come after the relay began to close the socket (replaced,
   * or 1011/1013) were sent before the client knew: a replaced one's `join`
   * would take the membership back and close its successor with 4001.
   */
  private arrived(frame: Buffer, isBinary: boolean): void {
    if (this.readyState !== WebSocket.OPEN) return;
    this.hub.counts.frames++;
    // A client that joined in its URL sends the same join once open, for relays that do not read
    // URLs. Its answer is out already: a refused one (room-full) would be refused, and counted, twice.
    const urlJoin = this.urlJoin;
    this.urlJoin = undefined;
    if (urlJoin?.equals(frame)) return;
    const limit = this.hub.rateLimit;
    if (limit && !this.allowance!.tryRemoveTokens(Math.max(1, Math.ceil(frame.length / 1024)))) {
      this.refuse(rateLimited(limit));
      return;
    }
    void this.receive(frame, isBinary);
  }

  /** Answers a frame past the rate limit; a subclass that queues frames queues this answer too. */
  protected refuse(error: ProtocolError): void {
    this.fail(error, undefined);
  }

  /**
   * Decodes and checks one frame from the client, then handles it. A handler
   * that has to wait (for Redis) returns a promise, whose failure is answered
   * the same way; the promise is returned so that a subclass can queue frames.
   */
  protected receive(frame: Buffer, isBinary: boolean): Promise<void> | undefined {
    let ref: string | undefined;
    try {
      const value = parse(frame, isBinary, this.hub.maxMessageBytes);
      if (typeof value.type === 'string') ref = value.type;
      const message = validate(value);
      if (message.type === 'join') this.admit(message.room);
      return this.handle(message, frame)?.catch((error: unknown) => this.fail(error, ref));
    } catch (error) {
      this.fail(error, ref);
      return undefined;
    }
  }

  /** Throws `forbidden` unless this socket may join `room` (see RoomCheck). */
  private admit(room: string): void {
    if (!this.mayJoin) return;
    let allowed = false;
    try {
      allowed = this.mayJoin(room) === true;
    } catch (error) {
      console.error(`p2p-call relay: the room check threw, so the join is refused: ${(error as Error)?.stack ?? error}`);
    }
    if (!allowed) throw roomErrors.forbidden(room);
  }

  /** Does what a valid message asks; `frame` is its original bytes, for forwarding. */
  protected abstract handle(message: ClientMessage, frame: Buffer): Promise<void> | void;

  /** Leaves the room, if in one, telling the others how. */
  protected abstract leave(how: PeerLeftHow): void;

  /** Drops the membership without telling anyone (it was taken over). */
  protected abstract forget(): void;

  /**
   * A ProtocolError becomes one `error` reply naming the message type it
   * answers. A store that does not answer closes the socket with 1013, so
   * that its client comes back later (the store logs the outage once).
   * Anything else is a relay bug: thrown out of a ws listener it would take
   * every room down (or wedge this socket so it never closes), so it is
   * logged and only this socket is dropped.
   */
  protected fail(error: unknown, ref: string | undefined): void {
    countError(this.hub.counts, error instanceof ProtocolError ? error.code : error instanceof StoreUnavailable ? 'store-unavailable' : 'internal');
    if (error instanceof ProtocolError) {
      const reply: ErrorMessage = { type: 'error', code: error.code, message: error.message, ref };
      this.deliver(JSON.stringify(reply));
    } else if (error instanceof StoreUnavailable) {
      this.close(1013, 'try again later');
    } else {
      console.error('p2p-call relay: internal error', error);
      this.close(1011, 'internal error');
    }
  }

  private answered(): void {
    this.alive = true;
  }

  /**
   * A client that goes away closes cleanly: 1000, or a close frame with no
   * code (1005), which a page's `socket.close()` sends. Any other end (no
   * close frame, a missed heartbeat, a close code of the client's own, as one
   * reconnecting sends) may be a person still in the call: the others are
   * told it was `lost`, so that they keep a connection whose media still
   * flows (docs/protocol.md, peer-left). So is 1001 ("going away"): Chromium
   * sends it for a page it froze (a locked phone, a background tab), whose
   * call goes on once it resumes; a closing tab sends it too, after the
   * `leave` the element sends at `pagehide`.
   */
  private closed(code: number): void {
    this.hub.connections.delete(this);
    this.leave(code === 1000 || code === 1005 ? 'left' : 'lost');
  }
}

export function ignore(): void {}

export function countError({ errors }: Counts, cause: string): void {
  errors.set(cause, (errors.get(cause) ?? 0) + 1);
}

/** A new socket may send its whole burst at once (a TokenBucket starts empty). Throws a RangeError for a bad limit. */
export function fullAllowance({ kbPerSecond, burstKb }: RateLimit): TokenBucket {
  const allowance = new TokenBucket({ bucketSize: burstKb, tokensPerInterval: kbPerSecond, interval: 'second' });
  allowance.content = burstKb;
  return allowance;
}

/**
 * A second `join` on a socket in a room: one for the membership it already
 * has is ignored (a client that joined in its URL sends the same join again
 * once open, for relays that do not read URLs: docs/protocol.md); any other
 * is refused.
 */
export function refuseOtherJoin(join: JoinMessage, room: string, peer: string): void {
  if (join.room !== room || join.peer !== peer) throw roomErrors.alreadyJoined(room);
}
