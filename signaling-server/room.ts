/**
 * One room: who is in it, what they show, and the offers they hold.
 *
 * The room knows nothing about WebSockets: members are reached through an
 * Endpoint, so the whole protocol state machine lives here and the socket
 * plumbing lives in connection.ts.
 */
import {
  MAX_HELD_BYTES,
  MAX_HELD_CANDIDATES,
  PROTOCOL_VERSION,
  type CandidateInit,
  type CandidateMessage,
  type DeliveredOffer,
  type HoldOfferMessage,
  type JoinMessage,
  type PeerInfo,
  type PeerLeftHow,
  type PeerStatus,
  type ServerMessage,
  type StatusMessage,
} from '../src/protocol/messages.js';
import { roomErrors } from './errors.js';
import { fromPrefix, withFrom } from './frame.js';
import { heldBytes } from './held-bytes.js';

/** How the room talks to a member's socket. */
export interface Endpoint {
  /** Sends one text frame. */
  deliver(frame: string | Buffer): void;
  /** Another socket took over this membership: forget it and close with 4001. */
  replaced(): void;
}

/** The status of every member that joined without one; frozen, as members share it. */
const NO_STATUS: PeerStatus = Object.freeze({});

/** An offer parked at the relay for the next joiner, with its candidates so far. */
interface HeldOffer {
  offerId: string;
  sdp: string;
  candidates: CandidateInit[];
  /** What MAX_HELD_BYTES caps (heldBytes): the SDP and its candidates as JSON. */
  bytes: number;
}

export interface Member {
  readonly room: Room;
  readonly peer: string;
  readonly name: string | undefined;
  /** What a takeover of this membership must show (JoinMessage.secret); none: it cannot be taken over. */
  readonly secret: string | undefined;
  /** Replaced, never changed in place: it may be shared (NO_STATUS) or be the joiner's parsed frame. */
  status: PeerStatus;
  readonly endpoint: Endpoint;
  /** `{"from":"<peer>",` for forwarding this member's frames; made on its first forward, see prefixOf(). */
  prefix: Buffer | undefined;
  /** The offer waiting for the next joiner, if any. */
  held: HeldOffer | undefined;
  /**
   * offerId → peer that took it. A taken offer's late candidates still name
   * its offerId (the owner may not have seen peer-joined yet), so we keep the
   * route until the taker or the owner leaves. Made on first use: most
   * members of a big relay sit idle, and every idle byte counts (bench/).
   */
  taken?: Map<string, string>;
}

export class Room {
  /**
   * An array, not a Map: a room holds at most maxPeers members, so finding one
   * by id is a short scan, and in a big relay most rooms are two idle members,
   * for whom a Map's hash table would cost more than the rest of the room.
   * Joins replace it with concat(), which allocates exactly the new length
   * (push would leave room for 16 more).
   */
  private members: readonly Member[] = [];

  constructor(
    readonly name: string,
    private readonly maxPeers: number,
  ) {}

  get size(): number {
    return this.members.length;
  }

  /** Untaken held offers, for stats. */
  get heldOffers(): number {
    return this.members.filter((member) => member.held).length;
  }

  /**
   * Adds `peer`, handing it every untaken held offer. If `peer` is already
   * here on another socket, this socket takes over, given the secret that one
   * joined with: a client that reconnects after a network blip comes back
   * before the relay notices the old socket is dead, so the old membership is
   * dropped silently (a takeover is not a departure, hence no peer-left).
   */
  join(endpoint: Endpoint, message: JoinMessage, peer: string): Member {
    const previous = this.find(peer);
    if (previous && (previous.secret === undefined || previous.secret !== message.secret)) {
      throw roomErrors.peerTaken(peer, this.name);
    }
    const cap = Math.min(this.maxPeers, message.maxPeers ?? Infinity);
    if (this.members.length - (previous ? 1 : 0) >= cap) {
      throw roomErrors.roomFull(this.name, cap);
    }
    if (previous) {
      this.leave(previous);
      previous.endpoint.replaced();
    }

    const member: Member = {
      room: this,
      peer,
      name: message.name,
      secret: message.secret,
      status: message.status ?? NO_STATUS,
      endpoint,
      prefix: undefined,
      held: undefined,
    };
    const peers: PeerInfo[] = [];
    const offers: DeliveredOffer[] = [];
    for (const other of this.members) {
      peers.push({ peer: other.peer, name: other.name, status: other.status });
      const held = other.held;
      if (held) {
        other.held = undefined;
        (other.taken ??= new Map()).set(held.offerId, peer);
        offers.push({ from: other.peer, offerId: held.offerId, sdp: held.sdp, candidates: held.candidates });
      }
      send(other, { type: 'peer-joined', peer, name: member.name, status: member.status, offerId: held?.offerId });
    }
    this.members = this.members.concat([member]);
    send(member, { type: 'welcome', protocol: PROTOCOL_VERSION, room: this.name, peer, peers, offers });
    return member;
  }

  /** Removes a member, its held offer and every route to offers it had taken; `how` it left is announced, unless none (a takeover). */
  leave(member: Member, how?: PeerLeftHow): void {
    this.members = this.members.filter((other) => other !== member);
    for (const other of this.members) {
      for (const [offerId, taker] of other.taken ?? []) {
        if (taker === member.peer) other.taken!.delete(offerId);
      }
      if (how) send(other, { type: 'peer-left', peer: member.peer, reason: how });
    }
  }

  /** Parks an offer for the next joiner, replacing the member's untaken one. */
  hold(member: Member, message: HoldOfferMessage): void {
    member.held = { offerId: message.offerId, sdp: message.sdp, candidates: [], bytes: heldBytes(message.sdp) };
  }

  /** A candidate for a peer, or for the sender's own held offer (kept with it, or sent on to its taker). */
  candidate(member: Member, message: CandidateMessage, frame: Buffer): void {
    if (message.to !== undefined) return this.forward(member, message.to, frame);
    const offerId = message.offerId as string; // validate() guarantees exactly one of to/offerId
    const held = member.held;
    if (held?.offerId === offerId) {
      const bytes = held.bytes + heldBytes(JSON.stringify(message.candidate));
      if (held.candidates.length >= MAX_HELD_CANDIDATES || bytes > MAX_HELD_BYTES) throw roomErrors.tooManyCandidates(offerId);
      held.candidates.push(message.candidate);
      held.bytes = bytes;
      return;
    }
    const taker = member.taken?.get(offerId);
    if (taker === undefined) {
      throw roomErrors.unknownOffer(offerId);
    }
    this.forward(member, taker, frame);
  }

  /** Sends the sender's frame, plus `from`, to one other member. */
  forward(member: Member, to: string, frame: Buffer): void {
    const target = this.find(to);
    if (!target || target === member) {
      throw roomErrors.unknownPeer(to, this.name);
    }
    target.endpoint.deliver(withFrom(prefixOf(member), frame));
  }

  /** Merges the sender's status and tells everyone else. */
  status(member: Member, message: StatusMessage, frame: Buffer): void {
    member.status = { ...member.status, ...message.status };
    const forwarded = withFrom(prefixOf(member), frame);
    for (const other of this.members) {
      if (other !== member) other.endpoint.deliver(forwarded);
    }
  }

  has(member: Member): boolean {
    return this.members.includes(member);
  }

  private find(peer: string): Member | undefined {
    for (const member of this.members) if (member.peer === peer) return member;
    return undefined;
  }
}

function send(member: Member, message: ServerMessage): void {
  member.endpoint.deliver(JSON.stringify(message));
}

/**
 * Made when first needed, like `taken`: a member that never forwards anything
 * (most of a big relay) costs no buffer.
 */
function prefixOf(member: Member): Buffer {
  return (member.prefix ??= fromPrefix(member.peer));
}
