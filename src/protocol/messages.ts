/**
 * The signaling protocol, defined once.
 *
 * Every message is one JSON object in one WebSocket text frame, with a `type`.
 * The schemas below are the single source of truth: the relay validates with
 * them, the element imports only their static types (so no validator is
 * bundled into the drop-in file), and `docs/protocol.md` describes them.
 *
 * Identity: a peer chooses its own `peer` id when it joins, so that after a
 * relay restart it can come back as the same peer and keep its calls.
 *
 * Held offers: every peer in a room keeps one offer (with an `offerId`) held
 * at the relay for the next joiner. A joiner receives every held offer in its
 * `welcome` and can answer at once, without a round trip to anybody.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_NAME_LENGTH, MAX_PEERS, MAX_ROOM_LENGTH, MIN_PEERS } from './limits.js';

export const PROTOCOL_VERSION = 1;

/** Largest frame the relay accepts; larger ones get a `too-large` error. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Candidates the relay keeps with one held offer; more get a
 * `too-many-candidates` error. An offer gathers a few, a few dozen on a
 * machine with many network interfaces; without a cap one client could make
 * the relay (or Redis) keep candidates without bound.
 */
export const MAX_HELD_CANDIDATES = 64;
/**
 * Bytes a held offer and its candidates may take together (the SDP, and each
 * candidate as JSON). Real ones take a few KB; without it a socket could park
 * 64 candidates of 4 KB each, and a few thousand sockets gigabytes.
 */
export const MAX_HELD_BYTES = MAX_MESSAGE_BYTES;

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/** A join's `secret`: long enough that nobody guesses another client's (a UUID fits). */
const Secret = Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/**
 * Text, not just a string: no half of a surrogate pair. JSON can carry one
 * escaped ("\ud800"), but it is no character; Redis's Lua cannot decode it,
 * and Redis would fold two such room names into one key.
 */
const TEXT = '^(?:[^\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';
const Room = Type.String({ minLength: 1, maxLength: MAX_ROOM_LENGTH, pattern: TEXT });
const Name = Type.String({ maxLength: MAX_NAME_LENGTH, pattern: TEXT });
const Sdp = Type.String({ minLength: 1, maxLength: MAX_MESSAGE_BYTES });

/**
 * Every object is strict, these two from the browser's WebRTC API included:
 * the relay stores held candidates and forwards frames as they came, so a
 * field nobody checks would let one member park megabytes of anything in the
 * relay and in every joiner's `welcome`. They are what `toJSON()` gives.
 */
const strict = { additionalProperties: false } as const;

/** What a peer shows the others about its media; merged key by key. */
export const PeerStatus = Type.Object(
  {
    audio: Type.Optional(Type.Boolean()),
    video: Type.Optional(Type.Boolean()),
    screen: Type.Optional(Type.Boolean()),
    name: Type.Optional(Name),
  },
  strict,
);

/** `RTCIceCandidateInit`, or `null` for end-of-candidates. */
export const Candidate = Type.Union([
  Type.Object(
    {
      candidate: Type.String({ maxLength: 4096 }),
      sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
      sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
      usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    },
    strict,
  ),
  Type.Null(),
]);

/** `RTCSessionDescriptionInit` as it travels. */
export const Description = Type.Object(
  {
    type: Type.Union([
      Type.Literal('offer'),
      Type.Literal('answer'),
      Type.Literal('pranswer'),
      Type.Literal('rollback'),
    ]),
    sdp: Type.Optional(Type.String({ maxLength: MAX_MESSAGE_BYTES })),
  },
  strict,
);

// ---- client → relay ----------------------------------------------------

export const JoinMessage = Type.Object(
  {
    type: Type.Literal('join'),
    room: Room,
    /** Chosen by the client; reused on reconnect. The relay makes one if absent. */
    peer: Type.Optional(Id),
    /**
     * Chosen by the client and never shown to anyone: a later join with the
     * same peer id takes this membership over only with the same secret.
     * Peer ids are public (every `welcome` lists them), so without it any
     * member could evict another and then speak as them.
     */
    secret: Type.Optional(Secret),
    name: Type.Optional(Name),
    /** The most people this client wants in a room (the relay's cap still applies). */
    maxPeers: Type.Optional(Type.Integer({ minimum: MIN_PEERS, maximum: MAX_PEERS })),
    status: Type.Optional(PeerStatus),
  },
  strict,
);

/** Hold this offer for the next joiner; replaces the sender's untaken held offer. */
export const HoldOfferMessage = Type.Object(
  { type: Type.Literal('offer'), offerId: Id, sdp: Sdp },
  strict,
);

/**
 * A trickled ICE candidate. Exactly one of `to` (a peer) or `offerId` (the
 * sender's own held offer: held with it, or forwarded to whoever took it).
 */
export const CandidateMessage = Type.Object(
  {
    type: Type.Literal('candidate'),
    to: Type.Optional(Id),
    offerId: Type.Optional(Id),
    candidate: Candidate,
  },
  strict,
);

/** An offer or answer sent straight to one peer (answers, renegotiation, ICE restart). */
export const DescriptionMessage = Type.Object(
  {
    type: Type.Literal('description'),
    to: Id,
    /** May name the held offer an answer answers: informative only, the relay checks nothing (<p2p-call> leaves it out). */
    offerId: Type.Optional(Id),
    description: Description,
  },
  strict,
);

/** Tell the room about my media state (muted, camera off, sharing, name). */
export const StatusMessage = Type.Object(
  { type: Type.Literal('status'), status: PeerStatus },
  strict,
);

export const LeaveMessage = Type.Object({ type: Type.Literal('leave') }, strict);

/** Application-level heartbeat: browsers cannot see WebSocket pings. */
export const PingMessage = Type.Object({ type: Type.Literal('ping') }, strict);

export const ClientMessage = Type.Union([
  JoinMessage,
  HoldOfferMessage,
  CandidateMessage,
  DescriptionMessage,
  StatusMessage,
  LeaveMessage,
  PingMessage,
]);

/** Schemas by `type`, so the relay can name the exact field that is wrong. */
export const clientMessageSchemas = {
  join: JoinMessage,
  offer: HoldOfferMessage,
  candidate: CandidateMessage,
  description: DescriptionMessage,
  status: StatusMessage,
  leave: LeaveMessage,
  ping: PingMessage,
} satisfies Record<string, TSchema>;

export type ClientMessage = Static<typeof ClientMessage>;
export type JoinMessage = Static<typeof JoinMessage>;
export type HoldOfferMessage = Static<typeof HoldOfferMessage>;
export type CandidateMessage = Static<typeof CandidateMessage>;
export type DescriptionMessage = Static<typeof DescriptionMessage>;
export type StatusMessage = Static<typeof StatusMessage>;
export type PeerStatus = Static<typeof PeerStatus>;
export type CandidateInit = Static<typeof Candidate>;
export type DescriptionInit = Static<typeof Description>;

// ---- relay → client ----------------------------------------------------

export interface PeerInfo {
  peer: string;
  name?: string;
  status: PeerStatus;
}

/** A held offer handed to a joiner, with every candidate trickled for it so far. */
export interface DeliveredOffer {
  from: string;
  offerId: string;
  sdp: string;
  candidates: CandidateInit[];
}

export interface WelcomeMessage {
  type: 'welcome';
  protocol: typeof PROTOCOL_VERSION;
  room: string;
  /** Your id (the one you asked for, or one the relay made). */
  peer: string;
  /** Everyone else already in the room. */
  peers: PeerInfo[];
  /** Every held offer in the room, now yours to answer. */
  offers: DeliveredOffer[];
}

/**
 * STUN/TURN servers the relay offers, sent before anything else on a socket
 * (before `welcome`), and again on every new socket, so TURN credentials that
 * expire are fresh at every (re)connection. Clients add them to their own.
 */
export interface IceServersMessage {
  type: 'ice-servers';
  iceServers: { urls: string[]; username?: string; credential?: string }[];
}

export interface PeerJoinedMessage {
  type: 'peer-joined';
  peer: string;
  name?: string;
  status: PeerStatus;
  /** Present when the joiner took your held offer: bind it to this peer and hold a fresh one. */
  offerId?: string;
}

/**
 * How a peer left: `left` when it said so (a `leave`, or its socket closed
 * cleanly with 1000 or no code); `lost` when its socket was lost (no close
 * frame, a missed heartbeat, any other close code, as a client reconnecting
 * sends, or 1001, as Chromium sends for a page it freezes): the person may
 * still be there, their media still flowing, and back on the relay in a moment.
 */
export type PeerLeftHow = 'left' | 'lost';

export interface PeerLeftMessage {
  type: 'peer-left';
  peer: string;
  /** Relays before this field send none: read it as `left`. */
  reason?: PeerLeftHow;
}

/** Forwarded messages are the sender's own frame plus `from`. */
export type Forwarded<M> = M & { from: string };

export interface PongMessage {
  type: 'pong';
}

export const ERROR_CODES = [
  'bad-json',
  'bad-message',
  'too-large',
  'not-joined',
  'already-joined',
  'forbidden',
  'room-full',
  'peer-taken',
  'unknown-peer',
  'unknown-offer',
  'too-many-candidates',
  'rate-limited',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  /** Human-readable: names the field or limit that was wrong. */
  message: string;
  /** The `type` of the offending message, when it had one. */
  ref?: string;
}

export type ServerMessage =
  | IceServersMessage
  | WelcomeMessage
  | PeerJoinedMessage
  | PeerLeftMessage
  | Forwarded<CandidateMessage>
  | Forwarded<DescriptionMessage>
  | Forwarded<StatusMessage>
  | PongMessage
  | ErrorMessage;
