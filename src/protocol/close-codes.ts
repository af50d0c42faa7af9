/**
 * WebSocket close codes of the protocol's own (docs/protocol.md, "Close
 * codes"), apart from messages.ts so that the element can import them
 * without the validator. A browser sees a close code but never the HTTP
 * status of a refused upgrade, so anything a page must be told about its
 * connection is said with one of these.
 */

/**
 * Another socket joined with my peer id and secret. Only my own client has
 * both, so for <p2p-call> this is a late handshake of its own taking over:
 * it reconnects to take its place back (docs/protocol.md, "Close codes").
 */
export const REPLACED = 4001;

/**
 * A socket that stayed in no room for six heartbeats (25-30 s by default):
 * the relay drops it (4000 + HTTP 408, Request Timeout). <p2p-call> never
 * idles so, and would reconnect as after any drop.
 */
export const NO_ROOM = 4408;

/** The relay's authorize() refused this connection (4000 + HTTP 401, as graphql-ws does). */
export const UNAUTHORIZED = 4401;

/**
 * A client dropping a socket of its own to reconnect (dead-looking, or
 * superseded by a new address): not 1000, so that the relay tells the others
 * I am `lost`, not gone, and they keep a connection to me that still works.
 */
export const RECONNECTING = 4000;
