import { MAX_HELD_CANDIDATES, type ErrorCode } from '../src/protocol/messages.js';

/**
 * A client mistake, as opposed to a relay bug. Handlers throw it and the
 * connection turns it into one `error` frame for the sender; the socket and
 * everyone else carry on. Anything else is a relay bug: it is logged and
 * closes only the socket that triggered it (close code 1011).
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
 * The room-state errors, worded once for both ways of keeping rooms
 * (room.ts in memory, redis/ in Redis), so a client sees the same text from either.
 */
export const roomErrors = {
  notJoined: (type: string) => new ProtocolError('not-joined', `join a room before sending "${type}"`),
  alreadyJoined: (room: string) => new ProtocolError('already-joined', `already in room "${room}"; leave first`),
  roomFull: (room: string, cap: number) => new ProtocolError('room-full', `room "${room}" is full (${cap} peers)`),
  unknownOffer: (offerId: string) => new ProtocolError('unknown-offer', `you hold no offer "${offerId}"`),
  unknownPeer: (to: string, room: string) => new ProtocolError('unknown-peer', `no other peer "${to}" in room "${room}"`),
  tooManyCandidates: (offerId: string) =>
    new ProtocolError('too-many-candidates', `offer "${offerId}" already has ${MAX_HELD_CANDIDATES} candidates, the most the relay keeps`),
};
