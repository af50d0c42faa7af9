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

/** The relay's authorize() refused this connection (4000 + HTTP 401, as graphql-ws does). */
export const UNAUTHORIZED = 4401;
