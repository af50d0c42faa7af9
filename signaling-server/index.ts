/**
 * The p2p-call signaling relay as a library: `createRelay()` starts one (or
 * attaches to your http.Server). The protocol it speaks is in docs/protocol.md.
 */
export { DEFAULT_MAX_PEERS } from '../src/protocol/limits.js';
export { createRelay, DEFAULT_HOST, DEFAULT_PORT, type Access, type Relay, type RelayOptions } from './relay.js';
export type { RoomCheck } from './connection.js';
export type { RateLimit } from './errors.js';
export type { RoomStats } from './rooms.js';
export type { RedisOptions } from './redis/redis-rooms.js';
export { tokenAuthorizer, type TokenOptions } from './tokens.js';
export type { TurnOptions } from './turn.js';
