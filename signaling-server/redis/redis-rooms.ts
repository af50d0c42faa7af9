/**
 * Rooms shared through Redis, for when one relay process is not enough:
 * every relay started with the same Redis (and prefix) serves the same rooms,
 * so two people on two relays behind a load balancer still meet.
 *
 * Room state lives in Redis and changes only through room-script.ts, which
 * also publishes each change to the room's channel. A relay subscribes to the
 * channels of the rooms its own sockets are in and hands each event to the
 * sockets it is for. Because one Redis script both changes a room and
 * publishes, every relay sees a room's events in the same order, which keeps
 * the protocol's promise that a `peer-joined` arrives before anything the
 * newcomer sends.
 *
 * A relay refreshes a presence key while it runs, and at each refresh sweeps
 * the rooms its sockets are in: when a relay dies without closing, the first
 * sweep (or join) into one of its rooms after its key expired drops its
 * members (their peers get `peer-left`). A room only dead relays were in is
 * swept by nobody; its keys expire (room-script.ts). A relay that finds its own
 * key gone (Redis lost its data, or the relay was cut off from it for longer
 * than nodeTtlMs and the others dropped its members) knows its sockets'
 * memberships may be gone too: it calls `onLost`, and the relay closes them so
 * that their clients rejoin, as after a relay restart. So does a relay whose
 * subscriber connection dropped: it may have missed events of its rooms.
 */
import { randomUUID } from 'node:crypto';
import { Redis, ReplyError } from 'ioredis';
import {
  MAX_HELD_BYTES,
  MAX_HELD_CANDIDATES,
  PROTOCOL_VERSION,
  type CandidateMessage,
  type HoldOfferMessage,
  type JoinMessage,
  type PeerInfo,
  type PeerJoinedMessage,
  type PeerLeftHow,
  type StatusMessage,
  type WelcomeMessage,
} from '../../src/protocol/messages.js';
import { ignore } from '../connection.js';
import { roomErrors, StoreUnavailable } from '../errors.js';
import { fromPrefix, withFrom } from '../frame.js';
import { heldBytes } from '../held-bytes.js';
import type { RoomStats } from '../rooms.js';
import { ROOM_SCRIPT } from './room-script.js';

/**
 * A room's keys expire this many nodeTtlMs after its last sweep: the relays
 * in it sweep every nodeTtlMs/3, so only a room that no live relay has
 * sockets in goes, a while after its last relay's presence expired.
 */
const ROOM_TTL_NODE_TTLS = 2;

export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]` */
  url: string;
  /** Put before every key and channel; relays that share rooms must agree on it. Default `p2p-call:`. */
  prefix?: string;
  /** A relay whose presence is not refreshed for this long counts as gone. Default 15000. */
  nodeTtlMs?: number;
  /**
   * A command Redis has not answered in this long fails, and the socket that
   * sent the frame is closed with 1013 (try again later): without it, a hung
   * Redis would hold every socket's frames, joins included, for as long as it hangs. Default 5000.
   */
  commandTimeoutMs?: number;
}

/** What the rooms need of a socket (a RedisConnection). */
export interface RoomSocket {
  /** Unique per socket: a takeover closes exactly the socket it replaced. */
  readonly id: string;
  /** Whether this socket's member holds an untaken offer (for stats). */
  holding: boolean;
  /** A room event for this socket's member. */
  fromRoom(frame: string | Buffer): void;
  /** Another socket took over this membership. */
  replaced(): void;
}

/** Who a socket joined as. */
export interface Membership {
  readonly room: string;
  readonly peer: string;
}

type Reply = [code: string, ...rest: unknown[]];
type HeldOffer = [from: string, offerId: string, sdp: string, candidates: string];
interface Scripted {
  p2pRoom(...args: (string | number | Buffer)[]): Promise<Reply>;
}

/** The sockets of this relay in one room, and its subscription to the room's channel. */
interface LocalRoom {
  /** Peer id → the socket that peer's events go to. */
  readonly members: Map<string, RoomSocket>;
  /**
   * Sockets whose join Redis has not made yet, by socket id. Each takes its
   * peer's place in `members` only with the room's `joined` event for it: a
   * join with someone's peer id but not their secret is refused, and until
   * then that peer's events must still reach its socket, not the joiner's.
   */
  readonly joining: Map<string, RoomSocket>;
  readonly subscribed: Promise<unknown>;
}

export class RedisRooms {
  /** This relay's id in Redis: the links of its members name it. */
  private readonly node = randomUUID();
  private readonly local = new Map<string, LocalRoom>();
  /** Every socket registered in a room here, by socket id, for takeovers. */
  private readonly sockets = new Map<string, RoomSocket>();
  private readonly presence: NodeJS.Timeout;
  /** Set after the first refresh: from then on, a missing presence key means it was lost. */
  private present = false;
  /** While sweep() runs: a refresh that comes meanwhile does not start another. */
  private sweeping = false;
  /** Between the subscriber's connection dropping and its coming back. */
  private resubscribing = false;
  /** False from a command that failed for want of Redis until one succeeds: an outage is logged once. */
  private answering = true;
  /**
   * Memberships of sockets that are gone but may still be in Redis, by socket
   * id: leaves Redis did not take, and the places kept for clients the relay
   * sent away (keepPlace). Each is left at the first presence refresh from
   * `notBefore` on, again at each one until Redis has it, or the room would
   * keep it as a ghost.
   */
  private readonly unsettled = new Map<string, { membership: Membership; how: PeerLeftHow; notBefore: number }>();

  private constructor(
    private readonly commands: Redis & Scripted,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly nodeTtlMs: number,
    private readonly maxPeersPerRoom: number,
    private readonly onLost: () => void,
  ) {
    subscriber.on('messageBuffer', (channel: Buffer, event: Buffer) => this.dispatch(channel, event));
    const refresh = () => void this.refreshPresence().catch(ignore);
    this.presence = setInterval(refresh, nodeTtlMs / 3).unref();
    commands.on('ready', refresh); // after a reconnect, check at once
    // Pub/sub keeps nothing for a subscriber that is away: what was published to this
    // relay's rooms while it reconnected (a leave, a newcomer, an answer) is lost, so its
    // sockets rejoin to catch up, as when its presence was lost.
    subscriber.on('close', () => (this.resubscribing = true));
    subscriber.on('ready', () => {
      if (this.resubscribing) onLost();
      this.resubscribing = false;
    });
  }

  /**
   * Connects (one connection for commands, one for subscriptions); rejects if Redis cannot be reached.
   * `onLost`: this relay's room state in Redis may be gone; its sockets must rejoin.
   */
  static async connect(options: RedisOptions, maxPeersPerRoom: number, onLost: () => void): Promise<RedisRooms> {
    const { url, prefix = 'p2p-call:', nodeTtlMs = 15_000, commandTimeoutMs = 5000 } = options;
    const shown = loggable(url);
    // ioredis reads anything else as a socket path: "http://host" would fail as "ENOENT //host".
    if (!/^rediss?:\/\//i.test(url)) throw new TypeError(`the Redis URL must start with redis:// or rediss://, not "${shown}"`);
    const connect = () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: commandTimeoutMs });
    const [commands, subscriber] = [connect(), connect()];
    // ioredis would retry forever in the background; at startup a clear failure is more useful.
    // Its first 'error' says why (ECONNREFUSED …); connect() itself only says "Connection is closed".
    let why: Error | undefined;
    const quiet = (error: Error) => void (why ??= error);
    commands.on('error', quiet);
    subscriber.on('error', quiet);
    /** Lets go of both connections: this Redis will not be used. */
    const refuse = (message: string) => {
      commands.disconnect();
      subscriber.disconnect();
      return new Error(message);
    };
    try {
      await Promise.all([commands.connect(), subscriber.connect()]);
    } catch (error) {
      throw refuse(`cannot reach Redis at ${shown}: ${(why ?? (error as Error)).message}`);
    }
    // A room's keys have no hash tag, so in a cluster every room script fails (CROSSSLOT): say so now,
    // not with every join closed. A Redis that does not allow INFO is given the benefit of the doubt.
    const cluster = await commands.info('cluster').then((info) => /^cluster_enabled:1/m.test(info), () => false);
    if (cluster) throw refuse(`Redis at ${shown} is a cluster, which p2p-call does not support: give it a standalone Redis`);
    // While Redis is down, ioredis reports every attempt to reconnect: the same line, once.
    const log = withoutRepeats(logRedisError);
    commands.off('error', quiet).on('error', log);
    subscriber.off('error', quiet).on('error', log);
    commands.defineCommand('p2pRoom', { numberOfKeys: 5, lua: ROOM_SCRIPT });
    const rooms = new RedisRooms(commands as Redis & Scripted, subscriber, prefix, nodeTtlMs, maxPeersPerRoom, onLost);
    await rooms.refreshPresence();
    return rooms;
  }

  /** Adds the socket to the room; resolves with its welcome, or rejects (room-full). */
  async join(socket: RoomSocket, { room, peer }: Membership, message: JoinMessage): Promise<WelcomeMessage> {
    try {
      // Registered and subscribed before the join is made, so no event for it can be missed.
      await this.register(socket, room);
      const cap = Math.min(this.maxPeersPerRoom, message.maxPeers ?? Infinity);
      const info: PeerInfo = { peer, name: message.name, status: message.status ?? {} };
      const [code, peers, held] = await this.script(socket, { room, peer }, 'join',
        JSON.stringify(info), this.node, cap, message.secret ?? '-');
      if (code === 'room-full') throw roomErrors.roomFull(room, cap);
      if (code === 'peer-taken') throw roomErrors.peerTaken(peer, room);
      return {
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        room,
        peer,
        peers: (peers as string[]).map((json) => JSON.parse(json) as PeerInfo),
        offers: (held as HeldOffer[]).map(([from, offerId, sdp, candidates]) => ({
          from,
          offerId,
          sdp,
          candidates: JSON.parse(`[${candidates}]`),
        })),
      };
    } catch (error) {
      // Redis may still run the join once it answers: a place kept, as for any socket sent away.
      if (error instanceof StoreUnavailable) this.keepPlace(socket, { room, peer });
      else this.unregister(socket, room, peer);
      throw error;
    }
  }

  async leave(socket: RoomSocket, membership: Membership, how: PeerLeftHow): Promise<void> {
    this.forget(socket, membership);
    await this.settle(socket.id, membership, how);
  }

  /**
   * The socket was closed with 1013 because Redis did not answer. Its client
   * reconnects at once and takes its place back (a takeover, which the others
   * do not hear of), so its membership is left only if it has not come back
   * within nodeTtlMs: a Redis that hangs a few seconds must not end every
   * call (peer-left, then peer-joined: a new connection for each pair).
   */
  keepPlace(socket: RoomSocket, membership: Membership): void {
    this.forget(socket, membership);
    this.unsettled.set(socket.id, { membership, how: 'lost', notBefore: Date.now() + this.nodeTtlMs });
  }

  /** Drops the socket here only: its membership was taken over. */
  forget(socket: RoomSocket, { room, peer }: Membership): void {
    socket.holding = false;
    this.unregister(socket, room, peer);
  }

  async hold(socket: RoomSocket, membership: Membership, message: HoldOfferMessage): Promise<void> {
    await this.run(socket, membership, 'hold', message.offerId, message.sdp, heldBytes(message.sdp));
    socket.holding = true;
  }

  /** A candidate for the sender's own held offer: kept with it, or sent on to its taker. */
  async offerCandidate(socket: RoomSocket, membership: Membership, message: CandidateMessage, frame: Buffer): Promise<void> {
    const offerId = message.offerId as string; // validate() guarantees exactly one of to/offerId
    const candidate = JSON.stringify(message.candidate);
    const code = await this.run(socket, membership, 'offer-candidate',
      offerId, candidate, withFrom(fromPrefix(membership.peer), frame), MAX_HELD_CANDIDATES, MAX_HELD_BYTES, heldBytes(candidate));
    if (code === 'unknown-offer') throw roomErrors.unknownOffer(offerId);
    if (code === 'too-many-candidates') throw roomErrors.tooManyCandidates(offerId);
  }

  async forward(socket: RoomSocket, membership: Membership, to: string, frame: Buffer): Promise<void> {
    const code = await this.run(socket, membership, 'forward', to, withFrom(fromPrefix(membership.peer), frame));
    if (code === 'unknown-peer') throw roomErrors.unknownPeer(to, membership.room);
  }

  async status(socket: RoomSocket, membership: Membership, message: StatusMessage, frame: Buffer): Promise<void> {
    await this.run(socket, membership, 'status',
      JSON.stringify(message.status), withFrom(fromPrefix(membership.peer), frame));
  }

  /**
   * Resolves once every room event Redis published before now has been
   * dispatched here: a PING on the subscriber connection is answered in line
   * with the messages pushed on it.
   */
  async caughtUp(): Promise<void> {
    await this.call(this.subscriber.ping());
  }

  /**
   * False while a connection to Redis is down, and from a command that failed
   * for want of Redis until one succeeds (see call()). The first is known at
   * once when Redis goes away (its connections drop); the second is what tells
   * a Redis that hangs with its connections open, at the next command.
   */
  get healthy(): boolean {
    return this.answering && this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** What this relay's own sockets hold. */
  stats(): RoomStats {
    let peers = 0;
    let heldOffers = 0;
    for (const { members } of this.local.values()) {
      peers += members.size;
      for (const socket of members.values()) if (socket.holding) heldOffers++;
    }
    return { rooms: this.local.size, peers, heldOffers };
  }

  /** Call after every socket has left. */
  async close(): Promise<void> {
    clearInterval(this.presence);
    // Every unsettled membership goes now, kept places too: nobody comes back to a relay that stops.
    // Without a Redis that answers, waiting for it would only add a command timeout or two;
    // they then go when the others see this relay's presence expire.
    const unsettled = [...this.unsettled];
    this.unsettled.clear();
    if (this.answering) {
      await Promise.all(unsettled.map(([id, { membership, how }]) => this.settle(id, membership, how))).catch(ignore);
      await this.call(this.commands.del(this.nodeKey(this.node))).catch(ignore);
    }
    if (this.answering) await Promise.all([this.commands.quit(), this.subscriber.quit()]).catch(logRedisError);
    else for (const connection of [this.commands, this.subscriber]) connection.disconnect();
  }

  /** Runs a member's op; a lost membership (taken over meanwhile) is `not-joined`. Other codes are the caller's. */
  private async run(socket: RoomSocket, membership: Membership, op: string, ...args: (string | number | Buffer)[]): Promise<string> {
    const [code] = await this.script(socket, membership, op, ...args);
    if (code === 'not-joined') throw roomErrors.notJoined(op === 'hold' ? 'offer' : op);
    return code;
  }

  private script({ id }: Pick<RoomSocket, 'id'>, { room, peer }: Membership, op: string, ...args: (string | number | Buffer)[]): Promise<Reply> {
    const key = `${this.prefix}room:${room}:`;
    return this.call(this.commands.p2pRoom(
      `${key}members`, `${key}links`, `${key}offers`, `${key}cands`, `${key}routes`,
      op, this.channel(room), peer, id, this.nodeKey(''), ROOM_TTL_NODE_TTLS * this.nodeTtlMs, ...args,
    ));
  }

  /** Leaves the room in Redis for the socket `id`, or keeps the membership in `unsettled` to leave later. */
  private async settle(id: string, membership: Membership, how: PeerLeftHow): Promise<void> {
    try {
      await this.script({ id }, membership, 'leave', how); // not-joined: it was taken over, nothing to announce
      this.unsettled.delete(id);
    } catch (error) {
      if (error instanceof StoreUnavailable) this.unsettled.set(id, { membership, how, notBefore: 0 });
      throw error;
    }
  }

  /**
   * Every command goes through here. A failure for want of Redis (down, or
   * hung past commandTimeoutMs) becomes a StoreUnavailable, and the outage is
   * logged once, when it starts and when Redis answers again. An error Redis
   * itself replied with (ReplyError: a script that failed) is a relay bug and
   * passes as it is.
   */
  private async call<T>(command: Promise<T>): Promise<T> {
    try {
      const result = await command;
      if (!this.answering) console.error('p2p-call relay: redis answers again');
      this.answering = true;
      return result;
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      const why = (error as Error).message;
      if (this.answering) console.error(`p2p-call relay: redis does not answer (${why}); sockets are closed with 1013 when a frame needs it, until it does`);
      this.answering = false;
      throw new StoreUnavailable(why);
    }
  }

  /** Adds a joining socket to the room here; it gets its peer's events once Redis has made the join (dispatch). */
  private async register(socket: RoomSocket, room: string): Promise<void> {
    let local = this.local.get(room);
    if (!local) {
      local = { members: new Map(), joining: new Map(), subscribed: this.call(this.subscriber.subscribe(this.channel(room))) };
      this.local.set(room, local);
    }
    local.joining.set(socket.id, socket);
    this.sockets.set(socket.id, socket);
    await local.subscribed;
  }

  /** Drops the socket here, joined or still joining; the room's channel goes with its last socket. */
  private unregister(socket: RoomSocket, room: string, peer: string): void {
    this.sockets.delete(socket.id);
    const local = this.local.get(room);
    if (!local) return;
    if (local.members.get(peer) === socket) local.members.delete(peer);
    local.joining.delete(socket.id);
    if (local.members.size === 0 && local.joining.size === 0) {
      this.local.delete(room);
      this.call(this.subscriber.unsubscribe(this.channel(room))).catch(ignore);
    }
  }

  /** One event from a room's channel: "kind target payload" (room-script.ts). */
  private dispatch(channel: Buffer, event: Buffer): void {
    const local = this.local.get(channel.toString().slice(this.channel('').length));
    if (!local) return;
    const afterKind = event.indexOf(0x20);
    const afterTarget = event.indexOf(0x20, afterKind + 1);
    const kind = event.toString('latin1', 0, afterKind);
    const target = event.toString('latin1', afterKind + 1, afterTarget);
    const payload = event.subarray(afterTarget + 1);
    if (kind === 'to') {
      local.members.get(target)?.fromRoom(payload);
    } else if (kind === 'all') {
      for (const [peer, socket] of local.members) if (peer !== target) socket.fromRoom(payload);
    } else if (kind === 'joined') {
      const { info, offers, conn } = JSON.parse(payload.toString()) as { info: PeerInfo; offers: Record<string, string>; conn: string };
      // The join is made: from this event on, the peer's events are the joiner's (if it is here).
      const joiner = local.joining.get(conn);
      if (joiner) {
        local.joining.delete(conn);
        local.members.set(target, joiner);
      }
      for (const [peer, socket] of local.members) {
        if (peer === target) continue;
        const offerId = Object.hasOwn(offers, peer) ? offers[peer] : undefined; // a peer may be called __proto__
        if (offerId !== undefined) socket.holding = false;
        const joined: PeerJoinedMessage = { type: 'peer-joined', peer: info.peer, name: info.name, status: info.status, offerId };
        socket.fromRoom(JSON.stringify(joined));
      }
    } else if (kind === 'replaced') {
      this.sockets.get(payload.toString())?.replaced();
    }
  }

  private async refreshPresence(): Promise<void> {
    const before = await this.call(this.commands.set(this.nodeKey(this.node), '1', 'PX', this.nodeTtlMs, 'GET'));
    if (before === null && this.present) this.onLost();
    this.present = true;
    void this.sweep();
    const now = Date.now();
    for (const [id, { membership, how, notBefore }] of this.unsettled)
      if (notBefore <= now) void this.settle(id, membership, how).catch(ignore);
  }

  /**
   * Sweeps the rooms this relay's sockets are in (room-script.ts), so that
   * everyone in them hears of members whose relay died, not only at the next
   * join. One room after another: a script per room all at once would hold up
   * Redis, and every frame waiting on it, for the whole batch.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const room of [...this.local.keys()]) await this.script({ id: '' }, { room, peer: '' }, 'sweep');
    } catch {
      // Redis is away: the next refresh sweeps again.
    } finally {
      this.sweeping = false;
    }
  }

  private channel(room: string): string {
    return `${this.prefix}room:${room}`;
  }

  private nodeKey(node: string): string {
    return `${this.prefix}node:${node}`;
  }
}

/** `url` as it may be written to a log: without its password. */
function loggable(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function logRedisError(error: Error): void {
  console.error(`p2p-call relay: redis: ${error.message}`);
}

function withoutRepeats(log: (error: Error) => void): (error: Error) => void {
  let last: string | undefined;
  return (error) => {
    if (error.message !== last) log(error);
    last = error.message;
  };
}
