import { MAX_HELD_BYTES, MAX_HELD_CANDIDATES, type ErrorCode } from '../src/protocol/messages.js';

/**
 * How much one socket may send (RelayOptions.rateLimit), in KB: every
 * message counts one per KB it started (an ICE candidate 1, an offer 3-9),
 * so the limit bounds both how many messages and how many bytes.
 */
export interface RateLimit {
  /** Sustained. */
  kbPerSecond: number;
  /** At once, after a quiet spell. Also the largest message that can ever pass. */
  burstKb: number;
}

/**
 * A client mistake, as opposed to a relay bug. Handlers throw it and the
 * connection turns it into one `error` frame for the sender; the socket and
 * everyone else carry on. Anything else but StoreUnavailable is a relay bug:
 * it is logged and closes only the socket that triggered it (close code 1011).
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The store that keeps the rooms (Redis) did not answer: it is down, or hung
 * past its command timeout. Neither the client's mistake nor a relay bug: the
 * socket is closed with 1013 (try again later) and its client reconnects.
 */
export class StoreUnavailable extends Error {}

export function rateLimited({ kbPerSecond, burstKb }: RateLimit): ProtocolError {
  return new ProtocolError(
    'rate-limited',
    `over the limit of ${kbPerSecond} KB a second (bursts of ${burstKb} KB; a message counts at least 1 KB); this one was dropped`,
  );
}

/**
 * The room-state errors, worded once for both ways of keeping rooms
 * (room.ts in memory, redis/ in Redis), so a client sees the same text from either.
 */
export const roomErrors = {
  notJoined: (type: string) => new ProtocolError('not-joined', `join a room before sending "${type}"`),
  alreadyJoined: (room: string) => new ProtocolError('already-joined', `already in room "${room}"; leave first`),
  forbidden: (room: string) => new ProtocolError('forbidden', `this connection may not join room "${room}"`),
  roomFull: (room: string, cap: number) => new ProtocolError('room-full', `room "${room}" is full (${cap} peers)`),
  peerTaken: (peer: string, room: string) =>
    new ProtocolError('peer-taken', `peer id "${peer}" is in room "${room}" on another connection, which joined with another secret`),
  unknownOffer: (offerId: string) => new ProtocolError('unknown-offer', `you hold no offer "${offerId}"`),
  unknownPeer: (to: string, room: string) => new ProtocolError('unknown-peer', `no other peer "${to}" in room "${room}"`),
  tooManyCandidates: (offerId: string) =>
    new ProtocolError(
      'too-many-candidates',
      `offer "${offerId}" already has as many candidates as the relay keeps (${MAX_HELD_CANDIDATES}, or ${MAX_HELD_BYTES / 1024} KB with the offer)`,
    ),
};
